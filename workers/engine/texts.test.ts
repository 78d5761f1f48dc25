/**
 * Findings in English and German. Every template a rule can put into a finding (registered with
 * `defineTexts`) has a German text that is German, and every finding of a broad corpus of real
 * artifacts, read in German, carries no English: no English template text, no English function
 * words, and no "line" (locations read "Zeile").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROLS } from '../controls/index.ts';
import type { ArtifactKind } from '../model/evidence.ts';
import type { ArtifactInput } from '../model/artifacts.ts';
import type { Finding } from '../model/result.ts';
import { findingIn, registeredTexts, type Text } from '../model/text.ts';
import { evaluate } from './evaluate.ts';

/** English words that never belong in German prose (code in backticks and technical tokens are left out first). */
const ENGLISH = new Set([
  'the', 'is', 'are', 'were', 'be', 'not', 'and', 'with', 'without', 'from', 'only', 'this', 'that', 'these',
  'which', 'runs', 'run', 'sets', 'set', 'line', 'lines', 'has', 'have', 'its', 'it', 'of', 'to', 'by', 'or', 'no',
  'none', 'any', 'every', 'can', 'cannot', 'does', 'do', 'when', 'where', 'because', 'into', 'whose', 'than', 'but',
  'so', 'shows', 'named', 'installs', 'image', 'container', 'file', 'user', 'root', 'default', 'evidence', 'fix',
  'remove', 'add', 'use', 'needs', 'more', 'still', 'there', 'here', 'after', 'before', 'while', 'since', 'at',
]);
/** Words German shares with English, or names, that a German text may contain as they are. */
const SHARED = new Set(['root', 'in', 'an', 'so']);

/** The prose words of a text: code spans, placeholders, quoted values and technical tokens removed. */
function proseWords(text: string): string[] {
  return text
    .replace(/`[^`]*`/g, ' ')
    .replace(/\{\w+\}/g, ' ')
    .replace(/"[^"]*"|„[^“]*“/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^[([«»'"]+|[)\].,;:!?'"»«]+$/g, ''))
    .filter((w) => w !== '' && !/[-_=/:.@$<>*#0-9]/.test(w) && !/^[A-Z]{2,}$/.test(w));
}

function englishIn(text: string): string[] {
  return proseWords(text).filter((w) => ENGLISH.has(w) && !SHARED.has(w));
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

const templates = registeredTexts();

describe('every finding template exists in German', () => {
  it('has templates registered for every control and the engine', () => {
    const scopes = new Set([...templates.keys()].map((k) => k.split('.').slice(0, -1).join('.')));
    for (const c of CONTROLS) expect(scopes, c.id).toContain(c.id);
    expect(scopes).toContain('engine');
    expect(scopes).toContain('coverage');
    expect(templates.size).toBeGreaterThan(300);
  });

  it.each([...templates.entries()])('%s: German text, same placeholders, no English words', (_key, t: Text) => {
    expect(t.en.trim()).not.toBe('');
    expect(t.de.trim()).not.toBe('');
    expect(placeholders(t.de)).toEqual(placeholders(t.en));
    expect(englishIn(t.de)).toEqual([]);
    // Identical texts are allowed only where nothing in them is English prose (names, code).
    if (t.de === t.en) expect(proseWords(t.en).filter((w) => /^[a-z]/.test(w) && !SHARED.has(w))).toEqual([]);
  });

  it('gives every control a German remediation', () => {
    for (const c of CONTROLS) {
      expect(c.remediation.de, c.id).not.toBe(c.remediation.en);
      expect(englishIn(c.remediation.de), c.id).toEqual([]);
    }
  });
});

// ------------------------------------------------------------------------------------------ corpus

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');
const files = (dir: string): string[] => readdirSync(new URL(`${dir}/`, FIXTURES)).map((f) => `${dir}/${f}`);

/** Realistic artifacts of every kind, each snapshot alone and a few together (coverage gaps, exec history). */
function corpus(): ArtifactInput[][] {
  const one = (kind: ArtifactKind, path: string): ArtifactInput => ({ kind, name: path.split('/').pop() ?? path, content: read(path) });
  const byKind: [ArtifactKind, string][] = [
    ['dockerfile', 'dockerfile'],
    ['docker-inspect', 'docker-inspect'],
    ['docker-image-inspect', 'docker-image-inspect'],
    ['docker-info', 'docker-info'],
    ['kubernetes', 'kubernetes'],
    ['compose', 'compose'],
    ['signature', 'signature'],
    ['sbom', 'sbom'],
    ['packages', 'packages'],
    ['processes', 'processes'],
    ['docker-events', 'docker-events'],
  ];
  const snapshots: ArtifactInput[][] = byKind.flatMap(([kind, dir]) => files(dir).map((p) => [one(kind, p)]));
  snapshots.push([one('docker-inspect', 'docker-api/containers.json')]);
  snapshots.push(files('docker-api').filter((p) => /container-.*\.json$/.test(p)).map((p) => one('docker-inspect', p)));
  snapshots.push([one('compose', 'compose/shop-compose.yaml'), one('dockerfile', 'dockerfile/python-debian.Dockerfile')]);
  snapshots.push([one('docker-inspect', 'docker-inspect/h6-cache.json'), one('docker-events', 'docker-events/h6-exec-then-recreate.jsonl')]);
  snapshots.push([one('kubernetes', 'kubernetes/checkout-deployment.yaml'), one('kubernetes', 'kubernetes/image-policies.yaml'),
    one('signature', 'signature/h5-cosign-verify-shop-web.txt'), one('kubernetes', 'kubernetes/services.yaml')]);
  snapshots.push([one('processes', 'processes/docker-top-eo.txt'), one('docker-info', 'docker-info/userns-remap.json')]);
  snapshots.push([{ kind: 'kubernetes', name: 'broken.yaml', content: 'apiVersion: v1\nkind: Pod\n  bad: [indent' }]);
  return snapshots;
}

/** Literal pieces of the English templates long enough to be recognised, for spotting one left in German output. */
const ENGLISH_PIECES = [...new Set([...templates.values()].flatMap((t) => t.en.replace(/`[^`]*`/g, '\u0000').split(/\{\w+\}|\u0000/))
  .map((p) => p.trim())
  .filter((p) => p.length >= 16 && /[a-z]{3,} [a-z]{3,}/.test(p)))];

