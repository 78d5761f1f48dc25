import { type Db, withTransaction } from '../../db/client.ts';
import { claimPendingSnapshots, claimSnapshot, markSnapshotFailed } from '../../db/queries/snapshots.ts';
import { evaluateStored } from '../../services/evaluations.ts';

/**
 * Claims and evaluates up to `limit` pending snapshots in one transaction. The row locks are
 * held until commit, so a crash leaves them pending for the next claim; SKIP LOCKED keeps two
 * instances from evaluating the same snapshot. Returns how many were claimed.
 */
export async function evaluatePendingBatch(db: Db, clock: () => Date, limit = 20): Promise<number> {
  return withTransaction(db, async (tx) => {
    const claimed = await claimPendingSnapshots(tx, limit);
    for (const row of claimed) {
      // Each in a savepoint: one snapshot that throws is marked failed, as the single path does,
      // instead of rolling back its neighbours and being claimed again on every poll.
      try {
        await withTransaction(tx, (sp) => evaluateStored(sp, row, clock()));
      } catch (e) {
        await markSnapshotFailed(tx, row.id, e instanceof Error ? e.message : String(e));
      }
    }
    return claimed.length;
  });
}

/** The Queue consumer's path: evaluate one snapshot by id; false when it is gone or done already. */
export async function evaluateSnapshotById(db: Db, id: string, clock: () => Date): Promise<boolean> {
  try {
    return await withTransaction(db, async (tx) => {
      const row = await claimSnapshot(tx, id);
      if (!row) return false;
      await evaluateStored(tx, row, clock());
      return true;
    });
  } catch (e) {
    await markSnapshotFailed(db, id, e instanceof Error ? e.message : String(e));
    throw e;
  }
}

