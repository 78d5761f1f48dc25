import type { Mount } from '../../model/evidence.ts';
import { arr, bool, get, isRecord, scalarStr, str, type JsonRecord } from '../util.ts';
import { child, index, interpolate } from './text.ts';

/**
 * Splits `SOURCE:TARGET[:MODE]` like compose-go does: a one-letter part before a colon is a
 * Windows drive (`C:\data`), not a field of its own.
 */
function fields(text: string): string[] {
  const raw = text.split(':');
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i] ?? '';
    const next = raw[i + 1];
    if (/^[A-Za-z]$/.test(part) && next !== undefined) {
      out.push(`${part}:${next}`);
      i++;
    } else out.push(part);
  }
  return out;
}

/** A source that is a path (bind mount) rather than a volume name; relative paths are kept as written. */
function isHostPath(source: string): boolean {
  return /^[./~\\]/.test(source) || /^[A-Za-z]:/.test(source);
}

/**
 * A named volume of the local driver with `o: bind` and a `device` is a bind mount of that host
 * path in disguise (`driver_opts: {type: none, o: bind, device: /var/run}`).
 */
function namedVolume(name: string, volumes: JsonRecord | null): { type: Mount['type']; hostPath: string | null } {
  const definition = get(volumes, name);
  const driver = str(get(definition, 'driver')) ?? 'local';
  const options = get(definition, 'driver_opts');
  const o = scalarStr(get(options, 'o')) ?? '';
  const device = scalarStr(get(options, 'device'));
  if (driver === 'local' && device !== null && o.split(',').some((s) => s.trim() === 'bind')) {
    return { type: 'bind', hostPath: interpolate(device).text };
  }
  return { type: 'volume', hostPath: null };
}

function fromSource(source: string | null, volumes: JsonRecord | null): { type: Mount['type']; hostPath: string | null } {
  if (source === null || source === '') return { type: 'volume', hostPath: null };
  return isHostPath(source) ? { type: 'bind', hostPath: source } : namedVolume(source, volumes);
}

function shortVolume(text: string, path: string, volumes: JsonRecord | null): Mount | null {
  const parts = fields(interpolate(text).text);
  if (parts.length === 1) return { type: 'volume', hostPath: null, target: parts[0] ?? '', readOnly: false, path };
  const [source = '', target = '', ...mode] = parts;
  if (target === '') return null;
  const readOnly = mode.join(':').split(',').some((m) => m.trim() === 'ro');
  return { ...fromSource(source, volumes), target, readOnly, path };
}

function longVolume(v: JsonRecord, path: string, volumes: JsonRecord | null): Mount | null {
  const target = scalarStr(get(v, 'target'));
  if (target === null) return null;
  const rawSource = scalarStr(get(v, 'source'));
  const source = rawSource === null ? null : interpolate(rawSource).text;
  const readOnly = bool(get(v, 'read_only')) ?? false;
  const type = str(get(v, 'type'));
  const mount = { target: interpolate(target).text, readOnly, path };
  switch (type) {
    case 'bind':
    case 'npipe': // a Windows named pipe, e.g. \\.\pipe\docker_engine: the Docker API there
      return { ...mount, type: 'bind', hostPath: source };
    case 'volume':
      return { ...mount, ...(source ? namedVolume(source, volumes) : { type: 'volume', hostPath: null }) };
    case 'tmpfs':
      return { ...mount, type: 'tmpfs', hostPath: null };
    case null:
      return { ...mount, ...fromSource(source, volumes) };
    default:
      return { ...mount, type: 'other', hostPath: null };
  }
}

/** A service's `volumes` (short and long syntax) and `tmpfs` mounts. */
export function composeMounts(service: unknown, base: string, volumes: JsonRecord | null, notes: string[]): Mount[] {
  const out: Mount[] = [];
  const listPath = child(base, 'volumes');
  arr(get(service, 'volumes')).forEach((v, i) => {
    const path = index(listPath, i);
    const text = scalarStr(v);
    const mount = isRecord(v) ? longVolume(v, path, volumes) : text === null ? null : shortVolume(text, path, volumes);
    if (mount) out.push(mount);
    else notes.push(`${path}: volume not understood, skipped`);
  });
  const tmpfs = get(service, 'tmpfs');
  const tmpfsPath = child(base, 'tmpfs');
  const entries = Array.isArray(tmpfs) ? tmpfs : [tmpfs];
  entries.forEach((t, i) => {
    const text = scalarStr(t);
    if (text === null) return;
    const target = text.split(':')[0] ?? text;
    const path = Array.isArray(tmpfs) ? index(tmpfsPath, i) : tmpfsPath;
    out.push({ type: 'tmpfs', hostPath: null, target, readOnly: false, path });
  });
  return out;
}
