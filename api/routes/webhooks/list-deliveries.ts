import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { findWebhook, listDeliveries } from '../../../db/queries/webhooks.ts';
import { access, authorizeTeam, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { NotFound } from '../../../services/errors.ts';
import { problems } from '../responses.ts';
import { Delivery, deliveryView, WebhookIdParam } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  middleware: [access({ roles: ['viewer', 'auditor', 'admin'] })],
  summary: "A webhook's delivery log, newest first: every attempt with status code, error and duration (the team's viewers, auditors, admins)",
  description: 'Stays readable after the webhook was deleted.',
  tags: ['webhooks'],
  request: {
    params: WebhookIdParam,
    query: z.object({
      status: z.enum(['pending', 'delivered', 'failed', 'cancelled']).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: { description: 'Deliveries', content: { 'application/json': { schema: z.object({ items: z.array(Delivery) }) } } },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'viewer', 'auditor', 'admin');
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const { db } = c.var.deps;
    const found = await findWebhook(db, id);
    if (!found) throw new NotFound(`no webhook ${id}`);
    await authorizeTeam(c, found.teamSlug, 'read');
    const items = (await listDeliveries(db, id, { limit: q.limit, status: q.status })).map(deliveryView);
    return c.json({ items }, 200);
  });
}
