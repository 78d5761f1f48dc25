import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { recordAudit } from '../../../db/queries/audit.ts';
import { deleteWebhook, findWebhook } from '../../../db/queries/webhooks.ts';
import { access, authorizeTeam, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { NotFound } from '../../../services/errors.ts';
import { problems } from '../responses.ts';
import { WebhookIdParam } from './schemas.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  middleware: [access({ roles: ['admin', 'auditor'] })],
  summary: 'Delete a webhook (admin or auditor): nothing more is sent, pending deliveries are cancelled, the delivery log stays',
  tags: ['webhooks'],
  request: { params: WebhookIdParam },
  responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'admin', 'auditor');
    const { id } = c.req.valid('param');
    const { db, clock } = c.var.deps;
    const found = await findWebhook(db, id);
    if (!found || found.deletedAt) throw new NotFound(`no webhook ${id}`);
    await authorizeTeam(c, found.teamSlug, 'read');
    const actor = c.var.principal.keyId;
    if (!(await deleteWebhook(db, id, actor, clock()))) throw new NotFound(`no webhook ${id}`);
    await recordAudit(db, { actor, action: 'webhook.delete', teamId: found.teamId, target: id, details: { url: found.url } });
    return c.body(null, 204);
  });
}