function problemsIn(f: Finding): string[] {
  const shown = findingIn(f, 'de');
  const out: string[] = [];
  if (!f.de) out.push('no German text');
  for (const text of [shown.message, shown.remediation ?? '']) {
    const words = englishIn(text);
    if (words.length > 0) out.push(`English words ${JSON.stringify(words)} in: ${text}`);
    const piece = ENGLISH_PIECES.find((p) => text.includes(p));
    if (piece) out.push(`English template text ${JSON.stringify(piece)} in: ${text}`);
  }
  if (/^line \d+$/.test(shown.location)) out.push(`location ${shown.location}`);
  return out;
}

describe('findings of real artifacts, read in German', () => {
  const snapshots = corpus();

  it('covers every control with failing and passing findings', () => {
    const seen = new Set<string>();
    for (const artifacts of snapshots) {
      for (const c of evaluate({ artifacts }).controls) for (const f of c.findings) seen.add(`${c.id}:${f.status}`);
    }
    for (const c of CONTROLS) expect([...seen].some((s) => s.startsWith(`${c.id}:`)), c.id).toBe(true);
    expect([...seen].filter((s) => s.endsWith(':fail')).length).toBeGreaterThanOrEqual(12);
  });

  it.each(snapshots.map((s) => [s.map((a) => `${a.kind}:${a.name}`).join(' + '), s] as const))('%s', (_name, artifacts) => {
    const result = evaluate({ artifacts });
    const problems = result.controls.flatMap((c) => c.findings.flatMap((f) => problemsIn(f).map((p) => `${c.id} ${f.artifact} ${f.location}: ${p}`)));
    expect(problems).toEqual([]);
  });

  it('reads "line 12" as "Zeile 12" and keeps JSON pointers and YAML paths as they are', () => {
    const base: Finding = { artifact: 'Dockerfile', kind: 'dockerfile', container: null, location: 'line 12', message: 'x', status: 'pass' };
    expect(findingIn(base, 'de').location).toBe('Zeile 12');
    expect(findingIn({ ...base, location: '/0/HostConfig/SecurityOpt' }, 'de').location).toBe('/0/HostConfig/SecurityOpt');
    expect(findingIn({ ...base, location: 'spec.template.spec.containers[1].securityContext' }, 'de').location)
      .toBe('spec.template.spec.containers[1].securityContext');
  });

  it('falls back to English for findings stored before German was added (older rows carry no `de`)', () => {
    const old: Finding = { artifact: 'Dockerfile', kind: 'dockerfile', container: null, location: 'line 3', message: 'final stage sets no USER', status: 'fail', remediation: 'Set USER.' };
    expect(findingIn(old, 'de')).toMatchObject({ message: 'final stage sets no USER', remediation: 'Set USER.', location: 'Zeile 3' });
  });
});
