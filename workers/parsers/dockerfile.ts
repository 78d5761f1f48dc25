/**
 * Dockerfile → evidence. `dockerfile-ast` finds the instructions (parser directives, the escape
 * character, continuations, here-documents, lowercase keywords); this module then reads each
 * instruction the way BuildKit does: ARGs before the first FROM are substituted into FROM,
 * `ENV`/`ARG` values into USER/EXPOSE/ADD, exec form is JSON and shell form goes through the
 * stage's SHELL, and RUN scripts are split into simple commands (`shell.ts`) from which package
 * installs and user creations are read.
 */
import { Add, Arg, Copy, DockerfileParser, Env, type Instruction, ModifiableInstruction, Run } from 'dockerfile-ast';
import type { AddInstruction, Dockerfile, EvidencePart, Protocol, Source, Stage } from '../model/evidence.ts';
import {
  type ManagerConfig,
  type SimpleCommand,
  basename,
  expandCommands,
  packageInstall,
  readManagerConfig,
  shellInvocation,
  splitArgv,
  tokenizeShell,
  userCreation,
} from './shell.ts';
import { ArtifactError, textContent } from './util.ts';

/**
 * Larger input is refused. Real Dockerfiles stay far below this (big ones are tens of KB), and
 * `dockerfile-ast` needs 1.5–4 µs a character on a busy machine, so a hostile upload stays ~2 s.
 */
export const MAX_DOCKERFILE_CHARS = 512 * 1024;
const MAX_NOTES = 20;
/** `EXPOSE 8000-8063` is expanded; a wider range keeps only its first port. */
const MAX_PORT_RANGE = 64;
/** Past this many recorded ports per Dockerfile, ranges are no longer expanded (keeps output bounded). */
const MAX_EXPANDED_PORTS = 4096;
/** Nested `${a:-${b:-…}}` defaults are followed this deep; deeper counts as unresolved. */
const MAX_EXPANSION_DEPTH = 8;
/** Variables inherited through more `FROM <stage>` links than this count as unknown. */
const MAX_INHERITANCE = 32;
/** Platform ARGs BuildKit defines in the global scope; their values depend on the build. */
const PLATFORM_ARGS = new Set([
  'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT',
]);
const DIGEST = /@(sha256:[0-9a-f]{64})$/;
const KNOWN = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD',
  'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/** A variable's value: a string, null when declared but only the build knows it (`ARG X`). */
type Vars = Map<string, string | null>;

interface StageState {
  stage: Stage;
  args: Vars;
  /** ENV values set in this stage; a stage built FROM this one sees them through `parent`. */
  env: Vars;
  parent: StageState | null;
  shell: string[];
  /** The RUN shell reads POSIX syntax (not cmd or PowerShell, where `\\` separates paths). */
  posix: boolean;
  /** Package manager configuration an earlier RUN wrote into the image. */
  config: ManagerConfig;
}

interface Context {
  text: string;
  lineStarts: number[];
  escape: string;
  globals: Vars;
  states: StageState[];
  /** Stages by lower-cased name (BuildKit compares stage names case-insensitively); a later one shadows. */
  named: Map<string, StageState>;
  notes: string[];
  /** Ports recorded from EXPOSE so far. */
  ports: number;
}

/**
 * Parses a Dockerfile into one `Dockerfile` with its stages. Throws `ArtifactError` for content
 * that is not text, empty, larger than {@link MAX_DOCKERFILE_CHARS}, or without any FROM.
 */
