import type { Db } from '../client.ts';
import { auditLog } from '../schema.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  teamId?: string | null;
  target?: string | null;
  details?: Record<string, unknown>;
}

/** Appends to the audit log of administrative actions and exports. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actor: entry.actor,
    action: entry.action,
    teamId: entry.teamId ?? null,
    target: entry.target ?? null,
    details: entry.details ?? null,
  });
}
