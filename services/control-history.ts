/**
 * How long each control of a workload has been failing: the run of consecutive evaluated
 * snapshots, newest first, in which it failed (or was waived, which is a failure accepted), and
 * the snapshot that started it — with its commit and pipeline, that is what introduced it.
 */
import type { Snapshot } from './schemas/snapshot.ts';
import { DAY_MS, dayStart } from './time.ts';

export interface OpenFailure {
  /** When the failing run began: the observation of its first snapshot. */
  since: string;
  /** Whole UTC days from that day to today. */
  days: number;
  /** The snapshot that introduced it. */
  snapshot: { id: string; observedAt: string; ci: Snapshot['ci'] };
  /** False when the run reaches back past the history given: it began then or earlier. */
  complete: boolean;
}

/** Whole UTC calendar days from `from`'s day to `to`'s day (a waiver expiring on the 12th is 5 days away on the 7th). */
export function daysBetween(from: Date, to: Date): number {
  return Math.round((dayStart(to).getTime() - dayStart(from).getTime()) / DAY_MS);
}

/**
 * Per control id failing in the newest evaluated snapshot of `history` (one workload and
 * environment, newest first), the failure's start. `complete` says whether an earlier snapshot
 * where it did not fail was seen (or the history is whole).
 */
export function openFailures(history: readonly Snapshot[], now: Date, o: { whole: boolean }): Map<string, OpenFailure> {
  const evaluated = history.filter((s) => s.status === 'evaluated');
  const out = new Map<string, OpenFailure>();
  const newest = evaluated[0];
  if (!newest) return out;
  const failing = (s: Snapshot, id: string) => {
    const st = s.controls.find((c) => c.id === id)?.status;
    return st === 'fail' || st === 'waived';
  };
  for (const c of newest.controls) {
    if (c.status !== 'fail' && c.status !== 'waived') continue;
    let first = newest;
    let ended = false;
    for (const s of evaluated.slice(1)) {
      if (!failing(s, c.id)) {
        ended = true;
        break;
      }
      first = s;
    }
    out.set(c.id, {
      since: first.observedAt,
      days: daysBetween(new Date(first.observedAt), now),
      snapshot: { id: first.id, observedAt: first.observedAt, ci: first.ci },
      complete: ended || o.whole,
    });
  }
  return out;
}
