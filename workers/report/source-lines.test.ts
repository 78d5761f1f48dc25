import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
