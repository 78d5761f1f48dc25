import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { Waiver } from '../../../services/schemas/waiver.ts';
import { loadWaiverViews } from '../../../services/waivers.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/waivers',
  middleware: [access({ team: 'read' })],
  summary: "The team's waivers, newest first; expired and revoked ones stay on record",
  tags: ['waivers'],
  request: {
    params: TeamParam,
    query: z.object({
      active: z.enum(['true', 'false']).optional().openapi({ description: 'Only those in force now (true) or not (false)' }),
      control: z.enum(CONTROL_IDS).optional(),
    }),
  },
  responses: {
    200: { description: 'Waivers', content: { 'application/json': { schema: z.object({ items: z.array(Waiver) }) } } },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const team = await authorizeTeam(c, c.req.valid('param').team, 'read');
    const q = c.req.valid('query');
    const now = c.var.deps.clock();
    const items = await loadWaiverViews(c.var.deps.db, team, now, {
      active: q.active === undefined ? undefined : q.active === 'true',
      control: q.control,
    });
    return c.json({ items }, 200);
  });
}
