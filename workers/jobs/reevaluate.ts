import { type Db, withTransaction } from '../../db/client.ts';
import { snapshotsNotEvaluatedBy } from '../../db/queries/snapshots.ts';
import { evaluateStored } from '../../services/evaluations.ts';
import { ENGINE_VERSION } from '../engine/version.ts';

/**
 * Re-evaluates stored snapshots from their stored artifacts with the current engine. With
 * `all`, every evaluated snapshot; otherwise those evaluated by another engine version.
 */
export async function reevaluateOutdated(
  db: Db,
  options: { all: boolean; batchSize: number; onProgress?: (done: number) => void },
): Promise<number> {
  // With --all, a version that no snapshot carries selects them all.
  const version = options.all ? '' : ENGINE_VERSION;
  let done = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await snapshotsNotEvaluatedBy(db, version, options.batchSize, after);
    if (batch.length === 0) return done;
    for (const row of batch) {
      await withTransaction(db, (tx) => evaluateStored(tx, row, new Date()));
      done += 1;
    }
    after = batch[batch.length - 1]?.id;
    options.onProgress?.(done);
  }
}
