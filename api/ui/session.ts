/**
 * Dashboard sessions: an API key is posted once, checked exactly as the API checks a bearer key,
 * and exchanged for a random session token in an HttpOnly cookie. Only the token's SHA-256 is
 * stored. Every request re-checks the key behind the session, so revoking it ends the session.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { deleteExpiredSessions, deleteSession, findLiveSession, insertSession } from '../../db/queries/sessions.ts';
import { principalForKeyHash } from '../auth.ts';
import type { Deps, Principal } from '../env.ts';
import { hashApiKey, toHex } from '../../services/keys.ts';

export const SESSION_COOKIE = 'csvs_session';

function newToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** Checks the key and opens a session; null when the key is unknown or revoked. */
export async function signIn(deps: Deps, apiKey: string): Promise<{ token: string; principal: Principal; expiresAt: Date } | null> {
  const keyHash = await hashApiKey(apiKey);
  const principal = await principalForKeyHash(deps, keyHash);
  if (!principal) return null;
  const now = deps.clock();
  await deleteExpiredSessions(deps.db, now);
  const token = newToken();
  const expiresAt = new Date(now.getTime() + deps.config.SESSION_TTL_HOURS * 3_600_000);
  await insertSession(deps.db, {
    tokenHash: await hashApiKey(token),
    keyId: principal.keyId,
    keyHash,
    role: principal.role,
    teamId: principal.teamId,
    createdAt: now,
    expiresAt,
  });
  return { token, principal, expiresAt };
}

/** The principal of the request's session cookie, or null (no cookie, expired, or its key revoked). */
export async function sessionPrincipal(c: Context, deps: Deps): Promise<Principal | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || !/^[0-9a-f]{64}$/.test(token)) return null;
  const tokenHash = await hashApiKey(token);
  const session = await findLiveSession(deps.db, tokenHash, deps.clock());
  if (!session) return null;
  const principal = await principalForKeyHash(deps, session.keyHash);
  // The key was revoked (or CSVS_ADMIN_KEY rotated): the session goes with it.
  if (!principal) await deleteSession(deps.db, tokenHash);
  return principal;
}

/** Deletes the session the request's cookie names, if any. */
export async function endSession(c: Context, deps: Deps): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await deleteSession(deps.db, await hashApiKey(token));
}

export async function signOut(c: Context, deps: Deps): Promise<void> {
  await endSession(c, deps);
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c), httpOnly: true, sameSite: 'Strict' });
}

/** TLS as the browser sees it: the URL's scheme, or what a terminating proxy says it was. */
export function isHttps(c: Context): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === 'https';
  return new URL(c.req.url).protocol === 'https:';
}

export function setSessionCookie(c: Context, token: string, expiresAt: Date, now: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
  });
}
