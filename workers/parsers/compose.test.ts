import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Container, EvidencePart, Source } from '../model/evidence.ts';
import { parseCompose } from './compose.ts';
import { shellWords } from './compose/text.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'docker-compose.yml', kind: 'compose' };

function parse(content: unknown): EvidencePart {
  return parseCompose(content, source);
}

function service(part: EvidencePart, name: string): Container {
  const found = (part.containers ?? []).find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** One service `app` with the given lines (already indented for the service body). */
function one(lines: string): Container {
  return service(parse(`services:\n  app:\n    image: app:1\n${lines}`), 'app');
}

describe('parseCompose: a Compose file with anchors, merge keys and x- fields', () => {
  const part = parse(readFileSync(new URL('../../test/fixtures/compose/shop-compose.yaml', import.meta.url), 'utf8'));

  it('makes one container per service, named by container_name when given', () => {
    expect(part.containers?.map((c) => [c.name, c.path, c.runtime, c.role])).toEqual([
      ['shop-web', 'services.web', 'compose', 'app'],
      ['redis', 'services.redis', 'compose', 'app'],
      ['watchtower', 'services.watchtower', 'compose', 'app'],
      ['workers', 'services.workers', 'compose', 'app'],
    ]);
    expect(part.notes).toEqual([]);
  });

  it('applies merged defaults (<<: *hardening)', () => {
    const web = service(part, 'shop-web');
    expect(web.readOnlyRootfs).toEqual({ value: true, path: 'services.web.read_only' });
    expect(web.pidsLimit).toEqual({ value: 256, path: 'services.web.pids_limit' });
    expect(web.noNewPrivileges).toEqual({ value: true, path: 'services.web.security_opt[0]' });
    expect(web.seccomp).toEqual({ value: { kind: 'custom', profile: './seccomp/shop.json' }, path: 'services.web.security_opt[1]' });
  });

  it('lets a service override merged keys (the whole security_opt list is replaced)', () => {
    const redis = service(part, 'redis');
    expect(redis.seccomp).toEqual({ value: { kind: 'unconfined' }, path: 'services.redis.security_opt[0]' });
    expect(redis.noNewPrivileges).toEqual({ value: false, path: 'services.redis.security_opt' });
    expect(redis.readOnlyRootfs?.value).toBe(false);
    expect(redis.pidsLimit?.value).toBe(256);
  });

  it('reads users', () => {
    expect(service(part, 'shop-web').user).toEqual({ value: { kind: 'nonroot', raw: '10001:10001' }, path: 'services.web.user' });
    expect(service(part, 'redis').user?.value).toEqual({ kind: 'root', raw: 'root' });
    expect(service(part, 'watchtower').user).toEqual({ value: { kind: 'unset' }, path: 'services.watchtower.user' });
  });

  it('reads published ports, defaults from ${VAR:-default}, and expose', () => {
    const ports = (c: Container) => c.ports.map((p) => [p.containerPort, p.protocol, p.published, p.hostIp, p.hostPort, p.path]);
    expect(ports(service(part, 'shop-web'))).toEqual([
      [8080, 'tcp', true, '127.0.0.1', 8080, 'services.web.ports[0]'],
      [8443, 'tcp', true, '', 8443, 'services.web.ports[1]'],
      [9229, 'tcp', true, '127.0.0.1', 9229, 'services.web.ports[2]'],
      [9090, 'tcp', false, null, null, 'services.web.expose[0]'],
    ]);
    expect(ports(service(part, 'redis'))).toEqual([
      [6379, 'tcp', true, '', 6379, 'services.redis.ports[0]'],
      [9121, 'tcp', true, '', 9121, 'services.redis.ports[1]'],
    ]);
    expect(ports(service(part, 'workers'))).toEqual([
      [9000, 'udp', true, '', 9000, 'services.workers.ports[0]'],
      [9001, 'udp', true, '', 9001, 'services.workers.ports[0]'],
      [9002, 'udp', true, '', 9002, 'services.workers.ports[0]'],
      [5000, 'tcp', true, '', null, 'services.workers.ports[1]'],
      [6000, 'tcp', true, '::1', 6000, 'services.workers.ports[2]'],
    ]);
  });

  it('reads volumes: binds, named volumes, tmpfs, and a named volume that binds a host folder', () => {
    const mounts = (c: Container) => c.mounts?.map((m) => [m.type, m.hostPath, m.target, m.readOnly]);
    expect(mounts(service(part, 'shop-web'))).toEqual([
      ['bind', './static', '/app/static', true],
      ['volume', null, '/app/uploads', false],
      ['tmpfs', null, '/tmp', false],
    ]);
    expect(mounts(service(part, 'watchtower'))).toEqual([
      ['bind', '/var/run/docker.sock', '/var/run/docker.sock', false],
      ['bind', '/etc/localtime', '/etc/localtime', true],
      ['bind', '/var/run', '/host/run', false],
    ]);
    expect(mounts(service(part, 'workers'))).toEqual([['tmpfs', null, '/run', false]]);
  });

  it('reads privileged, userns_mode, network_mode, deploy pids and list labels', () => {
    const w = service(part, 'watchtower');
    expect(w.privileged).toEqual({ value: true, path: 'services.watchtower.privileged' });
    expect(w.usernsMode).toEqual({ value: 'host', path: 'services.watchtower.userns_mode' });
    expect(w.networkMode).toEqual({ value: 'host', path: 'services.watchtower.network_mode' });
    expect(w.pidsLimit).toEqual({ value: 100, path: 'services.watchtower.deploy.resources.limits.pids' });
    expect(w.labels).toEqual({ 'com.centurylinklabs.watchtower.enable': 'false', 'com.example.role': 'management' });
    expect(service(part, 'workers').pidsLimit?.value).toBe(-1);
    expect(service(part, 'shop-web').usernsMode).toEqual({ value: null, path: 'services.web.userns_mode' });
  });

  it('joins entrypoint and command, splitting strings into words', () => {
    expect(service(part, 'shop-web').command).toEqual({
      value: ['/usr/local/bin/docker-entrypoint.sh', 'node', 'server.js', '--port', '8080', '--name', 'shop web'],
      path: 'services.web.entrypoint',
    });
    expect(service(part, 'redis').command).toEqual({
      value: ['redis-server', '--appendonly', 'yes'],
      path: 'services.redis.command',
    });
    expect(service(part, 'watchtower').command).toBeNull();
  });

  it('reads environment maps and lists', () => {
    expect(service(part, 'shop-web').env?.map((e) => [e.name, e.value, e.path])).toEqual([
      ['NODE_ENV', 'production', 'services.web.environment.NODE_ENV'],
      ['REDIS_URL', 'redis://redis:6379', 'services.web.environment.REDIS_URL'],
      ['SESSION_SECRET', '', 'services.web.environment.SESSION_SECRET'],
      ['WORKERS', '4', 'services.web.environment.WORKERS'],
    ]);
    expect(service(part, 'redis').env?.map((e) => [e.name, e.value, e.path])).toEqual([
      ['ALLOW_EMPTY_PASSWORD', 'yes', 'services.redis.environment[0]'],
      ['REDIS_EXTRA_FLAGS', '', 'services.redis.environment[1]'],
    ]);
  });

  it('keeps image references as written', () => {
    expect(service(part, 'redis').image).toEqual({ value: 'redis:7.2-alpine', path: 'services.redis.image' });
  });
});

describe('parseCompose: user', () => {
  it.each([
    ['user: root', { kind: 'root', raw: 'root' }],
    ['user: 0', { kind: 'root', raw: '0' }],
    ['user: "0:0"', { kind: 'root', raw: '0:0' }],
    ['user: root:root', { kind: 'root', raw: 'root:root' }],
    ['user: "0:1000"', { kind: 'root', raw: '0:1000' }],
    ['user: "1000"', { kind: 'nonroot', raw: '1000' }],
    ['user: "1000:0"', { kind: 'nonroot', raw: '1000:0' }],
    ['user: nobody', { kind: 'nonroot', raw: 'nobody' }],
    ['user: "${APP_UID:-1001}"', { kind: 'nonroot', raw: '1001' }],
    ['user: ""', { kind: 'unset' }],
    ['', { kind: 'unset' }],
  ])('%s', (line, expected) => {
    expect(one(`    ${line}`).user?.value).toEqual(expected);
  });

  it('does not guess a user that depends on the environment', () => {
    const part = parse('services:\n  app:\n    user: "${UID}:${GID}"');
    expect(service(part, 'app').user?.value).toEqual({ kind: 'unset' });
    expect(part.notes).toEqual([expect.stringContaining('environment variable')]);
  });
});

describe('parseCompose: security_opt', () => {
  it.each([
    ['[seccomp:unconfined]', { kind: 'unconfined' }, false],
    ['[seccomp=unconfined]', { kind: 'unconfined' }, false],
    ['["seccomp:./profiles/app.json", no-new-privileges]', { kind: 'custom', profile: './profiles/app.json' }, true],
    ['[no-new-privileges:true]', { kind: 'unset' }, true],
    ['[no-new-privileges=true]', { kind: 'unset' }, true],
    ['[no-new-privileges:false]', { kind: 'unset' }, false],
    ['[no-new-privileges, "no-new-privileges:false"]', { kind: 'unset' }, false],
    ['[label:disable, apparmor=unconfined]', { kind: 'unset' }, false],
    ['[]', { kind: 'unset' }, false],
  ])('%s', (list, seccomp, nnp) => {
    const c = one(`    security_opt: ${list}`);
    expect(c.seccomp?.value).toEqual(seccomp);
    expect(c.noNewPrivileges?.value).toBe(nnp);
  });

  it('points at security_opt when nothing is said', () => {
    const c = one('');
    expect(c.seccomp).toEqual({ value: { kind: 'unset' }, path: 'services.app.security_opt' });
    expect(c.noNewPrivileges).toEqual({ value: false, path: 'services.app.security_opt' });
    expect(c.privileged).toEqual({ value: false, path: 'services.app.privileged' });
    // Not set, which 3.9 tells from `read_only: false`.
    expect(c.readOnlyRootfs).toEqual({ value: null, path: 'services.app.read_only' });
    expect(c.pidsLimit).toEqual({ value: null, path: 'services.app.pids_limit' });
  });
});

describe('parseCompose: ports', () => {
  const read = (spec: string) => one(`    ports: [${spec}]`).ports.map((p) => [p.containerPort, p.protocol, p.published, p.hostIp, p.hostPort]);

  it.each([
    ['"6379:6379"', [[6379, 'tcp', true, '', 6379]]],
    ['"127.0.0.1:6379:6379"', [[6379, 'tcp', true, '127.0.0.1', 6379]]],
    ['"0.0.0.0:2375:2375"', [[2375, 'tcp', true, '0.0.0.0', 2375]]],
    ['"8080"', [[8080, 'tcp', true, '', null]]],
    ['8080', [[8080, 'tcp', true, '', null]]],
    ['"127.0.0.1::5432"', [[5432, 'tcp', true, '127.0.0.1', null]]],
    ['"53:53/udp"', [[53, 'udp', true, '', 53]]],
    ['"8000-8001:80-81"', [[80, 'tcp', true, '', 8000], [81, 'tcp', true, '', 8001]]],
    ['"8000-8010:80"', [[80, 'tcp', true, '', null]]],
    ['{target: 27017}', [[27017, 'tcp', true, '', null]]],
    ['{target: 53, published: 1053, protocol: udp, host_ip: 10.0.0.5}', [[53, 'udp', true, '10.0.0.5', 1053]]],
  ])('%s', (spec, expected) => {
    expect(read(spec)).toEqual(expected);
  });

  it('expands a full range, so a sensitive port inside it is seen', () => {
    const ports = one('    ports: ["1-65535:1-65535"]').ports;
    expect(ports).toHaveLength(65535);
    expect(ports.find((p) => p.containerPort === 6379)).toMatchObject({ published: true, hostIp: '', hostPort: 6379 });
  });

  it('stops expanding ranges past the file budget and says so', () => {
    const part = parse(`services:\n  app:\n    ports: [${Array(3).fill('"1-65535"').join(', ')}]`);
    expect(service(part, 'app').ports).toHaveLength(131_072);
    expect(part.notes).toEqual([expect.stringContaining('only 2 of 65535 ports read')]);
  });

  it('notes ports it cannot read', () => {
    const part = parse('services:\n  app:\n    ports: ["${PORT}", "abc:def", {published: 80}]');
    expect(service(part, 'app').ports).toEqual([]);
    expect(part.notes).toHaveLength(3);
  });
});

describe('parseCompose: volumes', () => {
  const read = (spec: string) => one(`    volumes: [${spec}]`).mounts?.map((m) => [m.type, m.hostPath, m.target, m.readOnly]);

  it.each([
    ['"/var/run/docker.sock:/var/run/docker.sock:ro"', ['bind', '/var/run/docker.sock', '/var/run/docker.sock', true]],
    ['"./data:/data"', ['bind', './data', '/data', false]],
    ['"~/cache:/cache:rw,z"', ['bind', '~/cache', '/cache', false]],
    ['"db:/var/lib/postgresql/data"', ['volume', null, '/var/lib/postgresql/data', false]],
    ['"/var/lib/anon"', ['volume', null, '/var/lib/anon', false]],
    ['"C:\\\\data:/data:ro"', ['bind', 'C:\\data', '/data', true]],
    ['"${SOCK:-/run/docker.sock}:/var/run/docker.sock"', ['bind', '/run/docker.sock', '/var/run/docker.sock', false]],
    ['{type: bind, source: /run, target: /host/run, read_only: true}', ['bind', '/run', '/host/run', true]],
    ['{type: volume, source: cache, target: /cache}', ['volume', null, '/cache', false]],
    ['{type: npipe, source: \'\\\\.\\pipe\\docker_engine\', target: \'\\\\.\\pipe\\docker_engine\'}', ['bind', '\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\docker_engine', false]],
    ['{source: /srv, target: /srv}', ['bind', '/srv', '/srv', false]],
  ])('%s', (spec, expected) => {
    expect(read(spec)).toEqual([expected]);
  });
});

describe('parseCompose: command words', () => {
  it.each([
    ['redis-server --requirepass "s3cret pass"', ['redis-server', '--requirepass', 's3cret pass']],
    ["sh -c 'exec nginx -g \"daemon off;\"'", ['sh', '-c', 'exec nginx -g "daemon off;"']],
    ['echo a\\ b  "x\\"y" \'\'', ['echo', 'a b', 'x"y', '']],
    ['   ', []],
  ])('%s', (text, expected) => {
    expect(shellWords(text)).toEqual(expected);
  });

  it('uses the command alone when there is no entrypoint', () => {
    expect(one('    command: sshd -D').command).toEqual({ value: ['sshd', '-D'], path: 'services.app.command' });
  });
});

describe('parseCompose: healthcheck', () => {
  it.each([
    ['{test: ["CMD", "redis-cli", "ping"]}', ['redis-cli', 'ping']],
    ['{test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]}', ['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1']],
    ['{test: "pg_isready -U postgres"}', ['/bin/sh', '-c', 'pg_isready -U postgres']],
    ['{test: ["NONE"]}', null],
    ['{test: ["CMD", "true"], disable: true}', null],
  ])('%s', (check, expected) => {
    const c = one(`    healthcheck: ${check}`);
    expect(c.healthcheck?.value ?? null).toEqual(expected);
  });
});

describe('parseCompose: content forms and paths', () => {
  it('accepts a parsed JSON object and JSON text', () => {
    const file = { services: { api: { image: 'api:1', read_only: true } } };
    expect(service(parse(file), 'api').readOnlyRootfs?.value).toBe(true);
    expect(service(parse(JSON.stringify(file)), 'api').readOnlyRootfs?.value).toBe(true);
  });

  it('quotes service names that a dotted path would make ambiguous', () => {
    const c = service(parse('services:\n  web.v2:\n    ports: ["80:80"]'), 'web.v2');
    expect(c.path).toBe('services["web.v2"]');
    expect(c.ports[0]?.path).toBe('services["web.v2"].ports[0]');
  });

  it('prefixes the document index when there are several documents', () => {
    const part = parse('services:\n  a: {image: a}\n---\nservices:\n  b: {image: b}');
    expect(part.containers?.map((c) => c.path)).toEqual(['[0].services.a', '[1].services.b']);
  });
});

describe('parseCompose: hostile input', () => {
  it('refuses an alias bomb', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']] as const) {
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    expect(() => parse(`x-bomb:\n  ${levels.join('\n  ')}\nservices:\n  app: {image: x}`)).toThrow(ArtifactError);
  });

  it.each([
    ['empty text', ''],
    ['no services', 'version: "3.9"\nvolumes: {}'],
    ['services that are not a mapping', 'services: [web, db]'],
    ['a parsed array', [{ services: {} }]],
    ['a number', 7],
    ['deep nesting', `services: ${'{a: '.repeat(100)}1${'}'.repeat(100)}`],
    ['invalid YAML', 'services:\n  web:\n    image: "unterminated'],
  ])('refuses %s with an ArtifactError', (_label, content) => {
    expect(() => parse(content)).toThrow(ArtifactError);
  });

  it('notes services that are not mappings', () => {
    const part = parse('services:\n  ok: {image: ok}\n  broken: "nope"\n  empty:');
    expect(part.containers?.map((c) => c.name)).toEqual(['ok']);
    expect(part.notes).toEqual([expect.stringContaining('services.broken'), expect.stringContaining('services.empty')]);
  });

  it('treats __proto__ keys as data', () => {
    const part = parse('services:\n  __proto__:\n    image: x\n    labels: {__proto__: polluted}\n    environment: {__proto__: y}');
    const c = service(part, '__proto__');
    expect(c.labels['__proto__']).toBe('polluted');
    expect(c.env?.map((e) => e.name)).toEqual(['__proto__']);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('survives numbers, booleans and objects where strings are expected', () => {
    const c = one(
      [
        '    user: 0',
        '    privileged: "true"',
        '    read_only: 1',
        '    pids_limit: "200"',
        '    security_opt: "no-new-privileges"',
        '    ports: [true, null, [1, 2], 22]',
        '    volumes: [42, {target: 5}, {type: bind}]',
        '    environment: [1, {a: b}]',
        '    labels: [true]',
        '    command: {a: b}',
        '    network_mode: 5',
        '    tmpfs: /run',
      ].join('\n'),
    );
    expect(c.user?.value).toEqual({ kind: 'root', raw: '0' });
    expect(c.privileged?.value).toBe(true);
    // `1` is no boolean in the Compose schema: not read as set either way.
    expect(c.readOnlyRootfs?.value).toBeNull();
    expect(c.pidsLimit?.value).toBe(200);
    expect(c.noNewPrivileges).toEqual({ value: true, path: 'services.app.security_opt' });
    expect(c.ports.map((p) => p.containerPort)).toEqual([22]);
    expect(c.mounts?.map((m) => [m.type, m.target])).toEqual([
      ['volume', '42'],
      ['volume', '5'],
      ['tmpfs', '/run'],
    ]);
    expect(c.env?.map((e) => e.name)).toEqual(['1']);
    expect(c.labels).toEqual({ true: '' });
    expect(c.command).toBeNull();
    expect(c.networkMode?.value).toBeNull();
  });
});
