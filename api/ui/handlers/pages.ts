/** The page handlers: check access as the API does, load through the API's services, render. */
import { teamOf } from '../access.ts';
import { localized } from '../errors.ts';
import { DomainError, NotFound } from '../../../services/errors.ts';
import { ENVIRONMENT_PATTERN, type Snapshot, WORKLOAD_PATTERN } from '../../../services/schemas/snapshot.ts';
import { loadSnapshot } from '../../../services/snapshots.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { isOrgWide, visibleTeams } from '../../../services/visibility.ts';
import { rankedScorecards } from '../../../services/reports.ts';
import { loadWaiverViews } from '../../../services/waivers.ts';
import { openFailures } from '../../../services/control-history.ts';
import { loadExcerpts } from '../../../services/excerpts.ts';
import { changeTrend, isRange, teamTrend, teamView, workloadHistory } from '../data.ts';
import { teamHref } from '../components.ts';
import { diffSnapshots } from '../diff.ts';
import { type UiContext, viewOf } from '../middleware.ts';
import { overviewPage } from '../pages/overview.ts';
import { teamPage } from '../pages/team.ts';
import { workloadPage } from '../pages/workload.ts';

/** How many snapshots the workload page lists. */
const HISTORY_LIMIT = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function overview(c: UiContext): Promise<Response> {
  const deps = c.var.deps;
  const p = c.var.principal;
  // A key of one team has no organisation to look at: its team is the overview.
  if (!isOrgWide(p) && p.teamSlug) return c.redirect(teamHref(p.teamSlug), 303);
  const now = deps.clock();
  const teams = await visibleTeams(deps.db, p);
  const { items, totals } = await rankedScorecards(deps, teams, now);
  // A team without any workload has no trend to draw: skip its queries.
  const seen = new Set(items.filter((card) => card.workloads.total + card.workloads.stale > 0).map((card) => card.team));
  const trends = new Map(
    await Promise.all(teams.filter((t) => seen.has(t.slug)).map(async (t) => [t.slug, await changeTrend(deps, t, now)] as const)),
  );
  const names = new Map(teams.map((t) => [t.slug, t.name]));
  return c.html(overviewPage(viewOf(c), { asOf: now, items, totals, trends, names }));
}

function optionalEnvironment(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!ENVIRONMENT_PATTERN.test(value)) throw localized(new DomainError(`"${value}" is not an environment name`), 'badEnvironment', { value });
  return value;
}

export async function team(c: UiContext): Promise<Response> {
  const row = await teamOf(c);
  const deps = c.var.deps;
  const now = deps.clock();
  const environment = optionalEnvironment(c.req.query('environment'));
  const chartParam = c.req.query('chart');
  const chart = chartParam && (CONTROL_IDS as readonly string[]).includes(chartParam) ? chartParam : 'levels';
  const rangeParam = c.req.query('range');
  const range = isRange(rangeParam) ? rangeParam : '30d';
  const [view, trend, waivers] = await Promise.all([
    teamView(deps, row, now, environment),
    teamTrend(deps, row, range, now, environment),
    loadWaiverViews(deps.db, row, now, { active: true }),
  ]);
  const failingOnly = c.req.query('failing') === '1';
  const doneParam = c.req.query('done');
  const done = doneParam === 'granted' || doneParam === 'changed' || doneParam === 'revoked' ? doneParam : null;
  const canWaive = isOrgWide(c.var.principal);
  return c.html(teamPage(viewOf(c), { team: row, view, environment, chart, range, trend, waivers, now, failingOnly, canWaive, done }));
}

/** One snapshot by id, only if it is this team's and this workload's (else it is not found here). */
async function snapshotOf(c: UiContext, id: string, team: string, workload: string, now: Date): Promise<Snapshot> {
  if (!UUID.test(id)) throw localized(new NotFound(`no snapshot ${id}`), 'noSnapshot');
  const { view } = await loadSnapshot(c.var.deps.db, id, now);
  if (view.team !== team || view.workload !== workload) throw localized(new NotFound(`no snapshot ${id} of ${workload}`), 'noSnapshot');
  return view;
}

export async function workload(c: UiContext): Promise<Response> {
  const row = await teamOf(c);
  const deps = c.var.deps;
  const now = deps.clock();
  const name = c.req.query('name') ?? '';
  if (!WORKLOAD_PATTERN.test(name)) throw localized(new DomainError('name a workload: ?name=…'), 'nameAWorkload');
  const environment = optionalEnvironment(c.req.query('environment'));
  const history = await workloadHistory(deps, row, name, environment, HISTORY_LIMIT, now);
  const latest = history[0];
  if (!latest) throw localized(new NotFound(`no snapshots of ${name}${environment ? ` in ${environment}` : ''}`), 'noWorkload', { workload: name });
  const shownId = c.req.query('snapshot');
  const shown = shownId ? await snapshotOf(c, shownId, row.slug, name, now) : await snapshotOf(c, latest.id, row.slug, name, now);
  const comparison = await compareFor(c, history, shown, row.slug, name, now);
  // Failing since: read from the shown snapshot's environment's history, when it is the latest.
  const own = history.filter((s) => s.environment === shown.environment);
  const failures = own[0]?.id === shown.id ? openFailures(own, now, { whole: history.length < HISTORY_LIMIT }) : new Map();
  const findings = shown.controls.flatMap((ctl) => ctl.findings.filter((f) => f.status !== 'pass'));
  const excerpts = await loadExcerpts(deps.db, shown.id, findings);
  const canWaive = isOrgWide(c.var.principal);
  return c.html(workloadPage(viewOf(c), { team: row, workload: name, environment, history, shown, comparison, failures, excerpts, now, canWaive }));
}

/** `?from=&to=` when given; else the shown snapshot against the evaluated one before it. */
async function compareFor(c: UiContext, history: Snapshot[], shown: Snapshot, team: string, name: string, now: Date) {
  const from = c.req.query('from');
  const to = c.req.query('to');
  if (from && to) {
    const [before, after] = await Promise.all([snapshotOf(c, from, team, name, now), snapshotOf(c, to, team, name, now)]);
    return { before, after, diff: diffSnapshots(before, after) };
  }
  if (shown.status !== 'evaluated') return null;
  const evaluated = history.filter((s) => s.status === 'evaluated');
  const at = evaluated.findIndex((s) => s.id === shown.id);
  const before = at >= 0 ? evaluated[at + 1] : undefined;
  return before ? { before, after: shown, diff: diffSnapshots(before, shown) } : null;
}
