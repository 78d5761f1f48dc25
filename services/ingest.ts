import { withTransaction } from '../db/client.ts';
import { findOrCreateArtifactSet, insertContents } from '../db/queries/artifact-sets.ts';
import type { ArtifactSetRow } from '../db/queries/artifact-sets.ts';
import { recordObservation } from '../db/queries/observations.ts';
import { type ControlResultRow, findReusableState, findSnapshotByIdempotencyKey, insertSnapshot, type SnapshotRow } from '../db/queries/snapshots.ts';
import type { WaiverRow } from '../db/queries/waivers.ts';
import { ENGINE_VERSION } from '../workers/engine/version.ts';
import { contextHash, countVerdict, evaluateSnapshot, storeVerdict } from './evaluations.ts';
import { recordChange } from '../db/queries/changes.ts';
import { withoutNul } from '../db/json.ts';
import { sha256Hex } from './hashing.ts';
import { storableJson, storableText } from './schemas/fields.ts';
import type { TeamRef } from './deps.ts';
import type { EvaluationResult } from '../workers/model/result.ts';
import type { ArtifactInput } from '../workers/model/artifacts.ts';
import { artifactNames } from '../workers/engine/kinds.ts';
import { buildEvidence, unreadableArtifacts, unreadableSummary } from '../workers/engine/parse.ts';
import type { ArtifactKind } from '../workers/model/evidence.ts';
import type { Principal, ServiceDeps } from './deps.ts';
import { IdempotencyMismatch, InvalidInput } from './errors.ts';
import { redactUpload } from '../workers/engine/redact.ts';
import type { SnapshotRedactions } from '../workers/redact/index.ts';

export interface UploadInput {
  workload: string;
  environment?: string | undefined;
  observedAt?: Date | undefined;
  ci?: Record<string, string> | undefined;
  artifacts: ArtifactInput[];
}

export interface IngestResult {
  row: SnapshotRow;
  /** False when an Idempotency-Key retry returned the first upload. */
  created: boolean;
  /** True when the upload was an observation of its workload's stored verdict (nothing parsed or evaluated). */
  observed: boolean;
  /** The verdict when evaluated just now (saves reading back what was just written); null when read back. */
  result: EvaluationResult | null;
  files: { kind: string; name: string; size: number }[];
  /** What redaction took from this upload (null for a replay, which is read back). */
  redactions: SnapshotRedactions | null;
  /** For an observation: the stored verdict it refers to and the team's waivers, read as it was stored. */
  stored?: { results: ControlResultRow[]; set: Pick<ArtifactSetRow, 'artifacts' | 'redactions'>; waivers: WaiverRow[] };
  /** For a change stored by one statement: the team's waivers, read in the same statement. */
  waivers?: WaiverRow[];
}

export const DEFAULT_ENVIRONMENT = 'default';

/** The snapshot row was not inserted: the team's Idempotency-Key was already used. */
class KeyTaken extends Error {}

/**
 * Validates, evaluates (unless async) and stores one upload, all or nothing. An upload whose
 * redacted artifacts equal its workload's latest state (same environment, same engine version)
 * is an observation: one small row referring to the stored artifacts and verdict, and the state
 * moves forward — nothing is parsed or evaluated again. Any other upload has every artifact parsed
 * before anything is written, so an unreadable one is refused with nothing stored; its texts and
 * artifact set are stored once per team, its verdict once per set and context. Each is one
 * statement on the database (db/queries/observations.ts, changes.ts), found out by the first:
 * a changed upload costs two. Teams with webhooks take a transaction that watches the state.
 */
