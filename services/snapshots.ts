import type { Db } from '../db/client.ts';
import {
  findArtifactSummaries,
  findArtifacts,
  findControlResults,
  findSnapshot,
  listSnapshots,
  type SnapshotFilter,
  type SnapshotRow,
} from '../db/queries/snapshots.ts';
import { listWaivers, toWaiverRule } from '../db/queries/waivers.ts';
import type { Snapshot } from './schemas/snapshot.ts';
import { NotFound } from './errors.ts';
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

/**
 * Snapshots matching a filter as the API shows them (waivers in force at `at` applied): three
 * queries for the whole page, whatever its length. Also returns the rows, for paging cursors.
 */
export async function loadSnapshotViews(
  db: Db,
  team: { id: string; slug: string },
  filter: Omit<SnapshotFilter, 'teamId'>,
  at: Date,
): Promise<{ rows: SnapshotRow[]; views: Snapshot[] }> {
  const rows = await listSnapshots(db, { ...filter, teamId: team.id });
  const ids = rows.map((r) => r.id);
  const [results, files, waivers] = await Promise.all([
    findControlResults(db, ids),
    findArtifactSummaries(db, ids),
    listWaivers(db, team.id),
  ]);
  const rules = waivers.map(toWaiverRule);
  const views = rows.map((row) => {
    const own = <T extends { snapshotId: string }>(list: T[]) => list.filter((x) => x.snapshotId === row.id);
    return snapshotView(row, team.slug, own(results), own(files), rules, at);
  });
  return { rows, views };
}
