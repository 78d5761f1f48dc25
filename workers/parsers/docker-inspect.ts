import type {
  Container,
  EnvVar,
  EvidencePart,
  Fact,
  Mount,
  Port,
  Protocol,
  SeccompSetting,
  Source,
  UserSetting,
} from '../model/evidence.ts';
import { type ListShape, listShape, psLines, readListEntry } from './docker-list.ts';
import {
  ArtifactError,
  arr,
  bool,
  get,
  isRecord,
  jsonContent,
  num,
  pointer,
  scalarStr,
  str,
  strArr,
  strRecord,
} from './util.ts';

/**
 * Docker's user rule: an empty `User` means the image's default, which for `docker inspect`
 * is already resolved into `Config.User`, so empty really is root. `0:1000` and `root:staff`
 * are root too: the group does not change who the process runs as.
 */
export function dockerUser(raw: unknown): UserSetting {
  const text = (scalarStr(raw) ?? '').trim();
  if (text === '') return { kind: 'root', raw: '' };
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  if (name === 'root' || /^0+$/.test(name)) return { kind: 'root', raw: text };
  return { kind: 'nonroot', raw: text };
}

/** `6379/tcp` (Docker's port key); the protocol defaults to tcp as in Docker. */
export function parsePortKey(key: string): { port: number; protocol: Protocol } | null {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(key.trim());
  if (!m) return null;
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return null;
  const p = (m[2] ?? 'tcp').toLowerCase();
  return { port, protocol: p === 'udp' || p === 'sctp' ? p : 'tcp' };
}

/** `pointer()` without per-segment regex work: a 50,000-container array makes a million paths. */
function fastPointer(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += '/' + String(s);
    else out += '/' + (s.includes('~') || s.includes('/') ? s.replaceAll('~', '~0').replaceAll('/', '~1') : s);
  }
  return out;
}

/** Docker never starts a container at this time; it marks "never started". */
const ZERO_TIME = '0001-01-01T00:00:00Z';
const MAX_LISTED_SKIPS = 5;

/**
 * `docker inspect CONTAINER...` output: an array of containers, or one container object.
 * Docker's defaults are resolved here (empty user = root, no seccomp entry = the daemon's
 * default, no `no-new-privileges` = escalation allowed), so controls read settled facts.
 */
export function parseDockerInspect(content: unknown, source: Source): EvidencePart {
  const lines = typeof content === 'string' ? psLines(content) : null;
  const data = lines ?? jsonContent(content, 'docker inspect output');
  if (!Array.isArray(data) && !isRecord(data)) {
    throw new ArtifactError('docker inspect output must be a JSON array of containers or one container object');
  }
  const items = Array.isArray(data) ? data.map((value, i) => ({ value, base: pointer(i) })) : [{ value: data, base: '' }];
  if (items.length === 0) throw new ArtifactError('docker inspect output lists no containers');

  const containers: Container[] = [];
  const skipped: string[] = [];
  const listed: Record<ListShape, string[]> = { 'engine-list': [], ps: [] };
  for (const { value, base } of items) {
    const shape = listShape(value);
    if (shape && isRecord(value)) {
      containers.push(readListEntry(value, base, source, shape));
      listed[shape].push(base || '/');
    } else if (isContainer(value)) containers.push(readContainer(value, base, source));
    else skipped.push(base || '/');
  }
  if (containers.length === 0) {
    throw new ArtifactError(
      'docker inspect output holds no container objects (expected Id with State/HostConfig; image inspect output is the docker-image-inspect kind)',
    );
  }
  const notes: string[] = [];
  if (listed['engine-list'].length > 0) {
    notes.push(`${listed['engine-list'].length} element(s) are entries of the Engine API's container list (GET /containers/json), ` +
      'not docker inspect: they speak only to image, labels, ports, mounts and command; user, security options, read-only ' +
      'root file system, PIDs limit and exec sessions are not in that shape and count as no evidence');
  }
  if (listed.ps.length > 0) {
    notes.push(`${listed.ps.length} element(s) are \`docker ps --format json\` lines, not docker inspect: they speak only to ` +
      'image, labels and ports; everything else is not in that shape and counts as no evidence');
  }
  if (skipped.length > 0) {
    const shown = skipped.slice(0, MAX_LISTED_SKIPS).join(', ');
    const more = skipped.length > MAX_LISTED_SKIPS ? ` and ${skipped.length - MAX_LISTED_SKIPS} more` : '';
    notes.push(`skipped ${skipped.length} element(s) that are not containers: ${shown}${more}`);
  }
  return { containers, notes };
}

