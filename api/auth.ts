import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { countAuthFailure, limitKey, refuseAfterAuthFailures } from './rate-limit.ts';
import { findActiveKeyByHash, touchApiKey } from '../db/queries/api-keys.ts';
import { findTeamBySlug } from '../db/queries/teams.ts';
import type { TeamRef } from '../services/deps.ts';
import type { AppEnv, Deps, Principal, Role } from './env.ts';
import { DomainError, Forbidden, NotFound, TooLarge, Unauthenticated } from '../services/errors.ts';
import { TEAM_SLUG } from '../services/schemas/team.ts';
import { constantTimeEqual, hashApiKey } from '../services/keys.ts';
import { isOrgWide, ORG_WIDE_ROLES } from '../services/visibility.ts';

/** The key id the audit log shows for CSVS_ADMIN_KEY. */
export const ENV_ADMIN = 'admin-env';

/**
 * The principal an API key stands for, by the key's SHA-256 (bearer keys and dashboard sessions
 * alike); null when the key is unknown or revoked. CSVS_ADMIN_KEY (for bootstrapping) is compared
 * by hash in constant time.
 */
export async function principalForKeyHash(deps: Pick<Deps, 'db' | 'config'>, keyHash: string): Promise<Principal | null> {
  const admin = deps.config.CSVS_ADMIN_KEY;
  if (admin && constantTimeEqual(keyHash, await hashApiKey(admin))) {
    return { keyId: ENV_ADMIN, role: 'admin', teamId: null, teamSlug: null };
  }
  const found = await findActiveKeyByHash(deps.db, keyHash);
  if (!found) return null;
  return { keyId: found.key.id, role: found.key.role, teamId: found.key.teamId, teamSlug: found.teamSlug };
}

/** Resolves `Authorization: Bearer <key>` to a principal (principalForKeyHash). */
export function authenticate(): MiddlewareHandler<AppEnv> {
  // When this instance last recorded each key's use: saves a write per request (bounded map).
  const touched = new Map<string, number>();
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new Unauthenticated('send an API key as "Authorization: Bearer <key>"');
    const { db, clock } = c.var.deps;
    // An address that keeps sending wrong keys is not even looked up for a while.
    refuseAfterAuthFailures(c);
    const keyHash = await hashApiKey(match[1]);
    const now = clock();
    let principal = c.var.keyCache.get(keyHash, now.getTime());
    if (!principal) {
      // Kept from the lookup on, not from the last use: a key revoked elsewhere expires here in time.
      principal = await principalForKeyHash(c.var.deps, keyHash);
      if (principal) c.var.keyCache.set(keyHash, principal, now.getTime());
    }
    if (!principal) {
      countAuthFailure(c);
      throw new Unauthenticated('the API key is unknown or revoked');
    }
    limitKey(c, principal.keyId);
    c.set('principal', principal);
    if (principal.keyId === ENV_ADMIN) return next();
    if (now.getTime() - (touched.get(principal.keyId) ?? 0) > 60_000) {
      if (touched.size > 10_000) touched.clear();
      touched.set(principal.keyId, now.getTime());
      await touchApiKey(db, principal.keyId, now);
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

export function requireRole(p: Principal, ...roles: Role[]): void {
  if (!roles.includes(p.role)) throw new Forbidden(`this needs the ${roles.join(' or ')} role; the key has ${p.role}`);
}

/** For what spans every team (the org attestation, the audit log): auditor or admin keys only. */
export function requireOrgWide(p: Principal): void {
  requireRole(p, ...ORG_WIDE_ROLES);
}


/** The role may do `action`, and a team-bound key only on its own team: what needs no database. */
function checkTeamAccess(p: Principal, slug: string, action: TeamAction): void {
  if (!ALLOWED[action].includes(p.role)) throw new Forbidden(`a ${p.role} key may not ${action} here`);
  if (!isOrgWide(p) && p.teamSlug !== slug) throw new Forbidden(`this key belongs to another team`);
}

/** Checks the principal may act on the team; answers 403 (not 404) for foreign teams so slugs do not leak. */
export async function authorizeTeam(c: { var: AppEnv['Variables'] }, slug: string, action: TeamAction): Promise<TeamRef> {
  const p = c.var.principal;
  checkTeamAccess(p, slug, action);
  // Routes whose path is not validated by a schema (the upload's three body forms) meet the slug rule here.
  if (!TEAM_SLUG.test(slug)) throw new DomainError('the team in the path is not a team slug', [{ path: 'team', message: 'lowercase letters, digits and "-", 1–63 characters' }]);
  // A team-bound key already names its team (joined when the key was looked up).
  if (p.teamId && p.teamSlug === slug) return { id: p.teamId, slug };
  const team = await findTeamBySlug(c.var.deps.db, slug);
  if (!team) throw new NotFound(`no team "${slug}"`);
  return { id: team.id, slug: team.slug };
}

/** Who may call a route, checked before anything reads its body or validates its input. */
export interface AccessRule {
  /** The roles that may call it at all. */
  roles?: readonly Role[];
  /** For `/teams/{team}/…` paths: what is done to the team (team-bound keys only on their own). */
  team?: TeamAction;
  /** The largest body: `upload` for snapshots (MAX_BODY_BYTES), else MAX_JSON_BODY_BYTES. */
  body?: 'json' | 'upload';
}

/**
 * Route middleware (every /v1 route lists one): refuses with 403 on the principal alone, before
 * the request's body is read or its parameters are validated, so a key without the right never
 * makes the service read (or parse, or complain about) what it sent; then limits the body.
 * Handlers still authorize against the stored resource (a waiver's or webhook's team).
 */
export function access(rule: AccessRule = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.var.principal;
    if (rule.roles) requireRole(p, ...rule.roles);
    if (rule.team) checkTeamAccess(p, c.req.param('team') ?? '', rule.team);
    const { MAX_BODY_BYTES, MAX_JSON_BODY_BYTES } = c.var.deps.config;
    const maxSize = rule.body === 'upload' ? MAX_BODY_BYTES : MAX_JSON_BODY_BYTES;
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new TooLarge(`the body exceeds the limit of ${maxSize} bytes`);
      },
    })(c, next);
  };
}
