/**
 * What attestations read beyond the workload states: each judged snapshot's identity (content
 * hash, engine version) and the results that decided something (fail / unknown; pass findings
 * decide nothing and would only bloat the read). Called per chunk of snapshot ids.
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { controlResults, snapshots } from '../schema.ts';

export interface SnapshotHead {
  id: string;
  contentHash: string;
  engineVersion: string | null;
}

export async function snapshotHeads(db: Db, ids: readonly string[]): Promise<SnapshotHead[]> {
  if (ids.length === 0) return [];
  return db
    .select({ id: snapshots.id, contentHash: snapshots.contentHash, engineVersion: snapshots.engineVersion })
    .from(snapshots)
    .where(inArray(snapshots.id, [...ids]));
}

export interface DecidingResult {
  snapshotId: string;
  controlId: string;
  status: string;
  findings: unknown;
}

/** The fail and unknown results of these snapshots (through their evaluations, by control_results' primary key). */
export async function decidingResults(db: Db, ids: readonly string[]): Promise<DecidingResult[]> {
  if (ids.length === 0) return [];
  return db
    .select({
      snapshotId: snapshots.id,
      controlId: controlResults.controlId,
      status: controlResults.status,
      findings: controlResults.findings,
    })
    .from(snapshots)
    .innerJoin(controlResults, eq(controlResults.evaluationId, snapshots.evaluationId))
    .where(and(inArray(snapshots.id, [...ids]), ne(controlResults.status, 'pass')));
}
