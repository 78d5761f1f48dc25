import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { rankedScorecards } from '../../../services/reports.ts';
import { visibleTeams } from '../../../services/visibility.ts';
import { problems } from '../responses.ts';
import { momentUpToNow } from '../../../services/time.ts';
import { OrgTotals, Scorecard, ScorecardQuery } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/scorecards',
  middleware: [access()],
  summary: 'Org-wide: the scorecard of every team the key may see, ranked, with totals',
  description:
    'Auditor and admin keys see every team, team-bound keys their own. Ranked by the share of workloads meeting ' +
    'L3, then L2, then L1 (each descending), then by more workloads counted, then by slug; `rank` starts at 1. ' +
    '`totals` sums every listed scorecard.',
  tags: ['scorecards'],
  request: { query: ScorecardQuery },
  responses: {
    200: {
      description: 'Ranked scorecards',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(Scorecard.extend({ rank: z.number().int() })), totals: OrgTotals, asOf: z.string() }),
        },
      },
    },
    ...problems(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { db, clock } = c.var.deps;
    const asOf = momentUpToNow(q.at, clock(), 'a scorecard');
    const teams = await visibleTeams(db, c.var.principal);
    const { items, totals } = await rankedScorecards(c.var.deps, teams, asOf, q.environment);
    return c.json({ items, totals, asOf: asOf.toISOString() }, 200);
  });
}

