import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { access, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { createApiKey } from '../../../services/api-keys.ts';
import { problems } from '../responses.ts';
import { CreateApiKey, CreatedApiKey } from './schemas.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  middleware: [access({ roles: ['admin'] })],
  summary: 'Create an API key (admin); the key is shown once',
  tags: ['setup'],
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKey } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: CreatedApiKey } } },
    ...problems(400, 401, 403, 404, 422),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'admin');
    const created = await createApiKey(c.var.deps.db, c.req.valid('json'), c.var.principal.keyId);
    return c.json(created, 201);
  });
}
