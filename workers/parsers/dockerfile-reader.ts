/**
 * The Dockerfile reader: what BuildKit's `frontend/dockerfile/parser` makes of a Dockerfile,
 * with a location for every instruction, flag and argument. It reads syntax only; what the
 * instructions mean (variables, stages, packages) is `dockerfile.ts`'s business.
 *
 * BuildKit's rules, as this reader follows them:
 * - Lines end at `\n`; trailing `\r`s are dropped (CRLF files), a UTF-8 BOM opens the file unread.
 * - Parser directives (`# syntax=`, `# escape=`, `# check=`, names in any case) are read only
 *   until the first line that is not one: an instruction, an empty line, any other comment,
 *   or a comment shaped like a directive with another name. A repeated directive and an
 *   escape other than `\` or `` ` `` are errors.
 * - A comment is a line whose first non-blank character is `#`; `#` elsewhere is text.
 * - The escape character followed only by blanks ends a line that continues on the next;
 *   not when it is itself escaped (`\\`). Inside a continuation, comment lines and empty lines
 *   are dropped (the latter with a warning). The first line loses its leading blanks, the
 *   continued ones keep theirs.
 * - The keyword is the logical line's first word (any case); flags are the `--` words after it
 *   (quotes and backslashes read as BuildKit reads them; a lone `--` ends them); the rest is
 *   the instruction's arguments. Exec (JSON) form is a JSON array of strings; JSON that does
 *   not parse is shell form; a JSON array with anything but strings is an error.
 * - RUN, COPY and ADD in shell form (also behind ONBUILD) read here-documents: every word
 *   `[n]<<[-]NAME` of the logical line announces one; their bodies follow the line in order,
 *   each up to a line that is exactly its name (`<<-`: after leading tabs). A quoted name
 *   (`<<'EOF'`) means the body is not expanded.
 *
 * One pass over the text, no backtracking regular expression, no recursion on input:
 * time and memory are linear in the file (a 5 MB file of continuations is one long line).
 */
import { splitWords, TEXT, type ShellWord } from './shell-words.ts';

/** Where something is: an offset into the text, its 1-based line and 1-based column (UTF-16 units). */
export interface Location {
  offset: number;
  line: number;
  column: number;
}

export type DirectiveName = 'syntax' | 'escape' | 'check';

export interface Directive extends Location {
  name: DirectiveName;
  value: string;
}

/** `--name=value` (value null for a bare `--link`), as BuildKit reads it: quotes removed. */
export interface Flag extends Location {
  name: string;
  value: string | null;
  /** The word as written in the logical line. */
  raw: string;
}

/** A whitespace-separated word of the arguments, as written (quotes and escapes kept). */
export interface Argument extends Location {
  value: string;
}

/** `NAME=value` of ENV, ARG or LABEL (also ENV's old `NAME value`). */
export interface Property {
  name: string;
  /** As written (quotes and escapes kept); null for `ARG NAME` without a default. */
  value: string | null;
  nameAt: Location;
  /** Where the value starts, and its source offset end (exclusive); null without a value. */
  valueAt: Location | null;
  valueEnd: number;
}

export interface Heredoc {
  /** The terminator, quotes removed. */
  name: string;
  /** `<<-`: leading tabs of the body and the terminator line are stripped. */
  chomp: boolean;
  /** The name was unquoted: the body is expanded. */
  expand: boolean;
  /** `3<<EOF` names a file descriptor. */
  fd: number | null;
  /** The body as written (line breaks included, tabs not stripped). */
  content: string;
  /** The first body line (the terminator's line when the body is empty) and the terminator's line. */
  line: number;
  endLine: number;
  terminated: boolean;
}

/** A problem BuildKit reports: errors stop the build, warnings do not. */
export interface SyntaxProblem {
  severity: 'error' | 'warning';
  line: number;
  message: string;
}

