/**
 * Redaction results remembered by the SHA-256 of the text they were made from. The agent sends
 * every workload again every few minutes, mostly unchanged, and redaction — which must come before
 * anything else, also for an upload that turns out unchanged — was a tenth of the server's time per
 * upload; hashing the text is a twentieth of redacting it. Only text artifacts are remembered, and
 * only their redacted form (never a secret), bounded by size: the least recently used go first.
 */
import { type RedactedArtifact, redactArtifact } from '../workers/engine/redact.ts';
import type { ArtifactKind } from '../workers/model/evidence.ts';
import type { RedactOptions } from '../workers/redact/index.ts';
import { sha256Hex } from './hashing.ts';

export class RedactionMemo {
  private readonly results = new Map<string, RedactedArtifact>();
  private chars = 0;
  private readonly maxChars: number;

  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }

  /** What redactArtifact gives for this content, from memory when the same text was redacted before. */
  readonly redact = (kind: ArtifactKind, content: unknown, options: RedactOptions): RedactedArtifact => {
    // Parsed JSON would need serialising to be hashed, which costs what it saves; large texts would crowd out the rest.
    if (typeof content !== 'string' || content.length > this.maxChars / 16) return redactArtifact(kind, content, options);
    const key = `${kind}\\n${options.allowEnv?.join(',') ?? ''}\\n${sha256Hex(content)}`;
    const hit = this.results.get(key);
    if (hit) {
      this.results.delete(key);
      this.results.set(key, hit);
      return hit;
    }
    const made = redactArtifact(kind, content, options);
    this.results.set(key, made);
    this.chars += size(made);
    for (const [old, r] of this.results) {
      if (this.chars <= this.maxChars) break;
      this.results.delete(old);
      this.chars -= size(r);
    }
    return made;
  };
}

const size = (r: RedactedArtifact): number => (typeof r.content === 'string' ? r.content.length : 0) + 64 * r.redactions.length + 200;
