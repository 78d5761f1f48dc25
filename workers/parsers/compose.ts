import type { Container, EnvVar, EvidencePart, Fact, SeccompSetting, Source, UserSetting } from '../model/evidence.ts';
import { composePorts, portBudget, type PortBudget } from './compose/ports.ts';
import { child, index, interpolate, shellWords } from './compose/text.ts';
import { composeMounts } from './compose/volumes.ts';
import { ArtifactError, arr, bool, get, isRecord, num, rec, scalarStr, str, type JsonRecord } from './util.ts';
import { loadYamlDocuments } from './yaml.ts';

// Paths: `services.redis.ports[0]`; with several YAML documents the document index comes first
// (`[1].services.redis…`, counting non-empty documents). Service names that are not plain
// identifiers are quoted: `services["web.v2"]`.

interface Context {
  source: Source;
  /** The file's top-level `volumes`, to see through named volumes that are bind mounts. */
  volumes: JsonRecord | null;
  notes: string[];
  ports: PortBudget;
}

/**
 * Reads a Compose file (the Compose specification, docker-compose v2/v3 files) into one
 * container per service, with Docker's defaults applied. YAML anchors, merge keys and `x-`
 * extension fields are plain YAML here; `${VAR:-default}` takes its default.
 */
export function parseCompose(content: unknown, source: Source): EvidencePart {
  const docs = documents(content);
  const notes: string[] = [];
  const containers: Container[] = [];
  let files = 0;
  const ports = portBudget();
  docs.forEach((doc, i) => {
    const prefix = docs.length > 1 ? `[${i}]` : '';
    const services = rec(get(doc, 'services'));
    if (!services) {
      notes.push(`${prefix || 'the document'}: no \`services\` mapping, skipped`);
      return;
    }
    files++;
    const ctx: Context = { source, volumes: rec(get(doc, 'volumes')), notes, ports };
    const base = child(prefix, 'services');
    for (const [name, service] of Object.entries(services)) {
      const path = child(base, name);
      if (isRecord(service)) containers.push(readService(ctx, name, service, path));
      else notes.push(`${path}: not a mapping, skipped`);
    }
  });
  if (files === 0) throw new ArtifactError('the Compose file has no `services` mapping');
  return { containers, notes };
}

function documents(content: unknown): unknown[] {
  if (isRecord(content)) return [content];
  if (typeof content !== 'string') throw new ArtifactError('a Compose file must be YAML or JSON text, or a parsed JSON object');
  const docs = loadYamlDocuments(content, 'the Compose file');
  if (docs.length === 0) throw new ArtifactError('the Compose file is empty');
  return docs;
}

function readService(ctx: Context, name: string, s: JsonRecord, base: string): Container {
  const containerName = scalarStr(get(s, 'container_name'));
  const image = scalarStr(get(s, 'image'));
  const security = securityOpt(s, base);
  const networkMode = str(get(s, 'network_mode'));
  const usernsMode = str(get(s, 'userns_mode'));
  return {
    source: ctx.source,
    runtime: 'compose',
    name: containerName ? interpolate(containerName).text : name,
    id: null,
    role: 'app',
    path: base,
    pod: null,
    labels: stringMap(get(s, 'labels')),
    image: image === null ? null : { value: interpolate(image).text, path: child(base, 'image') },
    build: build(s, base),
    user: user(ctx, s, base),
    seccomp: security.seccomp,
    noNewPrivileges: security.noNewPrivileges,
    privileged: flag(s, base, 'privileged'),
    // "Not set" and "set to false" are different observations (3.9 says which): null when absent.
    readOnlyRootfs: { value: bool(get(s, 'read_only')), path: child(base, 'read_only') },
    usernsMode: { value: usernsMode === null ? null : interpolate(usernsMode).text, path: child(base, 'userns_mode') },
    pidsLimit: pidsLimit(s, base),
    mounts: composeMounts(s, base, ctx.volumes, ctx.notes),
    ports: composePorts(s, base, ctx.notes, ctx.ports),
    command: command(s, base),
    env: environment(s, base),
    networkMode: { value: networkMode === null ? null : interpolate(networkMode).text, path: child(base, 'network_mode') },
    execIds: null,
    healthcheck: healthcheck(s, base),
    startedAt: null,
    running: null,
  };
}

/** Docker's reading of `user`: the part before `:` is the user; `root` or UID 0 is root, whatever the group. */
function user(ctx: Context, s: JsonRecord, base: string): Fact<UserSetting> {
  const path = child(base, 'user');
  const raw = scalarStr(get(s, 'user'))?.trim() ?? '';
  if (raw === '') return { value: { kind: 'unset' }, path };
  const { text, unresolved } = interpolate(raw);
  if (unresolved) {
    ctx.notes.push(`${path}: user ${JSON.stringify(raw)} depends on an environment variable; not counted`);
    return { value: { kind: 'unset' }, path };
  }
  const name = text.split(':')[0]?.trim() ?? '';
  if (name === '') return { value: { kind: 'unset' }, path };
  const root = name === 'root' || /^0+$/.test(name);
  return { value: root ? { kind: 'root', raw: text } : { kind: 'nonroot', raw: text }, path };
}

/**
 * `security_opt` entries in order (a later one wins), `key:value` or `key=value`. Without a
 * seccomp entry Docker's default profile applies; without no-new-privileges, escalation is allowed.
 */
