import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { loadScorecards } from '../../../services/reports.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { momentUpToNow } from '../../../services/time.ts';
import { Scorecard, ScorecardQuery } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/scorecard',
  middleware: [access({ team: 'read' })],
  summary: "The team's scorecard: per level workloads compliant / total, per control pass / fail / waived / unknown",
  description:
    'A workload counts by its latest evaluated snapshot as of `at` (default now). Workloads not seen for ' +
    'STALE_AFTER_DAYS (default 30) are counted in `workloads.stale`, listed in `staleWorkloads` and left out of ' +
    'everything else. Waivers in force at `at` turn a `fail` into `waived`, which counts toward the level.',
  tags: ['scorecards'],
  request: { params: TeamParam, query: ScorecardQuery },
  responses: {
    200: { description: 'The scorecard', content: { 'application/json': { schema: Scorecard } } },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const team = await authorizeTeam(c, c.req.valid('param').team, 'read');
    const q = c.req.valid('query');
    const asOf = momentUpToNow(q.at, c.var.deps.clock(), 'a scorecard');
    const [loaded] = await loadScorecards(c.var.deps, [team], asOf, q.environment);
    if (!loaded) throw new Error('no scorecard loaded');
    return c.json(loaded.card, 200);
  });
}
