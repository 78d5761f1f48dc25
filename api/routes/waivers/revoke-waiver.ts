import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { Waiver } from '../../../services/schemas/waiver.ts';
import { findWaiverWithTeam, revokeWaiverAs } from '../../../services/waivers.ts';
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
    const found = await findWaiverWithTeam(c.var.deps.db, id);
    await authorizeTeam(c, found.team.slug, 'waive');
    return c.json(await revokeWaiverAs(c.var.deps, c.var.principal.keyId, found), 200);
  });
}
