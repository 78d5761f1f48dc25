import { and, asc, desc, eq, gte, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { withoutNul } from '../json.ts';
import { artifacts, controlResults, snapshots, teams, workloadState } from '../schema.ts';

export type SnapshotRow = typeof snapshots.$inferSelect;
export type ArtifactRow = typeof artifacts.$inferSelect;
export type ControlResultRow = typeof controlResults.$inferSelect;

export interface StoredResult {
  engineVersion: string;
  controls: readonly { id: string; status: string; findings: readonly unknown[] }[];
}

/**
 * Inserts a snapshot with its artifacts. Returns null when the team's Idempotency-Key was
 * already used: nothing is written. Call it inside a transaction when a verdict follows.
 */
export async function insertSnapshotRow(
  db: Db,
  snapshot: typeof snapshots.$inferInsert,
  files: Omit<typeof artifacts.$inferInsert, 'snapshotId'>[],
  evaluated: { result: StoredResult; evaluatedAt: Date } | null,
): Promise<SnapshotRow | null> {
  const verdict = evaluated
    ? { status: 'evaluated' as const, engineVersion: evaluated.result.engineVersion, evaluatedAt: evaluated.evaluatedAt, statuses: storedStatuses(evaluated.result) }
    : {};
  const rows = await db
    .insert(snapshots)
    .values({ ...snapshot, ...verdict, ci: snapshot.ci ? withoutNul(snapshot.ci) : null })
    .onConflictDoNothing()
    .returning();
  const row = rows[0];
  if (!row) return null;
  if (files.length > 0) await db.insert(artifacts).values(files.map((f) => ({ ...f, snapshotId: row.id })));
  return row;
}

/** Marks a stored snapshot evaluated with the result's statuses (clearing an earlier error). */
export async function markSnapshotEvaluated(
  db: Db,
  row: SnapshotRow,
  result: StoredResult,
  evaluatedAt: Date,
  accessed: SnapshotRow['accessed'],
): Promise<SnapshotRow> {
  const updated = await db
    .update(snapshots)
    .set({ status: 'evaluated', engineVersion: result.engineVersion, evaluatedAt, error: null, statuses: storedStatuses(result), accessed })
    .where(eq(snapshots.id, row.id))
    .returning();
  return updated[0] ?? row;
}

/** Writes the snapshot's result rows, replacing any from an earlier evaluation. */
export async function replaceControlResults(db: Db, snapshotId: string, result: StoredResult, replacing: boolean): Promise<void> {
  if (replacing) await db.delete(controlResults).where(eq(controlResults.snapshotId, snapshotId));
  await db.insert(controlResults).values(
    result.controls.map((c) => ({ snapshotId, controlId: c.id, status: storedStatus(c.status), findings: withoutNul(c.findings) })),
  );
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
  limit = 500,
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

export async function findControlResults(db: Db, snapshotIds: string[]): Promise<ControlResultRow[]> {
  if (snapshotIds.length === 0) return [];
  return db
    .select()
    .from(controlResults)
    .where(sql`${controlResults.snapshotId} in ${snapshotIds}`);
}

export async function findArtifacts(db: Db, snapshotId: string): Promise<ArtifactRow[]> {
  return db.select().from(artifacts).where(eq(artifacts.snapshotId, snapshotId)).orderBy(asc(artifacts.position));
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

/** Snapshot ids evaluated by an engine other than `version`, for re-evaluation. */
export async function snapshotsNotEvaluatedBy(db: Db, version: string, limit: number, afterId?: string): Promise<SnapshotRow[]> {
  const conditions = [eq(snapshots.status, 'evaluated'), sql`${snapshots.engineVersion} is distinct from ${version}`];
  if (afterId) conditions.push(sql`${snapshots.id} > ${afterId}`);
  return db
    .select()
    .from(snapshots)
    .where(and(...conditions))
    .orderBy(asc(snapshots.id))
    .limit(limit);
}

/** Kind, name and size of the artifacts of several snapshots, without their content. */
export async function findArtifactSummaries(
  db: Db,
  snapshotIds: string[],
): Promise<Pick<ArtifactRow, 'snapshotId' | 'kind' | 'name' | 'size' | 'position'>[]> {
  if (snapshotIds.length === 0) return [];
  return db
    .select({ snapshotId: artifacts.snapshotId, kind: artifacts.kind, name: artifacts.name, size: artifacts.size, position: artifacts.position })
    .from(artifacts)
    .where(sql`${artifacts.snapshotId} in ${snapshotIds}`)
    .orderBy(asc(artifacts.snapshotId), asc(artifacts.position));
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
