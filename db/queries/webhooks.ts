/**
 * Webhooks and their outbox. Deliveries are written in the transaction that caused the event
 * and sent later by workers/jobs/deliver-webhooks.ts, which claims them with SKIP LOCKED.
 */
import { and, asc, count, desc, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { teams, waivers, webhookAttempts, webhookDeliveries, webhooks, workloadState } from '../schema.ts';
import type { WaiverRow } from './waivers.ts';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;
export type NewDelivery = typeof webhookDeliveries.$inferInsert;
export type StoredStatus = 'pass' | 'fail' | 'unknown';

/** Stores a new webhook; the caller has checked its URL and generated its secret. */
export async function insertWebhook(db: Db, webhook: typeof webhooks.$inferInsert): Promise<WebhookRow> {
  const rows = await db.insert(webhooks).values(webhook).returning();
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The team's webhooks that are not deleted, oldest first. */
export async function listWebhooks(db: Db, teamId: string): Promise<WebhookRow[]> {
  return db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.teamId, teamId), isNull(webhooks.deletedAt)))
    .orderBy(asc(webhooks.createdAt), asc(webhooks.id));
}

/** How many live (not deleted) webhooks the team has. */
export async function countWebhooks(db: Db, teamId: string): Promise<number> {
  const rows = await db
    .select({ n: count() })
    .from(webhooks)
    .where(and(eq(webhooks.teamId, teamId), isNull(webhooks.deletedAt)));
  return rows[0]?.n ?? 0;
}

/** A webhook by id, deleted ones included (their delivery log stays readable), with its team's slug. */
export async function findWebhook(db: Db, id: string): Promise<(WebhookRow & { teamSlug: string }) | null> {
  const rows = await db
    .select({ w: webhooks, teamSlug: teams.slug })
    .from(webhooks)
    .innerJoin(teams, eq(webhooks.teamId, teams.id))
    .where(eq(webhooks.id, id))
    .limit(1);
  const r = rows[0];
  return r ? { ...r.w, teamSlug: r.teamSlug } : null;
}

/**
 * Marks a webhook deleted and cancels what it has not received yet, in one transaction.
 * False when it was deleted already.
 */
export async function deleteWebhook(db: Db, id: string, by: string, at: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(webhooks)
      .set({ deletedAt: at, deletedBy: by })
      .where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt)))
      .returning({ id: webhooks.id });
    if (rows.length === 0) return false;
    await tx
      .update(webhookDeliveries)
      .set({ status: 'cancelled' })
      .where(and(eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.status, 'pending')));
    return true;
  });
}

/** What the event detection needs of a team's live webhooks (no secrets). */
export interface WebhookTarget {
  id: string;
  events: string[];
  reevaluations: boolean;
}

/** The team's live webhooks and its slug; no webhooks → an empty list (and the caller stops there). */
export async function webhookTargets(db: Db, teamId: string): Promise<{ teamSlug: string; targets: WebhookTarget[] }> {
  const rows = await db
    .select({ id: webhooks.id, events: webhooks.events, reevaluations: webhooks.reevaluations, teamSlug: teams.slug })
    .from(webhooks)
    .innerJoin(teams, eq(webhooks.teamId, teams.id))
    .where(and(eq(webhooks.teamId, teamId), isNull(webhooks.deletedAt)));
  return {
    teamSlug: rows[0]?.teamSlug ?? '',
    targets: rows.map((r) => ({ id: r.id, events: r.events, reevaluations: r.reevaluations })),
  };
}

export interface StateRow {
  workload: string;
  environment: string;
  snapshotId: string;
  observedAt: Date;
  statuses: Record<string, StoredStatus>;
}

/**
 * A workload's latest state, locked until the caller's transaction ends: a concurrent write of
 * the same workload waits here, so each compares against the state the other committed.
 */
export async function lockWorkloadState(db: Db, key: { teamId: string; workload: string; environment: string }): Promise<StateRow | null> {
  const rows = await db
    .select({
      workload: workloadState.workload,
      environment: workloadState.environment,
      snapshotId: workloadState.snapshotId,
      observedAt: workloadState.observedAt,
      statuses: workloadState.statuses,
    })
    .from(workloadState)
    .where(
      and(eq(workloadState.teamId, key.teamId), eq(workloadState.workload, key.workload), eq(workloadState.environment, key.environment)),
    )
    .limit(1)
    .for('update');
  return rows[0] ?? null;
}

/** Every workload's latest state of a team (optionally one environment). */
export async function teamStates(db: Db, teamId: string, environment?: string): Promise<StateRow[]> {
  const conditions = [eq(workloadState.teamId, teamId)];
  if (environment !== undefined) conditions.push(eq(workloadState.environment, environment));
  return db
    .select({
      workload: workloadState.workload,
      environment: workloadState.environment,
      snapshotId: workloadState.snapshotId,
      observedAt: workloadState.observedAt,
      statuses: workloadState.statuses,
    })
    .from(workloadState)
    .where(and(...conditions))
    .orderBy(asc(workloadState.workload), asc(workloadState.environment));
}

