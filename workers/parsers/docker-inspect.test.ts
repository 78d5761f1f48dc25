import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Container, Source } from '../model/evidence.ts';
import { dockerUser, parseDockerInspect } from './docker-inspect.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'inspect.json', kind: 'docker-inspect' };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/docker-inspect/${name}`, import.meta.url), 'utf8');
const shop = fixture('compose-shop.json');
const hardened = fixture('hardened-single.json');

function containers(content: unknown): Container[] {
  return parseDockerInspect(content, source).containers ?? [];
}
function one(content: unknown, i = 0): Container {
  const c = containers(content)[i];
  if (!c) throw new Error(`no container ${i}`);
  return c;
}
/**
 * The first fixture container with some fields changed, as docker would print it.
 * Keys are dotted paths; `undefined` deletes the field.
 */
function variant(edits: Record<string, unknown>): string {
  const c = (JSON.parse(shop) as unknown[])[0];
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    let o = c as Record<string, unknown>;
    for (const k of keys) o = o[k] as Record<string, unknown>;
    if (value === undefined) delete o[last];
    else o[last] = value;
  }
  return JSON.stringify([c]);
}

describe('parseDockerInspect: a compose project (array)', () => {
  const [web, redis] = containers(shop);

  it('reads identity, image and runtime state', () => {
    expect(web?.name).toBe('web-1');
    expect(web?.id).toBe('3f4e8a1c9b2d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f');
    expect(web?.runtime).toBe('docker');
    expect(web?.role).toBe('app');
    expect(web?.path).toBe('/0');
    expect(redis?.path).toBe('/1');
    expect(web?.image).toEqual({ value: 'ghcr.io/acme/shop-web:2.4.1', path: '/0/Config/Image' });
    expect(web?.startedAt).toBe('2025-03-11T08:14:02.118734512Z');
    expect(web?.running).toBe(true);
    expect(web?.labels['com.docker.compose.service']).toBe('web');
    expect(web?.source).toEqual(source);
  });

  it('takes an empty Config.User as root (the image default is already resolved)', () => {
    expect(web?.user).toEqual({ value: { kind: 'root', raw: '' }, path: '/0/Config/User' });
  });

  it('treats no seccomp entry as unset and no no-new-privileges as false, pointing at SecurityOpt', () => {
    expect(web?.seccomp).toEqual({ value: { kind: 'unset' }, path: '/0/HostConfig/SecurityOpt' });
    expect(web?.noNewPrivileges).toEqual({ value: false, path: '/0/HostConfig/SecurityOpt' });
  });

  it('reads seccomp=unconfined and no-new-privileges:false at their entries', () => {
    expect(redis?.seccomp).toEqual({ value: { kind: 'unconfined' }, path: '/1/HostConfig/SecurityOpt/0' });
    expect(redis?.noNewPrivileges).toEqual({ value: false, path: '/1/HostConfig/SecurityOpt/1' });
  });

  it('reads the Docker socket bind as read-only from Mounts and does not repeat it from Binds', () => {
    const sock = web?.mounts?.filter((m) => m.target === '/var/run/docker.sock') ?? [];
    expect(sock).toEqual([
      { hostPath: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: true, type: 'bind', path: '/0/Mounts/0' },
    ]);
    const uploads = web?.mounts?.find((m) => m.target === '/app/uploads');
    expect(uploads).toMatchObject({ hostPath: null, type: 'volume', readOnly: false });
    expect(web?.mounts).toHaveLength(2);
  });

  it('reads live port bindings on all interfaces, without repeating the configured ones', () => {
    expect(redis?.ports).toEqual([
      { containerPort: 6379, protocol: 'tcp', published: true, hostIp: '0.0.0.0', hostPort: 6379, path: '/1/NetworkSettings/Ports/6379~1tcp/0' },
      { containerPort: 6379, protocol: 'tcp', published: true, hostIp: '::', hostPort: 6379, path: '/1/NetworkSettings/Ports/6379~1tcp/1' },
    ]);
  });

  it('joins Path and Args into the command and splits Env at the first =', () => {
    expect(web?.command).toEqual({ value: ['docker-entrypoint.sh', 'node', 'server.js'], path: '/0/Path' });
    expect(web?.env).toContainEqual({ name: 'DATABASE_URL', value: 'postgres://shop@db:5432/shop', path: '/0/Config/Env/3' });
  });

  it('reads ExecIDs, privileged, read-only rootfs, pids limit, userns and network mode', () => {
    expect(web?.execIds?.value).toEqual(['d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2']);
    expect(redis?.execIds).toEqual({ value: [], path: '/1/ExecIDs' });
    expect(web?.privileged).toEqual({ value: false, path: '/0/HostConfig/Privileged' });
    expect(web?.readOnlyRootfs).toEqual({ value: false, path: '/0/HostConfig/ReadonlyRootfs' });
    expect(web?.pidsLimit).toEqual({ value: null, path: '/0/HostConfig/PidsLimit' });
    expect(web?.usernsMode).toEqual({ value: null, path: '/0/HostConfig/UsernsMode' });
    expect(web?.networkMode).toEqual({ value: 'bridge', path: '/0/HostConfig/NetworkMode' });
  });

  it('accepts already-parsed JSON the same as text', () => {
    expect(containers(JSON.parse(shop))).toEqual(containers(shop));
  });
});