export interface DockerInstruction extends Location {
  /** Upper-cased keyword (`RUN`), and as written (`run`). */
  keyword: string;
  word: string;
  /** The last line, here-document bodies included, and the source offset where the instruction ends. */
  endLine: number;
  end: number;
  /** The logical line: continuations joined, the keyword first. */
  logical: LogicalLine;
  /** Where the arguments start in `logical.text` (after the keyword; flags included). */
  argsAt: number;
  /** The arguments after the flags, trimmed, and where they start in `logical.text`. */
  rest: string;
  restAt: number;
  flags: Flag[];
  /** `rest` split at blanks (BuildKit's reading of FROM, EXPOSE, and ADD/COPY/VOLUME in shell form). */
  args: Argument[];
  /** The values of `args` alone (no locations to compute). */
  words: string[];
  /** Exec form: the JSON array of strings; null for shell form. */
  json: string[] | null;
  /** ENV, ARG and LABEL. */
  properties: Property[];
  heredocs: Heredoc[];
  /** Source offset and line of the first line after the logical line when here-documents follow, else -1. */
  bodyAt: number;
  bodyLine: number;
  /** ONBUILD's instruction. */
  trigger: DockerInstruction | null;
}

export interface DockerfileReading {
  text: string;
  escape: '\\' | '`';
  directives: Directive[];
  instructions: DockerInstruction[];
  problems: SyntaxProblem[];
}

/**
 * A logical line: the pieces of physical lines it is joined from, so that every offset of its
 * text maps back to the file.
 */
export class LogicalLine {
  /** The text so far; when pieces were added, they are joined on first use. */
  private joined: string;
  private parts: string[] | null = null;
  private length: number;
  /** Where the first piece is, and where its line starts (later pieces start where their line does). */
  private readonly firstSource: number;
  private readonly firstLine: number;
  private readonly firstLineStart: number;
  /** Per piece, when there is more than one: its offset in `text`, its source offset and its line. */
  private at: number[] | null = null;
  private src: number[] = [];
  private lines: number[] = [];
  /** The piece found last: lookups mostly move forward through a line. */
  private hint = 0;

  /** A logical line starting with `piece`, found at `source` on `line` (which starts at `lineStart`). */
  constructor(piece: string, source: number, line: number, lineStart: number) {
    this.joined = piece;
    this.length = piece.length;
    this.firstSource = source;
    this.firstLine = line;
    this.firstLineStart = lineStart;
  }

  /** The joined text. */
  get text(): string {
    if (this.parts !== null) {
      this.joined = this.parts.join('');
      this.parts = null;
    }
    return this.joined;
  }

  /** Adds the content of a continued line (it starts at `source`, on `line`). */
  add(piece: string, source: number, line: number): void {
    if (this.at === null) {
      this.at = [0];
      this.src = [this.firstSource];
      this.lines = [this.firstLine];
      this.parts = [this.joined];
    }
    this.at.push(this.length);
    this.src.push(source);
    this.lines.push(line);
    this.parts?.push(piece);
    this.length += piece.length;
  }

  /** Index of the piece holding logical offset `i` (the last piece starting at or before it). */
  private piece(i: number): number {
    const at = this.at;
    if (at === null) return 0;
    const last = at.length - 1;
    const h = this.hint;
    if ((at[h] ?? 0) <= i && (h === last || (at[h + 1] ?? 0) > i)) return h;
    if (h < last && (at[h + 1] ?? 0) <= i && (h + 1 === last || (at[h + 2] ?? 0) > i)) {
      this.hint = h + 1;
      return h + 1;
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((at[mid] ?? 0) <= i) lo = mid;
      else hi = mid - 1;
    }
    this.hint = lo;
    return lo;
  }

  /** Source offset of logical offset `i`. */
  source(i: number): number {
    if (this.at === null) return this.firstSource + i;
    const p = this.piece(i);
    return (this.src[p] ?? 0) + i - (this.at[p] ?? 0);
  }

  /** Source offset just after the character before logical offset `i` (an exclusive end). */
  sourceEnd(i: number): number {
    return i <= 0 ? this.source(0) : this.source(i - 1) + 1;
  }

  line(i: number): number {
    if (this.at === null) return this.firstLine;
    return this.lines[this.piece(i)] ?? 1;
  }

