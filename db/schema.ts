/**
 * The single source of the tables. Migrations in db/migrations are generated from this file
 * by drizzle-kit (`npm run db:generate`) and serve PGlite and PostgreSQL alike, so keep to SQL
 * both accept.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { SnapshotRedactions } from '../workers/redact/index.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const teams = pgTable('teams', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The visible start of the key (`csvs_ab12cd34`), so a leaked key can be recognised in logs. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key, hex. The key itself is shown once and never stored. */
    hash: text('hash').notNull(),
    role: text('role', { enum: ['ingest', 'viewer', 'auditor', 'admin'] }).notNull(),
    teamId: uuid('team_id').references(() => teams.id),
    name: text('name').notNull(),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.hash)],
);

export const snapshots = pgTable(
  'snapshots',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    workload: text('workload').notNull(),
    environment: text('environment').notNull(),
    observedAt: ts('observed_at').notNull(),
    receivedAt: ts('received_at').notNull(),
    ci: jsonb('ci').$type<Record<string, string>>(),
    /** SHA-256 over the upload's meaning (workload, environment, observedAt if given, artifacts). */
    contentHash: text('content_hash').notNull(),
    idempotencyKey: text('idempotency_key'),
    status: text('status', { enum: ['pending', 'evaluated', 'failed'] }).notNull(),
    engineVersion: text('engine_version'),
    evaluatedAt: ts('evaluated_at'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    uploadedBy: uuid('uploaded_by'),
    /** What was redacted from the upload before storing it (kinds and locations, never values); null: uploaded before redaction. */
    redactions: jsonb('redactions').$type<SnapshotRedactions>(),
    /**
     * Containers this snapshot shows were accessed (exec sessions), for 3.10 in later snapshots
     * of the workload: `[{ containerId, at }]`. Null when none (or not evaluated yet).
     */
    accessed: jsonb('accessed').$type<{ containerId: string; at: string }[]>(),
    /** The upload's artifacts: shared by every upload of the same (redacted) artifacts. */
    setId: uuid('set_id')
      .notNull()
      .references(() => artifactSets.id),
    /** The verdict it is counted by; shared by uploads of the same set in the same context. Null until evaluated. */
    evaluationId: uuid('evaluation_id').references(() => evaluations.id),
  },
  (t) => [
    uniqueIndex('snapshots_idempotency_idx')
      .on(t.teamId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    // A team's uploads in time: listing (read backwards, newest first) and trends, which it covers —
    // everything a trend reads but the verdict, joined from the few evaluations snapshots share.
    // One index for both: each upload adds one entry here instead of two.
    index('snapshots_team_time_idx').on(t.teamId, t.observedAt, t.id, t.workload, t.environment, t.evaluationId),
    // In the order of `order by observed_at desc, id desc` (DESC means NULLS FIRST), so "the latest
    // snapshot as of a moment" reads the first matching entry instead of sorting the whole history.
    index('snapshots_team_workload_idx').on(t.teamId, t.workload, t.environment, t.observedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('snapshots_pending_idx')
      .on(t.receivedAt)
      .where(sql`${t.status} = 'pending'`),
    // Re-evaluation moves the snapshots of a verdict to its successor.
    index('snapshots_evaluation_idx').on(t.evaluationId),
    // The few snapshots that saw access, per workload in time: 3.10's history is read from here.
    index('snapshots_accessed_idx')
      .on(t.teamId, t.workload, t.environment, t.observedAt)
      .where(sql`${t.accessed} is not null`),
  ],
);

/**
 * Artifact texts (redacted), once per distinct content and team, addressed by the SHA-256 of the
 * text: an upload that repeats a file stores nothing new. Kept so that evaluations can be re-run
 * when the rules improve; RETAIN_ARTIFACTS_DAYS removes those no recent upload refers to.
 */
export const contents = pgTable(
  'contents',
  {
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    sha256: text('sha256').notNull(),
    /** Text as uploaded (redacted); JSON given inline is stored as its JSON text. */
    content: text('content').notNull(),
    size: integer('size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.sha256] })],
);

/** One stored artifact of a set: its kind, its name in the upload, its size and its content's SHA-256. */
export interface SetArtifact {
  kind: string;
  name: string;
  size: number;
  sha256: string;
}

/**
 * A distinct artifact set of a team: kinds, names and contents in upload order, addressed by a
 * hash over them. Uploads of the same artifacts share it.
 */
export const artifactSets = pgTable(
  'artifact_sets',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    hash: text('hash').notNull(),
    artifacts: jsonb('artifacts').$type<SetArtifact[]>().notNull(),
    /**
     * What redaction took from the upload that first brought this set (kinds and locations, never
     * values); an upload whose own record differs keeps its record on its snapshot row.
     */
    redactions: jsonb('redactions').$type<SnapshotRedactions>(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('artifact_sets_team_hash_idx').on(t.teamId, t.hash)],
);

/**
 * A verdict of the engine, stored once per artifact set, context (the workload, and for 3.10 the
 * containers earlier snapshots saw accessed) and engine version; snapshots refer to it.
 */
export const evaluations = pgTable(
  'evaluations',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    setId: uuid('set_id')
      .notNull()
      .references(() => artifactSets.id),
    engineVersion: text('engine_version').notNull(),
    /** SHA-256 over `context`; part of what the verdict is stored once for. */
    contextHash: text('context_hash').notNull(),
    context: jsonb('context').$type<EvaluationContextRecord>().notNull(),
    statuses: jsonb('statuses').$type<Record<string, 'pass' | 'fail' | 'unknown'>>().notNull(),
    evaluatedAt: ts('evaluated_at').notNull(),
  },
  (t) => [
    uniqueIndex('evaluations_set_idx').on(t.setId, t.engineVersion, t.contextHash),
    index('evaluations_version_idx').on(t.engineVersion),
    // A team's verdicts: a trend joins its window's snapshots to these few, not to every team's.
    index('evaluations_team_idx').on(t.teamId),
  ],
);

/** What an evaluation was made with besides the artifacts, so it can be made again. */
export interface EvaluationContextRecord {
  workload: string;
  environment: string;
  history: { containerId: string; seenAt: string; snapshotId: string }[];
}

/** One row per evaluation and control: the engine's verdict (waivers are applied when read). */
export const controlResults = pgTable(
  'control_results',
  {
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id, { onDelete: 'cascade' }),
    controlId: text('control_id').notNull(),
    status: text('status', { enum: ['pass', 'fail', 'unknown'] }).notNull(),
    findings: jsonb('findings').notNull(),
  },
  (t) => [primaryKey({ columns: [t.evaluationId, t.controlId] })],
);

/**
 * The latest evaluated snapshot of each workload and environment, kept in step by the writer,
 * so scorecards read one row per workload instead of scanning history.
 */
export const workloadState = pgTable(
  'workload_state',
  {
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    workload: text('workload').notNull(),
    environment: text('environment').notNull(),
    snapshotId: uuid('snapshot_id')
      .notNull()
      .references(() => snapshots.id),
    observedAt: ts('observed_at').notNull(),
    /** `{ "3.1": "pass", … }` as the engine decided (before waivers). */
    statuses: jsonb('statuses').$type<Record<string, 'pass' | 'fail' | 'unknown'>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.workload, t.environment] })],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    /** The API key that acted (`admin-env` for CSVS_ADMIN_KEY). */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    teamId: uuid('team_id'),
    target: text('target'),
    details: jsonb('details'),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

