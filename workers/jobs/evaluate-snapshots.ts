import type { Db } from '../../db/client.ts';
import {
  claimPendingSnapshots,
  claimSnapshot,
  findArtifacts,
  markSnapshotFailed,
  type SnapshotRow,
  storeEvaluation,
} from '../../db/queries/snapshots.ts';
import { evaluate } from '../engine/evaluate.ts';
import type { ArtifactKind } from '../engine/evidence.ts';

/** Evaluates one stored snapshot from its stored artifacts, inside the caller's transaction. */
async function evaluateStored(tx: Db, row: SnapshotRow, now: Date): Promise<void> {
  const files = await findArtifacts(tx, row.id);
  const result = evaluate({
    workload: row.workload,
    artifacts: files.map((f) => ({ kind: f.kind as ArtifactKind, name: f.name, content: f.content })),
  });
  await storeEvaluation(tx, row, result, now);
}

/**
 * Claims and evaluates up to `limit` pending snapshots in one transaction. The row locks are
 * held until commit, so a crash leaves them pending for the next claim; SKIP LOCKED keeps two
 * instances from evaluating the same snapshot. Returns how many were evaluated.
 */
export async function evaluatePendingBatch(db: Db, clock: () => Date, limit = 20): Promise<number> {
  return db.transaction(async (tx) => {
    const claimed = await claimPendingSnapshots(tx as unknown as Db, limit);
    for (const row of claimed) await evaluateStored(tx as unknown as Db, row, clock());
    return claimed.length;
  });
}

/** The Queue consumer's path: evaluate one snapshot by id; false when it is gone or done already. */
export async function evaluateSnapshotById(db: Db, id: string, clock: () => Date): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      const row = await claimSnapshot(tx as unknown as Db, id);
      if (!row) return false;
      await evaluateStored(tx as unknown as Db, row, clock());
      return true;
    });
  } catch (e) {
    await markSnapshotFailed(db, id, e instanceof Error ? e.message : String(e));
    throw e;
  }
}

