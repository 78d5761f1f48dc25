/**
 * Secrets in uploads are redacted before anything is parsed, evaluated or stored: what is
 * stored, what is evaluated now and what is re-evaluated later are the same redacted content,
 * so verdicts never depend on a secret and no finding, export or log can repeat one. Pure: no
 * I/O, nothing Node-only (runs in the Worker too). See docs/security.md for the rules.
 */
import type { ArtifactKind } from '../model/evidence.ts';
import { type ArtifactInput, artifactNames } from '../model/artifacts.ts';
import { isSecretName } from './names.ts';
import { redactDockerfile } from './dockerfile.ts';
import { redactJsonText } from './json-text.ts';
import { redactEvents, redactPlainLines, redactProcesses, redactSignature } from './lines.ts';
import {
  applySpans,
  PLACEHOLDER,
  Recorder,
  type Redaction,
  RedactionError,
  type RedactionKind,
  type RedactOptions,
} from './redaction.ts';
import { shapeSpans } from './shapes.ts';
import { redactStructured } from './structured.ts';
import { redactText } from './text.ts';
import { redactYaml } from './yaml.ts';

export { PLACEHOLDER, REDACTION_KINDS, RedactionError } from './redaction.ts';
export type { Redaction, RedactionKind, RedactOptions } from './redaction.ts';

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
  if (typeof content !== 'string') {
    if (content === null || typeof content !== 'object') return content;
    const style = kind === 'kubernetes' || kind === 'compose' ? 'yaml' : 'pointer';
    return redactStructured(content, recorder, { ...options, style }).value;
  }
  switch (kind) {
    case 'dockerfile':
      return redactDockerfile(content, recorder, options);
    case 'kubernetes':
      return redactYaml(content, recorder, options, 'the Kubernetes manifest');
    case 'compose':
      return redactYaml(content, recorder, options, 'the Compose file');
    case 'docker-inspect':
    case 'docker-image-inspect':
    case 'docker-info':
    case 'sbom': {
      const start = content.replace(/^\uFEFF/, '').trimStart();
      return start.startsWith('{') || start.startsWith('[') ? redactJsonText(content, recorder, options) : redactText(content, recorder);
    }
    case 'processes':
      return redactProcesses(content, recorder, options);
    case 'docker-events':
      return redactEvents(content, recorder, options);
    case 'signature':
      return redactSignature(content, recorder, options);
    case 'packages':
      return redactPlainLines(content, recorder);
    default:
      return redactText(content, recorder);
  }
}

/** A redaction as the snapshot records it: which artifact (null for upload metadata), what kind, where. */
export interface RecordedRedaction extends Redaction {
  artifact: string | null;
}

/** What a snapshot records: how many values were redacted, of which kinds, and where (the first {@link MAX_RECORDED}). */
export interface SnapshotRedactions {
  total: number;
  byKind: Partial<Record<RedactionKind, number>>;
  items: RecordedRedaction[];
}

/** An artifact with ten thousand containers must not make a megabyte of records. */
export const MAX_RECORDED = 1000;

export interface RedactedUpload {
  artifacts: ArtifactInput[];
  ci: Record<string, string> | undefined;
  redactions: SnapshotRedactions;
  /** Artifacts that cannot be redacted safely (by index): the upload must be refused. */
  errors: { index: number; message: string }[];
}

/** Redacts every artifact of an upload and its CI metadata (`pipelineUrl` with a token in it). */
export function redactUpload(
  artifacts: readonly ArtifactInput[],
  ci: Record<string, string> | undefined,
  options: RedactOptions = {},
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
      const r = redactArtifact(a.kind, a.content, options);
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

/** CI metadata values: secret-named keys entirely, secrets by shape (URL credentials, tokens) anywhere. */
export function redactMetadata(ci: Record<string, string>): { value: Record<string, string>; redactions: Redaction[] } {
  const value: Record<string, string> = {};
  const redactions: Redaction[] = [];
  for (const [key, v] of Object.entries(ci)) {
    const location = `ci.${key}`;
    if (typeof v === 'string' && isSecretName(key) && v.trim() !== '') {
      redactions.push({ kind: 'secret-field', location });
      Object.defineProperty(value, key, { value: PLACEHOLDER, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const spans = typeof v === 'string' ? shapeSpans(v) : [];
    for (const s of spans) redactions.push({ kind: s.kind, location });
    Object.defineProperty(value, key, { value: spans.length > 0 ? applySpans(v, spans, false) : v, enumerable: true, writable: true, configurable: true });
  }
  return { value, redactions };
}
