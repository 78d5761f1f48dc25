import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DaemonInfo, Source } from '../model/evidence.ts';
import { parseDockerInfo } from './docker-info.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'info.json', kind: 'docker-info' };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/docker-info/${name}`, import.meta.url), 'utf8');

function daemon(content: unknown): DaemonInfo {
  const d = parseDockerInfo(content, source).daemons?.[0];
  if (!d) throw new Error('no daemon');
  return d;
}

describe('parseDockerInfo', () => {
  it('reads a rootful daemon without user namespaces', () => {
    const d = daemon(fixture('rootful-ubuntu.json'));
    expect(d.securityOptions).toEqual({
      value: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=cgroupns'],
      path: '/SecurityOptions',
    });
    expect(d.userns).toBe(false);
    expect(d.rootless).toBe(false);
    expect(d.seccompProfile).toBe('builtin');
    expect(d.source).toEqual(source);
  });

  it('reads a daemon with userns-remap', () => {
    const d = daemon(fixture('userns-remap.json'));
    expect(d.userns).toBe(true);
    expect(d.rootless).toBe(false);
  });

  it('reads a rootless daemon (compact one-line output)', () => {
    const d = daemon(fixture('rootless.json'));
    expect(d.rootless).toBe(true);
    expect(d.userns).toBe(false);
    expect(d.seccompProfile).toBe('builtin');
  });

  it('reads the bare names of Docker before 1.13', () => {
    const d = daemon({ ServerVersion: '1.12.6', SecurityOptions: ['apparmor', 'seccomp', 'userns'] });
    expect(d.userns).toBe(true);
    expect(d.seccompProfile).toBe('default');
  });

  it('reads a custom default seccomp profile', () => {
    const d = daemon({ ID: 'x', SecurityOptions: ['name=seccomp,profile=/etc/docker/seccomp-strict.json'] });
    expect(d.seccompProfile).toBe('/etc/docker/seccomp-strict.json');
  });

  it('records an empty list when the daemon lists none (so no user namespaces): [] and Go\'s null alike', () => {
    for (const info of [{ ServerVersion: '24.0.7', SecurityOptions: [] }, { ServerVersion: '24.0.7', SecurityOptions: null }]) {
      const d = daemon(info);
      expect(d.securityOptions).toEqual({ value: [], path: '/SecurityOptions' });
      expect(d.userns).toBe(false);
      expect(d.rootless).toBe(false);
      expect(d.seccompProfile).toBeNull();
    }
  });

  it('knows nothing of the security options when the output does not carry SecurityOptions (no default applies)', () => {
    const part = parseDockerInfo({ ServerVersion: '24.0.7', Driver: 'overlay2' }, source);
    const d = part.daemons?.[0];
    expect(d?.securityOptions).toEqual({ value: null, path: '/SecurityOptions' });
    expect(d?.userns).toBeNull();
    expect(d?.rootless).toBeNull();
    expect(d?.seccompProfile).toBeNull();
    expect(part.notes).toEqual([expect.stringMatching(/has no SecurityOptions/)]);
  });

  it('refuses the client-only output of an unreachable daemon', () => {
    expect(() => parseDockerInfo(fixture('daemon-unreachable.json'), source)).toThrow(/could not reach the daemon: Cannot connect/);
  });

  it.each([
    ['an object that is not docker info', '{"kind":"Pod","metadata":{}}', /not docker info output/],
    ['an array', '[{"ServerVersion":"27.0.1"}]', /must be a JSON object/],
    ['YAML text', 'ServerVersion: 27.0.1\n', /not valid JSON/],
    ['objects nested 100,000 deep', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), /not docker info output/],
  ])('refuses %s with an ArtifactError', (_label, text, message) => {
    expect(() => parseDockerInfo(text, source)).toThrow(ArtifactError);
    expect(() => parseDockerInfo(text, source)).toThrow(message);
  });

  it('survives wrong types, __proto__ keys and NUL bytes inside', () => {
    const text =
      '{"__proto__":{"SecurityOptions":["name=userns"]},"ID":"x",' +
      '"SecurityOptions":[1,{"name":"userns"},"name=rootless\\u0000","name=seccomp,profile","name=userns,__proto__=x"]}';
    const d = daemon(text);
    expect(d.securityOptions.value).toEqual(['1', 'name=rootless\u0000', 'name=seccomp,profile', 'name=userns,__proto__=x']);
    expect(d.rootless).toBe(false);
    expect(d.userns).toBe(true);
    expect(d.seccompProfile).toBe('default');
  });

  it('notes a SecurityOptions value that is not a list', () => {
    const part = parseDockerInfo({ ServerVersion: '27.0.1', SecurityOptions: 'name=userns' }, source);
    // Not a list is not "none listed": read as empty, a string `name=userns` would fail 3.2 wrongly.
    expect(part.daemons?.[0]?.userns).toBeNull();
    expect(part.daemons?.[0]?.securityOptions.value).toBeNull();
    expect(part.notes).toEqual([expect.stringMatching(/SecurityOptions is not a list/)]);
  });
});
