/**
 * An unchanged upload as one statement: find the workload's latest state, check that the upload's
 * artifact set and engine version are the ones it was judged by, insert the snapshot row that
 * refers to that verdict, move the state forward, and return the verdict's result rows and the
 * team's waivers (to answer without reading back) — one round trip, prepared by the driver
 * because its text never changes.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { jsonbText } from '../json.ts';
import type { SnapshotRedactions } from '../../workers/redact/index.ts';
import type { ArtifactSetRow } from './artifact-sets.ts';
import { ACCESS_HISTORY_LIMIT, type AccessSighting, type ControlResultRow, type SnapshotRow } from './snapshots.ts';
import type { WaiverRow } from './waivers.ts';
import { parseWaivers, rowsOf, type UploadFields, waiversJson } from './rows.ts';

export interface ObservationInput extends UploadFields {
  setHash: string;
  engineVersion: string;
  redactions: SnapshotRedactions;
}

export type Observation =
  /**
   * The latest state is another set, another engine, newer, or there is none: evaluate, with the
   * containers earlier snapshots of the workload saw accessed (3.10's history, read in the same trip).
   */
  | { outcome: 'changed'; history: AccessSighting[]; watched: boolean }
  /** The team has webhooks: the state change must be watched in a transaction (nothing was written). */
  | { outcome: 'watched' }
  /** The Idempotency-Key was already used (nothing was written). */
  | { outcome: 'key-taken' }
  | {
      outcome: 'observed';
      row: SnapshotRow;
      set: Pick<ArtifactSetRow, 'artifacts' | 'redactions'>;
      results: ControlResultRow[];
      waivers: WaiverRow[];
    };

export async function recordObservation(db: Db, i: ObservationInput): Promise<Observation> {
  const result = await db.execute(sql`
with input as (
  select ${i.id}::uuid as id, ${i.teamId}::uuid as team_id, ${i.workload}::text as workload, ${i.environment}::text as environment,
    ${i.observedAt.toISOString()}::timestamptz as observed_at, ${i.receivedAt.toISOString()}::timestamptz as received_at,
    ${i.ci ? jsonbText(i.ci) : null}::jsonb as ci, ${i.contentHash}::text as content_hash,
    ${i.idempotencyKey}::text as idempotency_key, ${i.uploadedBy}::uuid as uploaded_by, ${i.setHash}::text as set_hash,
    ${i.engineVersion}::text as engine_version, ${jsonbText(i.redactions)}::jsonb as redactions
),
latest as (
  select s.set_id, s.evaluation_id, s.engine_version, s.evaluated_at, s.accessed, a.redactions as set_redactions, a.artifacts
  from input i
  join workload_state ws on ws.team_id = i.team_id and ws.workload = i.workload and ws.environment = i.environment
  join snapshots s on s.id = ws.snapshot_id
  join artifact_sets a on a.id = s.set_id
  where a.hash = i.set_hash and s.engine_version = i.engine_version and s.evaluation_id is not null and ws.observed_at <= i.observed_at
),
watched as (
  select 1 from webhooks w join input i on w.team_id = i.team_id where w.deleted_at is null limit 1
),
snap as (
  insert into snapshots (id, team_id, workload, environment, observed_at, received_at, ci, content_hash, idempotency_key,
    status, engine_version, evaluated_at, uploaded_by, redactions, accessed, set_id, evaluation_id)
  select i.id, i.team_id, i.workload, i.environment, i.observed_at, i.received_at, i.ci, i.content_hash, i.idempotency_key,
    'evaluated', l.engine_version, l.evaluated_at, i.uploaded_by,
    case when l.set_redactions = i.redactions then null else i.redactions end, l.accessed, l.set_id, l.evaluation_id
  from input i cross join latest l
  where not exists (select 1 from watched)
  on conflict do nothing
  returning id, engine_version, evaluated_at, redactions, accessed, set_id, evaluation_id
),
moved as (
  update workload_state ws set snapshot_id = snap.id, observed_at = i.observed_at
  from input i cross join snap
  where ws.team_id = i.team_id and ws.workload = i.workload and ws.environment = i.environment and ws.observed_at <= i.observed_at
  returning 1
)
select
  exists (select 1 from latest) as matched,
  exists (select 1 from watched) as watched,
  (select row_to_json(snap)::text from snap) as inserted,
  (select json_build_object('artifacts', l.artifacts, 'redactions', l.set_redactions)::text from latest l) as set,
  (select coalesce(json_agg(json_build_object('evaluationId', cr.evaluation_id, 'controlId', cr.control_id, 'status', cr.status, 'findings', cr.findings)), '[]')::text
     from control_results cr join snap on cr.evaluation_id = snap.evaluation_id) as results,
  case when exists (select 1 from snap) then ${waiversJson(sql`(select team_id from input)`)} end as waivers,
  (select coalesce(json_agg(json_build_object('containerId', x.item->>'containerId', 'seenAt', x.item->>'at', 'snapshotId', h.id)
      order by h.observed_at desc, x.n), '[]')::text
     from (select s.id, s.accessed, s.observed_at from snapshots s join input i
             on s.team_id = i.team_id and s.workload = i.workload and s.environment = i.environment
           where s.observed_at < i.observed_at and s.accessed is not null and not exists (select 1 from latest)
           order by s.observed_at desc limit ${ACCESS_HISTORY_LIMIT}) h
     cross join lateral jsonb_array_elements(h.accessed) with ordinality as x(item, n)) as history
`);
  const [r] = rowsOf(result);
  if (!r) throw new Error('the observation statement returned no row');
  if (r.matched !== true) return { outcome: 'changed', history: JSON.parse(String(r.history)) as AccessSighting[], watched: r.watched === true };
  if (r.watched === true) return { outcome: 'watched' };
  if (typeof r.inserted !== 'string') return { outcome: 'key-taken' };
  const inserted = JSON.parse(r.inserted) as Record<string, unknown>;
  const set = JSON.parse(String(r.set)) as Pick<ArtifactSetRow, 'artifacts' | 'redactions'>;
  const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(String(v)));
  const row: SnapshotRow = {
    id: i.id,
    teamId: i.teamId,
    workload: i.workload,
    environment: i.environment,
    observedAt: i.observedAt,
    receivedAt: i.receivedAt,
    ci: i.ci,
    contentHash: i.contentHash,
    idempotencyKey: i.idempotencyKey,
    status: 'evaluated',
    engineVersion: String(inserted.engine_version),
    evaluatedAt: date(inserted.evaluated_at),
    attempts: 0,
    error: null,
    uploadedBy: i.uploadedBy,
    redactions: (inserted.redactions ?? null) as SnapshotRow['redactions'],
    accessed: (inserted.accessed ?? null) as SnapshotRow['accessed'],
    setId: String(inserted.set_id),
    evaluationId: String(inserted.evaluation_id),
  };
  const waivers = parseWaivers(r.waivers);
  return { outcome: 'observed', row, set, results: JSON.parse(String(r.results)) as ControlResultRow[], waivers };
}
