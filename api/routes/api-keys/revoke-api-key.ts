import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { revokeApiKey } from '../../../db/queries/api-keys.ts';
import { recordAudit } from '../../../db/queries/audit.ts';
import { access, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { NotFound } from '../../../services/errors.ts';
import { problems } from '../responses.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  middleware: [access({ roles: ['admin'] })],
  summary: 'Revoke an API key (admin)',
  tags: ['setup'],
  request: { params: z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 204: { description: 'Revoked' }, ...problems(400, 401, 403, 404) },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'admin');
    const { id } = c.req.valid('param');
    const { db, clock } = c.var.deps;
    if (!(await revokeApiKey(db, id, clock()))) throw new NotFound(`no active API key ${id}`);
    c.var.keyCache.forgetKey(id);
    await recordAudit(db, { actor: c.var.principal.keyId, action: 'api-key.revoke', target: id });
    return c.body(null, 204);
  });
}
