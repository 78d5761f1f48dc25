import type { Port } from '../../model/evidence.ts';
import { arr, get, isRecord, num, protocol, scalarStr, str } from '../util.ts';
import { child, index, interpolate } from './text.ts';

/**
 * Ranges are expanded port by port (a sensitive port inside `1-65535` must be seen), so a file
 * full of big ranges could make millions of entries. One file gets this many at most.
 */
const MAX_PORTS_PER_FILE = 131_072;

/** What is left of the file's port budget; shared by all its services. */
export interface PortBudget {
  left: number;
}

interface Range {
  start: number;
  end: number;
}

function range(text: string): Range | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  return start >= 1 && end <= 65535 && start <= end ? { start, end } : null;
}

interface Spec {
  hostIp: string;
  host: string | null;
  container: string;
  protocol: string;
}

/** `[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]`, HOST_IP possibly an IPv6 address in brackets. */
function split(text: string): Spec {
  let rest = text.trim();
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close > 0) {
      const hostIp = rest.slice(1, close);
      const parts = rest.slice(close + 1).replace(/^:/, '').split(':');
      const container = parts.pop() ?? '';
      return { hostIp, host: parts.length > 0 ? parts.join(':') : '', container, protocol: proto };
    }
  }
  const parts = rest.split(':');
  const container = parts.pop() ?? '';
  if (parts.length === 0) return { hostIp: '', host: null, container, protocol: proto };
  const host = parts.pop() ?? '';
  return { hostIp: parts.join(':'), host, container, protocol: proto };
}

/**
 * One short-syntax `ports` entry. Everything in `ports` is published: without a host address on
 * all interfaces (hostIp ''), without a host port on a random one (hostPort null).
 */
function shortPort(value: string, path: string, notes: string[], budget: PortBudget): Port[] {
  const spec = split(interpolate(value).text);
  const containerRange = range(spec.container);
  if (!containerRange) {
    notes.push(`${path}: port ${JSON.stringify(value)} is not understood, skipped`);
    return [];
  }
  const hostRange = spec.host === null || spec.host === '' ? null : range(spec.host);
  const count = containerRange.end - containerRange.start + 1;
  const mapped = hostRange !== null && hostRange.end - hostRange.start + 1 === count;
  const take = Math.min(count, budget.left);
  if (take < count) notes.push(`${path}: only ${take} of ${count} ports read (more than ${MAX_PORTS_PER_FILE} ports in the file)`);
  budget.left -= take;
  const out: Port[] = [];
  for (let k = 0; k < take; k++) {
    out.push({
      containerPort: containerRange.start + k,
      protocol: protocol(spec.protocol),
      published: true,
      hostIp: spec.hostIp,
      // A host range for one container port means "any free port of the range".
      hostPort: mapped && hostRange ? hostRange.start + k : null,
      path,
    });
  }
  return out;
}

/** Long syntax: `{target, published, host_ip, protocol}`; without `published` a random host port. */
function longPort(value: Record<string, unknown>, path: string, notes: string[]): Port[] {
  const target = num(get(value, 'target'));
  if (target === null || target < 1 || target > 65535) {
    notes.push(`${path}: port without a valid target, skipped`);
    return [];
  }
  const published = scalarStr(get(value, 'published'));
  const hostIp = str(get(value, 'host_ip'));
  return [
    {
      containerPort: target,
      protocol: protocol(get(value, 'protocol')),
      published: true,
      hostIp: hostIp === null ? '' : interpolate(hostIp).text,
      hostPort: published === null ? null : num(interpolate(published).text),
      path,
    },
  ];
}

/** A new budget for one Compose file. */
export function portBudget(): PortBudget {
  return { left: MAX_PORTS_PER_FILE };
}

/** A service's `ports` (published) and `expose` (reachable only from other containers). */
export function composePorts(service: unknown, base: string, notes: string[], budget: PortBudget): Port[] {
  const out: Port[] = [];
  arr(get(service, 'ports')).forEach((p, i) => {
    const path = index(child(base, 'ports'), i);
    if (isRecord(p)) out.push(...longPort(p, path, notes));
    else {
      const text = scalarStr(p);
      if (text !== null) out.push(...shortPort(text, path, notes, budget));
    }
  });
  arr(get(service, 'expose')).forEach((p, i) => {
    const path = index(child(base, 'expose'), i);
    const text = scalarStr(p);
    if (text === null) return;
    for (const port of shortPort(text, path, notes, budget)) {
      out.push({ ...port, published: false, hostIp: null, hostPort: null });
    }
  });
  return out;
}
