import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { listTeams } from '../../../db/queries/teams.ts';
import { isOrgWide } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { loadScorecards } from '../../../services/reports.ts';
import { orgTotals, rankScorecards } from '../../../services/scorecard.ts';
import { problems } from '../responses.ts';
import { OrgTotals, Scorecard, ScorecardQuery, scorecardMoment } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/scorecards',
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
    const p = c.var.principal;
    const { db, clock } = c.var.deps;
    const asOf = scorecardMoment(q.at, clock());
    const teams = (await listTeams(db)).filter((t) => isOrgWide(p) || t.id === p.teamId);
    const cards = (await loadScorecards(c.var.deps, teams, asOf, q.environment)).map((l) => l.card);
    return c.json({ items: rankScorecards(cards), totals: orgTotals(cards), asOf: asOf.toISOString() }, 200);
  });
}

