/**
 * The Engine API's container list and `docker ps --format json` are shapes of their own: read
 * through the docker-inspect kind, they speak only to the fields they carry, and every setting
 * they never have stays null (no evidence), never Docker's default.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Container, Source } from '../model/evidence.ts';
import { parseDockerInspect } from './docker-inspect.ts';
import { psPorts } from './docker-list.ts';

const source: Source = { artifact: 'containers.json', kind: 'docker-inspect' };
const list = readFileSync(new URL('../../test/fixtures/docker-api/containers.json', import.meta.url), 'utf8');

function byName(content: unknown): Map<string, Container> {
  return new Map((parseDockerInspect(content, source).containers ?? []).map((c) => [c.name, c]));
}

/** `docker ps --format json` on the same host, one object a line, as the CLI prints it (truncated command and mounts). */
const PS = [
  '{"Command":"\\"docker-entrypoint.s…\\"","CreatedAt":"2026-03-10 16:02:11 +0000 UTC","ID":"64ceec8f2870","Image":"ghcr.io/acme/shop-web:2.4.1","Labels":"com.docker.compose.project=shop,com.docker.compose.service=web,com.docker.compose.container-number=1","LocalVolumes":"0","Mounts":"","Names":"shop-web-1","Networks":"shop_default","Ports":"0.0.0.0:32768->8080/tcp, :::32768->8080/tcp","RunningFor":"18 hours ago","Size":"0B","State":"running","Status":"Up 18 hours"}',
  '{"Command":"\\"docker-entrypoint.s…\\"","CreatedAt":"2026-03-10 16:01:58 +0000 UTC","ID":"0d41c5a7e2b9","Image":"redis:7.4","Labels":"com.docker.compose.project=shop,com.docker.compose.service=cache","LocalVolumes":"1","Mounts":"3f6a0c9e1d2b…","Names":"shop-cache-1","Networks":"shop_default","Ports":"0.0.0.0:6379->6379/tcp, [::]:6379->6379/tcp","RunningFor":"18 hours ago","Size":"0B","State":"running","Status":"Up 18 hours"}',
  '{"Command":"\\"/socket-proxy\\"","CreatedAt":"2026-03-10 16:01:40 +0000 UTC","ID":"c1b2a3d4e5f6","Image":"tecnativa/docker-socket-proxy:v0.3.0","Labels":"org.owasp.csvs.docker-socket=monitoring","LocalVolumes":"0","Mounts":"/var/run/docker.s…","Names":"proxy","Networks":"socket","Ports":"2375/tcp","RunningFor":"18 hours ago","Size":"0B","State":"running","Status":"Up 18 hours"}',
  '',
].join('\n');

