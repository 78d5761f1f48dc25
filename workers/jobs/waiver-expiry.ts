/**
 * The waiver sweep: tells each webhook listening for `waiver.expiring` once about every waiver
 * of its team that lapses within the notice period, with the workloads whose level rests on it.
 */
import type { Db } from '../../db/client.ts';
import { toWaiverRule, unrevokedWaiverRules, type WaiverRow } from '../../db/queries/waivers.ts';
import {
  expiringWaiverTargets,
  insertDeliveries,
  type NewDelivery,
  type StateRow,
  teamStates,
} from '../../db/queries/webhooks.ts';
import { type WaiverRule, waiverTerms } from '../model/waivers.ts';
import { deliveriesFor, envelope, relyingOn, type WaiverExpiringData } from '../../services/notifications.ts';

/** How far ahead a lapsing waiver is announced. */
export const WAIVER_NOTICE_DAYS = 7;
/** The outbox dedupe key of a waiver's notice is this plus its id: once per waiver and webhook. */
const DEDUPE_PREFIX = 'waiver.expiring:';
const HOUR_MS = 3_600_000;

/**
 * Queues a `waiver.expiring` delivery for every (waiver, webhook) pair not told yet. Safe to run
 * often and from several places at once: the outbox's unique dedupe key keeps it to one each.
 * Returns how many deliveries were queued.
 */
export async function sweepExpiringWaivers(
  db: Db,
  now: Date,
  o: { withinDays?: number; teamIds?: readonly string[] } = {},
): Promise<number> {
  const until = new Date(now.getTime() + (o.withinDays ?? WAIVER_NOTICE_DAYS) * 24 * HOUR_MS);
  const pairs = await expiringWaiverTargets(db, { now, until, event: 'waiver.expiring', dedupePrefix: DEDUPE_PREFIX, teamIds: o.teamIds });
  const byWaiver = new Map<string, { waiver: WaiverRow; teamSlug: string; webhookIds: string[] }>();
  for (const p of pairs) {
    const entry = byWaiver.get(p.waiver.id) ?? { waiver: p.waiver, teamSlug: p.teamSlug, webhookIds: [] };
    entry.webhookIds.push(p.webhookId);
    byWaiver.set(p.waiver.id, entry);
  }
  const rows: NewDelivery[] = [];
  const teams = new Map<string, { states: StateRow[]; rules: WaiverRule[] }>();
  for (const { waiver, teamSlug, webhookIds } of byWaiver.values()) {
    const team = teams.get(waiver.teamId) ?? { states: await teamStates(db, waiver.teamId), rules: await unrevokedWaiverRules(db, waiver.teamId) };
    teams.set(waiver.teamId, team);
    const rule = toWaiverRule(waiver);
    const data: WaiverExpiringData = {
      waiver: waiverTerms(rule),
      expiresInHours: Math.round(((waiver.expiresAt.getTime() - now.getTime()) / HOUR_MS) * 10) / 10,
      relying: relyingOn(team.states, team.rules, rule, now),
    };
    const targets = webhookIds.map((id) => ({ id, events: ['waiver.expiring'] }));
    rows.push(...deliveriesFor(targets, envelope('waiver.expiring', teamSlug, data, now), now, `${DEDUPE_PREFIX}${waiver.id}`));
  }
  return insertDeliveries(db, rows);
}
