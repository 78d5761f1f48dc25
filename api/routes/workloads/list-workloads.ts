import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { latestPerWorkload } from '../../../db/queries/snapshots.ts';
import { listWaivers, toWaiverRule } from '../../../db/queries/waivers.ts';
import { applyWaivers } from '../../../workers/model/waivers.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { Environment, LevelSummary } from '../../../services/schemas/snapshot.ts';
import { isStale, storedControls } from '../../../services/scorecard.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';

const WorkloadState = z
  .object({
    workload: z.string(),
    environment: z.string(),
    snapshotId: z.string().uuid(),
    observedAt: z.string(),
    stale: z.boolean(),
    controls: z.array(z.object({ id: z.string(), status: z.enum(['pass', 'fail', 'unknown', 'waived']) })),
    levels: z.object({ L1: LevelSummary, L2: LevelSummary, L3: LevelSummary }),
  })
  .openapi('WorkloadState');

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/workloads',
  middleware: [access({ team: 'read' })],
  summary: "Each workload's latest state",
  tags: ['snapshots'],
  request: { params: TeamParam, query: z.object({ environment: Environment.optional() }) },
  responses: {
    200: { description: 'Workloads', content: { 'application/json': { schema: z.object({ items: z.array(WorkloadState) }) } } },
    ...problems(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const team = await authorizeTeam(c, c.req.valid('param').team, 'read');
    const { db, clock, config } = c.var.deps;
    const now = clock();
    const [rows, waivers] = await Promise.all([
      latestPerWorkload(db, team.id, c.req.valid('query').environment),
      listWaivers(db, team.id),
    ]);
    const rules = waivers.map(toWaiverRule);
    const items = rows.map((r) => {
      const waived = applyWaivers(storedControls(r.statuses), rules, r.workload, r.environment, now);
      return {
        workload: r.workload,
        environment: r.environment,
        snapshotId: r.snapshotId,
        observedAt: r.observedAt.toISOString(),
        stale: isStale(r.observedAt, now, config.STALE_AFTER_DAYS),
        controls: waived.controls.map((x) => ({ id: x.id, status: x.status })),
        levels: waived.levels,
      };
    });
    return c.json({ items }, 200);
  });
}
