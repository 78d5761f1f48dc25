import type { Db } from '../../db/client.ts';
import { deleteContentsNotReferencedSince } from '../../db/queries/artifact-sets.ts';

const DAY_MS = 86_400_000;

/**
 * RETAIN_ARTIFACTS_DAYS: deletes the artifact texts that no snapshot younger than that refers to.
 * What was decided stays — verdicts, findings (the evidence attestations cite), artifact names,
 * sizes and hashes, and every snapshot of the history; re-evaluation leaves such verdicts as made.
 */
export async function pruneArtifactTexts(db: Db, retainDays: number, now: Date): Promise<number> {
  return deleteContentsNotReferencedSince(db, new Date(now.getTime() - retainDays * DAY_MS));
}
