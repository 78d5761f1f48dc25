/** What every dashboard request goes through: headers, language, session, same-origin POSTs. */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv, Principal } from '../env.ts';
import { Forbidden } from '../../services/errors.ts';
import { localized } from './errors.ts';
import { isLang, type Lang, langFromAcceptLanguage } from './i18n.ts';
import type { View } from './layout.ts';
import { isHttps, SESSION_COOKIE, sessionPrincipal } from './session.ts';

/** The API's own environment: handlers here call the API's functions with their context as is. */
export type UiEnv = AppEnv;
export type UiContext = Context<UiEnv>;

const LANG_COOKIE = 'csvs_lang';

/**
 * Strict CSP: only this origin's files; no inline script or style anywhere (charts are inline
 * SVG with presentation attributes, which CSP does not treat as styles).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    await next();
    // A downloaded HTML attestation keeps the stricter policy it was rendered with.
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'same-origin');
    c.header('cross-origin-opener-policy', 'same-origin');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  };
}

/** Remembers a language chosen with `?lang=` in a cookie. */
export function language(): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const asked = c.req.query('lang');
    if (isLang(asked)) setCookie(c, LANG_COOKIE, asked, { path: '/', sameSite: 'Strict', httpOnly: true, secure: isHttps(c), maxAge: 365 * 86_400 });
    await next();
  };
}

/** `?lang=`, else the remembered choice, else Accept-Language. */
export function langOf(c: UiContext): Lang {
  const asked = c.req.query('lang');
  if (isLang(asked)) return asked;
  const remembered = getCookie(c, LANG_COOKIE);
  return isLang(remembered) ? remembered : langFromAcceptLanguage(c.req.header('accept-language'));
}

/** Pages need a session: without one, GETs go to the sign-in form and come back afterwards. */
export function requireSession(): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const principal = await sessionPrincipal(c, c.var.deps);
    if (!principal) {
      if (c.req.method !== 'GET') throw localized(new Forbidden('sign in first'), 'signInFirst');
      const url = new URL(c.req.url);
      const q = new URLSearchParams({ next: `${url.pathname}${url.search}` });
      if (getCookie(c, SESSION_COOKIE)) q.set('ended', '1');
      return c.redirect(`/ui/sign-in?${q.toString()}`, 303);
    }
    c.set('principal', principal);
    await next();
  };
}

/**
 * CSRF defence besides SameSite=Strict: a POST must come from a page of this origin, as its
 * Origin header (or, from older browsers, Referer) shows. The host may be the one a proxy
 * forwarded; a cross-site page cannot set either header on its victim's request.
 */
export function sameOrigin(): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !fromThisOrigin(c)) {
      throw localized(new Forbidden('the form was not sent from this site'), 'notFromThisSite');
    }
    await next();
  };
}

function fromThisOrigin(c: UiContext): boolean {
  const source = c.req.header('origin') ?? c.req.header('referer');
  if (!source || source === 'null') return false;
  let host: string;
  try {
    host = new URL(source).host;
  } catch {
    return false;
  }
  const own = [c.req.header('host'), c.req.header('x-forwarded-host')?.split(',')[0]?.trim(), new URL(c.req.url).host];
  return own.some((h) => h !== undefined && h !== '' && h.toLowerCase() === host.toLowerCase());
}

/** What the layout needs from the request. */
export function viewOf(c: UiContext): View {
  // Error pages render before the session is known, so the principal may be absent here.
  const principal = (c.get('principal') as Principal | undefined) ?? null;
  return { lang: langOf(c), principal, url: new URL(c.req.url) };
}
