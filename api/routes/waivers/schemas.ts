import { z } from '@hono/zod-openapi';
import { toWaiverRule, type WaiverRow } from '../../../db/queries/waivers.ts';
import { waiverActive } from '../../../workers/model/waivers.ts';
import { CONTROL_IDS } from '../../../workers/model/result.ts';
import { Environment } from '../../../services/schemas/snapshot.ts';

/** A workload name, or a glob over names: `*` any run of characters, `?` one. */
export const WORKLOAD_GLOB = /^[A-Za-z0-9*?][A-Za-z0-9._\/:*?-]{0,199}$/;

export const CreateWaiver = z
  .object({
    control: z.enum(CONTROL_IDS).openapi({ description: 'The control whose `fail` the waiver turns into `waived`' }),
    workloads: z
      .string()
      .regex(WORKLOAD_GLOB, 'a workload name or a glob (`*` any run of characters, `?` one), up to 200 characters')
      .openapi({ example: 'checkout-*', description: 'A workload name, or a glob: `checkout-*`, `*` for all' }),
    environment: Environment.optional().openapi({ description: 'Only this environment; all when absent' }),
    justification: z
      .string()
      .trim()
      .min(10, 'say why the risk is accepted (at least 10 characters)')
      .max(2000)
      .openapi({ example: 'Seccomp profile breaks the JIT; vendor fix due in Q1, tracked in SEC-1234' }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .openapi({ description: 'Required: in the future, at most WAIVER_MAX_DAYS (default 365) days ahead' }),
  })
  .openapi('CreateWaiver');

export const Waiver = z
  .object({
    id: z.string().uuid(),
    team: z.string(),
    control: z.string(),
    workloads: z.string(),
    environment: z.string().nullable(),
    justification: z.string(),
    approvedBy: z.string().openapi({ description: 'The id of the API key that granted it (`admin-env` for CSVS_ADMIN_KEY)' }),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable().openapi({ description: 'The id of the API key that revoked it' }),
    active: z.boolean().openapi({ description: 'In force now: granted, not expired, not revoked' }),
  })
  .openapi('Waiver');
export type Waiver = z.infer<typeof Waiver>;

export const WaiverIdParam = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/** A stored waiver as the API shows it, `active` as of `now`. */
export function waiverView(row: WaiverRow, teamSlug: string, now: Date): Waiver {
  return {
    id: row.id,
    team: teamSlug,
    control: row.controlId,
    workloads: row.workloads,
    environment: row.environment,
    justification: row.justification,
    approvedBy: row.approvedBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revokedBy: row.revokedBy,
    active: waiverActive(toWaiverRule(row), now),
  };
}
