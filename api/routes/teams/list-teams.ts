import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../auth.ts';
import { visibleTeams } from '../../../services/visibility.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { Team } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/teams',
  middleware: [access()],
  summary: 'The teams this key may see',
  tags: ['setup'],
  responses: {
    200: { description: 'Teams', content: { 'application/json': { schema: z.object({ items: z.array(Team) }) } } },
    ...problems(401),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const visible = await visibleTeams(c.var.deps.db, c.var.principal);
    return c.json({ items: visible.map((t) => ({ id: t.id, slug: t.slug, name: t.name, createdAt: t.createdAt.toISOString() })) }, 200);
  });
}
