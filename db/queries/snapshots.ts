import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { withoutNul } from '../json.ts';
import { artifactSets, controlResults, type evaluations, snapshots, teams, workloadState } from '../schema.ts';

export type SnapshotRow = typeof snapshots.$inferSelect;
export type ControlResultRow = typeof controlResults.$inferSelect;
export type EvaluationRow = typeof evaluations.$inferSelect;

export interface StoredResult {
  engineVersion: string;
  controls: readonly { id: string; status: string; findings: readonly unknown[] }[];
}

/** Inserts a snapshot row. Null when the team's Idempotency-Key was already used: nothing is written. */
export async function insertSnapshot(db: Db, snapshot: typeof snapshots.$inferInsert): Promise<SnapshotRow | null> {
  const rows = await db
    .insert(snapshots)
    .values({ ...snapshot, ci: snapshot.ci ? withoutNul(snapshot.ci) : null })
    .onConflictDoNothing()
    .returning();
  return rows[0] ?? null;
}

/** Marks a stored snapshot evaluated: counted by `evaluation` from now on (clearing an earlier error). */
export async function markSnapshotEvaluated(
  db: Db,
  row: SnapshotRow,
  evaluation: Pick<EvaluationRow, 'id' | 'engineVersion' | 'evaluatedAt'>,
  accessed: SnapshotRow['accessed'],
): Promise<SnapshotRow> {
  const updated = await db
    .update(snapshots)
    .set({
      status: 'evaluated',
      evaluationId: evaluation.id,
      engineVersion: evaluation.engineVersion,
      evaluatedAt: evaluation.evaluatedAt,
      error: null,
      accessed,
    })
    .where(eq(snapshots.id, row.id))
    .returning();
  return updated[0] ?? row;
}

/**
 * Moves the workload's latest state to this snapshot — unless a newer observation is already
 * there (backfills keep history right). True when it moved.
 */
export async function moveWorkloadState(db: Db, row: SnapshotRow, statuses: Record<string, 'pass' | 'fail' | 'unknown'>): Promise<boolean> {
  const moved = await db
    .insert(workloadState)
    .values({
      teamId: row.teamId,
      workload: row.workload,
      environment: row.environment,
      snapshotId: row.id,
      observedAt: row.observedAt,
      statuses,
    })
    .onConflictDoUpdate({
      target: [workloadState.teamId, workloadState.workload, workloadState.environment],
      set: { snapshotId: row.id, observedAt: row.observedAt, statuses },
      setWhere: or(
        lt(workloadState.observedAt, row.observedAt),
        and(eq(workloadState.observedAt, row.observedAt), eq(workloadState.snapshotId, row.id)),
      ),
    })
    .returning({ snapshotId: workloadState.snapshotId });
  return moved.length > 0;
}

/** How many of a workload's earlier snapshots that saw access 3.10 reads (the newest). */
export const ACCESS_HISTORY_LIMIT = 500;

/** One earlier sighting of an accessed container, as 3.10's history takes it. */
export interface AccessSighting {
  containerId: string;
  seenAt: string;
  snapshotId: string;
}

/**
 * Containers seen accessed in the workload's snapshots observed before `before` (the newest
 * `limit` such snapshots), for 3.10: such a container still running later was not replaced.
 */
export async function findAccessHistory(
  db: Db,
  key: { teamId: string; workload: string; environment: string },
  before: Date,
  limit = ACCESS_HISTORY_LIMIT,
): Promise<AccessSighting[]> {
  const rows = await db
    .select({ id: snapshots.id, accessed: snapshots.accessed })
    .from(snapshots)
    .where(
      and(
        eq(snapshots.teamId, key.teamId),
        eq(snapshots.workload, key.workload),
        eq(snapshots.environment, key.environment),
        lt(snapshots.observedAt, before),
        sql`${snapshots.accessed} is not null`,
      ),
    )
    .orderBy(desc(snapshots.observedAt))
    .limit(limit);
  return rows.flatMap((r) => (r.accessed ?? []).map((a) => ({ containerId: a.containerId, seenAt: a.at, snapshotId: r.id })));
}

/** A workload's latest evaluated state with what an unchanged upload needs to reuse it. */
export interface ReusableState {
  snapshotId: string;
  observedAt: Date;
  setId: string;
  setHash: string;
  setRedactions: ArtifactSetRedactions;
  evaluationId: string | null;
  engineVersion: string | null;
  evaluatedAt: Date | null;
  statuses: Record<string, 'pass' | 'fail' | 'unknown'>;
  accessed: SnapshotRow['accessed'];
}
type ArtifactSetRedactions = (typeof artifactSets.$inferSelect)['redactions'];

