import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ArtifactKind } from '../model/evidence.ts';
import { blockYamlLine, readBlockYaml } from './block-yaml-lines.ts';
import { evaluate } from './evaluate.ts';
import { lineResolver } from './source-lines.ts';

const fixture = (path: string): string => readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8');

describe('lineResolver: the line a finding location names', () => {
  const texts = new Map([
    ['compose.yaml', fixture('compose/shop-compose.yaml')],
    ['deploy.yaml', fixture('kubernetes/checkout-deployment.yaml')],
    ['inspect.json', fixture('docker-inspect/compose-shop.json')],
    ['two.yaml', 'services:\n  a:\n    image: a:1\n---\nservices:\n  "web.v2":\n    image: b:2\n    user: root\n'],
  ]);
  const lineOf = lineResolver(texts);
  const text = (artifact: string, line: number | null) => (line === null ? null : texts.get(artifact)?.split('\n')[line - 1]?.trim());

  it('reads `line N` as it is', () => {
    expect(lineOf('Dockerfile', 'line 12')).toBe(12);
  });

  it('resolves Compose YAML paths, anchors and merge keys as written', () => {
    expect(text('compose.yaml', lineOf('compose.yaml', 'services.redis.user'))).toBe('user: root');
    expect(text('compose.yaml', lineOf('compose.yaml', 'services.redis.ports[0]'))).toBe('- "6379:6379"');
    expect(text('compose.yaml', lineOf('compose.yaml', 'services.watchtower.volumes[0]'))).toBe('- /var/run/docker.sock:/var/run/docker.sock');
  });

  it('resolves Kubernetes paths with the document index, not counting empty documents', () => {
    expect(text('deploy.yaml', lineOf('deploy.yaml', '[0].spec.template.spec.containers[1].securityContext.privileged'))).toBe('privileged: true');
    expect(text('deploy.yaml', lineOf('deploy.yaml', '[0].spec.template.spec.containers[0].image'))).toMatch(/^image: registry\.example\.com\/shop\/checkout-api/);
  });

  it('points an absent setting at the deepest part that exists, where it would be written', () => {
    expect(text('deploy.yaml', lineOf('deploy.yaml', '[0].spec.template.spec.hostUsers'))).toBe('spec:');
    expect(text('compose.yaml', lineOf('compose.yaml', 'services.workers.read_only'))).toBe('workers:');
  });

  it('resolves JSON pointers in docker inspect text, escaped segments included', () => {
    expect(text('inspect.json', lineOf('inspect.json', '/1/HostConfig/SecurityOpt/0'))).toBe('"seccomp=unconfined",');
    expect(text('inspect.json', lineOf('inspect.json', '/1/NetworkSettings/Ports/6379~1tcp'))).toBe('"6379/tcp": [');
  });

  it('reads quoted keys and the document index of a multi-document file', () => {
    expect(text('two.yaml', lineOf('two.yaml', '[1].services["web.v2"].user'))).toBe('user: root');
    expect(text('two.yaml', lineOf('two.yaml', '[0].services.a.image'))).toBe('image: a:1');
  });

  it('has no line for an artifact it does not have, or text it cannot read', () => {
    expect(lineOf('missing.yaml', 'services.a')).toBeNull();
    expect(lineResolver(new Map([['x', '{"a": [1, 2']]))('x', '/a/1')).not.toBeUndefined();
    expect(lineResolver(new Map([['big', 'a: 1\n'.repeat(1_000_000)]]))('big', 'a')).toBeNull();
  });
});