export async function ingestSnapshot(
  deps: ServiceDeps,
  principal: Principal,
  team: TeamRef,
  input: UploadInput,
  options: { async: boolean; idempotencyKey: string | null },
): Promise<IngestResult> {
  if (input.artifacts.length > deps.config.MAX_ARTIFACTS) {
    throw new InvalidInput(`a snapshot may hold at most ${deps.config.MAX_ARTIFACTS} artifacts`, [
      { path: 'artifacts', message: `${input.artifacts.length} given` },
    ]);
  }
  // Secrets go before anything is parsed, evaluated or stored, so all of them see the same redacted content.
  const redacted = redactUpload(input.artifacts, input.ci, { allowEnv: deps.config.REDACT_ALLOW_ENV }, deps.redactionMemo?.redact);
  if (redacted.errors.length > 0) {
    const errors = redacted.errors.map(({ index, message }) => ({ path: `artifacts[${index}]`, message }));
    throw new InvalidInput(`${errors.length} artifact(s) could not be redacted safely; nothing was stored`, errors);
  }
  input = { ...input, artifacts: redacted.artifacts, ci: redacted.ci };
  const texts = input.artifacts.map((a, i) => artifactText(a, i));
  const now = deps.clock();
  const environment = input.environment ?? DEFAULT_ENVIRONMENT;
  const observedAt = input.observedAt ?? now;
  const key = { teamId: team.id, workload: input.workload, environment };
  const names = artifactNames(input.artifacts);
  const files = await Promise.all(
    input.artifacts.map(async (a, i) => {
      const content = texts[i] ?? '';
      return { kind: a.kind, name: names[i] ?? a.kind, size: new TextEncoder().encode(content).length, sha256: sha256Hex(content), content };
    }),
  );
  const setHash = artifactSetHash(files);
  const contentHash = hashUpload(input, environment, texts);
  const snapshot = {
    id: crypto.randomUUID(),
    teamId: team.id,
    workload: input.workload,
    environment,
    observedAt,
    receivedAt: now,
    ci: input.ci ?? null,
    contentHash,
    idempotencyKey: options.idempotencyKey,
    uploadedBy: principal.keyId === 'admin-env' ? null : principal.keyId,
  };
  const summary = files.map(({ kind, name, size }) => ({ kind, name, size }));

  try {
    // Most uploads repeat their workload's latest state: one statement stores them (teams with
    // webhooks take the transaction below, which watches the state change).
    const observation = await recordObservation(deps.db, {
      ...snapshot,
      ci: snapshot.ci,
      setHash,
      engineVersion: ENGINE_VERSION,
      redactions: redacted.redactions,
    });
    if (observation.outcome === 'key-taken') throw new KeyTaken();
    if (observation.outcome === 'observed') {
      const { row, ...stored } = observation;
      return { row, created: true, observed: true, result: null, files: summary, redactions: redacted.redactions, stored };
    }
    const latest = observation.outcome === 'watched' ? await findReusableState(deps.db, key) : null;
    if (latest && latest.evaluationId && latest.setHash === setHash && latest.engineVersion === ENGINE_VERSION && observedAt >= latest.observedAt) {
      const row = await withTransaction(deps.db, async (tx) => {
        const inserted = await insertSnapshot(tx, {
          ...snapshot,
          setId: latest.setId,
          evaluationId: latest.evaluationId,
          status: 'evaluated',
          engineVersion: latest.engineVersion,
          evaluatedAt: latest.evaluatedAt,
          accessed: latest.accessed,
          redactions: sameRedactions(latest.setRedactions, redacted.redactions) ? null : redacted.redactions,
        });
        if (!inserted) throw new KeyTaken();
        await countVerdict(tx, inserted, latest.statuses, 'upload');
        return inserted;
      });
      return { row, created: true, observed: true, result: null, files: summary, redactions: redacted.redactions };
    }

    const evidence = buildEvidence(input.artifacts);
    const unreadable = unreadableArtifacts(evidence).map(({ index, message }) => ({ path: `artifacts[${index}]`, message }));
    if (unreadable.length > 0) {
      throw new InvalidInput(`${unreadableSummary(unreadable.length)}; nothing was stored`, unreadable);
    }
    const known = observation.outcome === 'changed' ? observation.history : undefined;
    const verdict = options.async ? null : await evaluateSnapshot(deps.db, key, observedAt, evidence, known);
    const artifacts = files.map(({ kind, name, size, sha256 }) => ({ kind, name: withoutNul(name), size, sha256 }));
    if (observation.outcome === 'changed' && !observation.watched) {
      // No webhooks to notify: one statement stores it all (see db/queries/changes.ts).
      const change = {
        snapshot,
        texts: [...new Map(files.map(({ sha256, content, size }) => [sha256, { sha256, content, size }])).values()],
        set: { id: crypto.randomUUID(), hash: setHash, artifacts, redactions: redacted.redactions },
        verdict: verdict
          ? {
              id: crypto.randomUUID(),
              contextHash: contextHash(verdict),
              context: verdict.context,
              result: verdict.result,
              evaluatedAt: now,
              accessed: verdict.accessed,
            }
          : null,
      };
      for (let attempt = 1; ; attempt++) {
        const stored = await recordChange(deps.db, change);
        if (stored.outcome === 'key-taken') throw new KeyTaken();
        if (stored.outcome === 'stored') {
          return { row: stored.row, created: true, observed: false, result: verdict?.result ?? null, files: summary, redactions: redacted.redactions, waivers: stored.waivers };
        }
        // A concurrent upload of the same set was committing: the next statement sees it.
        if (attempt >= 3) throw new Error(`the artifact set ${setHash} was neither stored nor found after ${attempt} attempts`);
      }
    }
    const row = await withTransaction(deps.db, async (tx) => {
      await insertContents(tx, team.id, files);
      const set = await findOrCreateArtifactSet(tx, {
        id: crypto.randomUUID(),
        teamId: team.id,
        hash: setHash,
        artifacts,
        redactions: redacted.redactions,
        createdAt: now,
      });
      const evaluation = verdict ? await storeVerdict(tx, team.id, set.id, verdict, now) : null;
      const inserted = await insertSnapshot(tx, {
        ...snapshot,
        setId: set.id,
        redactions: sameRedactions(set.redactions, redacted.redactions) ? null : redacted.redactions,
        ...(evaluation && verdict
          ? {
              evaluationId: evaluation.id,
              status: 'evaluated' as const,
              engineVersion: evaluation.engineVersion,
              evaluatedAt: evaluation.evaluatedAt,
              accessed: verdict.accessed,
            }
          : { status: 'pending' as const }),
      });
      if (!inserted) throw new KeyTaken();
      if (evaluation) await countVerdict(tx, inserted, evaluation.statuses, 'upload');
      return inserted;
    });
    return { row, created: true, observed: false, result: verdict?.result ?? null, files: summary, redactions: redacted.redactions };
  } catch (e) {
    if (!(e instanceof KeyTaken)) throw e;
  }

  // The Idempotency-Key was used before (nothing of this request was kept): the same request gets
  // the first answer, another one a 422.
  const idempotencyKey = options.idempotencyKey ?? '';
  const first = await findSnapshotByIdempotencyKey(deps.db, team.id, idempotencyKey);
  if (!first || first.contentHash !== contentHash) {
    throw new IdempotencyMismatch(`Idempotency-Key "${idempotencyKey}" was already used for a different upload`);
  }
  return { row: first, created: false, observed: false, result: null, files: [], redactions: null };
}

