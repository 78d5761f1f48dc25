import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { teams } from '../schema.ts';

export type TeamRow = typeof teams.$inferSelect;

/** Inserts a team; returns null when the slug is taken. */
export async function insertTeam(db: Db, team: { slug: string; name: string }): Promise<TeamRow | null> {
  const rows = await db.insert(teams).values(team).onConflictDoNothing({ target: teams.slug }).returning();
  return rows[0] ?? null;
}

export async function findTeamBySlug(db: Db, slug: string): Promise<TeamRow | null> {
  const rows = await db.select().from(teams).where(eq(teams.slug, slug)).limit(1);
  return rows[0] ?? null;
}

export async function findTeamsByIds(db: Db, ids: string[]): Promise<TeamRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(teams).where(inArray(teams.id, ids));
}

export async function listTeams(db: Db): Promise<TeamRow[]> {
  return db.select().from(teams).orderBy(asc(teams.slug));
}
