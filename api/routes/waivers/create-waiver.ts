import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { recordAudit } from '../../../db/queries/audit.ts';
import { insertWaiver } from '../../../db/queries/waivers.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { DomainError } from '../../../services/errors.ts';
import { DAY_MS } from '../../../services/time.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { Waiver, waiverView } from '../../../services/schemas/waiver.ts';
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
    const body = c.req.valid('json');
    const { db, clock, config } = c.var.deps;
    const now = clock();
    const expiresAt = new Date(body.expiresAt);
    const latest = new Date(now.getTime() + config.WAIVER_MAX_DAYS * DAY_MS);
    if (expiresAt <= now) {
      throw new DomainError('the waiver would never be in force', [{ path: 'expiresAt', message: `must be in the future (now is ${now.toISOString()})` }]);
    }
    if (expiresAt > latest) {
      throw new DomainError('the waiver runs too long', [
        { path: 'expiresAt', message: `at most ${config.WAIVER_MAX_DAYS} days ahead (${latest.toISOString()})` },
      ]);
    }
    const actor = c.var.principal.keyId;
    const row = await insertWaiver(db, {
      teamId: team.id,
      controlId: body.control,
      workloads: body.workloads,
      environment: body.environment ?? null,
      justification: body.justification,
      approvedBy: actor,
      // The service's clock, not the database's: "in force at" comparisons use the same clock.
      createdAt: now,
      expiresAt,
    });
    await recordAudit(db, {
      actor,
      action: 'waiver.create',
      teamId: team.id,
      target: row.id,
      details: { control: row.controlId, workloads: row.workloads, environment: row.environment, expiresAt: row.expiresAt.toISOString() },
    });
    c.header('Location', `/v1/teams/${team.slug}/waivers`);
    return c.json(waiverView(row, team.slug, now), 201);
  });
}
