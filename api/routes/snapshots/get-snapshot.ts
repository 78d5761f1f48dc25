import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { Snapshot } from '../../../services/schemas/snapshot.ts';
import { loadSnapshot } from '../../../services/snapshots.ts';
import { problems } from '../responses.ts';
import { LangQuery, respondWithSnapshot, SARIF_TYPE } from './respond.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/snapshots/{id}',
  middleware: [access()],
  summary: 'One evaluated snapshot (reads "status": "pending" until evaluated)',
  tags: ['snapshots'],
  request: {
    params: z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
    query: z.object({ lang: LangQuery }),
  },
  responses: {
    200: {
      description: 'The snapshot',
      content: {
        'application/json': { schema: Snapshot },
        [SARIF_TYPE]: { schema: z.object({}).passthrough() },
        'application/xml': { schema: z.string() },
      },
    },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { view } = await loadSnapshot(c.var.deps.db, id, c.var.deps.clock());
    // Authorise after loading (the team is known only then); a foreign team's snapshot is a 403.
    await authorizeTeam(c, view.team, 'read');
    return (await respondWithSnapshot(c, view, 200)) as never;
  });
}