describe('the Engine API container list (GET /containers/json)', () => {
  const part = parseDockerInspect(list, source);
  const all = byName(list);

  it('is read as its own shape, said so in a note', () => {
    expect(all.size).toBe(9);
    expect(part.notes?.join(' ')).toMatch(/9 element\(s\) are entries of the Engine API's container list/);
  });

  it('carries name, id, image and image ID, labels, state and command', () => {
    const web = all.get('shop-web-1');
    expect(web).toMatchObject({
      id: '64ceec8f287047a2f1105d30dc693be60cda0f4ed0ee0442f2e030915a06aae0',
      image: { value: 'ghcr.io/acme/shop-web:2.4.1', path: '/0/Image' },
      imageId: 'sha256:8fb8094cc2f7356b6bf8f26c6ec8e4a2044f520e1931e374fc93ad3fb0d081ce',
      running: true,
      command: { value: ['docker-entrypoint.sh', 'node', 'server.js'], path: '/0/Command' },
      networkMode: { value: 'shop_default', path: '/0/HostConfig/NetworkMode' },
    });
    expect(web?.labels['com.docker.compose.service']).toBe('web');
  });

  it('carries published ports with their address, and exposed ones unpublished', () => {
    expect(all.get('shop-web-1')?.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', published: true, hostIp: '0.0.0.0', hostPort: 32768, path: '/0/Ports/0' },
      { containerPort: 8080, protocol: 'tcp', published: true, hostIp: '::', hostPort: 32768, path: '/0/Ports/1' },
    ]);
    expect(all.get('shop-db-1')?.ports).toEqual([
      { containerPort: 5432, protocol: 'tcp', published: false, hostIp: null, hostPort: null, path: '/2/Ports/0' },
    ]);
  });

  it('carries mounts with their mode', () => {
    expect(all.get('csvs-agent-socket-proxy-1')?.mounts).toEqual([
      { hostPath: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: true, type: 'bind', path: '/5/Mounts/0' },
    ]);
  });

  it('leaves everything it does not carry null: no user, security options, read-only flag, PIDs limit, env or exec sessions', () => {
    for (const c of all.values()) {
      expect(c.user, c.name).toBeNull();
      expect(c.seccomp).toBeNull();
      expect(c.noNewPrivileges).toBeNull();
      expect(c.privileged).toBeNull();
      expect(c.readOnlyRootfs).toBeNull();
      expect(c.pidsLimit).toBeNull();
      expect(c.usernsMode).toBeNull();
      expect(c.env).toBeNull();
      expect(c.execIds).toBeNull();
      expect(c.startedAt).toBeNull();
    }
  });

  it('reads docker inspect elements beside list entries each by its own shape', () => {
    const inspect = JSON.parse(readFileSync(new URL('../../test/fixtures/docker-api/container-jumpbox.json', import.meta.url), 'utf8'));
    const mixed = byName([(JSON.parse(list) as unknown[])[0], inspect]);
    expect(mixed.get('shop-web-1')?.user).toBeNull();
    expect(mixed.get('jumpbox')?.user?.value).toEqual({ kind: 'root', raw: '' });
    // Inspect writes ExecIDs (null: none running), so there it is evidence.
    expect(mixed.get('jumpbox')?.execIds).toEqual({ value: [], path: '/1/ExecIDs' });
  });
});

describe('docker ps --format json (one object a line)', () => {
  const all = byName(PS);

  it('reads every line, names, ids, images and labels', () => {
    expect([...all.keys()]).toEqual(['shop-web-1', 'shop-cache-1', 'proxy']);
    expect(all.get('shop-cache-1')).toMatchObject({ id: '0d41c5a7e2b9', image: { value: 'redis:7.4' }, running: true });
    expect(all.get('shop-cache-1')?.labels['com.docker.compose.service']).toBe('cache');
    expect(parseDockerInspect(PS, source).notes?.join(' ')).toMatch(/3 element\(s\) are `docker ps --format json` lines/);
  });

  it('reads the Ports column, and carries no mounts (names without type or mode), command (truncated) or settings', () => {
    expect(all.get('shop-cache-1')?.ports.map((p) => [p.containerPort, p.published, p.hostIp, p.hostPort])).toEqual([
      [6379, true, '0.0.0.0', 6379],
      [6379, true, '::', 6379],
    ]);
    const proxy = all.get('proxy');
    expect(proxy?.mounts).toBeNull();
    expect(proxy?.command).toBeNull();
    expect(proxy?.user).toBeNull();
    expect(proxy?.ports).toEqual([{ containerPort: 2375, protocol: 'tcp', published: false, hostIp: null, hostPort: null, path: '/2/Ports' }]);
  });

  it('reads port ranges, IPv6 forms and loopback bindings', () => {
    expect(psPorts(':::8080->80/tcp, 127.0.0.1:5432->5432/tcp, 0.0.0.0:9000-9001->9000-9001/udp', '/0/Ports')
      .map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`))
      .toEqual([':::8080->80/tcp', '127.0.0.1:5432->5432/tcp', '0.0.0.0:9000->9000/udp', '0.0.0.0:9001->9001/udp']);
  });
});
