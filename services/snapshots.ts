import { groupBy } from './collections.ts';
import type { Db } from '../db/client.ts';
import { findArtifactSets } from '../db/queries/artifact-sets.ts';
import {
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
  const [results, sets, waivers] = await Promise.all([
    findControlResults(db, row.evaluationId ? [row.evaluationId] : []),
    findArtifactSets(db, [row.setId]),
    listWaivers(db, row.teamId),
  ]);
  return { view: snapshotView(row, row.teamSlug, results, sets[0] ?? null, waivers.map(toWaiverRule), at), teamId: row.teamId };
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
  const evaluationIds = rows.flatMap((r) => (r.evaluationId ? [r.evaluationId] : []));
  const [results, sets, waivers] = await Promise.all([
    findControlResults(db, evaluationIds),
    findArtifactSets(db, rows.map((r) => r.setId)),
    listWaivers(db, team.id),
  ]);
  const rules = waivers.map(toWaiverRule);
  const resultsOf = groupBy(results, (r) => r.evaluationId);
  const setOf = new Map(sets.map((set) => [set.id, set]));
  const views = rows.map((row) =>
    snapshotView(row, team.slug, (row.evaluationId && resultsOf.get(row.evaluationId)) || [], setOf.get(row.setId) ?? null, rules, at),
  );
  return { rows, views };
}