export function parseDockerfile(content: unknown, source: Source): EvidencePart {
  const given = textContent(content, 'Dockerfile');
  if (given.length > MAX_DOCKERFILE_CHARS) {
    throw new ArtifactError(`Dockerfile is too large (${given.length} characters; at most ${MAX_DOCKERFILE_CHARS} are read)`);
  }
  const text = normaliseText(given);
  if (text.trim() === '') throw new ArtifactError('Dockerfile has no instructions');
  try {
    return build(text, source);
  } catch (e) {
    if (e instanceof ArtifactError) throw e;
    throw new ArtifactError(`Dockerfile could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** One newline convention, and no NUL (it has no meaning in a Dockerfile and no place in stored text). */
function normaliseText(text: string): string {
  // Most files have neither; skipping the replace saves two scans of the whole text.
  const lf = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  return lf.includes('\0') ? lf.replace(/\0/g, '\uFFFD') : lf;
}

function build(text: string, source: Source): EvidencePart {
  const ast = DockerfileParser.parse(text);
  const instructions = ast.getInstructions();
  if (instructions.length === 0) throw new ArtifactError('Dockerfile has no instructions');
  const ctx: Context = {
    text,
    lineStarts: lineStarts(text),
    escape: ast.getEscapeCharacter(),
    globals: new Map(),
    states: [],
    named: new Map(),
    notes: [],
    ports: 0,
  };
  for (const ins of instructions) {
    const keyword = ins.getKeyword();
    const line = ins.getRange().start.line + 1;
    const current = ctx.states[ctx.states.length - 1];
    if (keyword === 'FROM') {
      startStage(ctx, ins, line);
    } else if (!current) {
      if (ins instanceof Arg) globalArg(ctx, ins);
      else note(ctx, `line ${line}: ${describeKeyword(keyword)} before the first FROM belongs to no stage and was ignored`);
    } else {
      current.stage.endLine = ins.getRange().end.line + 1;
      stageInstruction(ctx, current, ins, keyword, line);
    }
  }
  if (ctx.states.length === 0) throw new ArtifactError('Dockerfile has no FROM instruction');
  const dockerfile: Dockerfile = { source, stages: ctx.states.map((s) => s.stage) };
  return { dockerfiles: [dockerfile], notes: ctx.notes };
}

function describeKeyword(keyword: string): string {
  return KNOWN.has(keyword) ? keyword : `unknown instruction ${JSON.stringify(keyword.slice(0, 40))}`;
}

function note(ctx: Context, text: string): void {
  if (ctx.notes.length < MAX_NOTES) ctx.notes.push(text);
  else if (ctx.notes.length === MAX_NOTES) ctx.notes.push('further notes omitted');
}

function stageInstruction(ctx: Context, state: StageState, ins: Instruction, keyword: string, line: number): void {
  switch (keyword) {
    case 'ARG':
      if (ins instanceof Arg) stageArg(ctx, state, ins);
      return;
    case 'ENV':
      if (ins instanceof Env) stageEnv(ctx, state, ins, line);
      return;
    case 'USER': {
      const raw = head(ctx, ins).trim();
      if (raw !== '') state.stage.users.push({ value: expandOr(ctx, raw, stageLookup(state), 'unknown'), path: `line ${line}` });
      return;
    }
    case 'CMD':
    case 'ENTRYPOINT': {
      const argv = commandForm(ctx, ins, state.shell);
      if (argv) state.stage[keyword === 'CMD' ? 'cmd' : 'entrypoint'] = { value: argv, path: `line ${line}` };
      return;
    }
    case 'SHELL': {
      const argv = jsonArray(head(ctx, ins));
      if (argv && argv.length > 0) {
        state.shell = argv;
        state.posix = shellInvocation(argv) !== null;
      }
      return;
    }
    case 'RUN':
      return run(ctx, state, ins, line);
    case 'ADD':
    case 'COPY':
      return addOrCopy(ctx, state, ins, keyword, line);
    case 'EXPOSE':
      return expose(ctx, state, ins, line);
    default:
      if (!KNOWN.has(keyword)) note(ctx, `line ${line}: ${describeKeyword(keyword)} ignored`);
  }
}

// ---------------------------------------------------------------- text of an instruction

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function offsetAt(ctx: Context, pos: { line: number; character: number }): number {
  const start = ctx.lineStarts[pos.line] ?? ctx.text.length;
  return Math.min(start + pos.character, ctx.text.length);
}

/** Text with a map back to the file: file line `lines[i]` (1-based) starts at `offsets[i]` of `text`. */
interface Logical {
  text: string;
  offsets: number[];
  lines: number[];
}

/**
 * The instruction's arguments as the shell or Docker sees them: flags removed, continuations
 * (escape character, blanks, newline) joined, comment and blank lines inside continuations
 * dropped as BuildKit drops them, and here-document bodies kept verbatim.
 */
function logical(ctx: Context, ins: Instruction): Logical {
  let from = ins.getInstructionRange().end;
  if (ins instanceof ModifiableInstruction) {
    const flags = ins.getFlags();
    const last = flags[flags.length - 1];
    if (last) from = last.getRange().end;
  }
  const start = offsetAt(ctx, from);
  const end = offsetAt(ctx, ins.getRange().end);
  const verbatim = heredocBodyLines(ctx, ins, start, end);
  const out: Logical = { text: '', offsets: [], lines: [] };
  const parts: string[] = [];
  let length = 0;
  let continued = false;
  for (let lineNo = from.line, pos = start; pos <= end && lineNo < ctx.lineStarts.length; lineNo++) {
    const eol = ctx.text.indexOf('\n', pos);
    const lineEnd = Math.min(eol === -1 ? ctx.text.length : eol, end);
    const raw = ctx.text.slice(pos, lineEnd);
    const last = lineEnd >= end;
    pos = lineEnd + 1;
    let piece: string;
    if (verbatim.has(lineNo)) {
      piece = raw;
      continued = false;
    } else if (continued && isBlankOrComment(raw)) {
      continue;
    } else {
      const cut = continuationAt(raw, ctx.escape);
      continued = cut !== -1;
      piece = continued ? raw.slice(0, cut) : raw;
    }
    out.offsets.push(length);
    out.lines.push(lineNo + 1);
    if (!continued && !last) piece += '\n';
    parts.push(piece);
    length += piece.length;
    if (last) break;
  }
  out.text = parts.join('');
  return out;
}

/** Lines (0-based) that are here-document bodies or delimiters, which Docker passes on untouched. */
function heredocBodyLines(ctx: Context, ins: Instruction, start: number, end: number): Set<number> {
  const lines = new Set<number>();
  // Asking dockerfile-ast for here-documents re-reads the whole instruction: only when one can be there.
  if ((!(ins instanceof Run) && !(ins instanceof Copy)) || !ctx.text.slice(start, end).includes('<<')) return lines;
  const last = ins.getRange().end.line;
  for (const h of ins.getHeredocs()) {
    const first = h.getContentRange()?.start.line ?? h.getDelimiterRange()?.start.line ?? null;
    if (first === null) continue;
    const until = h.getDelimiterRange()?.end.line ?? last;
    for (let l = first; l <= until; l++) lines.add(l);
  }
  return lines;
}

function isBlankOrComment(line: string): boolean {
  const t = line.trimStart();
  return t === '' || t.startsWith('#');
}

/** Index of a trailing line-continuation escape (escape character, then only blanks), or -1. */
function continuationAt(line: string, escape: string): number {
  let i = line.length - 1;
  while (i >= 0 && (line.charAt(i) === ' ' || line.charAt(i) === '\t')) i--;
  return i >= 0 && line.charAt(i) === escape ? i : -1;
}

function lineOf(l: Logical, offset: number): number {
  let lo = 0;
  let hi = l.offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((l.offsets[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return l.lines[lo] ?? 1;
}

/** The instruction's first logical line: everything but here-document bodies. */
function head(ctx: Context, ins: Instruction): string {
  const text = logical(ctx, ins).text;
  const nl = text.indexOf('\n');
  return nl === -1 ? text : text.slice(0, nl);
}

/** A JSON array of strings (exec form), or null: Docker falls back to shell form then. */
function jsonArray(text: string): string[] | null {
  const t = text.trim();
  if (!t.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((x): x is string => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** CMD/ENTRYPOINT as argv: exec form as given, shell form through the stage's SHELL. */
function commandForm(ctx: Context, ins: Instruction, shell: readonly string[]): string[] | null {
  const text = head(ctx, ins).trim();
  if (text === '') return null;
  return jsonArray(text) ?? [...shell, text];
}

// ---------------------------------------------------------------- variables

type Lookup = (name: string) => string | null | undefined;

/**
 * Docker's word processing (quotes, escapes, `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}`) for one
 * word. Null when a variable the result depends on has no known value. Undeclared variables are
 * empty in the global scope (FROM) and unknown in a stage (the base image may set them).
 */
function expandWord(raw: string, escape: string, lookup: Lookup, undeclared: 'empty' | 'unknown', depth = 0): string | null {
  if (depth > MAX_EXPANSION_DEPTH) return null;
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
    } else if (c === '$') {
      const v = variable(raw, i, escape, lookup, undeclared, depth);
      if (v.value === null) return null;
      out += v.value;
      i = v.end;
    } else {
      out += c;
    }
  }
  return out;
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

function expandOr(ctx: Context, raw: string, lookup: Lookup, undeclared: 'empty' | 'unknown'): string {
  return expandWord(raw, ctx.escape, lookup, undeclared) ?? raw;
}

function globalLookup(ctx: Context): Lookup {
  return (name) => (ctx.globals.has(name) ? ctx.globals.get(name) : PLATFORM_ARGS.has(name) ? null : undefined);
}

/**
 * ENV (this stage's, then the stages it is built FROM) outranks ARG of the same name. Past
 * {@link MAX_INHERITANCE} stages a variable counts as unknown, so a hostile chain stays cheap.
 */
function stageLookup(state: StageState): Lookup {
  return (name) => {
    let s: StageState | null = state;
    for (let depth = 0; s; depth++, s = s.parent) {
      if (depth > MAX_INHERITANCE) return null;
      if (s.env.has(name)) return s.env.get(name);
    }
    return state.args.get(name);
  };
}

function globalArg(ctx: Context, ins: Arg): void {
  for (const p of ins.getProperties()) {
    const raw = p.getUnescapedValue();
    ctx.globals.set(p.getName(), raw === null ? null : expandWord(raw, ctx.escape, globalLookup(ctx), 'empty'));
  }
}

/** `ARG X` in a stage takes the default of a global `ARG X`; BuildKit scopes them that way. */
function stageArg(ctx: Context, state: StageState, ins: Arg): void {
  for (const p of ins.getProperties()) {
    const raw = p.getUnescapedValue();
    const name = p.getName();
    if (raw === null) state.args.set(name, ctx.globals.has(name) ? (ctx.globals.get(name) ?? null) : null);
    else state.args.set(name, expandWord(raw, ctx.escape, stageLookup(state), 'unknown'));
    state.stage.args.push({ name, value: state.args.get(name) ?? null, line: ins.getRange().start.line + 1 });
  }
}

function stageEnv(ctx: Context, state: StageState, ins: Env, line: number): void {
  // All values of one ENV see the variables as they were before it, so expand first, then set.
  const lookup = stageLookup(state);
  const entries = ins.getProperties().map((p) => {
    const raw = p.getUnescapedValue() ?? '';
    return { name: p.getName(), expanded: expandWord(raw, ctx.escape, lookup, 'unknown'), literal: p.getValue() ?? raw };
  });
  for (const e of entries) {
    state.env.set(e.name, e.expanded);
    state.stage.env.push({ name: e.name, value: e.expanded ?? e.literal, line });
  }
}

// ---------------------------------------------------------------- FROM

/** Whitespace-separated words, keeping quoted parts together (Docker's shell-form word split). */
function words(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote === '' && (c === ' ' || c === '\t' || c === '\n')) {
      if (current !== '') out.push(current);
      current = '';
      continue;
    }
    if (quote === '' && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = '';
    current += c;
  }
  if (current !== '') out.push(current);
  return out;
}

function startStage(ctx: Context, ins: Instruction, line: number): void {
  const parts = words(head(ctx, ins));
  const raw = parts[0];
  if (raw === undefined) throw new ArtifactError('FROM names no image', `line ${line}`);
  const name = parts[1]?.toLowerCase() === 'as' ? (parts[2] ?? null) : null;
  // An empty result (`FROM $UNDECLARED`) names no image either.
  const resolved = expandWord(raw, ctx.escape, globalLookup(ctx), 'empty') || null;
  const target = resolved?.toLowerCase() ?? null;
  const parent = target === null ? undefined : ctx.named.get(target);
  const stage: Stage = {
    index: ctx.states.length,
    name,
    from: {
      raw,
      resolved,
      line,
      scratch: target === 'scratch',
      stageRef: parent !== undefined,
      digest: resolved === null ? null : (DIGEST.exec(resolved)?.[1] ?? null),
    },
    users: [],
    entrypoint: null,
    cmd: null,
    runs: [],
    installs: [],
    userCreations: [],
    adds: [],
    copies: [],
    exposes: [],
    env: [],
    args: [],
    runLines: [],
    line,
    endLine: ins.getRange().end.line + 1,
  };
  // A stage built FROM another inherits its environment, shell and files (package manager config).
  ctx.states.push({
    stage,
    args: new Map(),
    env: new Map(),
    parent: parent ?? null,
    shell: parent ? [...parent.shell] : ['/bin/sh', '-c'],
    // The escape directive exists for Windows, where the default shell is cmd and `\\` a path separator.
    posix: parent ? parent.posix : ctx.escape !== '`',
    config: parent ? { ...parent.config } : { aptNoRecommends: false, noWeakDeps: false, zypperOnlyRequires: false },
  });
  const state = ctx.states[ctx.states.length - 1];
  if (name !== null && state) ctx.named.set(name.toLowerCase(), state);
}

