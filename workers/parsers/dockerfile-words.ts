/**
 * What a Dockerfile word means: BuildKit's word lexer (`frontend/dockerfile/shell`) for the
 * words of FROM, USER, ENV, ARG, ADD, COPY and EXPOSE — quotes, the escape character, and
 * `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}` — without ever running anything.
 */

/** A variable's value: a string; null when declared but only the build knows it; undefined when not declared. */
export type Lookup = (name: string) => string | null | undefined;

/** Nested `${a:-${b:-…}}` defaults are followed this deep; deeper counts as unresolved. */
const MAX_EXPANSION_DEPTH = 8;

/**
 * One word with quotes removed, escapes applied and variables substituted. Null when a variable
 * the result depends on has no known value. Undeclared variables are empty (`'empty'`, the global
 * scope of FROM) or unknown (`'unknown'`, in a stage: the base image may set them).
 */
export function expandWord(raw: string, escape: string, lookup: Lookup, undeclared: 'empty' | 'unknown', depth = 0): string | null {
  if (depth > MAX_EXPANSION_DEPTH) return null;
  if (isPlain(raw, escape)) return raw;
  return lexWord(raw, escape, (i) => variable(raw, i, escape, lookup, undeclared, depth));
}

/** The word as written less its quotes and escapes; variables stay as they are (`$HOME`). */
export function unquoteWord(raw: string, escape: string): string {
  if (isPlain(raw, escape)) return raw;
  return lexWord(raw, escape, null) ?? raw;
}

/**
 * BuildKit's quoting and escapes over one word; `dollar` reads a variable reference starting at
 * `i` (null: `$` is an ordinary character). Null when a variable has no known value.
 */
function lexWord(raw: string, escape: string, dollar: ((i: number) => { value: string | null; end: number }) | null): string | null {
  let out = '';
  let quote = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = '';
      else out += c;
    } else if (c === escape && i + 1 < raw.length) {
      const n = raw.charAt(i + 1);
      out += quote === '"' && n !== '"' && n !== '$' && n !== escape ? c + n : n;
      i++;
    } else if (c === '"') {
      quote = quote === '"' ? '' : '"';
    } else if (c === "'" && quote === '') {
      quote = "'";
    } else if (c === '$' && dollar) {
      const v = dollar(i);
      if (v.value === null) return null;
      out += v.value;
      i = v.end;
    } else {
      out += c;
    }
  }
  return out;
}

/** No quote, escape or `$`: the word means what it says (most words; no copy is made). */
function isPlain(raw: string, escape: string): boolean {
  const e = escape.charCodeAt(0);
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x22 || c === 0x27 || c === 0x24 || c === e) return false;
  }
  return true;
}

function isNameChar(c: string): boolean {
  const n = c.charCodeAt(0);
  return (n >= 48 && n <= 57) || (n >= 65 && n <= 90) || (n >= 97 && n <= 122) || n === 95;
}

/** Expands the variable reference starting with `$` at `at`; `end` is its last index. */
function variable(raw: string, at: number, escape: string, lookup: Lookup, undeclared: 'empty' | 'unknown', depth: number): { value: string | null; end: number } {
  const resolve = (name: string): string | null => {
    const v = lookup(name);
    if (v === undefined) return undeclared === 'empty' ? '' : null;
    return v;
  };
  if (raw.charAt(at + 1) !== '{') {
    let j = at + 1;
    while (j < raw.length && isNameChar(raw.charAt(j))) j++;
    if (j === at + 1) return { value: '$', end: at };
    return { value: resolve(raw.slice(at + 1, j)), end: j - 1 };
  }
  let close = -1;
  let open = 0;
  for (let j = at + 2; j < raw.length; j++) {
    const c = raw.charAt(j);
    if (c === '{') open++;
    else if (c === '}' && open-- === 0) {
      close = j;
      break;
    }
  }
  if (close === -1) return { value: null, end: raw.length - 1 };
  const inner = raw.slice(at + 2, close);
  let n = 0;
  while (n < inner.length && isNameChar(inner.charAt(n))) n++;
  const name = inner.slice(0, n);
  const rest = inner.slice(n);
  if (name === '') return { value: null, end: close };
  const colon = rest.startsWith(':');
  const op = rest.charAt(colon ? 1 : 0);
  const word = rest.slice(colon ? 2 : 1);
  if (rest === '' || op === '?') return { value: resolve(name), end: close };
  if (op !== '-' && op !== '+') return { value: null, end: close };
  const declared = lookup(name);
  if (declared === null) return { value: null, end: close };
  const set = declared !== undefined && (!colon || declared !== '');
  if (op === '-') return { value: set ? (declared ?? '') : expandWord(word, escape, lookup, undeclared, depth + 1), end: close };
  return { value: set ? expandWord(word, escape, lookup, undeclared, depth + 1) : '', end: close };
}
