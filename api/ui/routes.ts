/**
 * The dashboard under /ui: server-rendered pages on plain routes (not in the OpenAPI document),
 * signed in through a session cookie. Every figure comes from the API's own services.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../env.ts';
import { NotFound, RateLimited } from '../../services/errors.ts';
import { countAuthFailure, limitByAddress, refuseAfterAuthFailures } from '../rate-limit.ts';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import { RETRY_AFTER_UNAVAILABLE_SECONDS } from '../problem.ts';
import { errorText, localized } from './errors.ts';
import { APP_CSS } from './assets/css.ts';
import { APP_JS, ICON_SVG } from './assets/js.ts';
import { t } from './i18n.ts';
import { language, requireSession, sameOrigin, securityHeaders, type UiContext, type UiEnv, viewOf } from './middleware.ts';
import { attestationDownload, attestationPage } from './handlers/attestation.ts';
import { overview, team, workload } from './handlers/pages.ts';
import { createWaiver, editWaiver, newWaiver, revokeWaiver, updateWaiver } from './handlers/waivers.ts';
import { audit } from './handlers/audit.ts';
import { errorPage } from './pages/error.ts';
import { signInPage } from './pages/sign-in.ts';
import { endSession, setSessionCookie, signIn, signOut } from './session.ts';

const ASSETS: Record<string, { body: string; type: string }> = {
  'app.css': { body: APP_CSS, type: 'text/css; charset=utf-8' },
  'app.js': { body: APP_JS, type: 'text/javascript; charset=utf-8' },
  'icon.svg': { body: ICON_SVG, type: 'image/svg+xml' },
};

/** Only a path of this dashboard: never another site, never a protocol-relative `//host`. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/ui(?:[/?#]|$)/.test(next) || next.includes('\\') || next.startsWith('//')) return '/ui';
  return next;
}

function renderError(err: Error, c: UiContext): Response {
  const v = viewOf(c);
  if (err instanceof RateLimited) {
    c.header('Retry-After', String(err.retryAfterSeconds));
    return c.html(errorPage(v, t(v.lang, 'tooManyTitle'), [err.message]), 429);
  }
  const known = errorText(err, v.lang);
  if (known) return c.html(errorPage(v, known.title, known.detail), known.status);
  if (isDatabaseUnavailable(err)) {
    c.var.deps.logger.warn('database unavailable', { requestId: c.var.requestId, error: `${err.name}: ${err.message}` });
    c.header('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
    return c.html(errorPage(v, t(v.lang, 'unavailableTitle'), [t(v.lang, 'unavailableText')]), 503);
  }
  c.var.deps.logger.error('dashboard error', {
    requestId: c.var.requestId,
    error: `${err.name}: ${err.message}`,
    stack: err.stack,
  });
  return c.html(errorPage(v, t(v.lang, 'errorTitle'), [t(v.lang, 'errorText')]), 500);
}

function dashboard(): Hono<UiEnv> {
  const ui = new Hono<UiEnv>();
  ui.use('*', securityHeaders(), limitByAddress({ dashboard: true }), language());

  ui.get('/assets/:name', (c) => {
    const asset = Object.hasOwn(ASSETS, c.req.param('name')) ? ASSETS[c.req.param('name')] : undefined;
    if (!asset) throw localized(new NotFound(`no asset ${c.req.param('name')}`), 'noPage');
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' });
  });

  ui.get('/sign-in', (c) => {
    const v = viewOf(c);
    const info = c.req.query('ended') ? t(v.lang, 'sessionEnded') : c.req.query('signed-out') ? t(v.lang, 'signedOut') : undefined;
    return c.html(signInPage(v, { next: safeNext(c.req.query('next')), info }));
  });

  const formLimit = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw localized(new HTTPException(413, { message: 'the form is too large' }), 'tooLargeText');
    },
  });

  ui.post('/sign-in', sameOrigin(), formLimit, async (c) => {
    const v = viewOf(c);
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    if (!key) return c.html(signInPage(v, { next, error: t(v.lang, 'signInMissing') }), 400);
    const deps = c.var.deps;
    refuseAfterAuthFailures(c);
    const session = await signIn(deps, key);
    if (!session) {
      countAuthFailure(c);
      return c.html(signInPage(v, { next, error: t(v.lang, 'signInFailed') }), 401);
    }
    // A fresh session replaces whatever this browser held before (no session fixation, no leftovers).
    await endSession(c, deps);
    setSessionCookie(c, session.token, session.expiresAt, deps.clock());
    return c.redirect(next, 303);
  });

  ui.post('/sign-out', sameOrigin(), async (c) => {
    await signOut(c, c.var.deps);
    return c.redirect('/ui/sign-in?signed-out=1', 303);
  });

  ui.use('*', requireSession());
  ui.get('/', overview);
  ui.get('/teams/:team', team);
  ui.get('/teams/:team/workload', workload);
  ui.get('/teams/:team/waivers/new', newWaiver);
  ui.post('/teams/:team/waivers', sameOrigin(), formLimit, createWaiver);
  ui.get('/teams/:team/waivers/:id/edit', editWaiver);
  ui.post('/teams/:team/waivers/:id', sameOrigin(), formLimit, updateWaiver);
  ui.post('/teams/:team/waivers/:id/revoke', sameOrigin(), revokeWaiver);
  ui.get('/audit', audit);
  ui.get('/attestation', attestationPage);
  ui.get('/attestation/download', attestationDownload);
  ui.all('*', (c) => {
    throw localized(new NotFound(`no page ${c.req.path}`), 'noPage');
  });
  ui.onError(renderError);
  return ui;
}

export function register(app: OpenAPIHono<AppEnv>): void {
  app.get('/', (c) => c.redirect('/ui', 302));
  app.route('/ui', dashboard());
}
