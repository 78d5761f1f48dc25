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
} from '../db/queries/snapshots.ts';
import { type Cause, recordStateChange, watchWorkloadState } from './notifications.ts';

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
export async function storeEvaluation(db: Db, row: SnapshotRow, result: StoredResult, evaluatedAt: Date): Promise<SnapshotRow> {
  const current = await markSnapshotEvaluated(db, row, result, evaluatedAt);
  await recordVerdict(db, current, result, row.status === 'evaluated' ? 're-evaluation' : 'upload', { replacing: true });
  return current;
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
