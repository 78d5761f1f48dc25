import { and, eq, gt, lte } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sessions } from '../schema.ts';

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(db: Db, session: typeof sessions.$inferInsert): Promise<SessionRow> {
  const rows = await db.insert(sessions).values(session).returning();
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The unexpired session whose token hashes to `tokenHash`. */
export async function findLiveSession(db: Db, tokenHash: string, now: Date): Promise<SessionRow | null> {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Housekeeping on sign-in, so expired rows do not pile up without a scheduled job. */
export async function deleteExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.delete(sessions).where(lte(sessions.expiresAt, now));
}