describe('parseDockerInspect: a hardened container (single object)', () => {
  const api = one(hardened);

  it('uses pointers relative to the object root', () => {
    expect(api.path).toBe('');
    expect(api.user).toEqual({ value: { kind: 'nonroot', raw: '10001:10001' }, path: '/Config/User' });
    expect(api.image?.value).toMatch(/@sha256:[0-9a-f]{64}$/);
  });

  it('reads an inline seccomp profile as custom and no-new-privileges=true', () => {
    expect(api.seccomp?.value.kind).toBe('custom');
    expect(api.seccomp?.path).toBe('/HostConfig/SecurityOpt/1');
    const profile = api.seccomp?.value.kind === 'custom' ? api.seccomp?.value.profile : '';
    expect(JSON.parse(profile)).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO' });
    expect(api.noNewPrivileges).toEqual({ value: true, path: '/HostConfig/SecurityOpt/0' });
  });

  it('reads read-only rootfs, pids limit, loopback port, tmpfs and a null ExecIDs', () => {
    expect(api.readOnlyRootfs?.value).toBe(true);
    expect(api.pidsLimit?.value).toBe(200);
    expect(api.ports).toEqual([
      { containerPort: 9000, protocol: 'tcp', published: true, hostIp: '127.0.0.1', hostPort: 9000, path: '/NetworkSettings/Ports/9000~1tcp/0' },
    ]);
    expect(api.mounts).toEqual([{ hostPath: null, target: '/tmp', readOnly: false, type: 'tmpfs', path: '/Mounts/0' }]);
    expect(api.execIds?.value).toEqual([]);
  });
});

