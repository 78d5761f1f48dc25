import { type Db, withTransaction } from '../db/client.ts';
import type { artifacts, snapshots } from '../db/schema.ts';
import {
  insertSnapshotRow,
  markSnapshotEvaluated,
  moveWorkloadState,
  replaceControlResults,
  type SnapshotRow,
  type StoredResult,
  storedStatuses,
  findAccessHistory,
  findArtifacts,
} from '../db/queries/snapshots.ts';
import { accessedContainers, needsHistory } from '../workers/controls/3.10-replaced-after-access.ts';
import { evaluateEvidence } from '../workers/engine/evaluate.ts';
import type { ArtifactKind, Evidence } from '../workers/model/evidence.ts';
import { buildEvidence } from '../workers/engine/parse.ts';
import type { EvaluationResult } from '../workers/model/result.ts';
import { type Cause, recordStateChange, watchWorkloadState } from './notifications.ts';

export interface Verdict {
  result: EvaluationResult;
  /** The containers this snapshot shows were accessed, kept for 3.10 in later snapshots. */
  accessed: SnapshotRow['accessed'];
}

/**
 * Evaluates a snapshot of a workload: its own evidence, and for 3.10 the containers earlier
 * snapshots of the same workload saw accessed ("across snapshots" in CONTROLS.md). Costs one
 * indexed query, and only for snapshots that show Docker containers.
 */
export async function evaluateSnapshot(
  db: Db,
  key: { teamId: string; workload: string; environment: string },
  observedAt: Date,
  evidence: Evidence,
): Promise<Verdict> {
  const history = needsHistory(evidence) ? await findAccessHistory(db, key, observedAt) : [];
  const result = evaluateEvidence(evidence, { workload: key.workload, history });
  const accessed = accessedContainers(evidence, observedAt);
  return { result, accessed: accessed.length > 0 ? accessed : null };
}

/**
 * Stores an upload: the snapshot and its artifacts and, when it was evaluated inline, its
 * verdict — all in one transaction. Null when the team's Idempotency-Key was already used.
 */
export async function storeSnapshot(
  db: Db,
  snapshot: typeof snapshots.$inferInsert,
  files: Omit<typeof artifacts.$inferInsert, 'snapshotId'>[],
  result: StoredResult | null,
  evaluatedAt: Date,
): Promise<SnapshotRow | null> {
  return withTransaction(db, async (tx) => {
    const row = await insertSnapshotRow(tx, snapshot, files, result ? { result, evaluatedAt } : null);
    if (row && result) await recordVerdict(tx, row, result, 'upload');
    return row;
  });
}

/**
 * Stores the verdict of a snapshot evaluated after it was stored (in the background, or again
 * by a newer engine). Call it inside a transaction: the verdict, the state and any webhook
 * event commit together.
 */
export async function storeEvaluation(
  db: Db,
  row: SnapshotRow,
  result: StoredResult,
  evaluatedAt: Date,
  accessed: SnapshotRow['accessed'] = row.accessed,
): Promise<SnapshotRow> {
  const current = await markSnapshotEvaluated(db, row, result, evaluatedAt, accessed);
  await recordVerdict(db, current, result, row.status === 'evaluated' ? 're-evaluation' : 'upload', { replacing: true });
  return current;
}

/**
 * Evaluates a stored snapshot from its stored (redacted) artifacts with the current engine and
 * stores the verdict: the background evaluation of async uploads, and re-evaluation after a rule
 * change. Call it inside a transaction.
 */
export async function evaluateStored(db: Db, row: SnapshotRow, now: Date): Promise<SnapshotRow> {
  const files = await findArtifacts(db, row.id);
  const evidence = buildEvidence(files.map((f) => ({ kind: f.kind as ArtifactKind, name: f.name, content: f.content })));
  const { result, accessed } = await evaluateSnapshot(db, row, row.observedAt, evidence);
  return storeEvaluation(db, row, result, now, accessed);
}

/**
 * Store a verdict, move the workload's state, notice the change: the result rows, the
 * workload's latest state (unless a newer observation holds it) and, for teams with webhooks,
 * the events the change causes — queued in the caller's transaction, so they are recorded if and
 * only if the state change commits.
 */
async function recordVerdict(db: Db, row: SnapshotRow, result: StoredResult, cause: Cause, options: { replacing?: boolean } = {}): Promise<void> {
  await replaceControlResults(db, row.id, result, options.replacing ?? false);
  const statuses = storedStatuses(result);
  const watch = await watchWorkloadState(db, row, cause);
  const moved = await moveWorkloadState(db, row, statuses);
  if (watch && moved) await recordStateChange(db, watch, { ...row, snapshotId: row.id, statuses }, row.evaluatedAt ?? new Date());
}