/**
 * The address of an artifact set: each artifact's kind, name and content, in order, hashed so
 * that no name or kind can run into the next (the migration computes the same in SQL).
 */
function artifactSetHash(files: readonly { kind: string; name: string; sha256: string }[]): string {
  return sha256Hex(files.map((f) => `${sha256Hex(f.kind)}:${sha256Hex(f.name)}:${f.sha256}`).join(','));
}

/** Redaction records compare by content; key order is the same since one function writes them all. */
function sameRedactions(a: unknown, b: unknown): boolean {
  return a !== null && a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** The stored text of an artifact: as given, or JSON given inline as its JSON text. */
function artifactText(a: ArtifactInput, index: number): string {
  let text: string | undefined;
  try {
    text = typeof a.content === 'string' ? a.content : JSON.stringify(a.content);
  } catch (e) {
    // JSON.parse reads any depth, JSON.stringify recurses: inline JSON nested 100,000 deep ends here.
    if (!(e instanceof RangeError)) throw e;
    throw new InvalidInput(`artifact ${index} is nested too deeply to store`, [
      { path: `artifacts[${index}].content`, message: 'nested too deeply' },
    ]);
  }
  if (typeof text !== 'string') throw new InvalidInput('artifact content is missing', [{ path: `artifacts[${index}].content`, message: 'required' }]);
  // PostgreSQL text cannot hold NUL, and no artifact kind is a binary format. Content given as
  // parsed JSON holds it escaped; its strings reach findings, stored as jsonb, which refuses NUL
  // and unpaired surrogates alike (a JSON body can carry `"\ud800"`; bytes read as UTF-8 cannot).
  if (!(typeof a.content === 'string' ? storableText(text) : storableJson(text))) {
    throw new InvalidInput(`artifact ${index} contains NUL bytes or an unpaired surrogate; every artifact kind is text`, [
      { path: `artifacts[${index}].content`, message: 'contains NUL bytes or an unpaired surrogate' },
    ]);
  }
  return text;
}

/** What makes two uploads "the same": everything the client chose (a defaulted observedAt is not). */
function hashUpload(input: UploadInput, environment: string, texts: string[]): string {
  const canonical = JSON.stringify({
    workload: input.workload,
    environment,
    observedAt: input.observedAt?.toISOString() ?? null,
    ci: input.ci ?? null,
    artifacts: input.artifacts.map((a, i) => ({ kind: a.kind as ArtifactKind, name: a.name ?? null, content: texts[i] })),
  });
  return `sha256:${sha256Hex(canonical)}`;
}