describe('the line-by-line reader of block YAML agrees with the full parse', () => {
  const files: [string, ArtifactKind][] = [
    ...['checkout-deployment.yaml', 'docker-agent-statefulset.yaml', 'image-policies.yaml', 'kubectl-get-pods.yaml', 'kubelet-config.yaml', 'nightly-report-cronjob.yaml', 'services.yaml'].map(
      (f): [string, ArtifactKind] => [`kubernetes/${f}`, 'kubernetes'],
    ),
    ['compose/shop-compose.yaml', 'compose'],
  ];
  /** Every place the rules name in the file, every prefix of them, and some the file does not have. */
  function pathsIn(text: string, kind: ArtifactKind): string[] {
    const result = evaluate({ artifacts: [{ kind, name: 'f', content: text }] });
    const named = result.controls.flatMap((c) => c.findings.map((f) => f.location)).filter((l) => l !== '' && !l.startsWith('/') && !/^line /.test(l));
    const out = new Set<string>();
    for (const p of named) {
      const parts = p.match(/\[\d+\]|\.?[^.[\]]+/g) ?? [];
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('').replace(/^\./, ''));
      out.add(`${p}.notThere`);
      out.add(`${p}[7]`);
    }
    return [...out];
  }

  it.each(files)('%s: the same line for every path', (path, kind) => {
    const text = fixture(path);
    const paths = pathsIn(text, kind);
    expect(paths.length).toBeGreaterThan(0);
    const fast = lineResolver(new Map([['f', text]]));
    const full = lineResolver(new Map([['f', text]]), undefined, false);
    const y = readBlockYaml(text);
    let read = 0;
    for (const p of paths) {
      expect(fast('f', p), p).toBe(full('f', p));
      const segs = p.match(/\[(\d+)\]|[^.[\]]+/g)?.map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s)) ?? [];
      if (y && blockYamlLine(y, segs) !== undefined) read += 1;
    }
    // The reader must actually take plain block manifests, or it saves nothing (anchors and merge
    // keys are the full parse's).
    if (!/&\w|\*\w|<<:/.test(text)) expect(read / paths.length, path).toBeGreaterThan(0.9);
    else expect(read, path).toBeGreaterThan(0);
  });

  it('leaves to the full parse what it cannot be sure of, and still agrees', () => {
    const cases: [string, string][] = [
      ['a: {b: 1}\n', 'a.b'],
      ['a: &x\n  b: 1\nc: *x\n', 'c.b'],
      ['"a\\"b": 1\n', 'a"b'],
      ['True: 1\n', 'true'],
      ['0x1F: 1\n', '31'],
      ['- !!map\n  a: 1\n', '[0].a'],
      ['%YAML 1.2\n---\na: 1\n', 'a'],
      ['a:\n\t- b\n', 'a[0]'],
      ['{"a": {"b": [1, 2]}}\n', 'a.b[1]'],
    ];
    for (const [text, p] of cases) {
      const y = readBlockYaml(text);
      const segs = p.match(/\[(\d+)\]|[^.[\]]+/g)?.map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s)) ?? [];
      expect(y === undefined || blockYamlLine(y, segs) === undefined, text).toBe(true);
      expect(lineResolver(new Map([['f', text]]))('f', p), text).toBe(lineResolver(new Map([['f', text]]), undefined, false)('f', p));
    }
  });

  it('reads the shapes manifests come in: sequences at the key\'s indentation, items on the next line, several documents, comments', () => {
    const text = [
      '# a comment',
      'apiVersion: v1',
      'kind: Pod',
      'spec:',
      '  containers:',
      '  - name: a',
      '    image: a:1',
      '  -',
      '    name: b',
      '    args: |',
      '      x: 1',
      '      containers: no',
      '    ports:',
      '      - containerPort: 80 # the web',
      '---',
      '',
      'kind: Service',
      'spec: {ports: [{port: 22}]}',
      '',
    ].join('\n');
    const fast = lineResolver(new Map([['f', text]]));
    const full = lineResolver(new Map([['f', text]]), undefined, false);
    for (const p of ['[0].spec.containers[0].image', '[0].spec.containers[1]', '[0].spec.containers[1].args', '[0].spec.containers[1].ports[0].containerPort', '[0].spec.containers[2]', '[1].spec', '[1].kind']) {
      expect(fast('f', p), p).toBe(full('f', p));
    }
    expect(fast('f', '[0].spec.containers[1]')).toBe(9);
    expect(fast('f', '[0].spec.containers[1].ports[0].containerPort')).toBe(14);
  });
});
