import { ArtifactError, takeParsedJson } from '../parsers/util.ts';
import type { ArtifactInput } from '../model/artifacts.ts';
import { artifactNames, kindSpec } from './kinds.ts';
import { type Evidence, type EvidencePart, emptyEvidence } from '../model/evidence.ts';

/**
 * Parses every artifact into one evidence model. Never throws: an artifact that cannot be read
 * is recorded with its error (and later shown as a finding), the others still count.
 */
export function buildEvidence(inputs: readonly ArtifactInput[]): Evidence {
  const evidence = emptyEvidence();
  const names = artifactNames(inputs);
  inputs.forEach((input, i) => {
    const source = { artifact: names[i] ?? input.kind, kind: input.kind };
    const parser = kindSpec(input.kind)?.parse;
    if (!parser) {
      evidence.artifacts.push({ source, error: `unknown artifact kind ${JSON.stringify(input.kind)}`, notes: [] });
      return;
    }
    try {
      const part = parser(input.content, source);
      merge(evidence, part);
      // The JSON the parser read, kept so that excerpts of JSON pointers need not read it again.
      const json = takeParsedJson(input.content);
      evidence.artifacts.push({ source, error: null, notes: part.notes ?? [], content: input.content, ...(json === undefined ? {} : { json }) });
    } catch (e) {
      takeParsedJson(undefined);
      evidence.artifacts.push({ source, error: describeError(e), notes: [] });
    }
  });
  return evidence;
}

/**
 * The artifacts of an upload that could not be read, in the words the API's 422 and `csvs check`
 * both use (one place, so a pipeline sees the same message from either): where (the artifact's
 * index) and what (`kind "name": the reader's error`).
 */
export function unreadableArtifacts(evidence: Evidence): { index: number; message: string }[] {
  return evidence.artifacts.flatMap((a, index) => (a.error === null ? [] : [{ index, message: `${a.source.kind} "${a.source.artifact}": ${a.error}` }]));
}

/** The one-line summary beside those messages. */
export function unreadableSummary(count: number): string {
  return `${count} artifact(s) could not be read`;
}

function describeError(e: unknown): string {
  if (e instanceof ArtifactError) return e.location ? `${e.message} (${e.location})` : e.message;
  if (e instanceof RangeError) return 'the artifact is too deeply nested or too large to read';
  return `the artifact could not be read: ${e instanceof Error ? e.message : String(e)}`;
}

function merge(into: Evidence, part: EvidencePart): void {
  for (const key of Object.keys(part) as (keyof EvidencePart)[]) {
    if (key === 'notes') continue;
    const items = part[key];
    if (!Array.isArray(items)) continue;
    // A loop, not push(...items): spreading 100,000+ arguments overflows the stack.
    const target = into[key] as unknown[];
    for (const item of items) target.push(item);
  }
}
