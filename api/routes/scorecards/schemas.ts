import { z } from '@hono/zod-openapi';
import { dateTime } from '../../../services/schemas/fields.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { ArtifactKind, Environment, Level } from '../../../services/schemas/snapshot.ts';
import { WaiverTerms } from '../../../services/schemas/waiver.ts';

export const LevelCount = z.object({ compliant: z.number().int(), total: z.number().int() }).openapi('LevelCount');
const Levels = z.object({ L1: LevelCount, L2: LevelCount, L3: LevelCount });
const WorkloadRef = z.object({ workload: z.string(), environment: z.string() });
const Counts = { pass: z.number().int(), fail: z.number().int(), waived: z.number().int(), unknown: z.number().int() };

export const Scorecard = z
  .object({
    team: z.string(),
    environment: z.string().nullable(),
    asOf: z.string(),
    staleAfterDays: z.number().int(),
    workloads: z.object({
      total: z.number().int().openapi({ description: 'Workloads counted (stale ones excluded)' }),
      stale: z.number().int().openapi({ description: 'Workloads not seen for staleAfterDays, left out of every other figure' }),
    }),
    levels: Levels,
    controls: z.array(
      z.object({
        id: z.enum(CONTROL_IDS),
        title: z.string(),
        levels: z.array(Level),
        ...Counts,
        missingEvidence: z
          .object({ decidedBy: z.array(ArtifactKind), workloads: z.array(WorkloadRef) })
          .optional()
          .openapi({ description: 'When some workloads are unknown here: which artifact kinds would decide it, and for whom' }),
      }),
    ),
    failing: z.array(WorkloadRef.extend({ controls: z.array(z.string()) })),
    waivers: z
      .array(WaiverTerms.extend({ covers: z.array(WorkloadRef) }))
      .openapi({ description: 'The waivers relied on: each turned at least one `fail` into `waived`' }),
    staleWorkloads: z.array(WorkloadRef.extend({ observedAt: z.string(), snapshotId: z.string() })),
  })
  .openapi('Scorecard');

export const OrgTotals = z
  .object({
    teams: z.number().int(),
    workloads: z.object({ total: z.number().int(), stale: z.number().int() }),
    levels: Levels,
    controls: z.array(z.object({ id: z.enum(CONTROL_IDS), ...Counts })),
  })
  .openapi('OrgTotals');

export const ScorecardQuery = z.object({
  environment: Environment.optional().openapi({ description: 'Only this environment; all when absent' }),
  at: dateTime()
    .optional()
    .openapi({ description: 'The moment to look at (default now): latest snapshots and waivers in force as of then' }),
});