/** Images also carry `Id` and `Config`; only containers have run-time state. */
function isContainer(v: unknown): v is Record<string, unknown> {
  if (!isRecord(v)) return false;
  return isRecord(get(v, 'HostConfig')) || isRecord(get(v, 'State'));
}

function readContainer(c: Record<string, unknown>, base: string, source: Source): Container {
  const config = get(c, 'Config');
  const host = get(c, 'HostConfig');
  const state = get(c, 'State');
  const at = (...segments: (string | number)[]): string => base + fastPointer(segments);
  const id = str(get(c, 'Id'));
  const rawName = str(get(c, 'Name'));
  const name = rawName?.replace(/^\/+/, '') || (id ? id.slice(0, 12) : `container ${base || '/'}`);
  const securityOpt = arr(get(host, 'SecurityOpt'));
  const image = str(get(config, 'Image'));
  const startedAt = str(get(state, 'StartedAt'));
  const running = get(state, 'Running');
  const usernsMode = str(get(host, 'UsernsMode'));
  const networkMode = str(get(host, 'NetworkMode'));
  // Docker's defaults apply only to sections the element has: an element without Config or
  // HostConfig (trimmed by hand, or some other shape) is no evidence for what they would hold.
  const hasConfig = isRecord(config);
  const hasHost = isRecord(host);
  const readonlyRootfs = get(host, 'ReadonlyRootfs');

  return {
    source,
    runtime: 'docker',
    name,
    id,
    role: 'app',
    path: base,
    pod: null,
    labels: strRecord(get(config, 'Labels')),
    image: image ? { value: image, path: at('Config', 'Image') } : null,
    imageId: str(get(c, 'Image')),
    user: hasConfig ? { value: dockerUser(get(config, 'User')), path: at('Config', 'User') } : null,
    seccomp: hasHost ? seccompOf(securityOpt, at('HostConfig', 'SecurityOpt')) : null,
    noNewPrivileges: hasHost ? noNewPrivilegesOf(securityOpt, at('HostConfig', 'SecurityOpt')) : null,
    privileged: hasHost ? { value: bool(get(host, 'Privileged')) ?? false, path: at('HostConfig', 'Privileged') } : null,
    // Docker always writes it; absent, it is "not set" (the default, writable), which 3.9 tells from `false`.
    readOnlyRootfs: hasHost ? { value: readonlyRootfs === undefined ? null : (bool(readonlyRootfs) ?? false), path: at('HostConfig', 'ReadonlyRootfs') } : null,
    usernsMode: hasHost ? { value: usernsMode || null, path: at('HostConfig', 'UsernsMode') } : null,
    pidsLimit: hasHost ? { value: num(get(host, 'PidsLimit')), path: at('HostConfig', 'PidsLimit') } : null,
    mounts: mountsOf(c, at),
    ports: portsOf(c, at),
    command: commandOf(c, at),
    env: hasConfig ? envOf(get(config, 'Env'), at) : null,
    networkMode: { value: networkMode || null, path: at('HostConfig', 'NetworkMode') },
    // `null` (none running) is what Docker writes; a missing key says nothing about exec sessions.
    execIds: get(c, 'ExecIDs') === undefined ? null : { value: strArr(get(c, 'ExecIDs')), path: at('ExecIDs') },
    healthcheck: healthcheckOf(config, at),
    startedAt: startedAt && startedAt !== ZERO_TIME ? startedAt : null,
    running: typeof running === 'boolean' ? running : null,
  };
}

/** `seccomp=…` / `seccomp:…` / `no-new-privileges[:=]…`: the key ends at the first `=` or `:`. */
function splitOpt(entry: string): { key: string; value: string | null } {
  const eq = entry.indexOf('=');
  const colon = entry.indexOf(':');
  const cut = eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon);
  if (cut === -1) return { key: entry.trim(), value: null };
  return { key: entry.slice(0, cut).trim(), value: entry.slice(cut + 1) };
}