export const waivers = pgTable(
  'waivers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    controlId: text('control_id').notNull(),
    /** A workload name or a glob (`checkout-*`, `*`). */
    workloads: text('workloads').notNull(),
    environment: text('environment'),
    justification: text('justification').notNull(),
    approvedBy: text('approved_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (t) => [index('waivers_team_idx').on(t.teamId, t.controlId)],
);

/**
 * Dashboard sign-ins. The cookie carries a random token; only its SHA-256 is stored, with the
 * hash of the API key that signed in, so each request re-checks that key exactly as the API does
 * (revoking the key ends its sessions).
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    /** The API key's id (`admin-env` for CSVS_ADMIN_KEY). */
    keyId: text('key_id').notNull(),
    /** SHA-256 of the API key, as in api_keys.hash. */
    keyHash: text('key_hash').notNull(),
    role: text('role', { enum: ['ingest', 'viewer', 'auditor', 'admin'] }).notNull(),
    teamId: uuid('team_id').references(() => teams.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_idx').on(t.tokenHash), index('sessions_key_idx').on(t.keyId)],
);

/**
 * A team's webhook. The secret signs every delivery (HMAC-SHA256), so it is kept as generated:
 * signing needs the key itself, a hash would not do. It is shown once, when created.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    /** The event types it receives (`level.regressed`, `evidence.missing`, `waiver.expiring`). */
    events: jsonb('events').$type<string[]>().notNull(),
    /** Whether events caused by re-evaluating stored snapshots (a new engine) are sent too. */
    reevaluations: boolean('reevaluations').notNull().default(false),
    description: text('description'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Deleted webhooks stop receiving at once; their delivery log stays on record. */
    deletedAt: ts('deleted_at'),
    deletedBy: text('deleted_by'),
  },
  (t) => [index('webhooks_team_idx').on(t.teamId).where(sql`${t.deletedAt} is null`)],
);

/**
 * The outbox: one row per event and webhook, written in the transaction that caused the event,
 * sent later by the delivery job. `body` is the exact JSON sent, the same bytes on every attempt.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    event: text('event').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due; while one is in flight, the end of its lease. */
    nextAttemptAt: ts('next_attempt_at').notNull(),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
    /** Events that must go out once per webhook (a waiver's expiry) carry a key; others none. */
    dedupeKey: text('dedupe_key'),
  },
  (t) => [
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt.desc()),
    uniqueIndex('webhook_deliveries_dedupe_idx')
      .on(t.webhookId, t.dedupeKey)
      .where(sql`${t.dedupeKey} is not null`),
  ],
);

/** Every attempt at a delivery, as the delivery log shows it. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: ts('at').notNull(),
    /** The receiver's HTTP status; null when no response came (timeout, refused, DNS). */
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);
