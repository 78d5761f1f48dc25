import { findSnapshotByIdempotencyKey, type SnapshotRow } from '../db/queries/snapshots.ts';
import { hasNul, jsonHasNul } from './schemas/fields.ts';
import { evaluateSnapshot, storeSnapshot } from './evaluations.ts';
import type { TeamRef } from './deps.ts';
import type { EvaluationResult } from '../workers/model/result.ts';
import type { ArtifactInput } from '../workers/model/artifacts.ts';
import { artifactNames } from '../workers/engine/kinds.ts';
import { buildEvidence } from '../workers/engine/parse.ts';
import type { ArtifactKind } from '../workers/model/evidence.ts';
import { toHex } from './keys.ts';
import type { Principal, ServiceDeps } from './deps.ts';
import { IdempotencyMismatch, InvalidInput } from './errors.ts';
import { redactUpload } from '../workers/engine/redact.ts';

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
  /** The verdict when evaluated inline just now (saves reading back what was just written). */
  result: EvaluationResult | null;
  files: { kind: string; name: string; size: number }[];
}

export const DEFAULT_ENVIRONMENT = 'default';

/**
 * Validates, evaluates (unless async) and stores one upload, all or nothing. Every artifact is
 * parsed before anything is written, so an unreadable one is refused with nothing stored.
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
  const redacted = redactUpload(input.artifacts, input.ci, { allowEnv: deps.config.REDACT_ALLOW_ENV });
  if (redacted.errors.length > 0) {
    const errors = redacted.errors.map(({ index, message }) => ({ path: `artifacts[${index}]`, message }));
    throw new InvalidInput(`${errors.length} artifact(s) could not be redacted safely; nothing was stored`, errors);
  }
  input = { ...input, artifacts: redacted.artifacts, ci: redacted.ci };
  const texts = input.artifacts.map((a, i) => artifactText(a, i));
  const evidence = buildEvidence(input.artifacts);
  const unreadable = evidence.artifacts
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => a.error !== null)
    .map(({ a, i }) => ({ path: `artifacts[${i}]`, message: `${a.source.kind} "${a.source.artifact}": ${a.error}` }));
  if (unreadable.length > 0) {
    throw new InvalidInput(`${unreadable.length} artifact(s) could not be read; nothing was stored`, unreadable);
  }

  const now = deps.clock();
  const environment = input.environment ?? DEFAULT_ENVIRONMENT;
  const names = artifactNames(input.artifacts);
  const contentHash = await hashUpload(input, environment, texts);
  const observedAt = input.observedAt ?? now;
  const verdict = options.async ? null : await evaluateSnapshot(deps.db, { teamId: team.id, workload: input.workload, environment }, observedAt, evidence);
  const result = verdict?.result ?? null;
  const files = input.artifacts.map((a, i) => ({
    position: i,
    kind: a.kind,
    name: names[i] ?? a.kind,
    content: texts[i] ?? '',
    size: new TextEncoder().encode(texts[i] ?? '').length,
  }));
  const row = await storeSnapshot(
    deps.db,
    {
      id: crypto.randomUUID(),
      teamId: team.id,
      workload: input.workload,
      environment,
      observedAt,
      receivedAt: now,
      ci: input.ci ?? null,
      contentHash,
      idempotencyKey: options.idempotencyKey,
      status: 'pending',
      uploadedBy: principal.keyId === 'admin-env' ? null : principal.keyId,
      redactions: redacted.redactions,
      accessed: verdict?.accessed ?? null,
    },
    files,
    result,
    now,
  );
  if (row) return { row, created: true, result, files: files.map(({ kind, name, size }) => ({ kind, name, size })) };

  // The Idempotency-Key was used before: the same request gets the first answer, another one a 422.
  const key = options.idempotencyKey ?? '';
  const first = await findSnapshotByIdempotencyKey(deps.db, team.id, key);
  if (!first || first.contentHash !== contentHash) {
    throw new IdempotencyMismatch(`Idempotency-Key "${key}" was already used for a different upload`);
  }
  return { row: first, created: false, result: null, files: [] };
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
  // parsed JSON holds it escaped (and its strings reach findings, stored as jsonb, which refuses it too).
  if (typeof a.content === 'string' ? hasNul(text) : jsonHasNul(text)) {
    throw new InvalidInput(`artifact ${index} contains NUL bytes; every artifact kind is text`, [
      { path: `artifacts[${index}].content`, message: 'contains NUL bytes' },
    ]);
  }
  return text;
}

/** What makes two uploads "the same": everything the client chose (a defaulted observedAt is not). */
async function hashUpload(input: UploadInput, environment: string, texts: string[]): Promise<string> {
  const canonical = JSON.stringify({
    workload: input.workload,
    environment,
    observedAt: input.observedAt?.toISOString() ?? null,
    ci: input.ci ?? null,
    artifacts: input.artifacts.map((a, i) => ({ kind: a.kind as ArtifactKind, name: a.name ?? null, content: texts[i] })),
  });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return `sha256:${toHex(new Uint8Array(digest))}`;
}
