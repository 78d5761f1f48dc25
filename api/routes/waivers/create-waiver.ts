import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { Waiver } from '../../../services/schemas/waiver.ts';
import { grantWaiver } from '../../../services/waivers.ts';
import { CreateWaiver } from './schemas.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/teams/{team}/waivers',
  middleware: [access({ team: 'waive' })],
  summary: 'Grant a waiver (admin or auditor): while active, a `fail` of the control shows as `waived` and counts toward the level',
  description:
    'The approver recorded is the id of the API key that made the request (ids are unique and stay resolvable ' +
    'in the key list and the audit log; key names are neither). `expiresAt` is required, must lie in the future ' +
    'and at most WAIVER_MAX_DAYS (default 365) days ahead. Waivers never cover `unknown`: missing evidence cannot be waived.',
  tags: ['waivers'],
  request: { params: TeamParam, body: { required: true, content: { 'application/json': { schema: CreateWaiver } } } },
  responses: {
    201: { description: 'Granted', content: { 'application/json': { schema: Waiver } } },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const team = await authorizeTeam(c, c.req.valid('param').team, 'waive');
    const waiver = await grantWaiver(c.var.deps, c.var.principal.keyId, team, c.req.valid('json'));
    c.header('Location', `/v1/teams/${team.slug}/waivers`);
    return c.json(waiver, 201);
  });
}
