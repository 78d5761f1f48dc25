import { describe, expect, it } from 'vitest';
import { fixtureText } from '../controls/fixtures.ts';
import type { ArtifactInput } from '../model/artifacts.ts';
import type { Excerpt, Finding } from '../model/result.ts';
import { evaluate } from './evaluate.ts';
import { boundedJson, EXCERPT_MAX_CHARS, excerptSource, MAX_EXCERPTS } from './excerpts.ts';

const findings = (artifacts: ArtifactInput[], control?: string): Finding[] =>
  evaluate({ artifacts }).controls.filter((c) => control === undefined || c.id === control).flatMap((c) => c.findings);

const hitOf = (e: Excerpt | undefined) => (e?.type === 'lines' ? e.lines.find((l) => l.hit) : undefined);

describe('excerpts stored with findings', () => {
  it('quotes the Dockerfile line a failing finding names, with one line either side', () => {
    const dockerfile = 'FROM node:22-bookworm-slim\nWORKDIR /app\nADD . /app\nUSER node\nCMD ["node", "server.js"]\n';
    const [add] = findings([{ kind: 'dockerfile', name: 'Dockerfile', content: dockerfile }], '3.11').filter((f) => f.status === 'fail');
    expect(add?.location).toBe('line 3');
    expect(add?.excerpt).toEqual({
      type: 'lines',
      lines: [
        { n: 2, text: 'WORKDIR /app', hit: false },
        { n: 3, text: 'ADD . /app', hit: true },
        { n: 4, text: 'USER node', hit: false },
      ],
    });
  });

  it('quotes the line a Kubernetes YAML path names, in a real manifest', () => {
    const manifest = fixtureText('kubernetes/checkout-deployment.yaml');
    const all = findings([{ kind: 'kubernetes', name: 'k8s/deploy.yaml', content: manifest }]);
    const onPaths = all.filter((f) => f.status !== 'pass' && f.location.includes('spec.'));
    expect(onPaths.length).toBeGreaterThan(0);
    const lines = manifest.split('\n');
    for (const f of onPaths) {
      const hit = hitOf(f.excerpt);
      expect(hit, f.location).toBeDefined();
      // The marked line is the file's own line, and it names the last key of the path that the file has.
      expect(lines[(hit?.n ?? 0) - 1], f.location).toBe(hit?.text);
      const keys = f.location.replace(/\[\d+\]/g, '').split('.').filter((k) => k !== '');
      expect(keys.some((k) => hit?.text.includes(`${k}:`)) || /^\s*-/.test(hit?.text ?? ''), `${f.location}: ${hit?.text}`).toBe(true);
    }
  });

  it('quotes the value a JSON pointer names, from text and from JSON given parsed', () => {
    const inspect = [{ Id: 'a1', Name: '/web', Config: { User: '', Image: 'nginx:1.27' }, HostConfig: { Privileged: true, SecurityOpt: null } }];
    for (const content of [JSON.stringify(inspect, null, 2), inspect]) {
      const priv = findings([{ kind: 'docker-inspect', name: 'inspect.json', content }], '3.5').find((f) => f.location === '/0/HostConfig/Privileged');
      expect(priv?.excerpt).toEqual({ type: 'value', key: 'Privileged', value: 'true' });
    }
  });

  it('quotes each JSON artifact from its own reading (the parsers\' JSON is reused, never mixed up)', () => {
    const one = (name: string, privileged: boolean) => ({
      kind: 'docker-inspect' as const,
      name,
      content: JSON.stringify([{ Id: name, Name: `/${name}`, Config: { User: '', Image: 'nginx:1.27' }, HostConfig: { Privileged: privileged, PidsLimit: name === 'a.json' ? 0 : -1 } }], null, 2),
    });
    const all = findings([one('a.json', true), one('b.json', false)]);
    const pids = all.filter((f) => f.location === '/0/HostConfig/PidsLimit');
    expect(pids.map((f) => [f.artifact, f.excerpt])).toEqual([
      ['a.json', { type: 'value', key: 'PidsLimit', value: '0' }],
      ['b.json', { type: 'value', key: 'PidsLimit', value: '-1' }],
    ]);
  });

  it('quotes a whole object as far as the cap, writing no more of it than that', () => {
    const big = { Env: Array.from({ length: 10_000 }, (_, i) => `VAR_${i}=value`) };
    const text = boundedJson(big, EXCERPT_MAX_CHARS);
    expect(text.length).toBeLessThan(EXCERPT_MAX_CHARS + 40);
    expect(JSON.stringify(big).startsWith(text)).toBe(true);
    expect(boundedJson({ a: [1, 'x', null, { b: true }] }, 1000)).toBe(JSON.stringify({ a: [1, 'x', null, { b: true }] }));
    const e = excerptSource(new Map([['i', JSON.stringify([big])]]))('i', '/0');
    expect(e?.type === 'value' ? e.value.length : 0).toBe(EXCERPT_MAX_CHARS);
  });

  it('gives passing findings none, and caps each line and the number kept per verdict', () => {
    const long = `RUN apt-get update && apt-get install -y ${'libexample-dev '.repeat(60)}`;
    const dockerfile = `FROM debian:bookworm\n${long}\n${'ADD a.txt /a\n'.repeat(MAX_EXCERPTS + 50)}USER 1000\n`;
    const all = findings([{ kind: 'dockerfile', name: 'Dockerfile', content: dockerfile }]);
    expect(all.filter((f) => f.status === 'pass').every((f) => f.excerpt === undefined)).toBe(true);
    const quoted = all.filter((f) => f.excerpt);
    expect(quoted).toHaveLength(MAX_EXCERPTS);
    const cut = quoted.flatMap((f) => (f.excerpt?.type === 'lines' ? f.excerpt.lines : [])).find((l) => l.n === 2);
    expect(cut?.text).toHaveLength(EXCERPT_MAX_CHARS);
    expect(cut?.text.endsWith('…')).toBe(true);
    expect(long.startsWith(cut?.text.slice(0, -1) ?? '-')).toBe(true);
  });

  it('shows nothing it cannot place: no location, a line past the end, JSON that does not parse, YAML paths on parsed JSON', () => {
    const excerpt = excerptSource(new Map<string, unknown>([['Dockerfile', 'FROM a\n'], ['bad.json', '{"a": '], ['k8s', { spec: {} }]]));
    expect(excerpt('Dockerfile', '')).toBeNull();
    expect(excerpt('Dockerfile', 'line 9')).toBeNull();
    expect(excerpt('bad.json', '/a')).toBeNull();
    expect(excerpt('k8s', 'spec.containers[0]')).toBeNull();
    expect(excerpt('missing', 'line 1')).toBeNull();
  });

  it('does not resolve YAML paths in texts over the limit while evaluating (a page or report still can)', () => {
    const big = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a:1\n${'# padding\n'.repeat(5)}`;
    expect(excerptSource(new Map([['k', big]]), { maxResolvedChars: 20 })('k', 'spec.containers[0]')).toBeNull();
    expect(hitOf(excerptSource(new Map([['k', big]]))('k', 'spec.containers[0]') ?? undefined)?.n).toBe(6);
  });
});
