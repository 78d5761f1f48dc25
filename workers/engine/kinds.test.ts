import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../test/fixtures/secrets/corpus.ts';
import { CONTROLS } from '../controls/index.ts';
import { ARTIFACT_KINDS } from '../model/evidence.ts';
import { detectKind } from './detect-kind.ts';
import { artifactNames, isKind, KINDS, kindSpec } from './kinds.ts';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);

function fixtureFiles(kind: string): string[] {
  try {
    return readdirSync(new URL(`${kind}/`, FIXTURES)).filter((f) => !f.endsWith('.md'));
  } catch {
    return [];
  }
}

describe('the table of kinds', () => {
  it('has a row for every kind, in no other order than detection needs', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...ARTIFACT_KINDS].sort());
  });

  /** Fixtures whose kind no sign can tell: a bare list of package names could be anything. */
  const UNTELLABLE = new Set(['packages/names-only.txt']);

  it.each(ARTIFACT_KINDS)('%s has fixtures, detected as their kind', (kind) => {
    const files = fixtureFiles(kind);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(new URL(`${kind}/${file}`, FIXTURES), 'utf8');
      const expected = UNTELLABLE.has(`${kind}/${file}`) ? null : kind;
      expect({ file, kind: detectKind(file, text) }).toEqual({ file, kind: expected });
    }
  });

  it.each(ARTIFACT_KINDS)('%s has an artifact with planted secrets in the secrets corpus', (kind) => {
    expect(CORPUS.filter((a) => a.kind === kind).length).toBeGreaterThan(0);
  });

  it.each(ARTIFACT_KINDS)('%s decides at least one control', (kind) => {
    expect(CONTROLS.filter((c) => c.decidedBy.includes(kind)).map((c) => c.id)).not.toEqual([]);
  });

  it('knows only its own kinds, not Object members', () => {
    for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(isKind(k)).toBe(false);
      expect(kindSpec(k)).toBeUndefined();
    }
  });

  it('names artifacts without a name by the kind default, uniquely', () => {
    const names = artifactNames([
      { kind: 'dockerfile', content: '' },
      { kind: 'dockerfile', name: ' ', content: '' },
      { kind: 'docker-inspect', content: [] },
      { kind: 'kubernetes', name: 'k8s/deploy.yaml', content: '' },
    ]);
    expect(names).toEqual(['Dockerfile', 'Dockerfile#2', 'docker-inspect', 'k8s/deploy.yaml']);
  });
});