describe('parseDockerInspect: Docker defaults and variants', () => {
  it.each([
    ['', 'root'],
    ['root', 'root'],
    ['0', 'root'],
    ['0:1000', 'root'],
    ['root:staff', 'root'],
    ['1000', 'nonroot'],
    ['app', 'nonroot'],
    ['1000:0', 'nonroot'],
    ['rootless', 'nonroot'],
  ])('user %j is %s', (user, kind) => {
    expect(dockerUser(user).kind).toBe(kind);
    expect(one(variant({ 'Config.User': user })).user?.value.kind).toBe(kind);
  });

  it('takes a missing Config.User as root too', () => {
    expect(one(variant({ 'Config.User': undefined })).user?.value).toEqual({ kind: 'root', raw: '' });
  });

  it.each([
    [['seccomp:unconfined'], 'unconfined'],
    [['seccomp=builtin'], 'runtime-default'],
    [['seccomp=default'], 'runtime-default'],
    [['seccomp=/etc/docker/seccomp/strict.json'], 'custom'],
    [['label=disable', 'apparmor=unconfined'], 'unset'],
    [['seccomp=unconfined', 'seccomp={"defaultAction":"SCMP_ACT_ERRNO"}'], 'custom'],
  ])('SecurityOpt %j gives seccomp %s', (opts, kind) => {
    expect(one(variant({ 'HostConfig.SecurityOpt': opts })).seccomp?.value.kind).toBe(kind);
  });

  it.each([
    [['no-new-privileges'], true],
    [['no-new-privileges:true'], true],
    [['no-new-privileges=true'], true],
    [['no-new-privileges:false'], false],
    [['no-new-privileges=false'], false],
    [['no-new-privileges=maybe'], false],
    [null, false],
  ])('SecurityOpt %j gives noNewPrivileges %s', (opts, value) => {
    expect(one(variant({ 'HostConfig.SecurityOpt': opts })).noNewPrivileges?.value).toBe(value);
  });

  it('takes absent ReadonlyRootfs, Privileged and PidsLimit as their Docker defaults (ReadonlyRootfs as "not set")', () => {
    const c = one(
      variant({ 'HostConfig.ReadonlyRootfs': undefined, 'HostConfig.Privileged': undefined, 'HostConfig.PidsLimit': undefined }),
    );
    expect(c.readOnlyRootfs).toEqual({ value: null, path: '/0/HostConfig/ReadonlyRootfs' });
    expect(c.privileged?.value).toBe(false);
    expect(c.pidsLimit).toEqual({ value: null, path: '/0/HostConfig/PidsLimit' });
  });

  it('reads privileged, userns host and a pids limit of -1 as given', () => {
    const c = one(
      variant({ 'HostConfig.Privileged': true, 'HostConfig.UsernsMode': 'host', 'HostConfig.PidsLimit': -1 }),
    );
    expect(c.privileged?.value).toBe(true);
    expect(c.usernsMode?.value).toBe('host');
    expect(c.pidsLimit?.value).toBe(-1);
  });

  it('falls back to HostConfig.Binds when Mounts lacks a bind, and reads rw binds as writable', () => {
    const c = one(
      variant({
        Mounts: [],
        'HostConfig.Binds': ['/var/run/docker.sock:/var/run/docker.sock', '/srv/config:/etc/app:ro,Z', 'cache:/cache'],
      }),
    );
    expect(c.mounts).toEqual([
      { hostPath: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false, type: 'bind', path: '/0/HostConfig/Binds/0' },
      { hostPath: '/srv/config', target: '/etc/app', readOnly: true, type: 'bind', path: '/0/HostConfig/Binds/1' },
      { hostPath: null, target: '/cache', readOnly: false, type: 'volume', path: '/0/HostConfig/Binds/2' },
    ]);
  });

  it('reads a bind as read-only from Mode even when RW is missing', () => {
    const c = one(variant({ Mounts: [{ Type: 'bind', Source: '/run', Destination: '/host-run', Mode: 'z,ro' }] }));
    expect(c.mounts?.[0]).toMatchObject({ hostPath: '/run', readOnly: true, type: 'bind' });
  });

  it('uses HostConfig.PortBindings for a stopped container and lists unpublished exposed ports', () => {
    const c = one(
      variant({
        'State.Running': false,
        'NetworkSettings.Ports': {},
        'HostConfig.PortBindings': { '2375/tcp': [{ HostIp: '', HostPort: '2375' }], '53/udp': [{ HostIp: '10.0.0.5', HostPort: '' }] },
        'Config.ExposedPorts': { '2375/tcp': {}, '9229/tcp': {}, '53/udp': {} },
      }),
    );
    expect(c.running).toBe(false);
    expect(c.ports).toEqual([
      { containerPort: 2375, protocol: 'tcp', published: true, hostIp: '', hostPort: 2375, path: '/0/HostConfig/PortBindings/2375~1tcp/0' },
      { containerPort: 53, protocol: 'udp', published: true, hostIp: '10.0.0.5', hostPort: null, path: '/0/HostConfig/PortBindings/53~1udp/0' },
      { containerPort: 9229, protocol: 'tcp', published: false, hostIp: null, hostPort: null, path: '/0/Config/ExposedPorts/9229~1tcp' },
    ]);
  });

  it('lists an exposed port with a null binding list as not published', () => {
    const c = one(
      variant({ 'NetworkSettings.Ports': { '8080/tcp': null }, 'HostConfig.PortBindings': {} }),
    );
    expect(c.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', published: false, hostIp: null, hostPort: null, path: '/0/NetworkSettings/Ports/8080~1tcp' },
    ]);
  });

  it('counts exposed ports of a host-network container as reachable on the host', () => {
    const c = one(
      variant({
        'HostConfig.NetworkMode': 'host',
        'HostConfig.PortBindings': {},
        'NetworkSettings.Ports': {},
        'Config.ExposedPorts': { '6379/tcp': {} },
      }),
    );
    expect(c.networkMode?.value).toBe('host');
    expect(c.ports).toEqual([
      { containerPort: 6379, protocol: 'tcp', published: true, hostIp: '', hostPort: 6379, path: '/0/Config/ExposedPorts/6379~1tcp' },
    ]);
  });

  it('treats a trailing slash as the same mount target, and hostile slashes in linear time', () => {
    const c = one(
      variant({
        Mounts: [{ Type: 'bind', Source: '/var/run', Destination: '/var/run/', Mode: '', RW: true }],
        'HostConfig.Binds': ['/var/run:/var/run', `/x:/${'/'.repeat(200_000)}a`],
      }),
    );
    expect(c.mounts?.map((m) => m.path)).toEqual(['/0/Mounts/0', '/0/HostConfig/Binds/1']);
  });

  it('falls back to Entrypoint + Cmd when Path is missing', () => {
    const c = one(variant({ Path: undefined }));
    expect(c.command).toEqual({ value: ['docker-entrypoint.sh', 'node', 'server.js'], path: '/0/Config/Entrypoint' });
  });

  it('maps the never-started zero time to null', () => {
    const c = one(variant({ State: { Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z' } }));
    expect(c.startedAt).toBeNull();
  });

  it('names a container by its short id when Name is missing', () => {
    expect(one(variant({ Name: undefined })).name).toBe('3f4e8a1c9b2d');
  });
});

describe('parseDockerInspect: the HEALTHCHECK command as Docker execs it', () => {
  const health = (test: unknown, shell?: unknown): Container['healthcheck'] =>
    one(variant({ 'Config.Healthcheck': { Test: test, Interval: 30_000_000_000, Retries: 3 }, 'Config.Shell': shell })).healthcheck;

  it('runs CMD-SHELL through /bin/sh -c by default', () => {
    expect(health(['CMD-SHELL', 'curl -fsS http://localhost:8080/healthz || exit 1'])).toEqual({
      value: ['/bin/sh', '-c', 'curl -fsS http://localhost:8080/healthz || exit 1'],
      path: '/0/Config/Healthcheck/Test',
    });
  });

  it('runs CMD-SHELL through Config.Shell when the image set SHELL', () => {
    expect(health(['CMD-SHELL', 'pg_isready -U app'], ['/bin/bash', '-o', 'pipefail', '-c'])?.value).toEqual([
      '/bin/bash', '-o', 'pipefail', '-c', 'pg_isready -U app',
    ]);
    expect(health(['CMD-SHELL', 'pg_isready'], [])?.value).toEqual(['/bin/sh', '-c', 'pg_isready']);
  });

  it('runs CMD arguments as they are', () => {
    expect(health(['CMD', 'redis-cli', 'ping'])?.value).toEqual(['redis-cli', 'ping']);
  });

  it.each([
    ['NONE', ['NONE']],
    ['an empty test (inherit)', []],
    ['CMD without a command', ['CMD']],
    ['CMD-SHELL without a command', ['CMD-SHELL', '  ']],
    ['an unknown mode', ['SHELL', 'true']],
    ['a string instead of a list', 'CMD-SHELL true'],
  ])('has no health check for %s', (_label, test) => {
    expect(health(test)).toBeNull();
  });

  it('has none when Config.Healthcheck is absent, and points at Test in a single object', () => {
    expect(one(shop).healthcheck).toBeNull();
    const single = JSON.parse(hardened) as Record<string, Record<string, unknown>>;
    single.Config = { ...single.Config, Healthcheck: { Test: ['CMD', '/healthz'] } };
    expect(one(JSON.stringify(single)).healthcheck).toEqual({ value: ['/healthz'], path: '/Config/Healthcheck/Test' });
  });
});

describe('parseDockerInspect: hostile and wrong input', () => {
  it('skips non-container elements with a note', () => {
    const list = JSON.parse(shop) as unknown[];
    const part = parseDockerInspect([42, list[0], { Id: 'sha256:abc', RepoTags: ['nginx:1.25'], Config: {} }], source);
    expect(part.containers?.map((c) => c.name)).toEqual(['web-1']);
    expect(part.containers?.[0]?.path).toBe('/1');
    expect(part.notes?.join(' ')).toMatch(/2 element\(s\).*\/0, \/2/);
  });

  it.each([
    ['an empty array', '[]', /no containers/],
    ['a string', '"a string"', /array of containers/],
    ['image inspect output', '{"Id":"sha256:abc","RepoTags":["nginx:1.25"]}', /no container objects/],
    ['broken JSON', '{"Id": ', /not valid JSON/],
    ['empty text', '', /empty/],
    ['arrays nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), /no container objects/],
    ['objects nested 100,000 deep', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), /no container objects/],
  ])('refuses %s with an ArtifactError', (_label, text, message) => {
    expect(() => parseDockerInspect(text, source)).toThrow(ArtifactError);
    expect(() => parseDockerInspect(text, source)).toThrow(message);
  });

  it('survives wrong types inside, __proto__ keys and NUL bytes', () => {
    const text = JSON.stringify([
      {
        Id: 7,
        Name: ['x'],
        State: 'running',
        HostConfig: { SecurityOpt: 'seccomp=unconfined', Binds: [3, null, '/only-one-part'], PortBindings: { '80/tcp': 'x', 'junk': [{}] }, Privileged: 'yes', PidsLimit: '12' },
        Mounts: { '0': {} },
        Config: { User: { name: 'root' }, Env: ['A=1\u0000B', 5], Labels: { a: {}, b: 'ok' }, ExposedPorts: ['80/tcp'], Cmd: 'sh' },
        ExecIDs: 'abc',
      },
    ]).replace('"b":"ok"', '"b":"ok","__proto__":"x","constructor":{"polluted":"yes"}');
    const c = one(text);
    expect(c.name).toBe('container /0');
    expect(c.id).toBeNull();
    expect(c.user?.value).toEqual({ kind: 'root', raw: '' });
    expect(c.seccomp?.value.kind).toBe('unset');
    expect(c.privileged?.value).toBe(true);
    expect(c.pidsLimit?.value).toBe(12);
    expect(c.mounts).toEqual([]);
    expect(c.ports).toEqual([]);
    expect(c.env).toEqual([{ name: 'A', value: '1\u0000B', path: '/0/Config/Env/0' }]);
    expect(c.labels.b).toBe('ok');
    expect(Object.keys(c.labels)).toEqual(['b', '__proto__']);
    expect(c.labels['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(c.execIds?.value).toEqual([]);
    expect(c.command).toBeNull();
  });

  it('parses 50,000 containers', () => {
    // A compact but real-shaped container (what `docker inspect --format '{{json .}}'` keeps
    // after a CI step strips the bulky defaults); full 9 KB objects would make a 450 MB upload.
    const compact = (i: number): Record<string, unknown> => ({
      Id: i.toString(16).padStart(64, '0'),
      Created: '2025-03-11T08:14:01.503411027Z',
      Path: 'docker-entrypoint.sh',
      Args: ['node', 'server.js'],
      State: { Status: 'running', Running: true, Pid: 1000 + i, StartedAt: '2025-03-11T08:14:02.118734512Z' },
      Image: 'sha256:6b1f0e3c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c',
      Name: `/worker-${i}`,
      ExecIDs: null,
      HostConfig: {
        Binds: [`/srv/worker-${i}:/data:rw`],
        NetworkMode: 'bridge',
        PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: String(20000 + (i % 40000)) }] },
        Privileged: false,
        ReadonlyRootfs: false,
        SecurityOpt: null,
        UsernsMode: '',
        PidsLimit: null,
      },
      Mounts: [{ Type: 'bind', Source: `/srv/worker-${i}`, Destination: '/data', Mode: 'rw', RW: true, Propagation: 'rprivate' }],
      Config: {
        User: '',
        ExposedPorts: { '8080/tcp': {} },
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `WORKER=${i}`],
        Cmd: ['node', 'server.js'],
        Image: 'ghcr.io/acme/worker:1.0',
        Entrypoint: ['docker-entrypoint.sh'],
        Labels: { 'com.docker.compose.service': 'worker' },
      },
      NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: String(20000 + (i % 40000)) }] } },
    });
    const text = JSON.stringify(Array.from({ length: 50_000 }, (_, i) => compact(i)));
    // No timed assertion (project rule): a quadratic step would take minutes here and run into
    // vitest's per-test timeout.
    const list = containers(text);
    expect(list).toHaveLength(50_000);
    expect(list[49_999]?.name).toBe('worker-49999');
    expect(list[49_999]?.mounts).toEqual([
      { hostPath: '/srv/worker-49999', target: '/data', readOnly: false, type: 'bind', path: '/49999/Mounts/0' },
    ]);
    expect(list[49_999]?.ports).toHaveLength(1);
  });
});
