import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ImageConfig, Source } from '../model/evidence.ts';
import { parseDockerImageInspect } from './docker-image-inspect.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'image.json', kind: 'docker-image-inspect' };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/docker-image-inspect/${name}`, import.meta.url), 'utf8');

function images(content: unknown): ImageConfig[] {
  return parseDockerImageInspect(content, source).images ?? [];
}

describe('parseDockerImageInspect: docker image inspect of two images', () => {
  const [nginx, app] = images(fixture('nginx-and-app.json'));

  it('reads id, tags and digests', () => {
    expect(nginx?.id).toBe('sha256:3b25b682ea82b2db3cc4fd48db818be788ee3f902ac7378090cf2624ec2442df');
    expect(nginx?.repoTags).toEqual(['nginx:1.27']);
    expect(nginx?.repoDigests).toEqual(['nginx@sha256:bc5eac5eafc581aeda3008b4b1f07ebba230de2f27d47767129a6a905c84f470']);
    expect(nginx?.path).toBe('/0');
    expect(app?.path).toBe('/1');
    expect(nginx?.source).toEqual(source);
  });

  it('takes an empty Config.User as root and a named user as non-root', () => {
    expect(nginx?.user).toEqual({ value: { kind: 'root', raw: '' }, path: '/0/Config/User' });
    expect(app?.user).toEqual({ value: { kind: 'nonroot', raw: 'node' }, path: '/1/Config/User' });
  });

  it('reads exposed ports, entrypoint and cmd', () => {
    expect(nginx?.exposedPorts).toEqual([{ port: 80, protocol: 'tcp', path: '/0/Config/ExposedPorts/80~1tcp' }]);
    expect(app?.exposedPorts.map((p) => p.port)).toEqual([8080, 9229]);
    expect(nginx?.entrypoint).toEqual({ value: ['/docker-entrypoint.sh'], path: '/0/Config/Entrypoint' });
    expect(nginx?.cmd).toEqual({ value: ['nginx', '-g', 'daemon off;'], path: '/0/Config/Cmd' });
  });

  it('has no history when the inspect output carries none', () => {
    expect(nginx?.history).toEqual([]);
  });

  it('accepts already-parsed JSON', () => {
    expect(images(JSON.parse(fixture('nginx-and-app.json')))).toEqual(images(fixture('nginx-and-app.json')));
  });
});

describe('parseDockerImageInspect: an image config blob from the registry', () => {
  const [jumpbox] = images(fixture('registry-config-jumpbox.json'));

  it('reads the lower-case config with pointers at the root', () => {
    expect(jumpbox?.path).toBe('');
    expect(jumpbox?.id).toBeNull();
    expect(jumpbox?.user).toEqual({ value: { kind: 'root', raw: '0:0' }, path: '/config/User' });
    expect(jumpbox?.exposedPorts).toContainEqual({ port: 22, protocol: 'tcp', path: '/config/ExposedPorts/22~1tcp' });
    expect(jumpbox?.cmd?.value).toEqual(['/usr/sbin/sshd', '-D']);
  });

  it('records the build history lines with their places', () => {
    expect(jumpbox?.history).toHaveLength(5);
    expect(jumpbox?.history[2]).toEqual({ value: 'ADD app.tar.gz /srv/ # buildkit', path: '/history/2/created_by' });
  });

  it('reads docker history style CreatedBy entries', () => {
    const [img] = images({
      Id: 'sha256:' + 'a'.repeat(64),
      Config: { User: 'app' },
      History: [{ CreatedBy: '/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf in /', Size: '77.8MB' }, { Comment: 'no line' }],
    });
    expect(img?.history).toEqual([{ value: '/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf in /', path: '/History/0/CreatedBy' }]);
  });
});

describe('parseDockerImageInspect: defaults and hostile input', () => {
  it('takes a missing Config as an unstated user (an image list entry has none), with no entrypoint or cmd', () => {
    const [img] = images('[{"Id":"sha256:abc","RepoTags":["busybox:latest"]}]');
    expect(img?.user).toEqual({ value: { kind: 'unset' }, path: '/0/Config' });
    // A Config without User is Docker's own record: empty there means root.
    const [withConfig] = images('[{"Id":"sha256:abc","RepoTags":["busybox:latest"],"Config":{"Cmd":["sh"]}}]');
    expect(withConfig?.user).toEqual({ value: { kind: 'root', raw: '' }, path: '/0/Config/User' });
    expect(img?.entrypoint).toBeNull();
    expect(img?.cmd).toBeNull();
    expect(img?.exposedPorts).toEqual([]);
  });

  it('skips container objects and junk with a note', () => {
    const part = parseDockerImageInspect(
      [{ Id: 'abc', State: { Running: true }, HostConfig: {} }, 'x', { Id: 'sha256:def', Config: { User: '1000' } }],
      source,
    );
    expect(part.images?.map((i) => i.id)).toEqual(['sha256:def']);
    expect(part.notes?.[0]).toMatch(/2 element\(s\).*\/0, \/1/);
  });

  it.each([
    ['an empty array', '[]', /no images/],
    ['a number', '42', /array of images/],
    ['container inspect output', '[{"Id":"abc","State":{},"HostConfig":{}}]', /no image objects/],
    ['broken JSON', '[{"Id"', /not valid JSON/],
    ['arrays nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), /no image objects/],
  ])('refuses %s with an ArtifactError', (_label, text, message) => {
    expect(() => parseDockerImageInspect(text, source)).toThrow(ArtifactError);
    expect(() => parseDockerImageInspect(text, source)).toThrow(message);
  });

  it('survives wrong types, __proto__ keys and NUL bytes inside', () => {
    const text =
      '{"Id":5,"RepoTags":["a:1",7,null],"__proto__":{"Config":{"User":"1000"}},' +
      '"Config":{"User":"\\u0000","ExposedPorts":{"22/tcp":{},"__proto__":{},"bogus":1},"Entrypoint":"sh","Cmd":[1,"x"]},' +
      '"History":[null,{"created_by":{"x":1}},{"created_by":"RUN a\\u0000b"}]}';
    const [img] = images(text);
    expect(img?.id).toBeNull();
    expect(img?.repoTags).toEqual(['a:1', '7']);
    expect(img?.user.value).toEqual({ kind: 'nonroot', raw: '\u0000' });
    expect(img?.exposedPorts.map((p) => p.port)).toEqual([22]);
    expect(img?.entrypoint).toBeNull();
    expect(img?.cmd?.value).toEqual(['1', 'x']);
    expect(img?.history).toEqual([{ value: 'RUN a\u0000b', path: '/History/2/created_by' }]);
  });
});
