/**
 * Verdicts: evaluating a snapshot in its workload's context, storing the verdict once per artifact
 * set, context and engine version, and moving the workload's state (with the webhook events the
 * change causes) when a snapshot is counted by it.
 */
import { type Db, withTransaction } from '../db/client.ts';
import { findSetArtifacts } from '../db/queries/artifact-sets.ts';
import { evaluationsToRedo, findOrCreateEvaluation, replaceEvaluation } from '../db/queries/evaluations.ts';
import {
  type EvaluationRow,
  type AccessSighting,
  findAccessHistory,
  markSnapshotEvaluated,
  moveWorkloadState,
  repointSnapshots,
  type SnapshotRow,
  type StoredResult,
} from '../db/queries/snapshots.ts';
import type { EvaluationContextRecord } from '../db/schema.ts';
import { accessedContainers, needsHistory } from '../workers/controls/3.10-replaced-after-access.ts';
import { evaluateEvidence } from '../workers/engine/evaluate.ts';
import { buildEvidence } from '../workers/engine/parse.ts';
import { ENGINE_VERSION } from '../workers/engine/version.ts';
import type { ArtifactKind, Evidence } from '../workers/model/evidence.ts';
import type { EvaluationResult } from '../workers/model/result.ts';
import { sha256Hex } from './hashing.ts';
import { type Cause, recordStateChange, watchWorkloadState } from './notifications.ts';

export interface Verdict {
  result: EvaluationResult;
  /** What besides the artifacts the verdict was made with (stored with it, to make it again). */
  context: EvaluationContextRecord;
  /** The containers this snapshot shows were accessed, kept for 3.10 in later snapshots. */
  accessed: SnapshotRow['accessed'];
}

/**
 * Evaluates a snapshot of a workload: its own evidence, and for 3.10 the containers earlier
 * snapshots of the same workload saw accessed ("across snapshots" in CONTROLS.md). Costs one
 * indexed query, and only for snapshots that show Docker containers.
 */
export async function evaluateSnapshot(
  db: Db,
  key: { teamId: string; workload: string; environment: string },
  observedAt: Date,
  evidence: Evidence,
  /** The history when already read (by the statement that found the upload changed). */
  known?: AccessSighting[],
): Promise<Verdict> {
  const history = needsHistory(evidence) ? (known ?? (await findAccessHistory(db, key, observedAt))) : [];
  const context = { workload: key.workload, environment: key.environment, history };
  const result = evaluateEvidence(evidence, context);
  const accessed = accessedContainers(evidence, observedAt);
  return { result, context, accessed: accessed.length > 0 ? accessed : null };
}

/** What a verdict's context is found by: the same set judged in the same context is judged once. */
export function contextHash(verdict: Pick<Verdict, 'context'>): string {
  return sha256Hex(JSON.stringify(verdict.context));
}

/** The stored evaluation for this verdict of this set (made now when new). */
export async function storeVerdict(db: Db, teamId: string, setId: string, verdict: Verdict, evaluatedAt: Date): Promise<EvaluationRow> {
  const { evaluation } = await findOrCreateEvaluation(
    db,
    { id: crypto.randomUUID(), teamId, setId, contextHash: contextHash(verdict), context: verdict.context, evaluatedAt },
    verdict.result,
  );
  return evaluation;
}

/**
 * Evaluates a stored, pending snapshot from its stored (redacted) artifacts and counts it by the
 * verdict: the background evaluation of async uploads. Call it inside a transaction.
 */
export async function evaluateStored(db: Db, row: SnapshotRow, now: Date): Promise<SnapshotRow> {
  const files = await findSetArtifacts(db, row.setId);
  const missing = files.find((f) => f.content === null);
  if (missing) throw new Error(`the text of artifact ${missing.name} is no longer kept (RETAIN_ARTIFACTS_DAYS)`);
  const evidence = buildEvidence(files.map((f) => ({ kind: f.kind as ArtifactKind, name: f.name, content: f.content })));
  const verdict = await evaluateSnapshot(db, row, row.observedAt, evidence);
  const evaluation = await storeVerdict(db, row.teamId, row.setId, verdict, now);
  const current = await markSnapshotEvaluated(db, row, evaluation, verdict.accessed);
  await countVerdict(db, current, evaluation.statuses, row.status === 'evaluated' ? 're-evaluation' : 'upload');
  return current;
}

/**
 * Re-evaluates with the current engine every verdict made by another one (all with `all`): each
 * distinct artifact set and context once, however many snapshots share it. Snapshots counted by
 * the old verdict are counted by the new one, and workloads whose state they are move with them
 * (notifying as a re-evaluation). Returns how many evaluations were redone.
 */
export async function reevaluateOutdated(
  db: Db,
  options: { all: boolean; batchSize: number; teamId?: string; onProgress?: (done: number) => void; clock?: () => Date },
): Promise<number> {
  const clock = options.clock ?? (() => new Date());
  let done = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await evaluationsToRedo(db, ENGINE_VERSION, { all: options.all, limit: options.batchSize, afterId: after, teamId: options.teamId });
    if (batch.length === 0) return done;
    for (const old of batch) {
      await withTransaction(db, (tx) => redo(tx, old, clock()));
      done += 1;
    }
    after = batch[batch.length - 1]?.id;
    options.onProgress?.(done);
  }
}

async function redo(db: Db, old: EvaluationRow, now: Date): Promise<void> {
  const files = await findSetArtifacts(db, old.setId);
  // Texts removed by retention: the verdict stays as it was made.
  if (files.some((f) => f.content === null)) return;
  const evidence = buildEvidence(files.map((f) => ({ kind: f.kind as ArtifactKind, name: f.name, content: f.content })));
  await supersedeEvaluation(db, old, evaluateEvidence(evidence, old.context), now);
}

/**
 * A new verdict for the artifact set and context of `old` (a newer engine's): the snapshots
 * counted by `old` are counted by it from now on, and the workload states among them move, with
 * the webhook events a re-evaluation causes. Call it inside a transaction.
 */
export async function supersedeEvaluation(db: Db, old: EvaluationRow, result: StoredResult, now: Date): Promise<void> {
  const next =
    result.engineVersion === old.engineVersion
      ? await replaceEvaluation(db, old.id, result, now)
      : (await findOrCreateEvaluation(db, { id: crypto.randomUUID(), teamId: old.teamId, setId: old.setId, contextHash: old.contextHash, context: old.context, evaluatedAt: now }, result)).evaluation;
  for (const row of await repointSnapshots(db, old.id, next)) await countVerdict(db, row, next.statuses, 're-evaluation');
}

/**
 * Counts a snapshot by its verdict: moves the workload's latest state to it (unless a newer
 * observation holds it) and, for teams with webhooks, queues the events the change causes — in
 * the caller's transaction, so they are recorded if and only if the state change commits.
 */
export async function countVerdict(db: Db, row: SnapshotRow, statuses: Record<string, 'pass' | 'fail' | 'unknown'>, cause: Cause): Promise<void> {
  const watch = await watchWorkloadState(db, row, cause);
  const moved = await moveWorkloadState(db, row, statuses);
  if (watch && moved) await recordStateChange(db, watch, { ...row, snapshotId: row.id, statuses }, row.evaluatedAt ?? new Date());
}

export type { StoredResult };
