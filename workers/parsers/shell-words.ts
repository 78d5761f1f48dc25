/**
 * The one shell-word splitter. Every place that cuts text into words the way a shell quotes
 * them goes through here: the RUN-script reader (`shell.ts`), the Dockerfile reader's
 * `ENV`/`ARG`/`LABEL` words (`dockerfile-syntax.ts`), the redactor's command scanner
 * (`workers/redact/command.ts`) and Compose's `command:`/`entrypoint:` strings. One set of
 * quoting rules, so a word is the same word to the parser that reads it and to the redactor
 * that hides a secret in it:
 *
 * - `'…'` keeps everything literally; `"…"` too, except that the escape character escapes
 *   `"`, `$`, `` ` `` and itself there (POSIX; BuildKit's word lexer);
 * - outside quotes the escape character (`\`, or `` ` `` under `# escape=``) makes the next
 *   character ordinary;
 * - every word knows where it is in the source (`start`/`end`), and on request where each
 *   stretch of its value came from (`segments`), so a redaction can replace a value in place.
 *
 * Two readings share those rules. {@link TEXT} splits on blanks only (`a&&b` is one word) and
 * takes an unclosed quote as an ordinary character: free text (a process list, a Compose string,
 * a Dockerfile's `ENV` line) must not lose its words to a stray apostrophe. {@link SHELL} is
 * a POSIX shell's reading: operators (`;&|()<>`) end words, `$(…)`, `${…}`, backticks and
 * `<(…)` are kept whole and literal, `$'…'` is decoded, and an unclosed quote runs to the end.
 *
 * Every scan is one forward pass with explicit stacks: no recursion on input structure, no
 * backtracking regular expression; time is linear in the text.
 */

/** Consecutive value characters that came from consecutive source characters (or one escape pair). */
export interface Segment {
  /** Index of the first value character. */
  v: number;
  /** Source offset of the first character, and how many source characters the segment covers. */
  r: number;
  rl: number;
  /** Value characters in the segment (equals `rl` except for an escape pair: 1 for 2). */
  vl: number;
  quoted: boolean;
}

/** One word: its value (quotes removed, escapes applied, nothing expanded) and where it is. */
export interface ShellWord {
  value: string;
  /** The word is `text.slice(start, end)` of the text that was split. */
  start: number;
  end: number;
  /** Where each stretch of the value came from; filled only by {@link splitWords} with `segments`. */
  segments: Segment[];
  /** Source offsets of the opening and closing quote of each quoted part. */
  quotes: [number, number][];
  /** The word is the first of the text or of a line (a new command starts with it). */
  first: boolean;
}

/** How words are read. */
export interface WordRules {
  /** The escape character outside quotes: `\`, `` ` `` (a Dockerfile's `# escape=``), or '' (cmd, PowerShell). */
  escape: string;
  /** A POSIX shell's reading (operators end words, substitutions stay whole); otherwise only blanks end a word. */
  shell: boolean;
}

/** Blank-separated words of free text, backslash escapes. */
export const TEXT: WordRules = { escape: '\\', shell: false };
/** A POSIX shell script. */
export const SHELL: WordRules = { escape: '\\', shell: true };
/** cmd and PowerShell scripts: a backslash is a path separator and a backtick no substitution. */
export const NON_POSIX_SHELL: WordRules = { escape: '', shell: true };

const NO_QUOTES: [number, number][] = [];
const NO_SEGMENTS: Segment[] = [];

/**
 * Splits text into words ({@link TEXT} unless told otherwise). Line breaks separate words too
 * and mark the next word `first`; the escape character before a line break joins the lines.
 * With `segments`, every word records where each stretch of its value came from.
 */
export function splitWords(text: string, rules: WordRules = TEXT, options: { segments?: boolean } = {}): ShellWord[] {
  const words: ShellWord[] = [];
  const track = options.segments === true;
  const n = text.length;
  const state: QuoteMemo = { noSingle: false, noDouble: false };
  let first = true;
  let i = 0;
  while (i < n) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      first = true;
      i++;
      continue;
    }
    const next = text.charAt(i + 1);
    if (c === rules.escape && (next === '\n' || next === '\r')) {
      // A continued line: the command goes on.
      i += next === '\r' && text.charAt(i + 2) === '\n' ? 3 : 2;
      continue;
    }
    const w = rules.shell ? readShellWord(text, i, rules) : readTextWord(text, i, rules.escape, track, state);
    w.first = first;
    first = false;
    i = w.end;
    if (w.value !== '' || w.quotes.length > 0) words.push(w);
  }
  return words;
}

// ---------------------------------------------------------------- TEXT

