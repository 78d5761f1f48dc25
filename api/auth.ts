import type { MiddlewareHandler } from 'hono';
import { findActiveKeyByHash, touchApiKey } from '../db/queries/api-keys.ts';
import { findTeamBySlug } from '../db/queries/teams.ts';
import type { TeamRef } from '../services/deps.ts';
import type { AppEnv, Principal, Role } from './env.ts';
import { Forbidden, NotFound, Unauthenticated } from '../services/errors.ts';
import { constantTimeEqual, hashApiKey } from '../services/keys.ts';

/** The key id the audit log shows for CSVS_ADMIN_KEY. */
export const ENV_ADMIN = 'admin-env';

/**
 * Resolves `Authorization: Bearer <key>` to a principal. Keys are looked up by their SHA-256;
 * CSVS_ADMIN_KEY (for bootstrapping) is compared by hash in constant time.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  // When this instance last recorded each key's use: saves a write per request (bounded map).
  const touched = new Map<string, number>();
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new Unauthenticated('send an API key as "Authorization: Bearer <key>"');
    const { db, config, clock } = c.var.deps;
    const hash = await hashApiKey(match[1]);
    if (config.CSVS_ADMIN_KEY && constantTimeEqual(hash, await hashApiKey(config.CSVS_ADMIN_KEY))) {
      c.set('principal', { keyId: ENV_ADMIN, role: 'admin', teamId: null, teamSlug: null });
      return next();
    }
    const found = await findActiveKeyByHash(db, hash);
    if (!found) throw new Unauthenticated('the API key is unknown or revoked');
    c.set('principal', { keyId: found.key.id, role: found.key.role, teamId: found.key.teamId, teamSlug: found.teamSlug });
    const now = clock();
    if (now.getTime() - (touched.get(found.key.id) ?? 0) > 60_000) {
      if (touched.size > 10_000) touched.clear();
      touched.set(found.key.id, now.getTime());
      await touchApiKey(db, found.key.id, now);
    }
    return next();
  };
}

export type TeamAction = 'read' | 'ingest' | 'export' | 'waive';

/** Which roles may do what. Team-bound roles act only on their own team. */
const ALLOWED: Record<TeamAction, readonly Role[]> = {
  // ingest keys read their own team's snapshots too: a CI job polls the Location of an async upload.
  read: ['viewer', 'ingest', 'auditor', 'admin'],
  ingest: ['ingest', 'admin'],
  export: ['viewer', 'auditor', 'admin'],
  waive: ['auditor', 'admin'],
};

export function isOrgWide(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'auditor';
}

export function requireRole(p: Principal, ...roles: Role[]): void {
  if (!roles.includes(p.role)) throw new Forbidden(`this needs the ${roles.join(' or ')} role; the key has ${p.role}`);
}


/** Checks the principal may act on the team; answers 403 (not 404) for foreign teams so slugs do not leak. */
export async function authorizeTeam(c: { var: AppEnv['Variables'] }, slug: string, action: TeamAction): Promise<TeamRef> {
  const p = c.var.principal;
  if (!ALLOWED[action].includes(p.role)) throw new Forbidden(`a ${p.role} key may not ${action} here`);
  if (!isOrgWide(p) && p.teamSlug !== slug) throw new Forbidden(`this key belongs to another team`);
  // A team-bound key already names its team (joined when the key was looked up).
  if (p.teamId && p.teamSlug === slug) return { id: p.teamId, slug };
  const team = await findTeamBySlug(c.var.deps.db, slug);
  if (!team) throw new NotFound(`no team "${slug}"`);
  return { id: team.id, slug: team.slug };
}
