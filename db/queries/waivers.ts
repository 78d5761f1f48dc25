import { and, desc, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import type { WaiverRule } from '../../workers/model/waivers.ts';
import type { Db } from '../client.ts';
import { waivers } from '../schema.ts';

export type WaiverRow = typeof waivers.$inferSelect;

export function toWaiverRule(w: WaiverRow): WaiverRule {
  return {
    id: w.id,
    controlId: w.controlId,
    workloads: w.workloads,
    environment: w.environment,
    justification: w.justification,
    approvedBy: w.approvedBy,
    expiresAt: w.expiresAt,
    revokedAt: w.revokedAt,
    createdAt: w.createdAt,
  };
}

/** Every waiver of a team, revoked and expired ones included (they stay on record). */
export async function listWaivers(db: Db, teamId: string): Promise<WaiverRow[]> {
  return db.select().from(waivers).where(eq(waivers.teamId, teamId)).orderBy(desc(waivers.createdAt));
}

/** The team's waivers that are not revoked; whether they are active at a moment is decided by the caller. */
export async function unrevokedWaiverRules(db: Db, teamId: string): Promise<WaiverRule[]> {
  const rows = await db
    .select()
    .from(waivers)
    .where(and(eq(waivers.teamId, teamId), isNull(waivers.revokedAt)));
  return rows.map(toWaiverRule);
}

export async function insertWaiver(db: Db, waiver: typeof waivers.$inferInsert): Promise<WaiverRow> {
  const rows = await db.insert(waivers).values(waiver).returning();
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function findWaiver(db: Db, id: string): Promise<WaiverRow | null> {
  const rows = await db.select().from(waivers).where(eq(waivers.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function revokeWaiver(db: Db, id: string, by: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(waivers)
    .set({ revokedAt: at, revokedBy: by })
    .where(and(eq(waivers.id, id), isNull(waivers.revokedAt)))
    .returning({ id: waivers.id });
  return rows.length > 0;
}

/**
 * The waivers of these teams that were in force at some moment of [`from`, `to`] (for one moment,
 * from = to): granted by `to`, expiring after `from`, not revoked before `from`. Whether one
 * covers a given point is still decided by waiverActive; this only keeps the rest out of memory.
 */
export async function waiversInForce(db: Db, teamIds: string[], from: Date, to: Date): Promise<WaiverRow[]> {
  if (teamIds.length === 0) return [];
  return db
    .select()
    .from(waivers)
    .where(
      and(
        inArray(waivers.teamId, teamIds),
        lte(waivers.createdAt, to),
        gt(waivers.expiresAt, from),
        or(isNull(waivers.revokedAt), gt(waivers.revokedAt, from)),
      ),
    )
    .orderBy(waivers.createdAt, waivers.id);
}
