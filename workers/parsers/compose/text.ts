/** Small text helpers of the Compose parser: paths, variable defaults, shell words. */
import { splitWords } from '../shell-words.ts';

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `services.redis`, or `services["web.v2"]` for keys a dotted path would make ambiguous. */
export function child(base: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === '' ? key : `${base}.${key}`;
}

export function index(base: string, i: number): string {
  return `${base}[${i}]`;
}

const DEFAULTED = /^[A-Za-z_][A-Za-z0-9_]*:?-([\s\S]*)$/;

/**
 * Compose interpolation, as far as the file alone can resolve it: `${VAR:-default}` and
 * `${VAR-default}` become the default, `$$` a literal `$`. Other variables stay as written and
 * `unresolved` says so (the value then depends on the environment of whoever runs compose).
 */
export function interpolate(text: string): { text: string; unresolved: boolean } {
  if (!text.includes('$')) return { text, unresolved: false };
  let out = '';
  let unresolved = false;
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    const next = text.charAt(i + 1);
    if (ch !== '$') {
      out += ch;
      i++;
    } else if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = text.indexOf('}', i + 2);
      const inner = end < 0 ? '' : text.slice(i + 2, end);
      const fallback = DEFAULTED.exec(inner)?.[1];
      if (end < 0 || fallback === undefined || fallback.includes('$')) {
        unresolved = true;
        out += end < 0 ? text.slice(i) : text.slice(i, end + 1);
        i = end < 0 ? text.length : end + 1;
      } else {
        out += fallback;
        i = end + 1;
      }
    } else {
      if (/[A-Za-z_]/.test(next)) unresolved = true;
      out += ch;
      i++;
    }
  }
  return { text: out, unresolved };
}

/**
 * Splits a command string into words the way Compose does: on blanks, with single and double
 * quotes and backslash escapes, no expansion of any kind; the shared splitter's reading of text
 * (`../shell-words.ts`), so a command is the same words here as to the redactor.
 */
export function shellWords(text: string): string[] {
  return splitWords(text).map((w) => w.value);
}
