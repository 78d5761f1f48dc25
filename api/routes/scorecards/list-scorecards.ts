import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { statesAsOf, type WorkloadStateAt } from '../../../db/queries/states.ts';
import { listTeams } from '../../../db/queries/teams.ts';
import { toWaiverRule, waiversInForce } from '../../../db/queries/waivers.ts';
import type { WaiverRule } from '../../../workers/engine/waivers.ts';
import { isOrgWide } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { buildScorecard, orgTotals, rankScorecards } from '../../services/scorecard.ts';
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
    const { db, clock, config } = c.var.deps;
    const asOf = scorecardMoment(q.at, clock());
    const teams = (await listTeams(db)).filter((t) => isOrgWide(p) || t.id === p.teamId);
    const ids = teams.map((t) => t.id);
    const [states, waivers] = await Promise.all([statesAsOf(db, ids, asOf, q.environment), waiversInForce(db, ids, asOf, asOf)]);
    const statesByTeam = groupBy(states, (s) => s.teamId);
    const waiversByTeam = new Map<string, WaiverRule[]>();
    for (const w of waivers) {
      const list = waiversByTeam.get(w.teamId);
      if (list) list.push(toWaiverRule(w));
      else waiversByTeam.set(w.teamId, [toWaiverRule(w)]);
    }
    const cards = teams.map((t) =>
      buildScorecard(statesByTeam.get(t.id) ?? [], waiversByTeam.get(t.id) ?? [], {
        team: t.slug,
        environment: q.environment ?? null,
        asOf,
        staleAfterDays: config.STALE_AFTER_DAYS,
      }),
    );
    return c.json({ items: rankScorecards(cards), totals: orgTotals(cards), asOf: asOf.toISOString() }, 200);
  });
}

function groupBy(rows: readonly WorkloadStateAt[], key: (r: WorkloadStateAt) => string): Map<string, WorkloadStateAt[]> {
  const out = new Map<string, WorkloadStateAt[]>();
  for (const r of rows) {
    const list = out.get(key(r));
    if (list) list.push(r);
    else out.set(key(r), [r]);
  }
  return out;
}
