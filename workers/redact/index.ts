/**
 * Secrets in uploads are redacted before anything is parsed, evaluated or stored: what is
 * stored, what is evaluated now and what is re-evaluated later are the same redacted content,
 * so verdicts never depend on a secret and no finding, export or log can repeat one. Pure: no
 * I/O, nothing Node-only (runs in the Worker too). See docs/security.md for the rules.
 */
import { isSecretName } from './names.ts';
import { applySpans, PLACEHOLDER, type Redaction, type RedactionKind } from './redaction.ts';
import { shapeSpans } from './shapes.ts';

export { PLACEHOLDER, REDACTION_KINDS, RedactionError } from './redaction.ts';
export type { Redaction, RedactionKind, RedactOptions } from './redaction.ts';

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
