import type { Db } from '../../db/client.ts';
import { findArtifacts, findControlResults, findSnapshot } from '../../db/queries/snapshots.ts';
import { listWaivers, toWaiverRule } from '../../db/queries/waivers.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { NotFound } from '../errors.ts';
import { snapshotView } from './snapshot-view.ts';

/** Loads one snapshot as the API shows it, with the waivers in force at `at`. */
export async function loadSnapshot(db: Db, id: string, at: Date): Promise<{ view: Snapshot; teamId: string }> {
  const row = await findSnapshot(db, id);
  if (!row) throw new NotFound(`no snapshot ${id}`);
  const [results, files, waivers] = await Promise.all([
    findControlResults(db, [id]),
    findArtifacts(db, id),
    listWaivers(db, row.teamId),
  ]);
  return { view: snapshotView(row, row.teamSlug, results, files, waivers.map(toWaiverRule), at), teamId: row.teamId };
}
