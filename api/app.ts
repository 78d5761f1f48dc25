import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { authenticate } from './auth.ts';
import { KeyCache } from './key-cache.ts';
import type { AppEnv, Deps } from './env.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { problem, problemFromError, RETRY_AFTER_UNAVAILABLE_SECONDS } from './problem.ts';
import { registerRoutes } from './routes/index.ts';
import { limitByAddress } from './rate-limit.ts';
import { Busy, RateLimited } from '../services/errors.ts';

export const API_INFO = {
  title: 'CSVS compliance service',
  version: '1.0.0',
  description:
    'Uploads container configurations and snapshots, evaluates them against OWASP CSVS V3 (controls 3.1–3.15) ' +
    'and keeps the verdicts for scorecards, trends and attestations. Errors are RFC 9457 problem documents.',
};

/** The one app both runtimes serve; everything it needs comes in through `deps`. */
export function createApp(deps: Deps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Request validation failures become problem documents naming every offending field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
      return problem(c, 'validation', `${errors.length} field(s) are not valid`, errors);
    },
  });

  const keyCache = new KeyCache(deps.config.AUTH_CACHE_MS);
  app.use('*', async (c, next) => {
    c.set('keyCache', keyCache);
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || crypto.randomUUID();
    c.set('deps', deps);
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    deps.logger.info('request', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  app.use('*', limitByAddress({ dashboard: false }));
  app.use('/v1/*', authenticate());

  describeApi(app);
  app.doc31('/openapi.json', openApiConfig());

  app.notFound((c) => problem(c, 'notFound', `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.status === 413) return problem(c, 'tooLarge', `the body exceeds ${deps.config.MAX_BODY_BYTES} bytes`);
      return problem(c, 'validation', err.message || 'the request could not be read');
    }
    if (clientWentAway(c.req.raw, err)) {
      // Nobody reads this answer. Node reports the hang-up as ECONNRESET, which must not read as
      // the database being away (a warning operators would chase) nor as a fault of ours.
      deps.logger.info('client went away', { requestId: c.get('requestId'), method: c.req.method, path: c.req.path });
      return problem(c, 'validation', 'the client closed the connection before the request was read');
    }
    if (isDatabaseUnavailable(err)) {
      // Expected during a database restart or failover: the request may be retried as it is.
      deps.logger.warn('database unavailable', { requestId: c.get('requestId'), error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      c.header('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
      return problem(c, 'unavailable', 'the database cannot be reached right now; retry after Retry-After seconds (with the same Idempotency-Key for uploads)');
    }
    if (err instanceof RateLimited || err instanceof Busy) c.header('Retry-After', String(err.retryAfterSeconds));
    const body = problemFromError(err);
    if (body.status >= 500) {
      deps.logger.error('unhandled error', {
        requestId: c.get('requestId'),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        // What drizzle wraps ("Failed query: …") says nothing of why: the driver's error does.
        cause: causeOf(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    }
    return c.body(JSON.stringify(body), body.status as 400, { 'content-type': 'application/problem+json' });
  });
  return app;
}

/**
 * Whether the error is the client hanging up while its request was read: the request's signal
 * is aborted (the Node adapter aborts it when the connection closes early), or the error is the
 * one Node's request stream fails with then (`aborted`, code ECONNRESET), which may arrive first.
 */
export function clientWentAway(request: Request, err: unknown): boolean {
  if (request.signal.aborted) return true;
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message === 'aborted' && (current as { code?: unknown }).code === 'ECONNRESET') return true;
    current = current.cause;
  }
  return false;
}

/** The chain of causes under an error, as `code: message` lines (undefined when there is none). */
function causeOf(err: unknown): string | undefined {
  const lines: string[] = [];
  let current = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    lines.push(`${typeof code === 'string' ? `${code}: ` : ''}${current instanceof Error ? current.message : String(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** Registers every route and the security scheme: what both the app and the committed document describe. */
function describeApi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `Authorization: Bearer csvs_…`',
  });
  registerRoutes(app);
}

/** The OpenAPI 3.1 document, without a running app (route registration needs no services). */
export function openApiDocument(): ReturnType<OpenAPIHono['getOpenAPI31Document']> {
  const app = new OpenAPIHono<AppEnv>();
  describeApi(app);
  return app.getOpenAPI31Document(openApiConfig());
}

export function openApiConfig() {
  return {
    openapi: '3.1.0',
    info: API_INFO,
    security: [{ apiKey: [] }],
  };
}

