/**
 * A waiver as the outside world sees it: the one presenter every public shape of a stored waiver
 * is made with (the API's and the dashboard's `Waiver`, a scorecard's waivers relied on, the
 * `waiver.expiring` event, a snapshot's applied waiver). The engine's WaiverRule (dates, used to
 * apply waivers) comes from the row through toWaiverRule; everything shown is made from that.
 */
import { z } from '@hono/zod-openapi';
import { toWaiverRule, type WaiverRow } from '../../db/queries/waivers.ts';
import { waiverActive, waiverTerms } from '../../workers/model/waivers.ts';

/** What every public shape of a waiver shows of its terms, in this order. */
export const WaiverTerms = z.object({
  id: z.string(),
  control: z.string(),
  workloads: z.string(),
  environment: z.string().nullable(),
  justification: z.string(),
  approvedBy: z.string(),
  expiresAt: z.string(),
});
export type WaiverTerms = z.infer<typeof WaiverTerms>;

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

/** A stored waiver as the API and the dashboard show it, `active` as of `now`. */
export function waiverView(row: WaiverRow, teamSlug: string, now: Date): Waiver {
  const rule = toWaiverRule(row);
  const { id, control, workloads, environment, justification, approvedBy, expiresAt } = waiverTerms(rule);
  // Spelled out so the fields keep the order the API has always answered with.
  return {
    id,
    team: teamSlug,
    control,
    workloads,
    environment,
    justification,
    approvedBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revokedBy: row.revokedBy,
    active: waiverActive(rule, now),
  };
}
