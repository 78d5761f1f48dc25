import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../../env.ts';
import { problem, RETRY_AFTER_UNAVAILABLE_SECONDS } from '../../problem.ts';
import { ENGINE_VERSION } from '../../../workers/engine/version.ts';

const Health = z.object({ status: z.literal('ok'), engineVersion: z.string() }).openapi('Health');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process answers',
  tags: ['system'],
  security: [],
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: Health } } } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: the database answers',
  tags: ['system'],
  security: [],
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: Health } } },
    503: { description: 'The database does not answer' },
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const, engineVersion: ENGINE_VERSION }, 200));
  app.openapi(readyz, async (c) => {
    try {
      await c.var.deps.db.execute(sql`select 1`);
      return c.json({ status: 'ok' as const, engineVersion: ENGINE_VERSION }, 200);
    } catch {
      c.header('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
      return problem(c, 'unavailable', 'the database does not answer') as never;
    }
  });
}
