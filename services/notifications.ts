/**
 * Webhook events, detected where they happen: when an evaluation moves a workload's latest state
 * (db/queries/snapshots.ts calls in here inside its transaction) and when the waiver sweep runs.
 * Detection only writes outbox rows; workers/jobs/deliver-webhooks.ts sends them. See docs/webhooks.md.
 */
import type { Db } from '../db/client.ts';
import {
  insertDeliveries,
  lockWorkloadState,
  type NewDelivery,
  type StateRow,
  teamStates,
  type WebhookTarget,
  webhookTargets,
} from '../db/queries/webhooks.ts';
import { unrevokedWaiverRules } from '../db/queries/waivers.ts';
import type { ArtifactKind } from '../workers/model/evidence.ts';
import { type Level, LEVELS } from '../workers/model/result.ts';
import type { WaiverRule } from '../workers/model/waivers.ts';
import { CONTROL_META, workloadVerdict } from './scorecard.ts';
import type { WaiverTerms } from './schemas/waiver.ts';

export const EVENT_TYPES = ['level.regressed', 'evidence.missing', 'waiver.expiring'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What moved the state: a new snapshot, or a stored one judged again by another engine version. */
export type Cause = 'upload' | 're-evaluation';

/** The body of every delivery. `id` is the event's: the same for every webhook that receives it. */
export interface EventEnvelope<T> {
  id: string;
  type: EventType;
  createdAt: string;
  team: string;
  data: T;
}

type Status = 'pass' | 'fail' | 'waived' | 'unknown';

interface SnapshotRef {
  id: string;
  observedAt: string;
  href: string;
}

interface LevelCounts {
  compliant: number;
  total: number;
}

export interface RegressionData {
  cause: Cause;
  workload: string;
  environment: string;
  /** The levels the workload met just before this state and no longer meets. */
  levelsLost: Level[];
  levels: { before: Record<Level, boolean>; after: Record<Level, boolean> };
  /** The controls of the lost levels that went from pass/waived to fail/unknown. */
  controls: { id: string; title: string; before: Status; after: Status }[];
  /** Workloads of the team in this environment meeting each level, just before and now. */
  teamLevels: Record<Level, { before: LevelCounts; after: LevelCounts }>;
  /** Levels every workload of the team in this environment met before and not all meet now. */
  teamLevelsLost: Level[];
  snapshot: SnapshotRef & { engineVersion: string | null };
  previousSnapshot: SnapshotRef;
}

export interface EvidenceMissingData {
  cause: Cause;
  workload: string;
  environment: string;
  /** Controls that were decided (pass or fail) by the previous state and are `unknown` now. */
  controls: { id: string; title: string; before: 'pass' | 'fail'; decidedBy: ArtifactKind[] }[];
  snapshot: SnapshotRef & { engineVersion: string | null };
  previousSnapshot: SnapshotRef;
}

export interface WaiverExpiringData {
  /** As waiverTerms shows it. */
  waiver: WaiverTerms;
  expiresInHours: number;
  /** Workloads whose level rests on this waiver now: they lose these levels when it lapses. */
  relying: { workload: string; environment: string; levels: Level[] }[];
}

/** What the write path hands back after the state moved: the comparison's "before". */
export interface StateWatch {
  teamId: string;
  teamSlug: string;
  workload: string;
  environment: string;
  cause: Cause;
  targets: WebhookTarget[];
  previous: StateRow;
}

/**
 * Before a workload's latest state is replaced: reads (and locks) the state it replaces. Null
 * when nothing could be reported: no webhook of the team listens to this cause, or the workload
 * has no state yet (a first snapshot has nothing to regress from). Costs one query for teams
 * without webhooks.
 */
export async function watchWorkloadState(
  db: Db,
  key: { teamId: string; workload: string; environment: string },
  cause: Cause,
): Promise<StateWatch | null> {
  const { teamSlug, targets } = await webhookTargets(db, key.teamId);
  const listening = targets.filter((t) => cause === 'upload' || t.reevaluations);
  if (listening.length === 0) return null;
  const previous = await lockWorkloadState(db, key);
  if (!previous) return null;
  return { teamId: key.teamId, workload: key.workload, environment: key.environment, teamSlug, cause, targets: listening, previous };
}

/**
 * After the state moved (same transaction): compares it with what it replaced and queues a
 * delivery per event and listening webhook. `at` is the evaluation's moment: both sides are
 * judged with the waivers in force then, so an event reports what the new evidence changed.
 */
export async function recordStateChange(
  db: Db,
  watch: StateWatch,
  next: { snapshotId: string; observedAt: Date; engineVersion: string | null; statuses: Record<string, 'pass' | 'fail' | 'unknown'> },
  at: Date,
): Promise<number> {
  const prev = watch.previous;
  const waivers = await unrevokedWaiverRules(db, watch.teamId);
  const before = workloadVerdict(prev.statuses, waivers, watch.workload, watch.environment, at);
  const after = workloadVerdict(next.statuses, waivers, watch.workload, watch.environment, at);
  const common = {
    cause: watch.cause,
    workload: watch.workload,
    environment: watch.environment,
    snapshot: { ...snapshotRef(next.snapshotId, next.observedAt), engineVersion: next.engineVersion },
    previousSnapshot: snapshotRef(prev.snapshotId, prev.observedAt),
  };
  const rows: NewDelivery[] = [];

  const levelsLost = LEVELS.filter((l) => before.compliant[l] && !after.compliant[l]);
  if (levelsLost.length > 0) {
    const controls = CONTROL_META.flatMap((m, i) => {
      const b = before.statuses[i] ?? 'unknown';
      const a = after.statuses[i] ?? 'unknown';
      const relevant = m.levels.some((l) => levelsLost.includes(l));
      return relevant && isMet(b) && !isMet(a) ? [{ id: m.id, title: m.title, before: b, after: a }] : [];
    });
    const team = await teamSummary(db, watch, prev, waivers, at);
    const data: RegressionData = {
      ...common,
      levelsLost,
      levels: { before: before.compliant, after: after.compliant },
      controls,
      teamLevels: team,
      teamLevelsLost: LEVELS.filter((l) => allMeet(team[l].before) && !allMeet(team[l].after)),
    };
    rows.push(...deliveriesFor(watch.targets, envelope('level.regressed', watch.teamSlug, data, at), at));
  }

  const lostEvidence = CONTROL_META.flatMap((m) => {
    const b = prev.statuses[m.id];
    return (b === 'pass' || b === 'fail') && (next.statuses[m.id] ?? 'unknown') === 'unknown'
      ? [{ id: m.id, title: m.title, before: b, decidedBy: m.decidedBy }]
      : [];
  });
  if (lostEvidence.length > 0) {
    const data: EvidenceMissingData = { ...common, controls: lostEvidence };
    rows.push(...deliveriesFor(watch.targets, envelope('evidence.missing', watch.teamSlug, data, at), at));
  }
  return insertDeliveries(db, rows);
}

/**
 * The team's side of a regression: per level, how many of its workloads in the environment meet
 * it just before and after this change. Counted over every workload with a state there (the
 * write path does not know the configured staleness window, so stale ones count too).
 */
async function teamSummary(
  db: Db,
  watch: StateWatch,
  prev: StateRow,
  waivers: readonly WaiverRule[],
  at: Date,
): Promise<Record<Level, { before: LevelCounts; after: LevelCounts }>> {
  const states = await teamStates(db, watch.teamId, watch.environment);
  const empty = (): Record<Level, { before: LevelCounts; after: LevelCounts }> => ({
    L1: { before: { compliant: 0, total: 0 }, after: { compliant: 0, total: 0 } },
    L2: { before: { compliant: 0, total: 0 }, after: { compliant: 0, total: 0 } },
    L3: { before: { compliant: 0, total: 0 }, after: { compliant: 0, total: 0 } },
  });
  const out = empty();
  for (const s of states) {
    const now = workloadVerdict(s.statuses, waivers, s.workload, s.environment, at);
    const then = s.workload === watch.workload ? workloadVerdict(prev.statuses, waivers, s.workload, s.environment, at) : now;
    for (const l of LEVELS) {
      out[l].after.total++;
      out[l].before.total++;
      if (now.compliant[l]) out[l].after.compliant++;
      if (then.compliant[l]) out[l].before.compliant++;
    }
  }
  return out;
}

/**
 * The workloads that meet a level now only thanks to `waiver`: judged with all the team's waivers
 * in force at `at`, then without this one. What the team loses when it lapses.
 */
export function relyingOn(
  states: readonly Pick<StateRow, 'workload' | 'environment' | 'statuses'>[],
  waivers: readonly WaiverRule[],
  waiver: WaiverRule,
  at: Date,
): WaiverExpiringData['relying'] {
  const others = waivers.filter((w) => w.id !== waiver.id);
  return states.flatMap((s) => {
    const withIt = workloadVerdict(s.statuses, [...others, waiver], s.workload, s.environment, at);
    if (!withIt.waiversUsed.some((w) => w.id === waiver.id)) return [];
    const without = workloadVerdict(s.statuses, others, s.workload, s.environment, at);
    const levels = LEVELS.filter((l) => withIt.compliant[l] && !without.compliant[l]);
    return levels.length > 0 ? [{ workload: s.workload, environment: s.environment, levels }] : [];
  });
}

/** An event, ready to be queued for every webhook that listens to its type. */
export function envelope<T>(type: EventType, team: string, data: T, at: Date): EventEnvelope<T> {
  return { id: crypto.randomUUID(), type, createdAt: at.toISOString(), team, data };
}

/** One outbox row per target listening to the event's type; the body is the same bytes for each. */
export function deliveriesFor(
  targets: readonly Pick<WebhookTarget, 'id' | 'events'>[],
  event: EventEnvelope<unknown>,
  at: Date,
  dedupeKey: string | null = null,
): NewDelivery[] {
  const body = JSON.stringify(event);
  return targets
    .filter((t) => t.events.includes(event.type))
    .map((t) => ({
      id: crypto.randomUUID(),
      webhookId: t.id,
      event: event.type,
      body,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      dedupeKey,
    }));
}

/**
 * A new webhook secret: `whsec_` and 32 random bytes, base64url. The HMAC key is the whole
 * string's UTF-8 bytes, so receivers use it as given.
 */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...bytes));
  return `whsec_${b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

function snapshotRef(id: string, observedAt: Date): SnapshotRef {
  return { id, observedAt: observedAt.toISOString(), href: `/v1/snapshots/${id}` };
}

/** What counts toward a level (CONTROLS.md: pass, or fail covered by an active waiver). */
function isMet(s: Status): boolean {
  return s === 'pass' || s === 'waived';
}

function allMeet(c: LevelCounts): boolean {
  return c.total > 0 && c.compliant === c.total;
}
