/**
 * Reading the audit log (auditors and admins): newest first, keyset-paged on the id, with the
 * acting key's name and role and the team's slug joined in when they still exist.
 */
import { and, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { apiKeys, auditLog, teams } from '../schema.ts';

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  teamId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset cursor: entries with a smaller id than this (the last of the previous page). */
  beforeId?: number | undefined;
  limit: number;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  teamId: string | null;
  teamSlug: string | null;
  target: string | null;
  details: unknown;
}

export async function listAuditEntries(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  const conditions = [];
  if (f.actor) conditions.push(eq(auditLog.actor, f.actor));
  if (f.action) conditions.push(eq(auditLog.action, f.action));
  if (f.teamId) conditions.push(eq(auditLog.teamId, f.teamId));
  if (f.from) conditions.push(gte(auditLog.at, f.from));
  if (f.to) conditions.push(lte(auditLog.at, f.to));
  if (f.beforeId !== undefined) conditions.push(lt(auditLog.id, f.beforeId));
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actor: auditLog.actor,
      actorName: apiKeys.name,
      actorRole: apiKeys.role,
      action: auditLog.action,
      teamId: auditLog.teamId,
      teamSlug: teams.slug,
      target: auditLog.target,
      details: auditLog.details,
    })
    .from(auditLog)
    // actor is text (it also holds "admin-env"), so the key is matched on its id's text form.
    .leftJoin(apiKeys, sql`${apiKeys.id}::text = ${auditLog.actor}`)
    .leftJoin(teams, eq(teams.id, auditLog.teamId))
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(f.limit);
}
