/**
 * Workload states at a moment: what scorecards, trends and attestations count. A workload is
 * counted by its latest EVALUATED snapshot observed at or before the moment.
 */
import { and, desc, eq, gte, inArray, isNotNull, lt, lte, gt, type SQLWrapper, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { Db } from '../client.ts';
import { evaluations, snapshots, workloadState } from '../schema.ts';

export type StoredStatus = 'pass' | 'fail' | 'unknown';

export interface WorkloadStateAt {
  teamId: string;
  workload: string;
  environment: string;
  snapshotId: string;
  observedAt: Date;
  /**
   * `{ "3.1": "pass", … }` as the engine decided (before waivers). Rows with the same verdicts
   * share one object (one query's rows repeat a few hundred patterns thousands of times): read it,
   * never change it.
   */
  statuses: Record<string, StoredStatus>;
}

/**
 * The stored verdicts of a snapshot as one jsonb object, from the evaluation it is counted by:
 * snapshots share evaluations, so the join reads few rows while snapshots_team_time_idx
 * covers the snapshots. As text (jsonb's canonical form), so each distinct verdict is parsed once.
 */
const statusesOf = () => sql<string>`${evaluations.statuses}::text`;

/**
 * `status = 'evaluated'` written as a literal, not a parameter: a prepared statement's generic
 * plan can then still use the partial indexes whose predicate it is.
 */
const evaluated = () => sql`"snapshots"."status" = 'evaluated'`;

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
    evaluated(),
    bound,
  ];
  const latest = db
    .select({ id: snapshots.id, observedAt: snapshots.observedAt, snapshotStatuses: statusesOf().as('snapshot_statuses') })
    .from(snapshots)
    .innerJoin(evaluations, eq(evaluations.id, snapshots.evaluationId))
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
      // As text (jsonb's canonical form), so each distinct verdict is parsed once, not once per row.
      statuses: sql<string>`${workloadState.statuses}::text`,
    })
    .from(workloadState)
    .where(and(...current));
  const rows = await unionRows(db, unionAll(fast, latestByLookup(db, teamIds, at, { strict: false, onlyMovedOn: true, environment })));
  return rows.map(normalizer()).sort(byKey);
}

/**
 * Everything a trend over [`from`, `to`] needs for one team, in one query: each workload's last
 * evaluated snapshot before `from` (what carries into the window, or shows it stale) and every
 * evaluated snapshot observed within the window (an index-only scan of snapshots_team_time_idx).
 * Oldest first.
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
    // Evaluated snapshots are those counted by a verdict: said so, the scan stays within
    // snapshots_team_time_idx, which holds the verdict's id but not the status.
    isNotNull(snapshots.evaluationId),
    gte(snapshots.observedAt, window.from),
    lte(snapshots.observedAt, window.to),
  ];
  if (environment) inWindow.push(eq(snapshots.environment, environment));
  // The team's verdicts (evaluations_team_idx), each cast to text once however many snapshots share
  // it; OFFSET 0 keeps PostgreSQL from folding the subquery into the join, where the cast would run
  // once per snapshot. Without the team, the join hashed every team's evaluations.
  const verdicts = sql`(select ${evaluations.id} as id, ${evaluations.statuses}::text as statuses from ${evaluations} where ${evaluations.teamId} = ${teamId} offset 0) as "verdicts"`;
  const during = db
    .select({
      teamId: snapshots.teamId,
      workload: snapshots.workload,
      environment: snapshots.environment,
      snapshotId: snapshots.id,
      observedAt: snapshots.observedAt,
      statuses: sql<string>`"verdicts"."statuses"`,
    })
    .from(snapshots)
    .innerJoin(verdicts, sql`"verdicts"."id" = ${snapshots.evaluationId}`)
    .where(and(...inWindow));
  const rows = await unionRows(db, unionAll(before, during));
  return rows
    .map(normalizer())
    .sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime() || (a.snapshotId < b.snapshotId ? -1 : a.snapshotId > b.snapshotId ? 1 : 0));
}

type RawState = { teamId: string; workload: string; environment: string; snapshotId: string; observedAt: unknown; statuses: unknown };

/**
 * A union's rows as the driver returns them, without drizzle's per-field mapping (a sixth of an
 * org-wide scorecard's time at 10,000 rows). Read by position, in the select order every branch
 * shares: a union's column names are its first branch's, which differ between the two queries.
 */
async function unionRows(db: Db, query: SQLWrapper): Promise<RawState[]> {
  const result: unknown = await db.execute(query);
  // postgres.js returns the rows as an array; PGlite returns { rows }.
  const rows: unknown = Array.isArray(result) ? result : (result as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new Error('the database driver returned no rows array');
  return rows.map((row: Record<string, unknown>) => {
    const [teamId, workload, environment, snapshotId, observedAt, statuses] = Object.values(row);
    return { teamId: String(teamId), workload: String(workload), environment: String(environment), snapshotId: String(snapshotId), observedAt, statuses };
  });
}

/**
 * Rows as WorkloadStateAt. Drivers differ in what a union column comes back as (a Date or a
 * string, text or parsed jsonb). Statuses texts are parsed once each: equal texts share an object.
 */
function normalizer(): (r: RawState) => WorkloadStateAt {
  const parsed = new Map<string, Record<string, StoredStatus>>();
  return (r) => {
    const observedAt = r.observedAt instanceof Date ? r.observedAt : new Date(String(r.observedAt));
    let statuses: Record<string, StoredStatus>;
    if (typeof r.statuses === 'string') {
      const hit = parsed.get(r.statuses);
      statuses = hit ?? validStatuses(JSON.parse(r.statuses));
      if (!hit) parsed.set(r.statuses, statuses);
    } else statuses = validStatuses(r.statuses);
    return { teamId: r.teamId, workload: r.workload, environment: r.environment, snapshotId: r.snapshotId, observedAt, statuses };
  };
}

/** Only the three stored statuses; the usual object, all of them valid, is kept as parsed. */
function validStatuses(raw: unknown): Record<string, StoredStatus> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const given = raw as Record<string, unknown>;
  let valid = true;
  for (const id in given) {
    const s = given[id];
    if (s !== 'pass' && s !== 'fail' && s !== 'unknown') {
      valid = false;
      break;
    }
  }
  if (valid) return given as Record<string, StoredStatus>;
  const statuses: Record<string, StoredStatus> = {};
  for (const [id, s] of Object.entries(given)) if (s === 'pass' || s === 'fail' || s === 'unknown') statuses[id] = s;
  return statuses;
}

function byKey(a: WorkloadStateAt, b: WorkloadStateAt): number {
  return a.teamId.localeCompare(b.teamId) || a.workload.localeCompare(b.workload) || a.environment.localeCompare(b.environment);
}
