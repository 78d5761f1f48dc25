/**
 * Trends: a team's scorecard figures at one point per UTC day or week. Each point is the state
 * as of the END of its day/week (or now, for the current one): every workload counted by its
 * latest snapshot by then, carried forward until its next snapshot or until it goes stale, with
 * the waivers in force at that moment. Computed in memory from one ordered list of snapshots.
 */
import type { WorkloadStateAt } from '../db/queries/states.ts';
import { type Level, LEVELS } from '../workers/model/result.ts';
import { CONTROL_IDS } from '../workers/controls/index.ts';
import { waiverActive, type WaiverRule } from '../workers/model/waivers.ts';
import { CONTROL_META, type ControlCounts, isStale, verdictMemo, type WorkloadVerdict } from './scorecard.ts';
import { DAY_MS, dayStart, weekStart } from './time.ts';

export const INTERVALS = ['day', 'week'] as const;
export type Interval = (typeof INTERVALS)[number];

/** The most points one request may ask for: two years of days. */
export const MAX_POINTS = 731;

export interface TrendPoint {
  /** The day, or the Monday that starts the ISO week, `YYYY-MM-DD` (UTC). */
  at: string;
  /** The moment the point's state is taken at: the last millisecond of its period, or now. */
  asOf: string;
  workloads: { total: number; stale: number };
  levels: Record<Level, { compliant: number; total: number }>;
  controls: Record<string, ControlCounts>;
}

export interface Period {
  label: string;
  start: Date;
  asOf: Date;
}

/** How long one period of the interval lasts. */
const STEP_MS: Record<Interval, number> = { day: DAY_MS, week: 7 * DAY_MS };

/** The start of the day or ISO week `d` falls in. */
function periodStart(d: Date, interval: Interval): Date {
  return interval === 'day' ? dayStart(d) : weekStart(d);
}

/** How many points [from, to] has at this interval, without building them. */
export function countPeriods(from: Date, to: Date, interval: Interval): number {
  return Math.floor((periodStart(to, interval).getTime() - periodStart(from, interval).getTime()) / STEP_MS[interval]) + 1;
}

/**
 * The periods covering [from, to]: whole UTC days, or whole ISO weeks. A period's state is taken
 * at its last millisecond, but never later than `now` (the current day is shown as it stands).
 */
export function periods(from: Date, to: Date, interval: Interval, now: Date): Period[] {
  const step = STEP_MS[interval];
  const first = periodStart(from, interval);
  const out: Period[] = [];
  const count = countPeriods(from, to, interval);
  for (let i = 0; i < count; i++) {
    const start = new Date(first.getTime() + i * step);
    const end = start.getTime() + step - 1;
    out.push({ label: start.toISOString().slice(0, 10), start, asOf: new Date(Math.min(end, now.getTime())) });
  }
  return out;
}

interface Cached {
  snapshotId: string;
  waiverKey: string;
  verdict: WorkloadVerdict;
}

/**
 * Walks the periods once over `rows` (oldest first: each workload's last snapshot before the
 * first period, then every snapshot within). A workload's verdict is recomputed only when its
 * snapshot or the set of waivers in force changes, so long windows cost little more than short ones.
 */
export function buildTrend(
  rows: readonly WorkloadStateAt[],
  waivers: readonly WaiverRule[],
  points: readonly Period[],
  staleAfterDays: number,
): TrendPoint[] {
  const latest = new Map<string, WorkloadStateAt>();
  const cache = new Map<string, Cached>();
  // One memo per set of waivers in force: the same set gives the same verdicts at any moment.
  const memos = new Map<string, ReturnType<typeof verdictMemo>>();
  let next = 0;
  return points.map((p) => {
    while (next < rows.length) {
      const row = rows[next];
      if (!row || row.observedAt > p.asOf) break;
      latest.set(`${row.workload}\u0000${row.environment}`, row);
      next++;
    }
    const inForce = waivers.filter((w) => waiverActive(w, p.asOf));
    const waiverKey = inForce.map((w) => w.id).join(',');
    let verdictOf = memos.get(waiverKey);
    if (!verdictOf) {
      verdictOf = verdictMemo(inForce, p.asOf);
      memos.set(waiverKey, verdictOf);
    }
    const point = emptyPoint(p);
    for (const [key, s] of latest) {
      if (isStale(s.observedAt, p.asOf, staleAfterDays)) {
        point.workloads.stale++;
        continue;
      }
      let hit = cache.get(key);
      if (!hit || hit.snapshotId !== s.snapshotId || hit.waiverKey !== waiverKey) {
        hit = { snapshotId: s.snapshotId, waiverKey, verdict: verdictOf(s.statuses, s.workload, s.environment) };
        cache.set(key, hit);
      }
      point.workloads.total++;
      for (const level of LEVELS) {
        point.levels[level].total++;
        if (hit.verdict.compliant[level]) point.levels[level].compliant++;
      }
      hit.verdict.statuses.forEach((status, i) => {
        const id = CONTROL_META[i]?.id;
        const counts = id ? point.controls[id] : undefined;
        if (counts) counts[status]++;
      });
    }
    return point;
  });
}

function emptyPoint(p: Period): TrendPoint {
  return {
    at: p.label,
    asOf: p.asOf.toISOString(),
    workloads: { total: 0, stale: 0 },
    levels: { L1: { compliant: 0, total: 0 }, L2: { compliant: 0, total: 0 }, L3: { compliant: 0, total: 0 } },
    controls: Object.fromEntries(CONTROL_META.map((m) => [m.id, { pass: 0, fail: 0, waived: 0, unknown: 0 }])),
  };
}

export const TREND_CSV_HEADER = ['at', 'as_of', 'scope', 'id', 'compliant', 'total', 'pass', 'fail', 'waived', 'unknown'] as const;

/**
 * The trend as CSV (RFC 4180, CRLF line ends), long format so spreadsheets and pivot tables take
 * it as is. One header row, then per point:
 * - three `level` rows (L1, L2, L3): `compliant` and `total` (fresh workloads) filled, the
 *   status columns empty;
 * - fifteen `control` rows (3.1 … 3.15): `pass`, `fail`, `waived`, `unknown` filled, `total`
 *   their sum (fresh workloads), `compliant` empty.
 * `at` is the day or the week's Monday; `as_of` the moment the point's state was taken at.
 * No field needs quoting: every value is a date, an id or a number.
 */
export function trendCsv(series: readonly TrendPoint[]): string {
  const lines: string[] = [TREND_CSV_HEADER.join(',')];
  for (const p of series) {
    for (const level of LEVELS) {
      const l = p.levels[level];
      lines.push([p.at, p.asOf, 'level', level, l.compliant, l.total, '', '', '', ''].join(','));
    }
    for (const id of CONTROL_IDS) {
      const c = p.controls[id];
      if (!c) continue;
      lines.push([p.at, p.asOf, 'control', id, '', c.pass + c.fail + c.waived + c.unknown, c.pass, c.fail, c.waived, c.unknown].join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