  locate(i: number): Location {
    if (this.at === null) {
      const offset = this.firstSource + i;
      return { offset, line: this.firstLine, column: offset - this.firstLineStart + 1 };
    }
    const p = this.piece(i);
    const offset = (this.src[p] ?? 0) + i - (this.at[p] ?? 0);
    const lineStart = p === 0 ? this.firstLineStart : (this.src[p] ?? 0);
    return { offset, line: this.lines[p] ?? 1, column: offset - lineStart + 1 };
  }
}

const DIRECTIVES = new Set<string>(['syntax', 'escape', 'check']);
const HEREDOC = /^(\d*)<<(-?)([^<]*)$/;
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
/** Instructions whose arguments may be a JSON array. */
const JSON_FORM = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'ADD', 'COPY', 'VOLUME']);
/** More than this many here-documents on one line are not read (bounded work on hostile input). */
const MAX_HEREDOCS = 1000;

/** Go's `unicode.IsSpace`, which BuildKit trims lines and splits words with. */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000;
}

/** BuildKit's `[\t\v\f\r ]`: what separates the keyword from its arguments, and whitespace-delimited words. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

/**
 * Reads a Dockerfile. Never throws: what BuildKit would refuse is read as far as it can be and
 * reported in `problems`.
 */
export function readDockerfile(text: string): DockerfileReading {
  return new Reader(text).read();
}

/**
 * The last text read by {@link readDockerfileOnce} and its reading. An upload is redacted, then
 * parsed: when redaction leaves a Dockerfile as it was (or proved its redacted text by reading
 * it), the parser reuses that reading instead of reading the same text again. Readings are
 * never modified after they are made, so sharing one is safe.
 */
let last: DockerfileReading | null = null;

/** {@link readDockerfile}, but the same text twice in a row is read once (the redactor, then the parser). */
export function readDockerfileOnce(text: string): DockerfileReading {
  if (last?.text === text) return last;
  last = readDockerfile(text);
  return last;
}

class Reader {
  private readonly text: string;
  private readonly n: number;
  private pos = 0;
  /** 1-based number of the line starting at `pos`. */
  private lineNo = 1;
  private escape: '\\' | '`' = '\\';
  private directivesDone = false;
  private readonly directives: Directive[] = [];
  private readonly instructions: DockerInstruction[] = [];
  private readonly problems: SyntaxProblem[] = [];

  constructor(text: string) {
    this.text = text;
    this.n = text.length;
  }