function seccompOf(opts: unknown[], where: string): Fact<SeccompSetting> {
  // Docker applies the entries in order, so the last seccomp entry is the one in force.
  let result: Fact<SeccompSetting> = { value: { kind: 'unset' }, path: where };
  opts.forEach((o, i) => {
    if (typeof o !== 'string') return;
    const { key, value } = splitOpt(o);
    if (key !== 'seccomp' || value === null) return;
    const v = value.trim();
    const path = `${where}/${i}`;
    if (v === '') return;
    if (v === 'unconfined') result = { value: { kind: 'unconfined' }, path };
    else if (v === 'builtin' || v === 'default') result = { value: { kind: 'runtime-default' }, path };
    else result = { value: { kind: 'custom', profile: value }, path };
  });
  return result;
}

function noNewPrivilegesOf(opts: unknown[], where: string): Fact<boolean | null> {
  // Docker's default allows escalation, so "not said" is a settled false here.
  let result: Fact<boolean | null> = { value: false, path: where };
  opts.forEach((o, i) => {
    if (typeof o !== 'string') return;
    const { key, value } = splitOpt(o);
    if (key !== 'no-new-privileges') return;
    // Docker rejects a value that is not a boolean; an unreadable one proves nothing.
    const v = value === null ? true : (bool(value) ?? false);
    result = { value: v, path: `${where}/${i}` };
  });
  return result;
}

/** `/data/` and `/data` are one target. A loop, since `/\/+$/` backtracks on hostile slashes. */
function normTarget(t: string): string {
  let end = t.length;
  while (end > 1 && t[end - 1] === '/') end--;
  return t.slice(0, end);
}

function mountType(t: string): Mount['type'] {
  const type = t.toLowerCase();
  return type === 'bind' || type === 'volume' || type === 'tmpfs' ? type : 'other';
}

function hasRo(mode: string | null): boolean {
  return (mode ?? '').split(',').some((m) => m.trim() === 'ro');
}

function mountsOf(c: Record<string, unknown>, at: (...s: (string | number)[]) => string): Mount[] {
  const mounts: Mount[] = [];
  // A handful of mounts per container: an array is cheaper than a Set at 50,000 containers.
  const targets: string[] = [];
  const add = (m: Mount): void => {
    const key = normTarget(m.target);
    if (targets.includes(key)) return;
    targets.push(key);
    mounts.push(m);
  };
  // The resolved list first: it is what the running container has.
  arr(get(c, 'Mounts')).forEach((m, i) => {
    const target = str(get(m, 'Destination')) ?? str(get(m, 'Target'));
    if (!target) return;
    const typeRaw = str(get(m, 'Type'));
    const src = str(get(m, 'Source'));
    // Docker always writes Type; without it, a host path as source can only be a bind.
    const type = typeRaw ? mountType(typeRaw) : src?.startsWith('/') ? 'bind' : 'volume';
    const rw = get(m, 'RW');
    add({
      hostPath: type === 'bind' ? (src ?? null) : null,
      target,
      readOnly: rw === false || hasRo(str(get(m, 'Mode'))),
      type,
      path: at('Mounts', i),
    });
  });
  const host = get(c, 'HostConfig');
  // `-v src:dst[:opts]` as configured; fills in what a stopped or partial snapshot lacks.
  arr(get(host, 'Binds')).forEach((b, i) => {
    if (typeof b !== 'string') return;
    const parts = b.split(':');
    if (parts.length < 2) return;
    const [src = '', target = '', opts = ''] = parts;
    if (!target) return;
    const bind = src.startsWith('/');
    add({
      hostPath: bind ? src : null,
      target,
      readOnly: hasRo(opts),
      type: bind ? 'bind' : 'volume',
      path: at('HostConfig', 'Binds', i),
    });
  });
  // `--mount type=…,source=…,target=…` as configured.
  arr(get(host, 'Mounts')).forEach((m, i) => {
    const target = str(get(m, 'Target'));
    if (!target) return;
    const type = mountType(str(get(m, 'Type')) ?? 'volume');
    add({
      hostPath: type === 'bind' ? str(get(m, 'Source')) : null,
      target,
      readOnly: get(m, 'ReadOnly') === true,
      type,
      path: at('HostConfig', 'Mounts', i),
    });
  });
  return mounts;
}

