import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { apiKeys, teams } from '../schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: Db, key: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const rows = await db.insert(apiKeys).values(key).returning();
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The active key with this hash, with its team's slug. */
export async function findActiveKeyByHash(
  db: Db,
  hash: string,
): Promise<{ key: ApiKeyRow; teamSlug: string | null } | null> {
  const rows = await db
    .select({ key: apiKeys, teamSlug: teams.slug })
    .from(apiKeys)
    .leftJoin(teams, eq(apiKeys.teamId, teams.id))
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  const row = rows[0];
  return row ? { key: row.key, teamSlug: row.teamSlug } : null;
}

/** Records use at most once a minute per key, so reads do not turn into a write each. */
export async function touchApiKey(db: Db, id: string, now: Date): Promise<void> {
  const minuteAgo = new Date(now.getTime() - 60_000);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, minuteAgo))));
}

/** Revokes a key; false when there is no such active key. */
export async function revokeApiKey(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function listApiKeys(db: Db): Promise<(ApiKeyRow & { teamSlug: string | null })[]> {
  const rows = await db
    .select({ key: apiKeys, teamSlug: teams.slug })
    .from(apiKeys)
    .leftJoin(teams, eq(apiKeys.teamId, teams.id))
    .orderBy(apiKeys.createdAt);
  return rows.map((r) => ({ ...r.key, teamSlug: r.teamSlug }));
}