/** Quotes known to have no closing partner further on: from there on they are ordinary characters. */
interface QuoteMemo {
  noSingle: boolean;
  noDouble: boolean;
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** A word of free text starting at `at` (not a blank). */
function readTextWord(text: string, at: number, escape: string, track: boolean, memo: QuoteMemo): ShellWord {
  const n = text.length;
  // Most words are plain (no quotes, no escapes): one slice, one segment.
  let end = at;
  while (end < n) {
    const x = text.charAt(end);
    if (isBlank(x) || x === escape || x === "'" || x === '"') break;
    end++;
  }
  if (end === n || isBlank(text.charAt(end))) {
    const segments = track ? [{ v: 0, r: at, rl: end - at, vl: end - at, quoted: false }] : NO_SEGMENTS;
    return { value: text.slice(at, end), start: at, end, segments, quotes: NO_QUOTES, first: false };
  }
  const w: ShellWord = { value: '', start: at, end: at, segments: track ? [] : NO_SEGMENTS, quotes: [], first: false };
  const parts: string[] = [];
  let length = 0;
  /** Source [from, to) taken as it is: one segment, one slice (no per-character strings). */
  const take = (from: number, to: number, quoted: boolean): void => {
    if (to <= from) return;
    if (track) {
      const last = w.segments[w.segments.length - 1];
      if (last && last.rl === last.vl && last.r + last.rl === from && last.quoted === quoted) {
        last.rl += to - from;
        last.vl += to - from;
      } else {
        w.segments.push({ v: length, r: from, rl: to - from, vl: to - from, quoted });
      }
    }
    parts.push(text.slice(from, to));
    length += to - from;
  };
  /** One escaped character: two source characters for one value character. */
  const escaped = (pos: number, quoted: boolean): void => {
    if (track) w.segments.push({ v: length, r: pos, rl: 2, vl: 1, quoted });
    parts.push(text.charAt(pos + 1));
    length += 1;
  };
  let i = at;
  while (i < n) {
    const ch = text.charAt(i);
    if (isBlank(ch)) break;
    if (ch === escape && i + 1 < n) {
      const after = text.charAt(i + 1);
      if (after === '\n' || after === '\r') break;
      escaped(i, false);
      i += 2;
      continue;
    }
    if (ch === "'" && !memo.noSingle) {
      const close = text.indexOf("'", i + 1);
      if (close === -1) {
        memo.noSingle = true;
      } else {
        take(i + 1, close, true);
        w.quotes.push([i, close]);
        i = close + 1;
        continue;
      }
    }
    if (ch === '"' && !memo.noDouble) {
      const dq = escape === '' ? '\\' : escape;
      let k = i + 1;
      while (k < n && text.charAt(k) !== '"') k += text.charAt(k) === dq ? 2 : 1;
      if (k >= n) {
        memo.noDouble = true;
      } else {
        let from = i + 1;
        for (let m = i + 1; m < k; m++) {
          if (text.charAt(m) === dq && m + 1 < k && escapableInDoubleQuotes(text.charAt(m + 1), dq)) {
            take(from, m, true);
            escaped(m, true);
            m++;
            from = m + 1;
          }
        }
        take(from, k, true);
        w.quotes.push([i, k]);
        i = k + 1;
        continue;
      }
    }
    // A run of ordinary characters at once (an unclosed quote is one of them).
    let j = i + 1;
    while (j < n) {
      const x = text.charAt(j);
      if (isBlank(x) || x === escape || x === "'" || x === '"') break;
      j++;
    }
    take(i, j, false);
    i = j;
  }
  w.value = parts.join('');
  w.end = i;
  return w;
}

/** What the escape character escapes inside double quotes. */
function escapableInDoubleQuotes(c: string, escape: string): boolean {
  return c === '"' || c === '$' || c === '`' || c === escape;
}

// ---------------------------------------------------------------- SHELL

type Nest = 'paren' | 'brace' | 'backtick' | 'dquote';

/**
 * Index of the character closing the construct whose opening character is at `open`
 * (`(` of `$(`, `{` of `${`, a backtick, a double quote), skipping nested quotes and
 * substitutions; the last index of the text when it is never closed.
 */
export function closeOf(s: string, open: number, kind: Nest): number {
  const stack: Nest[] = [kind];
  for (let i = open + 1; i < s.length; i++) {
    const c = s.charAt(i);
    const next = s.charAt(i + 1);
    const top = stack[stack.length - 1];
    if (c === '\\') {
      i++;
      continue;
    }
    if (top === 'dquote') {
      if (c === '"') stack.pop();
      else if (c === '`') stack.push('backtick');
      else if (c === '$' && next === '(') (stack.push('paren'), i++);
      else if (c === '$' && next === '{') (stack.push('brace'), i++);
    } else if (top === 'backtick') {
      if (c === '`') stack.pop();
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) return s.length - 1;
      i = end;
    } else if (c === '"') stack.push('dquote');
    else if (c === '`') stack.push('backtick');
    else if (c === '$' && next === '(') (stack.push('paren'), i++);
    else if (c === '$' && next === '{') (stack.push('brace'), i++);
    else if (top === 'paren' && c === '(') stack.push('paren');
    else if (top === 'paren' && c === ')') stack.pop();
    else if (top === 'brace' && c === '}') stack.pop();
    if (stack.length === 0) return i;
  }
  return s.length - 1;
}

const ANSI_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', e: '\u001b', a: '\u0007' };