// ---------------------------------------------------------------- ADD, COPY, EXPOSE

function flagValue(ins: Instruction, name: string): string | null {
  if (!(ins instanceof ModifiableInstruction)) return null;
  return ins.getFlags().find((f) => f.getName().toLowerCase() === name)?.getValue() ?? null;
}

function addOrCopy(ctx: Context, state: StageState, ins: Instruction, keyword: 'ADD' | 'COPY', line: number): void {
  const text = head(ctx, ins);
  const lookup = stageLookup(state);
  const operands = jsonArray(text) ?? words(text).map((w) => expandOr(ctx, w, lookup, 'unknown'));
  const sources = operands.slice(0, -1);
  if (keyword === 'ADD' && ins instanceof Add) {
    const checksum = flagValue(ins, 'checksum');
    const add: AddInstruction = { sources, checksum: checksum === null ? null : expandOr(ctx, checksum, lookup, 'unknown'), line };
    state.stage.adds.push(add);
  } else {
    const from = flagValue(ins, 'from');
    state.stage.copies.push({ sources, fromStage: from === null ? null : expandOr(ctx, from, lookup, 'unknown'), line });
  }
}

function expose(ctx: Context, state: StageState, ins: Instruction, line: number): void {
  for (const word of words(head(ctx, ins))) {
    const spec = expandWord(word, ctx.escape, stageLookup(state), 'unknown');
    if (spec === null) {
      note(ctx, `line ${line}: EXPOSE ${word} depends on a build argument and was not read`);
      continue;
    }
    const slash = spec.indexOf('/');
    const proto = protocolOf(slash === -1 ? 'tcp' : spec.slice(slash + 1));
    const ports = slash === -1 ? spec : spec.slice(0, slash);
    if (proto === null) continue;
    const dash = ports.indexOf('-');
    const from = port(dash === -1 ? ports : ports.slice(0, dash));
    const to = dash === -1 ? from : port(ports.slice(dash + 1));
    if (from === null || to === null || to < from) continue;
    const last = to - from < MAX_PORT_RANGE && ctx.ports + (to - from) < MAX_EXPANDED_PORTS ? to : from;
    if (last !== to) note(ctx, `line ${line}: EXPOSE ${spec} spans ${to - from + 1} ports; only ${from} was recorded`);
    for (let p = from; p <= last; p++) state.stage.exposes.push({ port: p, protocol: proto, line });
    ctx.ports += last - from + 1;
  }
}