function portsOf(c: Record<string, unknown>, at: (...s: (string | number)[]) => string): Port[] {
  const ports: Port[] = [];
  const done: string[] = [];
  const section = (...path: string[]): Record<string, unknown> | null => {
    let v: unknown = c;
    for (const s of path) v = get(v, s);
    return isRecord(v) ? v : null;
  };
  const publish = (path: string[]): void => {
    const map = section(...path);
    if (!map) return;
    const here: string[] = [];
    for (const key of Object.keys(map)) {
      const pk = parsePortKey(key);
      if (!pk) continue;
      const id = `${pk.port}/${pk.protocol}`;
      if (done.includes(id)) continue;
      arr(map[key]).forEach((b, i) => {
        if (!isRecord(b)) return;
        if (!here.includes(id)) here.push(id);
        ports.push({
          containerPort: pk.port,
          protocol: pk.protocol,
          published: true,
          hostIp: str(get(b, 'HostIp')) ?? '',
          hostPort: num(get(b, 'HostPort')),
          path: at(...path, key, i),
        });
      });
    }
    done.push(...here);
  };
  // With host networking there is no publishing: every port the container listens on is a
  // port of the host, on whatever address the service binds (all of them, unless it says so).
  const hostNetwork = str(get(get(c, 'HostConfig'), 'NetworkMode')) === 'host';
  const expose = (path: string[]): void => {
    const map = section(...path);
    if (!map) return;
    for (const key of Object.keys(map)) {
      const pk = parsePortKey(key);
      const id = pk ? `${pk.port}/${pk.protocol}` : null;
      if (!pk || !id || done.includes(id)) continue;
      done.push(id);
      ports.push({
        containerPort: pk.port,
        protocol: pk.protocol,
        published: hostNetwork,
        hostIp: hostNetwork ? '' : null,
        hostPort: hostNetwork ? pk.port : null,
        path: at(...path, key),
      });
    }
  };
  // The live bindings of a running container win; the configured ones stand in when it is
  // stopped (Docker then empties NetworkSettings.Ports) and would apply at its next start.
  publish(['NetworkSettings', 'Ports']);
  publish(['HostConfig', 'PortBindings']);
  expose(['NetworkSettings', 'Ports']);
  expose(['Config', 'ExposedPorts']);
  return ports;
}

function commandOf(c: Record<string, unknown>, at: (...s: (string | number)[]) => string): Fact<string[]> | null {
  const path = str(get(c, 'Path'));
  if (path) return { value: [path, ...strArr(get(c, 'Args'))], path: at('Path') };
  const config = get(c, 'Config');
  const argv = [...strArr(get(config, 'Entrypoint')), ...strArr(get(config, 'Cmd'))];
  if (argv.length === 0) return null;
  return { value: argv, path: at('Config', Array.isArray(get(config, 'Entrypoint')) ? 'Entrypoint' : 'Cmd') };
}

/** Docker's default shell for `CMD-SHELL` on Linux, used when `Config.Shell` (`SHELL` in the Dockerfile) is unset. */
const DEFAULT_SHELL = ['/bin/sh', '-c'];

/**
 * The HEALTHCHECK command as Docker execs it: `CMD-SHELL x` runs x through the container's shell,
 * `CMD a b` runs a with b. `NONE` disables the check; an empty or unknown test runs nothing here.
 */
function healthcheckOf(config: unknown, at: (...s: (string | number)[]) => string): Fact<string[]> | null {
  const test = strArr(get(get(config, 'Healthcheck'), 'Test'));
  const [mode, ...rest] = test;
  const path = at('Config', 'Healthcheck', 'Test');
  if (mode === 'CMD-SHELL') {
    // Docker takes exactly one string here; more are joined as the shell would see them.
    const script = rest.join(' ');
    if (script.trim() === '') return null;
    const shell = strArr(get(config, 'Shell'));
    return { value: [...(shell.length > 0 ? shell : DEFAULT_SHELL), script], path };
  }
  if (mode === 'CMD') return rest.length > 0 ? { value: rest, path } : null;
  return null;
}

function envOf(v: unknown, at: (...s: (string | number)[]) => string): EnvVar[] {
  const env: EnvVar[] = [];
  arr(v).forEach((e, i) => {
    if (typeof e !== 'string') return;
    const eq = e.indexOf('=');
    env.push({
      name: eq === -1 ? e : e.slice(0, eq),
      value: eq === -1 ? '' : e.slice(eq + 1),
      path: at('Config', 'Env', i),
    });
  });
  return env;
}