/** Characters that end a shell word (`<` and `>` unless a process substitution follows). */
export function endsShellWord(c: string): boolean {
  switch (c) {
    case ' ': case '\t': case '\n': case ';': case '&': case '|': case '(': case ')': case '<': case '>':
      return true;
    default:
      return false;
  }
}

/** Characters that end an unquoted run of ordinary word characters. */
function isSpecial(c: string): boolean {
  // A switch instead of `'…'.includes(c)`: this runs once per script character.
  switch (c) {
    case ' ': case '\t': case '\n': case ';': case '&': case '|': case '(': case ')': case '<': case '>':
    case '#': case '\\': case "'": case '"': case '$': case '`':
      return true;
    default:
      return false;
  }
}

/**
 * One shell word starting at `at` (a character that starts a word). Never throws; unclosed
 * quotes and substitutions run to the end of the text.
 */
export function readShellWord(text: string, at: number, rules: WordRules): ShellWord {
  const n = text.length;
  const posix = rules.escape !== '';
  // Most words are a run of ordinary characters up to a blank or an operator: one slice.
  let plain = at;
  while (plain < n && !isSpecial(text.charAt(plain))) plain++;
  if (plain > at && (plain === n || (endsShellWord(text.charAt(plain)) && text.charAt(plain + 1) !== '('))) {
    return { value: text.slice(at, plain), start: at, end: plain, segments: NO_SEGMENTS, quotes: NO_QUOTES, first: false };
  }
  const w: ShellWord = { value: '', start: at, end: at, segments: NO_SEGMENTS, quotes: NO_QUOTES, first: false };
  let value = '';
  let i = at;
  while (i < n) {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (c === '<' || c === '>') {
      if (next !== '(') break;
      // Process substitution `<(curl …)`: kept literally.
      const end = closeOf(text, i + 1, 'paren');
      value += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (endsShellWord(c)) break;
    if (posix && c === '\\') {
      if (next === '\n') {
        i += 2;
      } else {
        value += next === '' ? '\\' : next;
        i += 2;
      }
      continue;
    }
    if (posix && c === '`') {
      const end = closeOf(text, i, 'backtick');
      value += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const close = end === -1 ? n : end;
      value += text.slice(i + 1, close);
      if (w.quotes === NO_QUOTES) w.quotes = [];
      w.quotes.push([i, close]);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      const q = readDoubleQuoted(text, i);
      value += q.value;
      if (w.quotes === NO_QUOTES) w.quotes = [];
      w.quotes.push([i, q.end]);
      i = q.end + 1;
      continue;
    }
    if (c === '$') {
      if (next === '(' || next === '{') {
        const end = closeOf(text, i + 1, next === '(' ? 'paren' : 'brace');
        value += text.slice(i, end + 1);
        i = end + 1;
      } else if (next === "'") {
        const q = readAnsiQuoted(text, i + 1);
        value += q.value;
        if (w.quotes === NO_QUOTES) w.quotes = [];
        w.quotes.push([i + 1, q.end]);
        i = q.end + 1;
      } else {
        value += c;
        i++;
      }
      continue;
    }
    // A run of ordinary characters (`#` inside a word is one; cmd's `\` and `` ` `` too).
    let j = i + 1;
    while (j < n) {
      const x = text.charAt(j);
      if (isSpecial(x) && (posix || (x !== '\\' && x !== '`'))) break;
      j++;
    }
    value += text.slice(i, j);
    i = j;
  }
  w.value = value;
  w.end = Math.min(i, n);
  return w;
}

interface Quoted {
  value: string;
  /** Index of the closing quote (or the end of the text). */
  end: number;
}

/** Reads `"…"` starting at the opening quote. */
function readDoubleQuoted(s: string, open: number): Quoted {
  let value = '';
  let i = open + 1;
  let from = i;
  for (; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === '"') break;
    if (c === '\\') {
      const n = s.charAt(i + 1);
      if (n === '\n' || escapableInDoubleQuotes(n, '\\')) {
        value += s.slice(from, i) + (n === '\n' ? '' : n);
        i++;
        from = i + 1;
      }
    } else if ((c === '$' && (s.charAt(i + 1) === '(' || s.charAt(i + 1) === '{')) || c === '`') {
      i = c === '`' ? closeOf(s, i, 'backtick') : closeOf(s, i + 1, s.charAt(i + 1) === '(' ? 'paren' : 'brace');
    }
  }
  value += s.slice(from, Math.min(i, s.length));
  return { value, end: Math.min(i, s.length) };
}

/** Reads `$'…'` (ANSI-C quoting) starting at its quote. */
function readAnsiQuoted(s: string, open: number): Quoted {
  let value = '';
  let i = open + 1;
  for (; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === "'") break;
    if (c === '\\' && i + 1 < s.length) {
      const n = s.charAt(i + 1);
      value += ANSI_ESCAPES[n] ?? `\\${n}`;
      i++;
    } else {
      value += c;
    }
  }
  return { value, end: Math.min(i, s.length) };
}