function securityOpt(s: JsonRecord, base: string): { seccomp: Fact<SeccompSetting>; noNewPrivileges: Fact<boolean> } {
  const listPath = child(base, 'security_opt');
  const raw = get(s, 'security_opt');
  const entries = typeof raw === 'string' ? [raw] : arr(raw);
  let seccomp: Fact<SeccompSetting> = { value: { kind: 'unset' }, path: listPath };
  let noNewPrivileges: Fact<boolean> = { value: false, path: listPath };
  entries.forEach((entry, i) => {
    const text = scalarStr(entry);
    if (text === null) return;
    const option = interpolate(text).text.trim();
    const cut = option.search(/[:=]/);
    const key = (cut < 0 ? option : option.slice(0, cut)).trim().toLowerCase();
    const value = cut < 0 ? null : option.slice(cut + 1).trim();
    const path = Array.isArray(raw) ? index(listPath, i) : listPath;
    if (key === 'seccomp' && value) seccomp = { value: seccompValue(value), path };
    if (key === 'no-new-privileges') {
      const on = value === null ? true : bool(value);
      if (on !== null) noNewPrivileges = { value: on, path };
    }
  });
  return { seccomp, noNewPrivileges };
}

function seccompValue(value: string): SeccompSetting {
  if (value === 'unconfined') return { kind: 'unconfined' };
  // `builtin` names Docker's default profile (the daemon's `seccomp-profile` default since Docker 23).
  if (value === 'builtin') return { kind: 'runtime-default' };
  return { kind: 'custom', profile: value };
}

function flag(s: JsonRecord, base: string, key: string): Fact<boolean> {
  return { value: bool(get(s, key)) ?? false, path: child(base, key) };
}

/**
 * `build: ./dir` or `build: {context, dockerfile}`: the service runs an image built from a
 * Dockerfile, and its `image:` is only the tag the build gets.
 */
function build(s: JsonRecord, base: string): Container['build'] {
  const raw = get(s, 'build');
  const path = child(base, 'build');
  const text = scalarStr(raw);
  if (text !== null) return { value: { context: interpolate(text).text, dockerfile: null }, path };
  if (!isRecord(raw)) return null;
  const context = scalarStr(get(raw, 'context'));
  const dockerfile = scalarStr(get(raw, 'dockerfile'));
  return {
    value: {
      context: context === null ? null : interpolate(context).text,
      dockerfile: dockerfile === null ? null : interpolate(dockerfile).text,
    },
    path,
  };
}

/** `pids_limit`, else the swarm-style `deploy.resources.limits.pids`; absent is no limit. */
function pidsLimit(s: JsonRecord, base: string): Fact<number | null> {
  const direct = num(get(s, 'pids_limit'));
  if (direct !== null) return { value: direct, path: child(base, 'pids_limit') };
  const deploy = num(get(get(get(get(s, 'deploy'), 'resources'), 'limits'), 'pids'));
  if (deploy !== null) return { value: deploy, path: `${child(base, 'deploy')}.resources.limits.pids` };
  return { value: null, path: child(base, 'pids_limit') };
}

function words(v: unknown): string[] | null {
  if (typeof v === 'string') return shellWords(v);
  if (Array.isArray(v)) return v.map((w) => scalarStr(w) ?? '');
  return null;
}

/** `entrypoint` then `command`, as written (without either, the image decides). */
function command(s: JsonRecord, base: string): Fact<string[]> | null {
  const entrypoint = words(get(s, 'entrypoint'));
  const cmd = words(get(s, 'command'));
  if (entrypoint === null && cmd === null) return null;
  return {
    value: [...(entrypoint ?? []), ...(cmd ?? [])],
    path: child(base, entrypoint === null ? 'command' : 'entrypoint'),
  };
}

/**
 * The health check as Docker execs it: `CMD a b` → [a, b]; `CMD-SHELL x` and a plain string →
 * [`/bin/sh`, `-c`, x]. `NONE` or `disable: true` turn it off.
 */
function healthcheck(s: JsonRecord, base: string): Fact<string[]> | null {
  const check = get(s, 'healthcheck');
  if (bool(get(check, 'disable')) === true) return null;
  const test = get(check, 'test');
  const path = `${child(base, 'healthcheck')}.test`;
  if (typeof test === 'string') return test.trim() === '' ? null : { value: ['/bin/sh', '-c', test], path };
  const [form, ...rest] = arr(test).map((w) => scalarStr(w) ?? '');
  if (form === 'CMD') return { value: rest, path };
  if (form === 'CMD-SHELL') return { value: ['/bin/sh', '-c', rest.join(' ')], path };
  return null;
}

/** `environment` as a map or a `KEY=value` list; a key without value is taken from the shell, so unknown here (''). */
function environment(s: JsonRecord, base: string): EnvVar[] {
  const raw = get(s, 'environment');
  const path = child(base, 'environment');
  if (Array.isArray(raw)) {
    const out: EnvVar[] = [];
    raw.forEach((entry, i) => {
      const text = scalarStr(entry);
      if (text === null) return;
      const eq = text.indexOf('=');
      out.push({ name: eq < 0 ? text : text.slice(0, eq), value: eq < 0 ? '' : text.slice(eq + 1), path: index(path, i) });
    });
    return out;
  }
  return Object.entries(rec(raw) ?? {}).map(([name, value]) => ({ name, value: scalarStr(value) ?? '', path: child(path, name) }));
}

/** `labels` as a map or a `key=value` list. */
function stringMap(raw: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const text = scalarStr(entry);
      if (text === null) continue;
      const eq = text.indexOf('=');
      out[eq < 0 ? text : text.slice(0, eq)] = eq < 0 ? '' : text.slice(eq + 1);
    }
    return out;
  }
  for (const [k, v] of Object.entries(rec(raw) ?? {})) out[k] = scalarStr(v) ?? '';
  return out;
}
