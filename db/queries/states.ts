/**
 * Workload states at a moment: what scorecards, trends and attestations count. A workload is
 * counted by its latest EVALUATED snapshot observed at or before the moment.
 */
import { and, desc, eq, gte, inArray, lt, lte, gt, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { Db } from '../client.ts';
import { snapshots, workloadState } from '../schema.ts';

export type StoredStatus = 'pass' | 'fail' | 'unknown';

export interface WorkloadStateAt {
  teamId: string;
  workload: string;
  environment: string;
  snapshotId: string;
  observedAt: Date;
  /** `{ "3.1": "pass", … }` as the engine decided (before waivers). */
  statuses: Record<string, StoredStatus>;
}

/**
 * The fifteen stored verdicts of a snapshot as one jsonb object, read through control_results'
 * primary key. Qualified by hand: drizzle leaves columns of single-table selects unqualified,
 * which inside a correlated subquery would bind to the wrong table.
 */
const statusesOf = () =>
  sql<Record<string, StoredStatus>>`coalesce((select jsonb_object_agg(cr.control_id, cr.status) from control_results cr where cr.snapshot_id = "snapshots"."id"), '{}'::jsonb)`;

/**
 * For each workload of `teamIds` (optionally one environment), its latest evaluated snapshot
 * with observedAt within the bound (`<= at`, or `< at` when `strict`), found by a lateral
 * lookup on snapshots_team_workload_idx (one index probe per workload, however long the history).
 * Driven by workload_state: every workload that ever had an evaluated snapshot has a row there.
 */
function latestByLookup(db: Db, teamIds: string[], at: Date, o: { strict: boolean; onlyMovedOn: boolean; environment?: string | undefined }) {
  const bound = o.strict ? lt(snapshots.observedAt, at) : lte(snapshots.observedAt, at);
  const inner = [
    eq(snapshots.teamId, workloadState.teamId),
    eq(snapshots.workload, workloadState.workload),
    eq(snapshots.environment, workloadState.environment),
    eq(snapshots.status, 'evaluated'),
    bound,
  ];
  const latest = db
    .select({ id: snapshots.id, observedAt: snapshots.observedAt, snapshotStatuses: statusesOf().as('snapshot_statuses') })
    .from(snapshots)
    .where(and(...inner))
    .orderBy(desc(snapshots.observedAt), desc(snapshots.id))
    .limit(1)
    .as('latest');
  const outer = [inArray(workloadState.teamId, teamIds)];
  if (o.environment) outer.push(eq(workloadState.environment, o.environment));
  // Only the workloads whose latest state lies beyond the bound need history (see statesAsOf).
  if (o.onlyMovedOn) outer.push(o.strict ? gte(workloadState.observedAt, at) : gt(workloadState.observedAt, at));
  return db
    .select({
      teamId: workloadState.teamId,
      workload: workloadState.workload,
      environment: workloadState.environment,
      snapshotId: latest.id,
      observedAt: latest.observedAt,
      statuses: latest.snapshotStatuses,
    })
    .from(workloadState)
    .crossJoinLateral(latest)
    .where(and(...outer));
}

/**
 * For each (team, workload, environment) the latest evaluated snapshot with observedAt <= `at`:
 * its id, observedAt and fifteen stored statuses. One query: workloads whose latest state
 * (workload_state) is already at or before `at` are read from that table directly — at "now"
 * that is every workload, the fast path — and only those observed again since `at` are looked up
 * in the snapshot history. Workloads with no snapshot by then are absent.
 */
export async function statesAsOf(db: Db, teamIds: string[], at: Date, environment?: string): Promise<WorkloadStateAt[]> {
  if (teamIds.length === 0) return [];
  const current = [inArray(workloadState.teamId, teamIds), lte(workloadState.observedAt, at)];
  if (environment) current.push(eq(workloadState.environment, environment));
  const fast = db
    .select({
      teamId: workloadState.teamId,
      workload: workloadState.workload,
      environment: workloadState.environment,
      snapshotId: workloadState.snapshotId,
      observedAt: workloadState.observedAt,
      statuses: workloadState.statuses,
    })
    .from(workloadState)
    .where(and(...current));
  const rows = await unionAll(fast, latestByLookup(db, teamIds, at, { strict: false, onlyMovedOn: true, environment }));
  return rows.map(normalize).sort(byKey);
}

/**
 * Everything a trend over [`from`, `to`] needs for one team, in one query: each workload's last
 * evaluated snapshot before `from` (what carries into the window, or shows it stale) and every
 * evaluated snapshot observed within the window (snapshots_team_observed_idx). Oldest first.
 */
export async function snapshotsForWindow(
  db: Db,
  teamId: string,
  window: { from: Date; to: Date },
  environment?: string,
): Promise<WorkloadStateAt[]> {
  const before = latestByLookup(db, [teamId], window.from, { strict: true, onlyMovedOn: false, environment });
  const inWindow = [
    eq(snapshots.teamId, teamId),
    eq(snapshots.status, 'evaluated'),
    gte(snapshots.observedAt, window.from),
    lte(snapshots.observedAt, window.to),
  ];
  if (environment) inWindow.push(eq(snapshots.environment, environment));
  const during = db
    .select({
      teamId: snapshots.teamId,
      workload: snapshots.workload,
      environment: snapshots.environment,
      snapshotId: snapshots.id,
      observedAt: snapshots.observedAt,
      statuses: statusesOf(),
    })
    .from(snapshots)
    .where(and(...inWindow));
  const rows = await unionAll(before, during);
  return rows
    .map(normalize)
    .sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime() || (a.snapshotId < b.snapshotId ? -1 : a.snapshotId > b.snapshotId ? 1 : 0));
}

/** Drivers differ in what a union column comes back as (a Date or a string, parsed jsonb or text). */
function normalize(r: { teamId: string; workload: string; environment: string; snapshotId: string; observedAt: unknown; statuses: unknown }): WorkloadStateAt {
  const observedAt = r.observedAt instanceof Date ? r.observedAt : new Date(String(r.observedAt));
  const raw: unknown = typeof r.statuses === 'string' ? JSON.parse(r.statuses) : r.statuses;
  const statuses: Record<string, StoredStatus> = {};
  if (raw && typeof raw === 'object') {
    for (const [id, s] of Object.entries(raw)) if (s === 'pass' || s === 'fail' || s === 'unknown') statuses[id] = s;
  }
  return { teamId: r.teamId, workload: r.workload, environment: r.environment, snapshotId: r.snapshotId, observedAt, statuses };
}

function byKey(a: WorkloadStateAt, b: WorkloadStateAt): number {
  return a.teamId.localeCompare(b.teamId) || a.workload.localeCompare(b.workload) || a.environment.localeCompare(b.environment);
}
