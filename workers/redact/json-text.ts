/**
 * JSON given as text (docker inspect, image inspect, docker info, SBOMs, the process API). Read
 * JSON is redacted as a value and written back in the indentation it came in; JSON that cannot
 * be read is refused by its parser, whose message may quote a few characters around the error:
 * there every string value is masked character by character (keys, escapes and positions stay,
 * so the message still points at the right place and the text stays exactly as unreadable).
 */
import { applySpans, type Recorder, RedactionError, type RedactOptions } from './redaction.ts';
import { redactStructured } from './structured.ts';
import { recordSpans, textSpans } from './text.ts';

/** Redacts JSON text; unchanged text is returned as given. */
export function redactJsonText(text: string, recorder: Recorder, options: RedactOptions, prefix = ''): string {
  const body = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return maskUnreadable(text, recorder);
  }
  const result = redactStructured(value, recorder, { ...options, style: 'pointer', prefix });
  return result.changed ? stringifyLike(body, result.value) : text;
}

/** Whether text parses as JSON (after a byte order mark). */
export function parsesAsJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch {
    return { ok: false };
  }
}

/** JSON text in the indentation of the original (`docker inspect` indents by four spaces). */
export function stringifyLike(original: string, value: unknown): string {
  const indent = /\n([ \t]+)["{}[\]0-9tfn-]/.exec(original.slice(0, 2000))?.[1];
  const out = indent === undefined ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return original.endsWith('\n') ? `${out}\n` : out;
}

/**
 * Unreadable JSON: string values become `*` of the same length (escapes, control characters and
 * `\uXXXX` digits are kept, so exactly the same errors remain), then free-text rules run over
 * what is outside strings.
 */
export function maskUnreadable(text: string, recorder: Recorder): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch !== '"') {
      out += ch;
      i++;
      continue;
    }
    let j = i + 1;
    let inner = '';
    while (j < text.length && text.charAt(j) !== '"') {
      const c = text.charAt(j);
      if (c === '\\' && j + 1 < text.length) {
        const next = text.charAt(j + 1);
        inner += c + next;
        j += 2;
        if (next === 'u') {
          for (let k = 0; k < 4 && j < text.length && /[0-9a-fA-F]/.test(text.charAt(j)); k++) inner += text.charAt(j++);
        }
      } else if (c.charCodeAt(0) < 0x20) {
        inner += c;
        j++;
      } else {
        inner += '*';
        j++;
      }
    }
    let k = j + 1;
    while (k < text.length && /\s/.test(text.charAt(k))) k++;
    const isKey = text.charAt(k) === ':';
    const original = text.slice(i + 1, j);
    out += `"${isKey ? original : inner}`;
    if (j < text.length) out += '"';
    i = j + 1;
  }
  const spans = textSpans(out, { config: false });
  recordSpans(out, spans, recorder);
  const result = applySpans(out, spans, true);
  if (parsesAsJson(result).ok) throw new RedactionError('the artifact could not be redacted without changing whether it can be read');
  return result;
}
