/** Verdicts, stored once per artifact set, context and engine version, with their result rows. */
import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { withoutNul } from '../json.ts';
import { controlResults, evaluations } from '../schema.ts';
import { type EvaluationRow, type StoredResult, storedStatuses } from './snapshots.ts';

/**
 * The evaluation of this set in this context under this engine version: the stored one when
 * there is one, else `result` stored now with its result rows.
 */
export async function findOrCreateEvaluation(
  db: Db,
  e: Omit<EvaluationRow, 'statuses' | 'engineVersion'>,
  result: StoredResult,
): Promise<{ evaluation: EvaluationRow; created: boolean }> {
  const inserted = await db
    .insert(evaluations)
    .values({ ...e, context: withoutNul(e.context), engineVersion: result.engineVersion, statuses: storedStatuses(result) })
    .onConflictDoNothing()
    .returning();
  const created = inserted[0];
  if (created) {
    await insertResults(db, created.id, result);
    return { evaluation: created, created: true };
  }
  const found = await db
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.setId, e.setId), eq(evaluations.engineVersion, result.engineVersion), eq(evaluations.contextHash, e.contextHash)))
    .limit(1);
  if (!found[0]) throw new Error(`evaluation of set ${e.setId} neither inserted nor found`);
  return { evaluation: found[0], created: false };
}

/** Replaces an evaluation's verdict in place (re-evaluation under the same engine version). */
export async function replaceEvaluation(db: Db, id: string, result: StoredResult, evaluatedAt: Date): Promise<EvaluationRow> {
  await db.delete(controlResults).where(eq(controlResults.evaluationId, id));
  await insertResults(db, id, result);
  const rows = await db
    .update(evaluations)
    .set({ statuses: storedStatuses(result), evaluatedAt })
    .where(eq(evaluations.id, id))
    .returning();
  if (!rows[0]) throw new Error(`no evaluation ${id}`);
  return rows[0];
}

async function insertResults(db: Db, evaluationId: string, result: StoredResult): Promise<void> {
  const statuses = storedStatuses(result);
  await db.insert(controlResults).values(
    result.controls.map((c) => ({ evaluationId, controlId: c.id, status: statuses[c.id] ?? 'unknown', findings: withoutNul(c.findings) })),
  );
}

/**
 * Evaluations made by another engine version than `version` (all of them when `all`), one page
 * in id order: what re-evaluation works through, each distinct content once.
 */
export async function evaluationsToRedo(
  db: Db,
  version: string,
  o: { all: boolean; limit: number; afterId?: string | undefined; teamId?: string | undefined },
): Promise<EvaluationRow[]> {
  const conditions = o.all ? [] : [ne(evaluations.engineVersion, version)];
  if (o.teamId) conditions.push(eq(evaluations.teamId, o.teamId));
  if (o.afterId) conditions.push(gt(evaluations.id, o.afterId));
  // Only evaluations some snapshot still counts by: superseded ones stay as history.
  conditions.push(sql`exists (select 1 from "snapshots" s where s."evaluation_id" = ${evaluations.id})`);
  return db
    .select()
    .from(evaluations)
    .where(and(...conditions))
    .orderBy(asc(evaluations.id))
    .limit(o.limit);
}

export async function findEvaluation(db: Db, id: string): Promise<EvaluationRow | null> {
  const rows = await db.select().from(evaluations).where(eq(evaluations.id, id)).limit(1);
  return rows[0] ?? null;
}
