import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { recordAudit } from '../../../db/queries/audit.ts';
import { findTeamsByIds } from '../../../db/queries/teams.ts';
import { findWaiver, revokeWaiver } from '../../../db/queries/waivers.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { Conflict, NotFound } from '../../../services/errors.ts';
import { problems } from '../responses.ts';
import { Waiver, waiverView } from '../../../services/schemas/waiver.ts';
import { WaiverIdParam } from './schemas.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/waivers/{id}',
  middleware: [access({ roles: ['auditor', 'admin'] })],
  summary: 'Revoke a waiver (admin or auditor); it stops counting at once and stays on record',
  tags: ['waivers'],
  request: { params: WaiverIdParam },
  responses: {
    200: { description: 'Revoked: the waiver as it now stands', content: { 'application/json': { schema: Waiver } } },
    ...problems(400, 401, 403, 404, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { db, clock } = c.var.deps;
    const found = await findWaiver(db, id);
    const team = found ? (await findTeamsByIds(db, [found.teamId]))[0] : undefined;
    if (!found || !team) throw new NotFound(`no waiver ${id}`);
    await authorizeTeam(c, team.slug, 'waive');
    const now = clock();
    const actor = c.var.principal.keyId;
    if (!(await revokeWaiver(db, id, actor, now))) throw new Conflict(`waiver ${id} was already revoked`);
    await recordAudit(db, { actor, action: 'waiver.revoke', teamId: team.id, target: id, details: { control: found.controlId, workloads: found.workloads } });
    return c.json(waiverView({ ...found, revokedAt: now, revokedBy: actor }, team.slug, now), 200);
  });
}
