import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { listApiKeys } from '../../../db/queries/api-keys.ts';
import { access, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { ApiKey } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  middleware: [access({ roles: ['admin'] })],
  summary: 'List API keys without their secrets (admin)',
  tags: ['setup'],
  responses: {
    200: { description: 'Keys', content: { 'application/json': { schema: z.object({ items: z.array(ApiKey) }) } } },
    ...problems(401, 403),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'admin');
    const keys = await listApiKeys(c.var.deps.db);
    return c.json(
      {
        items: keys.map((k) => ({
          id: k.id,
          prefix: k.prefix,
          role: k.role,
          team: k.teamSlug,
          name: k.name,
          createdAt: k.createdAt.toISOString(),
          lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
          revokedAt: k.revokedAt?.toISOString() ?? null,
        })),
      },
      200,
    );
  });
}