  read(): DockerfileReading {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < this.n) this.statement();
    return { text: this.text, escape: this.escape, directives: this.directives, instructions: this.instructions, problems: this.problems };
  }

  private problem(severity: SyntaxProblem['severity'], line: number, message: string): void {
    if (this.problems.length < 100) this.problems.push({ severity, line, message });
  }

  /** The current physical line's content end (no `\r`s or `\n`) and the next line's start, set by {@link physical}. */
  private lineEnd = 0;
  private nextLine = 0;

  /** Finds the current physical line (it starts at `pos`). */
  private physical(): void {
    const nl = this.text.indexOf('\n', this.pos);
    let end = nl === -1 ? this.n : nl;
    while (end > this.pos && this.text.charCodeAt(end - 1) === 0x0d) end--;
    this.lineEnd = end;
    this.nextLine = nl === -1 ? this.n : nl + 1;
  }

  private advance(next: number): void {
    this.pos = next;
    this.lineNo++;
  }

  /** Reads one instruction, or skips one comment or empty line. */
  private statement(): void {
    this.physical();
    const start = this.pos;
    const end = this.lineEnd;
    const next = this.nextLine;
    const line = this.lineNo;
    let s = start;
    while (s < end && isSpace(this.text.charCodeAt(s))) s++;
    if (!this.directivesDone) this.directive(s, end, line, start);
    this.advance(next);
    if (s === end || this.text.charCodeAt(s) === 0x23) return;

    let cut = this.continuation(s, end);
    const logical = new LogicalLine(this.text.slice(s, cut === -1 ? end : cut), s, line, start);
    // BuildKit counts the comment and empty lines a continuation skips into the instruction's lines.
    let lastLine = line;
    let lastEnd = end;
    let emptyLines = 0;
    while (cut !== -1 && this.pos < this.n) {
      this.physical();
      const from = this.pos;
      const to = this.lineEnd;
      const l = this.lineNo;
      this.advance(this.nextLine);
      lastLine = l;
      lastEnd = to;
      let t = from;
      while (t < to && isSpace(this.text.charCodeAt(t))) t++;
      if (t < to && this.text.charCodeAt(t) === 0x23) continue;
      if (t === to) {
        emptyLines++;
        continue;
      }
      cut = this.continuation(from, to);
      logical.add(this.text.slice(from, cut === -1 ? to : cut), from, l);
    }
    if (emptyLines > 0) this.problem('warning', line, 'empty continuation line (BuildKit warns; a future release will refuse it)');

    const ins = this.instruction(logical, 0, line, { offset: s, line, column: s - start + 1 });
    if (!ins) return;
    ins.endLine = lastLine;
    ins.end = lastEnd;
    const carrier = ins.keyword === 'ONBUILD' ? ins.trigger : ins;
    if (carrier && HEREDOC_KEYWORDS.has(carrier.keyword) && carrier.json === null && logical.text.includes('<<')) {
      this.heredocs(ins, carrier, logical.text);
    }
    this.instructions.push(ins);
  }

  /**
   * BuildKit's directive reading of one line (leading blanks removed): a valid directive is
   * recorded; anything else ends the directives.
   */
  private directive(s: number, end: number, line: number, lineStart: number): void {
    const m = directiveOf(this.text, s, end);
    const name = m?.name.toLowerCase() ?? '';
    if (!m || !DIRECTIVES.has(name)) {
      this.directivesDone = true;
      return;
    }
    const value = m.value;
    if (this.directives.some((d) => d.name === name)) {
      this.problem('error', line, `only one ${name} parser directive can be used`);
      return;
    }
    this.directives.push({ name: name as DirectiveName, value, offset: s, line, column: s - lineStart + 1 });
    if (name === 'escape') {
      if (value === '\\' || value === '`') this.escape = value;
      else this.problem('error', line, `invalid escape token '${value}' does not match \` or \\`);
    }
  }

  /**
   * Where a line continued by the escape character is cut (the escape's offset), or -1 when the
   * line does not continue. `from` is where the line's text starts (after leading blanks on an
   * instruction's first line): a lone escape there continues too.
   */
  private continuation(from: number, end: number): number {
    let k = end - 1;
    while (k >= from && (this.text.charCodeAt(k) === 0x20 || this.text.charCodeAt(k) === 0x09)) k--;
    if (k < from || this.text.charAt(k) !== this.escape) return -1;
    if (k > from && this.text.charAt(k - 1) === this.escape) return -1;
    return k;
  }

  /**
   * An instruction from a logical line, starting at `from` (0, or after ONBUILD, which passes no
   * `where`). Null for an ONBUILD with nothing after it.
   */
  private instruction(logical: LogicalLine, from: number, line: number, where?: Location): DockerInstruction | null {
    const t = logical.text;
    let end = t.length;
    while (end > from && isSpace(t.charCodeAt(end - 1))) end--;
    let k = from;
    while (k < end && isSpace(t.charCodeAt(k))) k++;
    // ONBUILD with nothing after it has no trigger; a logical line of nothing but continuations
    // is an instruction without a keyword (which BuildKit then refuses as unknown).
    if (k === end && !where) return null;
    const kStart = k;
    while (k < end && !isBlank(t.charCodeAt(k))) k++;
    const word = t.slice(kStart, k);
    const keyword = word.toUpperCase();
    const at = where ?? logical.locate(kStart);
    const flags: Flag[] = [];
    const restAt = this.flags(logical, k, end, flags);
    const ins = new Instruction(at, keyword, word, logical, k, restAt, end, flags);
    if (JSON_FORM.has(keyword)) ins.json = this.json(ins.rest, line);
    if (keyword === 'ENV' || keyword === 'LABEL') ins.properties = this.nameValues(logical, restAt, end, keyword, line);
    else if (keyword === 'ARG') ins.properties = this.argNames(logical, restAt, end);
    else if (keyword === 'ONBUILD') {
      // BuildKit refuses ONBUILD ONBUILD; reading no deeper keeps a hostile chain from recursing.
      ins.trigger = where ? this.instruction(logical, restAt, line) : null;
      if (ins.trigger?.keyword === 'ONBUILD') this.problem('error', line, 'ONBUILD ONBUILD is not allowed');
    }
    return ins;
  }

  /**
   * BuildKit's `extractBuilderFlags`: the `--` words after the keyword. Returns where the
   * arguments after them start.
   */
  private flags(logical: LogicalLine, from: number, end: number, out: Flag[]): number {
    const t = logical.text;
    let pos = from;
    for (;;) {
      while (pos < end && isSpace(t.charCodeAt(pos))) pos++;
      if (pos >= end) return end;
      if (t.charAt(pos) !== '-' || t.charAt(pos + 1) !== '-') return pos;
      const start = pos;
      let word = '';
      let quote = '';
      let blankOk = false;
      // Most flags hold no quote or backslash: one slice.
      let plain = pos;
      for (; plain < end; plain++) {
        const c = t.charCodeAt(plain);
        if (c === 0x22 || c === 0x27 || c === 0x5c || isSpace(c)) break;
      }
      const simple = plain === end || isSpace(t.charCodeAt(plain));
      if (simple) {
        word = t.slice(pos, plain);
        pos = plain;
      }
      for (; !simple && pos < end; pos++) {
        const ch = t.charAt(pos);
        if (quote === '') {
          if (isSpace(t.charCodeAt(pos))) break;
          if (ch === "'" || ch === '"') {
            quote = ch;
            blankOk = true;
            continue;
          }
        } else if (ch === quote) {
          quote = '';
          continue;
        }
        if (ch === '\\') {
          if (pos + 1 === end) {
            if (quote !== '') quote = '';
            continue;
          }
          pos++;
          word += t.charAt(pos);
          continue;
        }
        word += ch;
      }
      if (word === '--') {
        // A lone `--` ends the flags and is no flag itself.
        while (pos < end && isSpace(t.charCodeAt(pos))) pos++;
        return pos;
      }
      if (blankOk || word !== '') {
        const body = word.slice(2);
        const eq = body.indexOf('=');
        const at = logical.locate(start);
        out.push({
          offset: at.offset,
          line: at.line,
          column: at.column,
          name: eq === -1 ? body : body.slice(0, eq),
          value: eq === -1 ? null : body.slice(eq + 1),
          raw: t.slice(start, pos),
        });
      }
    }
  }

  /** Exec form: a JSON array of strings, or null (shell form). */
  private json(rest: string, line: number): string[] | null {
    if (rest.charAt(0) !== '[') return null;
    let v: unknown;
    try {
      v = JSON.parse(rest);
    } catch {
      return null;
    }
    if (!Array.isArray(v)) return null;
    if (!v.every((x): x is string => typeof x === 'string')) {
      this.problem('error', line, 'exec form holds something other than strings (BuildKit refuses it)');
      return null;
    }
    return v;
  }

  /** ENV and LABEL: `NAME=value …`, or the old `NAME value` (one pair, the value all the rest). */
  private nameValues(logical: LogicalLine, from: number, end: number, keyword: string, line: number): Property[] {
    const t = logical.text;
    const words = dockerfileWords(t.slice(from, end), this.escape);
    const w0 = words[0];
    if (!w0) return [];
    const out: Property[] = [];
    const raw0 = t.slice(from + w0.start, from + w0.end);
    if (!raw0.includes('=')) {
      let k = from;
      while (k < end && !isBlank(t.charCodeAt(k))) k++;
      const nameEnd = k;
      while (k < end && isBlank(t.charCodeAt(k))) k++;
      if (k >= end) {
        this.problem('error', line, `${keyword} must have two arguments`);
        return [];
      }
      out.push({ name: t.slice(from, nameEnd), value: t.slice(k, end), nameAt: logical.locate(from), valueAt: logical.locate(k), valueEnd: logical.sourceEnd(end) });
      return out;
    }
    for (const w of words) {
      const a = from + w.start;
      const b = from + w.end;
      const raw = t.slice(a, b);
      const eq = raw.indexOf('=');
      if (eq === -1) {
        this.problem('error', line, `${keyword}: no = in ${JSON.stringify(raw.slice(0, 40))}; it must be NAME=value`);
        continue;
      }
      out.push({ name: raw.slice(0, eq), value: raw.slice(eq + 1), nameAt: logical.locate(a), valueAt: logical.locate(a + eq + 1), valueEnd: logical.sourceEnd(b) });
    }
    return out;
  }

  /** ARG: `NAME` or `NAME=default`, any number of them. */
  private argNames(logical: LogicalLine, from: number, end: number): Property[] {
    const t = logical.text;
    return dockerfileWords(t.slice(from, end), this.escape).map((w) => {
      const a = from + w.start;
      const b = from + w.end;
      const raw = t.slice(a, b);
      const eq = raw.indexOf('=');
      if (eq === -1) return { name: raw, value: null, nameAt: logical.locate(a), valueAt: null, valueEnd: logical.sourceEnd(b) };
      return { name: raw.slice(0, eq), value: raw.slice(eq + 1), nameAt: logical.locate(a), valueAt: logical.locate(a + eq + 1), valueEnd: logical.sourceEnd(b) };
    });
  }

  /**
   * BuildKit's `heredocsFromLine`: words of the whole logical line (backslash escapes, quotes
   * kept) that read `[n]<<[-]NAME`; then each body from the lines that follow.
   */
  private heredocs(ins: DockerInstruction, carrier: DockerInstruction, line: string): void {
    const found: Heredoc[] = [];
    for (const w of splitWords(line, TEXT)) {
      const raw = line.slice(w.start, w.end);
      const m = raw.includes('<<') ? HEREDOC.exec(raw) : null;
      if (!m) continue;
      const doc = heredocName(m[3] ?? '');
      if (!doc) continue;
      found.push({ name: doc.name, chomp: m[2] === '-', expand: doc.expand, fd: m[1] ? Number(m[1]) : null, content: '', line: 0, endLine: 0, terminated: false });
      if (found.length >= MAX_HEREDOCS) break;
    }
    if (found.length === 0) return;
    ins.bodyAt = this.pos;
    ins.bodyLine = this.lineNo;
    for (const doc of found) {
      const from = this.pos;
      doc.line = this.lineNo;
      while (this.pos < this.n) {
        this.physical();
        const lineFrom = this.pos;
        const lineTo = this.lineEnd;
        const l = this.lineNo;
        let t = lineFrom;
        if (doc.chomp) while (t < lineTo && this.text.charCodeAt(t) === 0x09) t++;
        const isEnd = lineTo - t === doc.name.length && this.text.startsWith(doc.name, t);
        this.advance(this.nextLine);
        if (isEnd) {
          doc.content = this.text.slice(from, lineFrom);
          doc.endLine = l;
          doc.terminated = true;
          ins.endLine = l;
          ins.end = lineTo;
          break;
        }
      }
      carrier.heredocs.push(doc);
      if (carrier !== ins) ins.heredocs.push(doc);
      if (!doc.terminated) {
        // BuildKit stops here with an error; the rest of the file is this document's body.
        doc.content = this.text.slice(from, this.n);
        doc.endLine = this.lineNo - 1;
        ins.endLine = Math.max(ins.endLine, this.lineNo - 1);
        ins.end = Math.max(ins.end, this.physicalEnd(this.n));
        this.problem('error', ins.line, `unterminated here-document ${JSON.stringify(doc.name.slice(0, 40))}`);
        break;
      }
    }
  }

  /** The end of the content of the line that ends at `end` (trailing line breaks dropped). */
  private physicalEnd(end: number): number {
    let e = end;
    while (e > 0 && (this.text.charCodeAt(e - 1) === 0x0a || this.text.charCodeAt(e - 1) === 0x0d)) e--;
    return e;
  }
}

