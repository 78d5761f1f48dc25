import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { recordAudit } from '../../../db/queries/audit.ts';
import { countWebhooks, insertWebhook, listWebhooks } from '../../../db/queries/webhooks.ts';
import { webhookUrlProblem } from '../../../workers/jobs/deliver-webhooks.ts';
import { access, authorizeTeam, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { Conflict, DomainError } from '../../../services/errors.ts';
import { EVENT_TYPES, generateWebhookSecret } from '../../../services/notifications.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { CreatedWebhook, CreateWebhook, webhookView } from './schemas.ts';

/** Bounds the fan-out of one event. */
const MAX_WEBHOOKS_PER_TEAM = 20;

const route = createRoute({
  method: 'post',
  path: '/v1/teams/{team}/webhooks',
  middleware: [access({ roles: ['admin', 'auditor'], team: 'read' })],
  summary: 'Register a webhook (admin or auditor); the signing secret is generated and shown once',
  description:
    'Events are POSTed as JSON, signed with HMAC-SHA256 over `<timestamp>.<body>` (headers X-CSVS-Event, X-CSVS-Delivery, ' +
    'X-CSVS-Timestamp, X-CSVS-Signature), retried with exponential backoff; see docs/webhooks.md. The URL must be https ' +
    '(plain http only to localhost with WEBHOOK_ALLOW_PRIVATE=true) and may not carry credentials.',
  tags: ['webhooks'],
  request: { params: TeamParam, body: { required: true, content: { 'application/json': { schema: CreateWebhook } } } },
  responses: {
    201: { description: 'Registered; `secret` is not shown again', content: { 'application/json': { schema: CreatedWebhook } } },
    ...problems(400, 401, 403, 404, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireRole(c.var.principal, 'admin', 'auditor');
    const team = await authorizeTeam(c, c.req.valid('param').team, 'read');
    const body = c.req.valid('json');
    const { db, config, clock } = c.var.deps;
    const refused = webhookUrlProblem(body.url, { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE });
    if (refused) throw new DomainError('the webhook URL is not allowed', [{ path: 'url', message: refused }]);
    const url = new URL(body.url).href;
    if ((await countWebhooks(db, team.id)) >= MAX_WEBHOOKS_PER_TEAM) {
      throw new Conflict(`a team may have at most ${MAX_WEBHOOKS_PER_TEAM} webhooks; delete one first`);
    }
    if ((await listWebhooks(db, team.id)).some((w) => w.url === url)) throw new Conflict(`the team already has a webhook for ${url}`);
    const secret = generateWebhookSecret();
    const actor = c.var.principal.keyId;
    const row = await insertWebhook(db, {
      teamId: team.id,
      url,
      secret,
      events: body.events ?? [...EVENT_TYPES],
      reevaluations: body.reevaluations ?? false,
      description: body.description ?? null,
      createdBy: actor,
      createdAt: clock(),
    });
    await recordAudit(db, { actor, action: 'webhook.create', teamId: team.id, target: row.id, details: { url, events: row.events } });
    c.header('Location', `/v1/teams/${team.slug}/webhooks`);
    return c.json({ ...webhookView(row, team.slug, true), secret }, 201);
  });
}
