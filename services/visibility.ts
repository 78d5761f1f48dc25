/**
 * Which teams a key may see. Auditor and admin keys are org-wide: they see every team, the org
 * attestation and the audit log. Every other key sees its own team only.
 */
import type { Db } from '../db/client.ts';
import { listTeams, type TeamRow } from '../db/queries/teams.ts';
import type { Principal, Role } from './deps.ts';

/** The roles that see the whole organisation. */
export const ORG_WIDE_ROLES = ['auditor', 'admin'] as const satisfies readonly Role[];

export function isOrgWide(p: Pick<Principal, 'role'>): boolean {
  return (ORG_WIDE_ROLES as readonly Role[]).includes(p.role);
}

/** The teams a key may see, in slug order: all of them for org-wide keys, its own otherwise. */
export async function visibleTeams(db: Db, p: Pick<Principal, 'role' | 'teamId'>): Promise<TeamRow[]> {
  const all = await listTeams(db);
  return isOrgWide(p) ? all : all.filter((t) => t.id === p.teamId);
}
