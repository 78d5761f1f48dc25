import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { listWebhooks } from '../../../db/queries/webhooks.ts';
import { access, authorizeTeam, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { isOrgWide } from '../../../services/visibility.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { Webhook, webhookView } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/webhooks',
  middleware: [access({ roles: ['viewer', 'auditor', 'admin'], team: 'read' })],
  summary: "The team's webhooks (its viewers, auditors, admins); viewers see each URL's origin only, nobody sees the secret",
  tags: ['webhooks'],
  request: { params: TeamParam },
  responses: {
    200: { description: 'Webhooks, oldest first', content: { 'application/json': { schema: z.object({ items: z.array(Webhook) }) } } },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'viewer', 'auditor', 'admin');
    const team = await authorizeTeam(c, c.req.valid('param').team, 'read');
    const full = isOrgWide(c.var.principal);
    const items = (await listWebhooks(c.var.deps.db, team.id)).map((w) => webhookView(w, team.slug, full));
    return c.json({ items }, 200);
  });
}
