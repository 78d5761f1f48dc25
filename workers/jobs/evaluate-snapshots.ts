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

/**
 * The Queue consumer's batch: every snapshot of the batch evaluated in ONE transaction, each in a
 * savepoint, so one that throws is marked failed and its neighbours still commit. Returns, per id,
 * whether it was evaluated, was gone or done already, or failed. Throws only when the transaction
 * itself fails (the database is unreachable): then nothing was stored and the batch is retried.
 */
export async function evaluateSnapshotsById(db: Db, ids: readonly string[], clock: () => Date): Promise<Map<string, 'evaluated' | 'gone' | 'failed'>> {
  return withTransaction(db, async (tx) => {
    const outcome = new Map<string, 'evaluated' | 'gone' | 'failed'>();
    for (const id of ids) {
      try {
        const done = await withTransaction(tx, async (sp) => {
          const row = await claimSnapshot(sp, id);
          if (!row) return false;
          await evaluateStored(sp, row, clock());
          return true;
        });
        outcome.set(id, done ? 'evaluated' : 'gone');
      } catch (e) {
        await markSnapshotFailed(tx, id, e instanceof Error ? e.message : String(e));
        outcome.set(id, 'failed');
      }
    }
    return outcome;
  });
}