/** The workload's latest state (one row, by primary keys), or null for a new workload. */
export async function findReusableState(
  db: Db,
  key: { teamId: string; workload: string; environment: string },
): Promise<ReusableState | null> {
  const rows = await db
    .select({
      snapshotId: workloadState.snapshotId,
      observedAt: workloadState.observedAt,
      setId: snapshots.setId,
      setHash: artifactSets.hash,
      setRedactions: artifactSets.redactions,
      evaluationId: snapshots.evaluationId,
      engineVersion: snapshots.engineVersion,
      evaluatedAt: snapshots.evaluatedAt,
      statuses: workloadState.statuses,
      accessed: snapshots.accessed,
    })
    .from(workloadState)
    .innerJoin(snapshots, eq(snapshots.id, workloadState.snapshotId))
    .innerJoin(artifactSets, eq(artifactSets.id, snapshots.setId))
    .where(and(eq(workloadState.teamId, key.teamId), eq(workloadState.workload, key.workload), eq(workloadState.environment, key.environment)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Counts every snapshot counted by evaluation `oldId` by `next` instead (re-evaluation). Returns
 * those of them that are their workload's latest state: the states that move with them.
 */
export async function repointSnapshots(db: Db, oldId: string, next: EvaluationRow): Promise<SnapshotRow[]> {
  await db
    .update(snapshots)
    .set({ evaluationId: next.id, engineVersion: next.engineVersion, evaluatedAt: next.evaluatedAt })
    .where(eq(snapshots.evaluationId, oldId));
  const rows = await db
    .select({ s: snapshots })
    .from(workloadState)
    .innerJoin(snapshots, eq(snapshots.id, workloadState.snapshotId))
    .where(eq(snapshots.evaluationId, next.id));
  return rows.map((r) => r.s);
}

export async function findSnapshotByIdempotencyKey(db: Db, teamId: string, key: string): Promise<SnapshotRow | null> {
  const rows = await db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.teamId, teamId), eq(snapshots.idempotencyKey, key)))
    .limit(1);
  return rows[0] ?? null;
}

export async function findSnapshot(db: Db, id: string): Promise<(SnapshotRow & { teamSlug: string }) | null> {
  const rows = await db
    .select({ s: snapshots, teamSlug: teams.slug })
    .from(snapshots)
    .innerJoin(teams, eq(snapshots.teamId, teams.id))
    .where(eq(snapshots.id, id))
    .limit(1);
  const r = rows[0];
  return r ? { ...r.s, teamSlug: r.teamSlug } : null;
}

/** The result rows of these evaluations. */
export async function findControlResults(db: Db, evaluationIds: readonly string[]): Promise<ControlResultRow[]> {
  if (evaluationIds.length === 0) return [];
  return db
    .select()
    .from(controlResults)
    .where(inArray(controlResults.evaluationId, [...new Set(evaluationIds)]));
}

export interface SnapshotFilter {
  teamId: string;
  workload?: string | undefined;
  environment?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset cursor: the last item of the previous page. */
  after?: { observedAt: Date; id: string } | undefined;
  limit: number;
}

/** A team's snapshots, newest first, one page (keyset pagination on observedAt, id). */
export async function listSnapshots(db: Db, f: SnapshotFilter): Promise<SnapshotRow[]> {
  const conditions = [eq(snapshots.teamId, f.teamId)];
  if (f.workload) conditions.push(eq(snapshots.workload, f.workload));
  if (f.environment) conditions.push(eq(snapshots.environment, f.environment));
  if (f.from) conditions.push(gte(snapshots.observedAt, f.from));
  if (f.to) conditions.push(lte(snapshots.observedAt, f.to));
  if (f.after) {
    const cond = or(
      lt(snapshots.observedAt, f.after.observedAt),
      and(eq(snapshots.observedAt, f.after.observedAt), lt(snapshots.id, f.after.id)),
    );
    if (cond) conditions.push(cond);
  }
  return db
    .select()
    .from(snapshots)
    .where(and(...conditions))
    .orderBy(desc(snapshots.observedAt), desc(snapshots.id))
    .limit(f.limit);
}

export type WorkloadStateRow = typeof workloadState.$inferSelect;

/** Each workload's latest evaluated state for a team (optionally one environment). */
export async function latestPerWorkload(db: Db, teamId: string, environment?: string): Promise<WorkloadStateRow[]> {
  const conditions = [eq(workloadState.teamId, teamId)];
  if (environment) conditions.push(eq(workloadState.environment, environment));
  return db
    .select()
    .from(workloadState)
    .where(and(...conditions))
    .orderBy(asc(workloadState.workload), asc(workloadState.environment));
}

/**
 * Claims up to `limit` pending snapshots inside the caller's transaction. SKIP LOCKED means two
 * instances never take the same one; a crash rolls the claim back, so nothing is lost.
 */
export async function claimPendingSnapshots(db: Db, limit: number): Promise<SnapshotRow[]> {
  return db
    .select()
    .from(snapshots)
    .where(eq(snapshots.status, 'pending'))
    .orderBy(asc(snapshots.receivedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Locks one pending snapshot by id (the Queue consumer's path); null when gone or done. */
export async function claimSnapshot(db: Db, id: string): Promise<SnapshotRow | null> {
  const rows = await db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.id, id), eq(snapshots.status, 'pending')))
    .limit(1)
    .for('update', { skipLocked: true });
  return rows[0] ?? null;
}

export async function markSnapshotFailed(db: Db, id: string, error: string): Promise<void> {
  await db
    .update(snapshots)
    .set({ status: 'failed', error, attempts: sql`${snapshots.attempts} + 1` })
    .where(eq(snapshots.id, id));
}

/** The result's statuses as kept on the snapshot and in workload_state (`{ "3.1": "pass", … }`). */
export function storedStatuses(result: StoredResult): Record<string, 'pass' | 'fail' | 'unknown'> {
  return Object.fromEntries(result.controls.map((c) => [c.id, storedStatus(c.status)]));
}

/** The engine never returns `waived` (waivers apply when read); anything else is a bug to surface. */
function storedStatus(status: string): 'pass' | 'fail' | 'unknown' {
  if (status === 'pass' || status === 'fail' || status === 'unknown') return status;
  throw new Error(`cannot store control status ${status}`);
}
