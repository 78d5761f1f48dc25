/**
 * Delivery of one queued snapshot to the public API, and what its answer means for the queue:
 * delivered (remove it), retry later (keep it, back off), or rejected (the snapshot itself is
 * refused and never will be accepted: set it aside, or it would block every later one).
 */
import type { QueueEntry } from './queue.ts';

export interface UploadTarget {
  /** The service's base URL, e.g. `https://csvs.example.com`. */
  url: string;
  key: string;
  /** The whole request, connect to last byte. */
  timeoutMs: number;
}

export interface LevelVerdicts {
  L1: boolean;
  L2: boolean;
  L3: boolean;
}

export type UploadOutcome =
  | { kind: 'delivered'; status: number; replayed: boolean; snapshotId: string | null; levels: LevelVerdicts | null }
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs: number | null }
  | { kind: 'rejected'; status: number; error: string };

/** Statuses that say "this request, as it is, will never be accepted". */
const REJECTED = new Set([400, 413, 415, 422]);

export function snapshotsUrl(base: string, team: string): string {
  return `${base.replace(/\/+$/, '')}/v1/teams/${encodeURIComponent(team)}/snapshots`;
}

/** POSTs one entry with its Idempotency-Key. Never throws. */
export async function uploadEntry(target: UploadTarget, entry: QueueEntry, signal?: AbortSignal): Promise<UploadOutcome> {
  const timeout = AbortSignal.timeout(target.timeoutMs);
  let res: Response;
  try {
    res = await fetch(snapshotsUrl(target.url, entry.team), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${target.key}`,
        'content-type': 'application/json',
        accept: 'application/json',
        // The agent keeps the id and the levels: the findings stay on the server.
        prefer: 'return=minimal',
        'idempotency-key': entry.idempotencyKey,
        'user-agent': 'csvs-agent',
      },
      body: entry.body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (e) {
    const why = timeout.aborted ? `no answer within ${target.timeoutMs} ms` : describe(e);
    return { kind: 'retry', status: null, error: why, retryAfterMs: null };
  }
  let text = '';
  try {
    text = await res.text();
  } catch (e) {
    return { kind: 'retry', status: res.status, error: `the answer broke off: ${describe(e)}`, retryAfterMs: null };
  }
  if (res.status >= 200 && res.status < 300) {
    const body = parse(text);
    return {
      kind: 'delivered',
      status: res.status,
      replayed: res.headers.get('idempotent-replayed') === 'true',
      snapshotId: typeof body?.id === 'string' ? body.id : null,
      levels: verdicts(body?.levels),
    };
  }
  const problem = parse(text);
  const detail = typeof problem?.detail === 'string' ? problem.detail : typeof problem?.title === 'string' ? problem.title : text.slice(0, 200);
  const error = `${res.status} ${detail}`.trim();
  if (REJECTED.has(res.status)) return { kind: 'rejected', status: res.status, error };
  return { kind: 'retry', status: res.status, error, retryAfterMs: retryAfter(res.headers.get('retry-after')) };
}

/** `L1 met, L2 not met, L3 not met`, for the log. */
export function describeLevels(levels: LevelVerdicts | null): string {
  if (!levels) return 'evaluation pending';
  return (['L1', 'L2', 'L3'] as const).map((l) => `${l} ${levels[l] ? 'met' : 'not met'}`).join(', ');
}

function verdicts(v: unknown): LevelVerdicts | null {
  if (typeof v !== 'object' || v === null) return null;
  const levels = v as Record<string, unknown>;
  const met = (l: string): boolean | null => {
    const s = levels[l];
    return typeof s === 'object' && s !== null && typeof (s as Record<string, unknown>).compliant === 'boolean'
      ? ((s as Record<string, unknown>).compliant as boolean)
      : null;
  };
  const [l1, l2, l3] = [met('L1'), met('L2'), met('L3')];
  return l1 === null || l2 === null || l3 === null ? null : { L1: l1, L2: l2, L3: l3 };
}

/** Seconds or an HTTP date; null when absent or unreadable. */
function retryAfter(header: string | null): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}
