/**
 * Line-based kinds: process lists (`ps`, `docker top`), `docker events` JSON lines, signature
 * verification output and package lists. Each line is its own command line or JSON document,
 * so each is redacted on its own (a quote left open on one line does not swallow the next),
 * with `line N` locations; JSON documents keep their line.
 */
import { type Recorder, type RedactOptions } from './redaction.ts';
import { parsesAsJson, redactJsonText } from './json-text.ts';
import { redactStructured } from './structured.ts';
import { redactText } from './text.ts';

/** A process list: the API's JSON, or text with one process a line. */
export function redactProcesses(text: string, recorder: Recorder, options: RedactOptions): string {
  if (text.replace(/^\uFEFF/, '').trimStart().startsWith('{')) return redactJsonText(text, recorder, options);
  return byLine(text, (line, n) => redactText(line, recorder, { config: false, lineOffset: n - 1 }));
}

/**
 * `docker events --format '{{json .}}'`: one JSON object a line (`line N` paths), or one JSON
 * array (pointer paths), read the way the parser reads them. A line that is not JSON is text.
 */
export function redactEvents(text: string, recorder: Recorder, options: RedactOptions): string {
  const whole = text.replace(/^\uFEFF/, '').trimStart().startsWith('[') ? parsesAsJson(text) : { ok: false as const };
  if (whole.ok && Array.isArray(whole.value)) return redactJsonText(text, recorder, options);
  return byLine(text, (line, n) => jsonOrText(line, n, recorder, options));
}

/**
 * `cosign verify` / `notation verify` output: one JSON document, or text whose JSON may be one
 * object a line or pretty-printed over the rest of the output after a preamble (as the parser
 * reads it: the rest is tried once, from the first line that opens JSON).
 */
export function redactSignature(text: string, recorder: Recorder, options: RedactOptions): string {
  if (parsesAsJson(text).ok) return redactJsonText(text, recorder, options);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] ?? '').trim();
    if (!t.startsWith('[') && !t.startsWith('{')) continue;
    if (i + 1 >= lines.length) break;
    const rest = lines.slice(i).join('\n');
    if (!parsesAsJson(rest).ok) break;
    const head = redactPlainLines(lines.slice(0, i).join('\n'), recorder);
    const tail = redactJsonText(rest, recorder, options, `line ${i + 1}`);
    return i === 0 ? tail : `${head}\n${tail}`;
  }
  return byLine(text, (line, n) => jsonOrText(line, n, recorder, options));
}

function jsonOrText(line: string, n: number, recorder: Recorder, options: RedactOptions): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const parsed = parsesAsJson(trimmed);
    if (parsed.ok) {
      const result = redactStructured(parsed.value, recorder, { ...options, style: 'pointer', prefix: `line ${n}` });
      return result.changed ? JSON.stringify(result.value) : line;
    }
  }
  return redactText(line, recorder, { config: false, lineOffset: n - 1 });
}

/** Package lists and other plain text. */
export function redactPlainLines(text: string, recorder: Recorder): string {
  return byLine(text, (line, n) => redactText(line, recorder, { config: false, lineOffset: n - 1 }));
}

/** Applies `fn` to every line (1-based numbers), keeping the line breaks as they were. */
function byLine(text: string, fn: (line: string, n: number) => string): string {
  const lines = text.split('\n');
  let changed = false;
  const out = lines.map((raw, i) => {
    const cr = raw.endsWith('\r');
    const line = cr ? raw.slice(0, -1) : raw;
    const next = fn(line, i + 1);
    if (next === line) return raw;
    changed = true;
    return cr ? `${next}\r` : next;
  });
  return changed ? out.join('\n') : text;
}
