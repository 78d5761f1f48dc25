/**
 * A setting's documented default applies only where the artifact's shape carries the setting
 * (CONTROLS.md, decided 2026-12-06). The Engine API's container list is not `docker inspect`:
 * uploaded as docker-inspect, it decides what it carries (ports, mounts, image) and nothing else.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerInspect, nginxContainer, OMIT, only } from '../controls/fixtures.ts';
import { check, type TestArtifact } from '../controls/testing.ts';

const list: TestArtifact = {
  kind: 'docker-inspect',
  name: 'containers.json',
  content: readFileSync(new URL('../../test/fixtures/docker-api/containers.json', import.meta.url), 'utf8'),
};

describe('the Engine API container list, uploaded as docker-inspect', () => {
  it('does not pass 3.10: it has no ExecIDs, so it shows no exec sessions either way', () => {
    const r = check('3.10', list);
    expect(r.status).toBe('unknown');
    expect(only(r, 'pass')).toEqual([]);
  });

  it.each([
    ['3.1', /the user \(Config\.User\) is not part of this artifact's shape/],
    ['3.3', /the user/],
    ['3.4', /seccomp profile/],
    ['3.5', /no-new-privileges/],
    ['3.9', /root file system mode/],
    ['3.14', /PIDs limit/],
  ] as const)('does not fail %s on a field it never has (no Docker default applies)', (id, said) => {
    const r = check(id, list);
    expect(r.status).toBe('unknown');
    expect(only(r, 'fail')).toEqual([]);
    expect(r.findings.length).toBe(9);
    expect(r.findings[0]?.message).toMatch(said);
    expect(r.findings[0]?.message).toMatch(/a container list, not `docker inspect`/);
  });

  it('decides what it carries: mounts (3.15), ports (3.12, 3.13), image references (3.6)', () => {
    const sockets = check('3.15', list);
    expect(sockets.status).toBe('pass');
    expect(only(sockets, 'pass').find((f) => f.container === 'csvs-agent-socket-proxy-1')?.message)
      .toMatch(/read-only by a declared monitoring container.*filtering socket proxy/);
    expect(check('3.12', list).status).toBe('pass');
    expect(check('3.13', list).status).toBe('pass');
    const digests = check('3.6', list);
    expect(digests.status).toBe('fail');
    expect(only(digests, 'pass').map((f) => f.container)).toEqual([
      'k8s_checkout-api_checkout-api-7d9f8b6c5d-x2k4q_payments_8c6f1f0e-2b4d-4e7a-9c3b-5d1e2f3a4b5c_0',
    ]);
  });

  it('a read-write socket mount in the list still fails 3.15: the list carries RW', () => {
    const entries = JSON.parse(list.content as string) as { Mounts: { RW: boolean }[] }[];
    const proxy = entries[5];
    if (proxy?.Mounts[0]) proxy.Mounts[0].RW = true;
    const r = check('3.15', { ...list, content: JSON.stringify(entries) });
    expect(r.status).toBe('fail');
  });

  it('`docker ps --format json` lines: Redis published on all interfaces is unknown, not failed, since no environment is carried', () => {
    const ps: TestArtifact = {
      kind: 'docker-inspect',
      name: 'ps.jsonl',
      content: '{"Command":"\\"docker-entrypoint.s…\\"","ID":"0d41c5a7e2b9","Image":"redis:7.4","Labels":"","Mounts":"","Names":"cache","Ports":"0.0.0.0:6379->6379/tcp","State":"running","Status":"Up 2 hours"}\n',
    };
    const r = check('3.13', ps);
    expect(r.status).toBe('unknown');
    expect(only(r, 'unknown')[0]?.message).toMatch(/Redis \(6379\/tcp\) is published on all interfaces.*carries no environment/);
    expect(check('3.10', ps).status).toBe('unknown');
    expect(check('3.15', ps).status).toBe('unknown');
  });
});

describe('docker inspect elements missing a field', () => {
  it('an inspect element without ExecIDs does not pass 3.10; `null` (what Docker writes) does', () => {
    expect(check('3.10', dockerInspect(nginxContainer({ ExecIDs: OMIT }))).status).toBe('unknown');
    expect(check('3.10', dockerInspect(nginxContainer({ ExecIDs: null }))).status).toBe('pass');
  });

  it('an inspect element without HostConfig says nothing of seccomp or read-only root; Config without User is root', () => {
    expect(check('3.4', dockerInspect(nginxContainer({ HostConfig: OMIT }))).status).toBe('unknown');
    expect(check('3.9', dockerInspect(nginxContainer({ HostConfig: OMIT }))).status).toBe('unknown');
    expect(check('3.1', dockerInspect(nginxContainer({ Config: { User: OMIT } }))).status).toBe('fail');
  });

  it('an image list entry (GET /images/json, no Config) does not fail 3.1 as root', () => {
    const images: TestArtifact = {
      kind: 'docker-image-inspect',
      name: 'images.json',
      content: JSON.stringify([{ Id: `sha256:${'8'.repeat(64)}`, RepoTags: ['postgres:16.8'], RepoDigests: [], Created: 1741622400, Size: 438000000, Containers: 1 }]),
    };
    expect(check('3.1', images).status).toBe('unknown');
    expect(check('3.3', images).status).toBe('unknown');
  });
});
