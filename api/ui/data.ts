/**
 * What the pages show, loaded through the very queries and service functions the API routes
 * use (scorecards, trends, waivers, snapshots), so a figure on a page equals the API's.
 */
import { statesAsOf, type WorkloadStateAt } from '../../db/queries/states.ts';
import type { TeamRef } from '../../services/deps.ts';
import type { ControlStatus, Level } from '../../workers/model/result.ts';
import type { WaiverRule } from '../../workers/model/waivers.ts';
import type { Deps } from '../env.ts';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { isStale, type Scorecard, workloadVerdict } from '../../services/scorecard.ts';
import { type Interval, periods, type TrendPoint } from '../../services/trend.ts';
import { loadScorecards, loadTrend } from '../../services/reports.ts';
import { loadSnapshotViews } from '../../services/snapshots.ts';
import { firstOfDays } from '../../services/time.ts';

export interface GridRow {
  workload: string;
  environment: string;
  snapshotId: string;
  observedAt: Date;
  stale: boolean;
  /** Per control in the standard's order, waivers applied. */
  statuses: ControlStatus[];
  compliant: Record<Level, boolean>;
}

export interface TeamView {
  card: Scorecard;
  grid: GridRow[];
  environments: string[];
}

/** As GET /v1/teams/{team}/scorecard, plus each workload's verdict for the grid from the same rows. */
export async function teamView(deps: Deps, team: TeamRef, asOf: Date, environment: string | undefined): Promise<TeamView> {
  const [[loaded], all] = await Promise.all([
    loadScorecards(deps, [team], asOf, environment),
    environment ? statesAsOf(deps.db, [team.id], asOf) : Promise.resolve(null),
  ]);
  if (!loaded) throw new Error('no scorecard loaded');
  const { card, states, waivers } = loaded;
  const grid = states.map((s) => gridRow(s, waivers, asOf, deps.config.STALE_AFTER_DAYS));
  const environments = [...new Set((all ?? states).map((s) => s.environment))].sort();
  return { card, grid, environments };
}

function gridRow(s: WorkloadStateAt, rules: readonly WaiverRule[], asOf: Date, staleAfterDays: number): GridRow {
  const v = workloadVerdict(s.statuses, rules, s.workload, s.environment, asOf);
  return {
    workload: s.workload,
    environment: s.environment,
    snapshotId: s.snapshotId,
    observedAt: s.observedAt,
    stale: isStale(s.observedAt, asOf, staleAfterDays),
    statuses: v.statuses,
    compliant: v.compliant,
  };
}

export const RANGES = {
  '30d': { days: 30, interval: 'day' },
  '90d': { days: 90, interval: 'day' },
  '1y': { days: 365, interval: 'week' },
} as const satisfies Record<string, { days: number; interval: Interval }>;
export type Range = keyof typeof RANGES;

export function isRange(v: unknown): v is Range {
  return typeof v === 'string' && Object.hasOwn(RANGES, v);
}

/**
 * As GET /v1/teams/{team}/trend?from=…&interval=…: the window ends now and starts `days - 1`
 * UTC days before today (the API's default window is the 30-day case).
 */
export async function teamTrend(deps: Deps, team: TeamRef, range: Range, now: Date, environment?: string): Promise<TrendPoint[]> {
  const { days, interval } = RANGES[range];
  const from = firstOfDays(now, days);
  const points = periods(from, now, interval, now);
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return [];
  return loadTrend(deps, team, points, environment);
}

/** Days the overview looks back: its change figure compares today with this many days ago. */
export const CHANGE_DAYS = 30;

/** The overview's daily trend: from CHANGE_DAYS days ago to today, both ends included. */
export async function changeTrend(deps: Deps, team: TeamRef, now: Date): Promise<TrendPoint[]> {
  const from = firstOfDays(now, CHANGE_DAYS + 1);
  return loadTrend(deps, team, periods(from, now, 'day', now));
}

/** As GET /v1/teams/{team}/snapshots?workload=…: newest first, statuses without findings. */
export async function workloadHistory(
  deps: Deps,
  team: TeamRef,
  workload: string,
  environment: string | undefined,
  limit: number,
  now: Date,
): Promise<Snapshot[]> {
  return (await loadSnapshotViews(deps.db, team, { workload, environment, limit }, now)).views;
}