/** Docker accepts these three; anything else is an error there, and skipped here. */
function protocolOf(text: string): Protocol | null {
  const p = text.toLowerCase();
  return p === 'tcp' || p === 'udp' || p === 'sctp' ? p : null;
}

function port(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

// ---------------------------------------------------------------- RUN

function run(ctx: Context, state: StageState, ins: Instruction, line: number): void {
  state.stage.runLines.push(line);
  const l = logical(ctx, ins);
  const exec = jsonArray(l.text);
  let commands: { argv: string[]; line: number; pipedFrom: string[] | null }[];
  if (exec) {
    commands = splitArgv(exec).map((c) => ({ argv: c.argv, line, pipedFrom: c.pipedFrom }));
  } else {
    commands = shellCommands(l.text, state.posix).map((c) => ({ argv: c.argv, line: lineOf(l, c.offset), pipedFrom: c.pipedFrom }));
  }
  // The shell sees ARG and ENV values as environment variables.
  const lookup = stageLookup(state);
  const resolve = (word: string): string | null => expandWord(word, '\\', lookup, 'unknown');
  for (const c of commands) {
    state.stage.runs.push({ argv: c.argv, line: c.line });
    readManagerConfig(c.argv, state.config);
    const install = packageInstall(c, state.config);
    if (install) state.stage.installs.push({ ...install, line: c.line });
    const creation = userCreation(c.argv, resolve);
    if (creation) state.stage.userCreations.push({ ...creation, line: c.line });
  }
}

/**
 * A RUN that is nothing but one here-document runs the document as its script (BuildKit);
 * with a shebang of another interpreter it is no shell script at all.
 */
function shellCommands(text: string, posix: boolean): SimpleCommand[] {
  const raw = tokenizeShell(text, posix);
  const only = raw[0];
  const doc = only?.heredocs[0];
  if (raw.length === 1 && only && doc && only.argv.length === 0 && only.heredocs.length === 1) {
    if (!runsAsShell(doc.body)) return [];
    return expandCommands(tokenizeShell(doc.body, posix)).map((c) => ({ ...c, offset: c.offset + doc.offset }));
  }
  return expandCommands(raw);
}

function runsAsShell(script: string): boolean {
  if (!script.startsWith('#!')) return true;
  const nl = script.indexOf('\n');
  const interpreter = (nl === -1 ? script : script.slice(0, nl)).slice(2).trim().split(/\s+/);
  const program = basename(interpreter[0] ?? '') === 'env' ? interpreter.find((w, i) => i > 0 && !w.startsWith('-')) : interpreter[0];
  return shellInvocation([program ?? '']) !== null;
}
