/**
 * A changed upload as one statement: its texts the team does not have yet, its artifact set (found
 * or made), its verdict (found when this set was judged in this context by this engine, else made
 * with its fifteen result rows), the snapshot row, and the workload's state moved to it — and back
 * the row and the team's waivers to answer with. One round trip instead of a transaction of ten,
 * prepared by the driver (its text never changes). PostgreSQL runs every data-modifying CTE to
 * completion whether or not the final select reads it.
 *
 * For teams without webhooks: one with webhooks takes the transaction in services/ingest.ts, which
 * locks the workload's state to compare it and queue events.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { jsonbText } from '../json.ts';
import type { SnapshotRedactions } from '../../workers/redact/index.ts';
import type { EvaluationContextRecord, SetArtifact } from '../schema.ts';
import { parseWaivers, rowsOf, snapshotFromJson, type UploadFields, waiversJson } from './rows.ts';
import { type SnapshotRow, type StoredResult, storedStatuses } from './snapshots.ts';
import type { WaiverRow } from './waivers.ts';

export interface ChangeInput {
  snapshot: UploadFields;
  texts: readonly { sha256: string; content: string; size: number }[];
  set: { id: string; hash: string; artifacts: SetArtifact[]; redactions: SnapshotRedactions };
  /** Null for an upload stored for the background (async): pending, no verdict, the state stays. */
  verdict: {
    id: string;
    contextHash: string;
    context: EvaluationContextRecord;
    result: StoredResult;
    evaluatedAt: Date;
    accessed: SnapshotRow['accessed'];
  } | null;
}

export type Change =
  | { outcome: 'stored'; row: SnapshotRow; waivers: WaiverRow[] }
  /** The Idempotency-Key was already used (no snapshot written). */
  | { outcome: 'key-taken' }
  /**
   * Another upload was storing the same set or verdict at the same moment: this statement could
   * not see it yet and wrote no snapshot. Running it again finds it.
   */
  | { outcome: 'retry' };

export async function recordChange(db: Db, c: ChangeInput): Promise<Change> {
  const s = c.snapshot;
  const v = c.verdict;
  const results = v ? v.result.controls.map((ctl) => ({ control_id: ctl.id, findings: ctl.findings })) : [];
  const result = await db.execute(sql`
with input as (
  select ${s.id}::uuid as id, ${s.teamId}::uuid as team_id, ${s.workload}::text as workload, ${s.environment}::text as environment,
    ${s.observedAt.toISOString()}::timestamptz as observed_at, ${s.receivedAt.toISOString()}::timestamptz as received_at,
    ${s.ci ? jsonbText(s.ci) : null}::jsonb as ci, ${s.contentHash}::text as content_hash,
    ${s.idempotencyKey}::text as idempotency_key, ${s.uploadedBy}::uuid as uploaded_by,
    ${jsonbText(c.set.redactions)}::jsonb as redactions, ${v !== null}::boolean as judged,
    ${v ? v.result.engineVersion : null}::text as engine_version, ${v ? v.contextHash : null}::text as context_hash
),
texts as (
  insert into contents (team_id, sha256, content, size)
  select i.team_id, t.sha256, t.content, t.size
  from input i cross join jsonb_to_recordset(${jsonbText(c.texts)}::jsonb) as t(sha256 text, content text, size int)
  on conflict do nothing
  returning 1
),
made_set as (
  insert into artifact_sets (id, team_id, hash, artifacts, redactions, created_at)
  select ${c.set.id}::uuid, i.team_id, ${c.set.hash}::text, ${jsonbText(c.set.artifacts)}::jsonb, i.redactions, i.received_at from input i
  on conflict do nothing
  returning id, redactions
),
the_set as (
  select id, redactions from made_set
  union all
  select a.id, a.redactions from artifact_sets a join input i on a.team_id = i.team_id
  where a.hash = ${c.set.hash}::text and not exists (select 1 from made_set)
),
made_verdict as (
  insert into evaluations (id, team_id, set_id, engine_version, context_hash, context, statuses, evaluated_at)
  select ${v?.id ?? null}::uuid, i.team_id, st.id, i.engine_version, i.context_hash, ${v ? jsonbText(v.context) : null}::jsonb,
    ${v ? jsonbText(storedStatuses(v.result)) : null}::jsonb, ${v ? v.evaluatedAt.toISOString() : null}::timestamptz
  from input i cross join the_set st where i.judged
  on conflict do nothing
  returning id, engine_version, evaluated_at, statuses
),
result_rows as (
  insert into control_results (evaluation_id, control_id, status, findings)
  select e.id, r.control_id, e.statuses->>r.control_id, r.findings
  from made_verdict e cross join jsonb_to_recordset(${jsonbText(results)}::jsonb) as r(control_id text, findings jsonb)
  returning 1
),
the_verdict as (
  select id, engine_version, evaluated_at, statuses from made_verdict
  union all
  select e.id, e.engine_version, e.evaluated_at, e.statuses from evaluations e join input i on true join the_set st on e.set_id = st.id
  where e.engine_version = i.engine_version and e.context_hash = i.context_hash and not exists (select 1 from made_verdict)
),
ready as (
  select st.id as set_id, st.redactions as set_redactions, ev.id as evaluation_id, ev.engine_version, ev.evaluated_at, ev.statuses
  from input i cross join the_set st left join the_verdict ev on true
  where not i.judged or ev.id is not null
),
snap as (
  insert into snapshots (id, team_id, workload, environment, observed_at, received_at, ci, content_hash, idempotency_key,
    status, engine_version, evaluated_at, uploaded_by, redactions, accessed, set_id, evaluation_id)
  select i.id, i.team_id, i.workload, i.environment, i.observed_at, i.received_at, i.ci, i.content_hash, i.idempotency_key,
    case when i.judged then 'evaluated' else 'pending' end, r.engine_version, r.evaluated_at, i.uploaded_by,
    case when r.set_redactions = i.redactions then null else i.redactions end,
    ${v?.accessed ? jsonbText(v.accessed) : null}::jsonb, r.set_id, r.evaluation_id
  from input i cross join ready r
  on conflict do nothing
  returning *
),
moved as (
  insert into workload_state (team_id, workload, environment, snapshot_id, observed_at, statuses)
  select snap.team_id, snap.workload, snap.environment, snap.id, snap.observed_at, r.statuses
  from snap cross join ready r where snap.status = 'evaluated'
  on conflict (team_id, workload, environment) do update
    set snapshot_id = excluded.snapshot_id, observed_at = excluded.observed_at, statuses = excluded.statuses
    where workload_state.observed_at < excluded.observed_at
       or (workload_state.observed_at = excluded.observed_at and workload_state.snapshot_id = excluded.snapshot_id)
  returning 1
)
select
  exists (select 1 from ready) as ready,
  (select row_to_json(snap)::text from snap) as inserted,
  case when exists (select 1 from snap) then ${waiversJson(sql`(select team_id from input)`)} end as waivers
`);
  const [r] = rowsOf(result);
  if (!r) throw new Error('the change statement returned no row');
  if (r.ready !== true) return { outcome: 'retry' };
  if (typeof r.inserted !== 'string') return { outcome: 'key-taken' };
  return { outcome: 'stored', row: snapshotFromJson(r.inserted), waivers: parseWaivers(r.waivers) };
}