/** An instruction; its blank-separated arguments are located when first asked for. */
class Instruction implements DockerInstruction {
  offset: number;
  line: number;
  column: number;
  readonly keyword: string;
  readonly word: string;
  endLine: number;
  end: number;
  readonly logical: LogicalLine;
  readonly argsAt: number;
  readonly rest: string;
  readonly restAt: number;
  private readonly restEnd: number;
  readonly flags: Flag[];
  json: string[] | null = null;
  properties: Property[] = [];
  heredocs: Heredoc[] = [];
  bodyAt = -1;
  bodyLine = -1;
  trigger: DockerInstruction | null = null;
  private located: Argument[] | null = null;

  constructor(at: Location, keyword: string, word: string, logical: LogicalLine, argsAt: number, restAt: number, restEnd: number, flags: Flag[]) {
    this.offset = at.offset;
    this.line = at.line;
    this.column = at.column;
    this.keyword = keyword;
    this.word = word;
    this.endLine = at.line;
    this.end = logical.sourceEnd(restEnd);
    this.logical = logical;
    this.argsAt = argsAt;
    this.rest = logical.text.slice(restAt, restEnd);
    this.restAt = restAt;
    this.restEnd = restEnd;
    this.flags = flags;
  }

  get args(): Argument[] {
    this.located ??= blankWords(this.logical, this.restAt, this.restEnd);
    return this.located;
  }

