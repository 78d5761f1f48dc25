import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { dateTime, day } from '../../../services/schemas/fields.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { DomainError } from '../../../services/errors.ts';
import { Environment } from '../../../services/schemas/snapshot.ts';
import { loadTrend } from '../../../services/reports.ts';
import { countPeriods, INTERVALS, type Interval, MAX_POINTS, periods, trendCsv } from '../../../services/trend.ts';
import { dayStart, firstOfDays } from '../../../services/time.ts';
import { LevelCount } from '../scorecards/schemas.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';

const Moment = z
  .union([day(), dateTime()])
  .openapi({ description: 'A UTC day (`2026-11-01`) or a date-time; the point of the day/week it falls in is included' });

const ControlCounts = z.object({ pass: z.number().int(), fail: z.number().int(), waived: z.number().int(), unknown: z.number().int() });

const TrendPoint = z
  .object({
    at: z.string().openapi({ description: 'The UTC day, or the Monday starting the ISO week', example: '2026-11-01' }),
    asOf: z.string().openapi({ description: "The moment the point's state is taken at: the end of its day/week, or now" }),
    workloads: z.object({ total: z.number().int(), stale: z.number().int() }),
    levels: z.object({ L1: LevelCount, L2: LevelCount, L3: LevelCount }),
    controls: z.record(z.enum(CONTROL_IDS), ControlCounts),
  })
  .openapi('TrendPoint');

const Trend = z
  .object({
    team: z.string(),
    environment: z.string().nullable(),
    interval: z.enum(INTERVALS),
    from: z.string(),
    to: z.string(),
    staleAfterDays: z.number().int(),
    series: z.array(TrendPoint),
  })
  .openapi('Trend');

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/trend',
  middleware: [access({ team: 'read' })],
  summary: 'Daily or weekly series per level and per control (JSON, or CSV with format=csv / Accept: text/csv)',
  description:
    'One point per UTC day, or per ISO week (Monday to Sunday), from the period holding `from` to the one holding ' +
    '`to` (default: the last 30 days), at most 731 points. A point is the state at the END of its period (now for ' +
    'the current one): each workload counted by its latest snapshot by then, carried forward until its next ' +
    'snapshot or until it goes stale (STALE_AFTER_DAYS), with the waivers in force at that moment. ' +
    'CSV: columns at, as_of, scope, id, compliant, total, pass, fail, waived, unknown; per point three `level` rows ' +
    '(compliant/total) and fifteen `control` rows (pass/fail/waived/unknown, total their sum).',
  tags: ['scorecards'],
  request: {
    params: TeamParam,
    query: z.object({
      from: Moment.optional(),
      to: Moment.optional().openapi({ description: 'Default now; not in the future' }),
      interval: z.enum(INTERVALS).default('day'),
      environment: Environment.optional(),
      format: z.enum(['json', 'csv']).optional().openapi({ description: 'Default: JSON, or CSV when Accept asks for text/csv' }),
    }),
  },
  responses: {
    200: {
      description: 'The series',
      content: { 'application/json': { schema: Trend }, 'text/csv': { schema: z.string() } },
    },
    ...problems(400, 401, 403, 404),
  },
});

/** A date-only value is its UTC day; a date-time is itself. */
function parseMoment(value: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
}

/** Checks the window and names every offending parameter at once. */
function trendWindow(q: { from?: string | undefined; to?: string | undefined; interval: Interval }, now: Date): { from: Date; to: Date } {
  const to = q.to === undefined ? now : parseMoment(q.to);
  const from = q.from === undefined ? firstOfDays(to, 30) : parseMoment(q.from);
  const errors: { path: string; message: string }[] = [];
  if (dayStart(to) > now) errors.push({ path: 'to', message: `must not be in the future (now is ${now.toISOString()})` });
  if (from > to) errors.push({ path: 'from', message: 'must not be after to' });
  else {
    const count = countPeriods(from, to, q.interval);
    if (count > MAX_POINTS) errors.push({ path: 'from', message: `the window has ${count} ${q.interval}s; at most ${MAX_POINTS} points` });
  }
  if (errors.length > 0) throw new DomainError('the trend window is not valid', errors);
  return { from, to };
}

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const team = await authorizeTeam(c, c.req.valid('param').team, 'read');
    const q = c.req.valid('query');
    const { clock, config } = c.var.deps;
    const now = clock();
    const { from, to } = trendWindow(q, now);
    const points = periods(from, to, q.interval, now);
    const first = points[0];
    const last = points[points.length - 1];
    if (!first || !last) throw new DomainError('the trend window is empty', [{ path: 'from', message: 'no point in the window' }]);
    const series = await loadTrend(c.var.deps, team, points, q.environment);
    const wantsCsv = q.format === 'csv' || (q.format === undefined && (c.req.header('accept') ?? '').toLowerCase().includes('text/csv'));
    if (wantsCsv) {
      const name = `${team.slug}-trend-${q.interval}-${first.label}-${last.label}.csv`;
      return c.body(trendCsv(series), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
      }) as never;
    }
    return c.json(
      {
        team: team.slug,
        environment: q.environment ?? null,
        interval: q.interval,
        from: first.label,
        to: last.label,
        staleAfterDays: config.STALE_AFTER_DAYS,
        series,
      },
      200,
    );
  });
}