/** Queues deliveries; one whose dedupe key this webhook already has is skipped. Returns how many were queued. */
export async function insertDeliveries(db: Db, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db.insert(webhookDeliveries).values(rows).onConflictDoNothing().returning({ id: webhookDeliveries.id });
  return inserted.length;
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  event: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` due deliveries: locks them with SKIP LOCKED (two senders never take the
 * same one) and pushes their due time to `leaseUntil`, then commits, so no transaction stays
 * open while receivers answer. A sender that dies mid-attempt leaves them due again at lease end.
 */
export async function claimDueDeliveries(
  db: Db,
  o: { now: Date; leaseUntil: Date; limit: number; teamIds?: readonly string[] | undefined },
): Promise<ClaimedDelivery[]> {
  return db.transaction(async (tx) => {
    const conditions = [
      eq(webhookDeliveries.status, 'pending'),
      lte(webhookDeliveries.nextAttemptAt, o.now),
      isNull(webhooks.deletedAt),
    ];
    if (o.teamIds) conditions.push(inArray(webhooks.teamId, [...o.teamIds]));
    const rows = await tx
      .select({
        id: webhookDeliveries.id,
        webhookId: webhookDeliveries.webhookId,
        event: webhookDeliveries.event,
        body: webhookDeliveries.body,
        attempts: webhookDeliveries.attempts,
        url: webhooks.url,
        secret: webhooks.secret,
      })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhookDeliveries.webhookId, webhooks.id))
      .where(and(...conditions))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(o.limit)
      .for('update', { of: webhookDeliveries, skipLocked: true });
    if (rows.length === 0) return [];
    await tx
      .update(webhookDeliveries)
      .set({ nextAttemptAt: o.leaseUntil })
      .where(
        inArray(
          webhookDeliveries.id,
          rows.map((r) => r.id),
        ),
      );
    return rows;
  });
}

export interface AttemptOutcome {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** What becomes of the delivery: delivered, given up, or due again at `nextAttemptAt`. */
  next: { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: Date };
}

/** Logs one attempt and moves the delivery on, in one transaction. */
export async function recordAttempt(db: Db, delivery: { id: string; attempt: number }, o: AttemptOutcome): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(webhookAttempts)
      .values({ deliveryId: delivery.id, attempt: delivery.attempt, at: o.at, statusCode: o.statusCode, error: o.error, durationMs: o.durationMs })
      .onConflictDoNothing();
    await tx
      .update(webhookDeliveries)
      .set({
        attempts: delivery.attempt,
        status: o.next.status,
        ...(o.next.status === 'delivered' ? { deliveredAt: o.at } : {}),
        ...(o.next.status === 'pending' ? { nextAttemptAt: o.next.nextAttemptAt } : {}),
      })
      // A webhook deleted while the attempt was in flight keeps its delivery cancelled.
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'pending')));
  });
}

/** A webhook's deliveries, newest first, each with its attempts in order. */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  o: { limit: number; status?: DeliveryRow['status'] | undefined },
): Promise<(DeliveryRow & { log: AttemptRow[] })[]> {
  const conditions = [eq(webhookDeliveries.webhookId, webhookId)];
  if (o.status) conditions.push(eq(webhookDeliveries.status, o.status));
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(o.limit);
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(
      inArray(
        webhookAttempts.deliveryId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt));
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const a of attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
  return rows.map((r) => ({ ...r, log: byDelivery.get(r.id) ?? [] }));
}

/**
 * Waivers in force at `now` that expire by `until`, each with the live webhooks of its team that
 * listen for `event` and have not been told about it yet (no delivery with `dedupeKey(waiver)`).
 */
export async function expiringWaiverTargets(
  db: Db,
  o: { now: Date; until: Date; event: string; dedupePrefix: string; teamIds?: readonly string[] | undefined },
): Promise<{ waiver: WaiverRow; teamSlug: string; webhookId: string }[]> {
  const conditions = [
    isNull(waivers.revokedAt),
    lte(waivers.createdAt, o.now),
    gt(waivers.expiresAt, o.now),
    lte(waivers.expiresAt, o.until),
    isNull(webhooks.deletedAt),
    sql`${webhooks.events} @> ${JSON.stringify([o.event])}::jsonb`,
    sql`not exists (select 1 from ${webhookDeliveries} d where d.webhook_id = ${webhooks.id} and d.dedupe_key = ${o.dedupePrefix} || ${waivers.id}::text)`,
  ];
  if (o.teamIds) conditions.push(inArray(waivers.teamId, [...o.teamIds]));
  const rows = await db
    .select({ waiver: waivers, teamSlug: teams.slug, webhookId: webhooks.id })
    .from(waivers)
    .innerJoin(teams, eq(waivers.teamId, teams.id))
    .innerJoin(webhooks, eq(webhooks.teamId, waivers.teamId))
    .where(and(...conditions))
    .orderBy(asc(waivers.expiresAt), asc(waivers.id));
  return rows;
}
