/**
 * Free text: content that is not structured, or could not be read as what its kind should be.
 * Everything that is a secret by its shape, by a secret flag or assignment on a command line,
 * or by a `password: …` line is redacted in place; line breaks stay where they were.
 */
import { commandSpans } from './command.ts';
import { applySpans, type Recorder, type Span } from './redaction.ts';
import { shapeSpans } from './shapes.ts';
import { configSpans } from './structured.ts';

/** Spans of secrets in free text, per line (`line N` locations). */
export function textSpans(text: string, options: { config?: boolean; escape?: string } = {}): Span[] {
  return [
    ...shapeSpans(text),
    ...commandSpans(text, options.escape),
    ...(options.config === false ? [] : configSpans(text)),
  ];
}

/** Redacts free text, recording `line N` locations; the text is returned unchanged when nothing is found. */
export function redactText(text: string, recorder: Recorder, options: { config?: boolean; lineOffset?: number } = {}): string {
  const spans = textSpans(text, options);
  if (spans.length === 0) return text;
  recordSpans(text, spans, recorder, options.lineOffset ?? 0);
  return applySpans(text, spans, true);
}

/** Records each span at the line it starts on, and remembers the certain secrets. */
export function recordSpans(text: string, spans: readonly Span[], recorder: Recorder, lineOffset = 0): void {
  const starts = lineStarts(text);
  for (const s of spans) {
    recorder.add(s.kind, () => `line ${lineAt(starts, s.start) + lineOffset}`);
    if (s.strong) recorder.remember(text.slice(s.start, s.end), s.kind);
  }
}

/** Offsets where lines start. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line of an offset (binary search). */
export function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Other occurrences of secrets already found, anywhere in the text (a password given to `ENV`
 * and repeated in a `RUN`). Spans inside `skip` (already redacted) are not repeated.
 */
export function repeatSpans(text: string, recorder: Recorder, skip: readonly Span[] = []): Span[] {
  const spans: Span[] = [];
  for (const [secret, kind] of recorder.secrets) {
    for (let i = text.indexOf(secret); i !== -1; i = text.indexOf(secret, i + secret.length)) {
      const end = i + secret.length;
      if (skip.some((s) => i >= s.start && end <= s.end)) continue;
      spans.push({ start: i, end, kind });
    }
  }
  return spans;
}
