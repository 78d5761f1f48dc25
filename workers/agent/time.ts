/**
 * Times as the Docker daemon counts them. Event windows are cut at the daemon's own clock
 * (`SystemTime` of `/info`), in nanoseconds, so a skewed agent clock cannot open a gap
 * between two rounds, and the boundary between two windows is exact.
 */
import type { RawEvent } from './docker-client.ts';

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** RFC 3339 with up to nanoseconds (`2026-03-11T10:00:00.318406214Z`, `…+01:00`) → ns since the epoch. */
export function isoToNanos(iso: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\d*(Z|[+-]\d{2}:\d{2})$/.exec(iso.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1] ?? ''}${m[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * NS_PER_MS + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The form `/events?since=&until=` takes: `1773223200.318406214`. */
export function nanosToDocker(ns: bigint): string {
  const seconds = ns / NS_PER_S;
  const rest = ns % NS_PER_S;
  return `${seconds}.${rest.toString().padStart(9, '0')}`;
}

export function dockerToNanos(text: string): bigint | null {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) return null;
  return BigInt(m[1] ?? '0') * NS_PER_S + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** ISO 8601 with milliseconds, the form the API stores. */
export function nanosToIso(ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString();
}

export function msToNanos(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

/** An event's time, exact: read from the line, since JSON numbers lose the last digits of `timeNano`. */
export function eventNanos(event: RawEvent): bigint | null {
  const m = /"timeNano"\s*:\s*(\d+)/.exec(event.line);
  if (m?.[1]) return BigInt(m[1]);
  const seconds = event.value.time;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? BigInt(Math.trunc(seconds)) * NS_PER_S : null;
}