  get words(): string[] {
    const rest = this.rest;
    const out: string[] = [];
    let i = 0;
    while (i < rest.length) {
      while (i < rest.length && isBlank(rest.charCodeAt(i))) i++;
      const start = i;
      while (i < rest.length && !isBlank(rest.charCodeAt(i))) i++;
      if (i > start) out.push(rest.slice(start, i));
    }
    return out;
  }
}

/** Go's `\s`, which BuildKit's directive pattern uses: ASCII blanks without `\v`. */
function isDirectiveBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * BuildKit's directive pattern `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` on text[s, end),
 * read by hand: the pattern backtracks quadratically over a long run of blanks, a loop does not.
 */
function directiveOf(text: string, s: number, end: number): { name: string; value: string } | null {
  if (text.charCodeAt(s) !== 0x23) return null;
  let i = s + 1;
  while (i < end && isDirectiveBlank(text.charCodeAt(i))) i++;
  const nameStart = i;
  if (i >= end || !isLetter(text.charCodeAt(i))) return null;
  while (i < end && (isLetter(text.charCodeAt(i)) || (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39))) i++;
  const name = text.slice(nameStart, i);
  while (i < end && isDirectiveBlank(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x3d) return null;
  const afterEq = i + 1;
  if (afterEq >= end) return null;
  i = afterEq;
  while (i < end && isDirectiveBlank(text.charCodeAt(i))) i++;
  // Nothing but blanks after `=`: the lazy group still takes one character, the last one.
  if (i >= end) return { name, value: text.charAt(end - 1) };
  let j = end;
  while (j > i && isDirectiveBlank(text.charCodeAt(j - 1))) j--;
  return { name, value: text.slice(i, j) };
}

/**
 * A here-document name (what follows `<<` or `<<-`): one word, quotes removed; quoted (in any
 * part) means the body is not expanded. Null when it is not one word.
 */
function heredocName(rest: string): { name: string; expand: boolean } | null {
  if (rest === '') return null;
  const words = splitWords(rest, TEXT);
  const w = words[0];
  if (words.length !== 1 || !w || w.start !== 0 || w.end !== rest.length) return null;
  return { name: w.value, expand: w.quotes.length === 0 };
}

/** BuildKit's `parseWords` for ENV, ARG and LABEL: blanks split, quotes and the escape keep words together. */
function dockerfileWords(text: string, escape: string): ShellWord[] {
  return splitWords(text, escape === '\\' ? TEXT : BACKTICK_TEXT);
}

const BACKTICK_TEXT = { ...TEXT, escape: '`' };

/** The blank-separated words of `logical.text` between `from` and `end`, with their locations. */
function blankWords(logical: LogicalLine, from: number, end: number): Argument[] {
  const t = logical.text;
  const out: Argument[] = [];
  let i = from;
  while (i < end) {
    while (i < end && isBlank(t.charCodeAt(i))) i++;
    if (i >= end) break;
    const start = i;
    while (i < end && !isBlank(t.charCodeAt(i))) i++;
    const at = logical.locate(start);
    out.push({ offset: at.offset, line: at.line, column: at.column, value: t.slice(start, i) });
  }
  return out;
}
