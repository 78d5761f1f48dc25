/**
 * Loading what the scorecards and trends are computed from, in one place, so the API routes and
 * the dashboard show the same figures from the same queries.
 */
import { groupBy } from './collections.ts';
import type { Db } from '../db/client.ts';
import type { WorkloadStateAt } from '../db/queries/states.ts';
import { snapshotsForWindow, statesAsOf } from '../db/queries/states.ts';
import { toWaiverRule, waiversInForce } from '../db/queries/waivers.ts';
import type { WaiverRule } from '../workers/model/waivers.ts';
import type { TeamRef } from './deps.ts';
import type { ServiceDeps } from './deps.ts';
import { buildScorecard, type OrgTotals, orgTotals, rankScorecards, type Scorecard } from './scorecard.ts';
import { buildTrend, type Period, type TrendPoint } from './trend.ts';

/** The waivers of these teams in force at `at`, as rules, by team id (oldest first in each). */
export async function waiverRulesInForce(db: Db, teamIds: string[], at: Date): Promise<Map<string, WaiverRule[]>> {
  const byTeam = groupBy(await waiversInForce(db, teamIds, at, at), (w) => w.teamId);
  return new Map([...byTeam].map(([teamId, rows]) => [teamId, rows.map(toWaiverRule)]));
}

export interface TeamStates {
  team: TeamRef;
  states: WorkloadStateAt[];
  waivers: WaiverRule[];
  card: Scorecard;
}

/**
 * Each team's scorecard as of a moment (waivers in force then applied), with the workload
 * states it was built from: two queries for any number of teams.
 */
export async function loadScorecards(
  deps: ServiceDeps,
  teams: readonly TeamRef[],
  asOf: Date,
  environment?: string,
): Promise<TeamStates[]> {
  const ids = teams.map((t) => t.id);
  const [states, waiversByTeam] = await Promise.all([statesAsOf(deps.db, ids, asOf, environment), waiverRulesInForce(deps.db, ids, asOf)]);
  const statesByTeam = groupBy(states, (s) => s.teamId);
  return teams.map((team) => {
    const teamStates = statesByTeam.get(team.id) ?? [];
    const rules = waiversByTeam.get(team.id) ?? [];
    const card = buildScorecard(teamStates, rules, {
      team: team.slug,
      environment: environment ?? null,
      asOf,
      staleAfterDays: deps.config.STALE_AFTER_DAYS,
    });
    return { team, states: teamStates, waivers: rules, card };
  });
}

/** GET /v1/scorecards and the dashboard's overview: the teams' scorecards, ranked, with the totals. */
export async function rankedScorecards(
  deps: ServiceDeps,
  teams: readonly TeamRef[],
  asOf: Date,
  environment?: string,
): Promise<{ items: (Scorecard & { rank: number })[]; totals: OrgTotals }> {
  const cards = (await loadScorecards(deps, teams, asOf, environment)).map((l) => l.card);
  return { items: rankScorecards(cards), totals: orgTotals(cards) };
}

/** A team's trend over the given points: one query for the window's snapshots, one for its waivers. */
export async function loadTrend(deps: ServiceDeps, team: TeamRef, points: readonly Period[], environment?: string): Promise<TrendPoint[]> {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return [];
  const [rows, waivers] = await Promise.all([
    snapshotsForWindow(deps.db, team.id, { from: first.start, to: last.asOf }, environment),
    waiversInForce(deps.db, [team.id], first.asOf, last.asOf),
  ]);
  return buildTrend(rows, waivers.map(toWaiverRule), [...points], deps.config.STALE_AFTER_DAYS);
}
