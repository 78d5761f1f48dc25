/**
 * Redaction of whole uploads: each artifact by its kind's redactor (from the table of kinds),
 * and the CI metadata. Secrets are redacted before anything is parsed, evaluated or stored; see
 * workers/redact for the rules and docs/security.md.
 */
import type { ArtifactInput } from '../model/artifacts.ts';
import type { ArtifactKind } from '../model/evidence.ts';
import {
  MAX_RECORDED,
  type RecordedRedaction,
  type Redaction,
  RedactionError,
  type RedactionKind,
  type RedactOptions,
  redactMetadata,
  type SnapshotRedactions,
} from '../redact/index.ts';
import { Recorder } from '../redact/redaction.ts';

import { redactStructured } from '../redact/structured.ts';
import { artifactNames, KINDS } from './kinds.ts';

export interface RedactedArtifact {
  /** The content in the form it was given (text stays text, parsed JSON stays parsed), redacted. */
  content: unknown;
  /** What was redacted, where (each kind and location once, the first thousand); never the values. */
  redactions: Redaction[];
  /** How many values were redacted, by kind. */
  counts: Partial<Record<RedactionKind, number>>;
}

/**
 * Redacts one artifact. Throws {@link RedactionError} for content that cannot be redacted
 * without changing its meaning; such an artifact must be refused, not stored.
 */
export function redactArtifact(kind: ArtifactKind, content: unknown, options: RedactOptions = {}): RedactedArtifact {
  const recorder = new Recorder();
  try {
    const out = redact(kind, content, recorder, options);
    return { content: out, redactions: recorder.redactions, counts: recorder.counts };
  } catch (e) {
    // Writing JSON back recurses: content nested a hundred thousand levels deep ends here.
    if (e instanceof RangeError) throw new RedactionError('the artifact is nested too deeply to redact');
    throw e;
  }
}

function redact(kind: ArtifactKind, content: unknown, recorder: Recorder, options: RedactOptions): unknown {
  const spec = KINDS[kind];
  if (typeof content !== 'string') {
    if (content === null || typeof content !== 'object') return content;
    return redactStructured(content, recorder, { ...options, style: spec.parsed.paths }).value;
  }
  return spec.redact(content, recorder, options);
}

export interface RedactedUpload {
  artifacts: ArtifactInput[];
  ci: Record<string, string> | undefined;
  redactions: SnapshotRedactions;
  /** Artifacts that cannot be redacted safely (by index): the upload must be refused. */
  errors: { index: number; message: string }[];
}

/**
 * Redacts every artifact of an upload and its CI metadata (`pipelineUrl` with a token in it).
 * `redactOne` stands in for {@link redactArtifact} (a caller that remembers results for content it
 * has seen); it must return what redactArtifact would.
 */
export function redactUpload(
  artifacts: readonly ArtifactInput[],
  ci: Record<string, string> | undefined,
  options: RedactOptions = {},
  redactOne: (kind: ArtifactKind, content: unknown, options: RedactOptions) => RedactedArtifact = redactArtifact,
): RedactedUpload {
  const names = artifactNames(artifacts);
  const items: RecordedRedaction[] = [];
  const byKind: Partial<Record<RedactionKind, number>> = {};
  const count = (counts: Partial<Record<RedactionKind, number>>): void => {
    for (const [k, n] of Object.entries(counts) as [RedactionKind, number][]) byKind[k] = (byKind[k] ?? 0) + n;
  };
  const errors: RedactedUpload['errors'] = [];
  const out = artifacts.map((a, i) => {
    try {
      const r = redactOne(a.kind, a.content, options);
      for (const x of r.redactions) if (items.length < MAX_RECORDED) items.push({ artifact: names[i] ?? a.kind, ...x });
      count(r.counts);
      return { ...a, content: r.content };
    } catch (e) {
      if (!(e instanceof RedactionError)) throw e;
      errors.push({ index: i, message: e.message });
      return a;
    }
  });
  const metadata = ci ? redactMetadata(ci) : undefined;
  for (const r of metadata?.redactions ?? []) {
    if (items.length < MAX_RECORDED) items.push({ artifact: null, ...r });
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  }
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  return { artifacts: out, ci: metadata?.value, redactions: { total, byKind, items }, errors };
}
