/**
 * The Docker Engine's container *list*: `GET /containers/json` (and `docker ps --format json`,
 * one object a line). It is not `docker inspect` output: it has no `Config`, no `HostConfig`
 * beyond the network mode, no `ExecIDs`, no start time, so it speaks only to what it carries:
 * name, id, image, labels, ports, mounts (the API's, with their mode), the command and whether
 * the container runs. Every setting it never has stays null in the model, which controls read as
 * "no evidence", never as Docker's default (CONTROLS.md, "Coverage, precisely").
 */
import type { Container, Mount, Port, Source } from '../model/evidence.ts';
import { arr, get, isRecord, num, str, strRecord } from './util.ts';

/** `docker ps` lists a published range as one entry; wider ranges keep their first port. */
const MAX_PORT_RANGE = 64;

export type ListShape = 'engine-list' | 'ps';

/**
 * Which list shape an element has, or null for anything else (an inspect element, an image).
 * The API list names its containers in a `Names` array and gives `State` as a word; `docker ps
 * --format json` writes `ID`, `Names` and `Ports` as strings.
 */
export function listShape(v: unknown): ListShape | null {
  if (!isRecord(v) || isRecord(get(v, 'Config')) || isRecord(get(v, 'State'))) return null;
  if (typeof get(v, 'ID') === 'string' && typeof get(v, 'Names') === 'string') return 'ps';
  if (typeof get(v, 'Id') !== 'string') return null;
  if (Array.isArray(get(v, 'Names')) || typeof get(v, 'State') === 'string' || typeof get(v, 'Command') === 'string') return 'engine-list';
  return null;
}

/** `docker ps --format json` prints one object a line: the lines, when every non-empty one is such an object. */
export function psLines(text: string): unknown[] | null {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0 || !lines.every((l) => l.startsWith('{') && l.endsWith('}'))) return null;
  const out: unknown[] = [];
  for (const l of lines) {
    try {
      out.push(JSON.parse(l));
    } catch {
      return null;
    }
  }
  return out.every((v) => listShape(v) === 'ps') ? out : null;
}

/** A list entry as a container: only the fields the list carries; the rest null (no evidence). */
export function readListEntry(v: Record<string, unknown>, base: string, source: Source, shape: ListShape): Container {
  const at = (...segments: (string | number)[]): string => `${base}/${segments.join('/')}`;
  const id = str(get(v, shape === 'ps' ? 'ID' : 'Id'));
  const names = shape === 'ps' ? (str(get(v, 'Names')) ?? '').split(',') : arr(get(v, 'Names')).map((n) => str(n) ?? '');
  const name = names.map((n) => n.trim().replace(/^\/+/, '')).find((n) => n !== '') || (id ? id.slice(0, 12) : `container ${base || '/'}`);
  const image = str(get(v, 'Image'));
  const state = str(get(v, 'State'));
  const networkMode = shape === 'engine-list' ? str(get(get(v, 'HostConfig'), 'NetworkMode')) : null;
  const command = shape === 'engine-list' ? str(get(v, 'Command')) : null;
  return {
    source,
    runtime: 'docker',
    name,
    id,
    role: 'app',
    path: base,
    pod: null,
    labels: shape === 'ps' ? psLabels(str(get(v, 'Labels'))) : strRecord(get(v, 'Labels')),
    image: image ? { value: image, path: at('Image') } : null,
    imageId: shape === 'engine-list' ? str(get(v, 'ImageID')) : null,
    user: null,
    seccomp: null,
    noNewPrivileges: null,
    privileged: null,
    readOnlyRootfs: null,
    usernsMode: null,
    pidsLimit: null,
    // `docker ps` names mounts without type or mode; only the API list gives them.
    mounts: shape === 'engine-list' ? apiMounts(v, at) : null,
    ports: shape === 'engine-list' ? apiPorts(v, at) : psPorts(str(get(v, 'Ports')) ?? '', at('Ports')),
    // The API gives the whole command line; `docker ps` truncates it.
    command: command ? { value: command.split(/\s+/).filter((w) => w !== ''), path: at('Command') } : null,
    env: null,
    networkMode: networkMode ? { value: networkMode, path: at('HostConfig', 'NetworkMode') } : null,
    execIds: null,
    healthcheck: null,
    startedAt: null,
    running: state === null ? null : state === 'running',
  };
}

function psLabels(text: string | null): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of (text ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  return out;
}

function protocolOf(text: string | null): Port['protocol'] {
  const p = (text ?? 'tcp').toLowerCase();
  return p === 'udp' || p === 'sctp' ? p : 'tcp';
}

/** `Ports: [{IP, PrivatePort, PublicPort, Type}]`: with a PublicPort it is published on IP. */
function apiPorts(v: Record<string, unknown>, at: (...s: (string | number)[]) => string): Port[] {
  const out: Port[] = [];
  arr(get(v, 'Ports')).forEach((p, i) => {
    const port = num(get(p, 'PrivatePort'));
    if (port === null || port < 1 || port > 65535) return;
    const hostPort = num(get(p, 'PublicPort'));
    out.push({
      containerPort: port,
      protocol: protocolOf(str(get(p, 'Type'))),
      published: hostPort !== null,
      hostIp: hostPort !== null ? (str(get(p, 'IP')) ?? '') : null,
      hostPort,
      path: at('Ports', i),
    });
  });
  return out;
}

function range(text: string): number[] {
  const [a = '', b] = text.split('-');
  const from = Number(a);
  const to = b === undefined ? from : Number(b);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || to < from) return [];
  const last = to - from < MAX_PORT_RANGE ? to : from;
  return Array.from({ length: last - from + 1 }, (_, i) => from + i);
}

/**
 * `0.0.0.0:6379->6379/tcp, :::6379->6379/tcp, 9121/tcp`, `[::]:80->80/tcp`,
 * `0.0.0.0:9000-9002->9000-9002/udp`: published (address, host port) or only exposed.
 */
export function psPorts(text: string, path: string): Port[] {
  const out: Port[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const m = /^(?:(.*):(\d{1,5}(?:-\d{1,5})?)->)?(\d{1,5}(?:-\d{1,5})?)\/(tcp|udp|sctp)$/i.exec(entry);
    if (!m) continue;
    const inside = range(m[3] ?? '');
    const outside = m[2] === undefined ? [] : range(m[2]);
    const ip = m[1] === undefined ? null : m[1].replace(/^\[|\]$/g, '');
    inside.forEach((port, i) => out.push({
      containerPort: port,
      protocol: protocolOf(m[4] ?? null),
      published: m[2] !== undefined,
      hostIp: ip,
      hostPort: outside[i] ?? outside[0] ?? null,
      path,
    }));
  }
  return out;
}

/** `Mounts: [{Type, Source, Destination, RW}]` of the API list. */
function apiMounts(v: Record<string, unknown>, at: (...s: (string | number)[]) => string): Mount[] {
  const out: Mount[] = [];
  arr(get(v, 'Mounts')).forEach((m, i) => {
    const target = str(get(m, 'Destination'));
    if (!target) return;
    const raw = (str(get(m, 'Type')) ?? '').toLowerCase();
    const type: Mount['type'] = raw === 'bind' || raw === 'volume' || raw === 'tmpfs' ? raw : 'other';
    out.push({
      hostPath: type === 'bind' ? str(get(m, 'Source')) : null,
      target,
      readOnly: get(m, 'RW') === false,
      type,
      path: at('Mounts', i),
    });
  });
  return out;
}
