/**
 * Dockerfile → evidence. The reader (`dockerfile-reader.ts`) finds the instructions as BuildKit
 * does (parser directives, the escape character, continuations, here-documents, flags, exec and
 * shell form); this module then reads what each instruction means the way BuildKit does: ARGs
 * before the first FROM are substituted into FROM, `ENV`/`ARG` values into USER/EXPOSE/ADD,
 * exec form is JSON and shell form goes through the stage's SHELL, and RUN scripts are split
 * into simple commands (`shell.ts`) from which package installs and user creations are read.
 * What BuildKit would refuse (an unknown flag, an unterminated here-document) is noted.
 */
import type { AddInstruction, Dockerfile, EvidencePart, Protocol, Source, Stage } from '../model/evidence.ts';
import { type DockerInstruction, type DockerfileReading, readDockerfileOnce } from './dockerfile-reader.ts';
import { expandWord, type Lookup, unquoteWord } from './dockerfile-words.ts';
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

const MAX_NOTES = 20;
/** `EXPOSE 8000-8063` is expanded; a wider range keeps only its first port. */
const MAX_PORT_RANGE = 64;
/** Past this many recorded ports per Dockerfile, ranges are no longer expanded (keeps output bounded). */
const MAX_EXPANDED_PORTS = 4096;
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
/** The flags each instruction takes (BuildKit, `dockerfile:1` and `1-labs`); any other is refused. */
const FLAGS: Readonly<Record<string, ReadonlySet<string>>> = {
  FROM: new Set(['platform']),
  RUN: new Set(['mount', 'network', 'security', 'device']),
  ADD: new Set(['chown', 'chmod', 'link', 'keep-git-dir', 'checksum', 'exclude', 'unpack']),
  COPY: new Set(['from', 'chown', 'chmod', 'link', 'parents', 'exclude']),
  HEALTHCHECK: new Set(['interval', 'timeout', 'start-period', 'start-interval', 'retries']),
};
const NO_FLAGS: ReadonlySet<string> = new Set();

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
 * that is not text, empty, or without any FROM. Any size is read, in time linear in it.
 */
export function parseDockerfile(content: unknown, source: Source): EvidencePart {
  const given = textContent(content, 'Dockerfile');
  // NUL has no meaning in a Dockerfile and no place in stored text.
  const text = given.includes('\0') ? given.replace(/\0/g, '\uFFFD') : given;
  if (text.trim() === '') throw new ArtifactError('Dockerfile has no instructions');
  try {
    return build(readDockerfileOnce(text), source);
  } catch (e) {
    if (e instanceof ArtifactError) throw e;
    throw new ArtifactError(`Dockerfile could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function build(reading: DockerfileReading, source: Source): EvidencePart {
  const instructions = reading.instructions;
  if (instructions.length === 0) throw new ArtifactError('Dockerfile has no instructions');
  const ctx: Context = {
    text: reading.text,
    escape: reading.escape,
    globals: new Map(),
    states: [],
    named: new Map(),
    notes: [],
    ports: 0,
  };
  for (const p of reading.problems) {
    if (p.severity === 'error') note(ctx, `line ${p.line}: ${p.message} (BuildKit refuses the Dockerfile)`);
  }
  for (const ins of instructions) {
    const keyword = ins.keyword;
    const line = ins.line;
    const current = ctx.states[ctx.states.length - 1];
    checkFlags(ctx, ins);
    if (keyword === 'FROM') {
      startStage(ctx, ins, line);
    } else if (!current) {
      if (keyword === 'ARG') globalArg(ctx, ins);
      else note(ctx, `line ${line}: ${describeKeyword(keyword)} before the first FROM belongs to no stage and was ignored`);
    } else {
      current.stage.endLine = ins.endLine;
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

/** A flag the instruction does not take makes BuildKit refuse the Dockerfile; the rest is read without it. */
function checkFlags(ctx: Context, ins: DockerInstruction): void {
  if (ins.flags.length === 0 || !KNOWN.has(ins.keyword)) return;
  const known = FLAGS[ins.keyword] ?? NO_FLAGS;
  for (const f of ins.flags) {
    if (!known.has(f.name)) note(ctx, `line ${f.line}: ${ins.keyword} takes no flag --${f.name.slice(0, 40)} (BuildKit refuses the Dockerfile)`);
  }
}

function stageInstruction(ctx: Context, state: StageState, ins: DockerInstruction, keyword: string, line: number): void {
  switch (keyword) {
    case 'ARG':
      return stageArg(ctx, state, ins);
    case 'ENV':
      return stageEnv(ctx, state, ins, line);
    case 'USER': {
      const raw = ins.rest;
      if (raw !== '') state.stage.users.push({ value: expandOr(ctx, raw, stageLookup(state), 'unknown'), path: `line ${line}` });
      return;
    }
    case 'CMD':
    case 'ENTRYPOINT': {
      const argv = commandForm(ins, state.shell);
      if (argv) state.stage[keyword === 'CMD' ? 'cmd' : 'entrypoint'] = { value: argv, path: `line ${line}` };
      return;
    }
    case 'SHELL': {
      const argv = ins.json;
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

/** CMD/ENTRYPOINT as argv: exec form as given, shell form through the stage's SHELL. */
function commandForm(ins: DockerInstruction, shell: readonly string[]): string[] | null {
  if (ins.rest === '') return null;
  return ins.json ?? [...shell, ins.rest];
}

// ---------------------------------------------------------------- variables

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

function globalArg(ctx: Context, ins: DockerInstruction): void {
  for (const p of ins.properties) {
    ctx.globals.set(p.name, p.value === null ? null : expandWord(p.value, ctx.escape, globalLookup(ctx), 'empty'));
  }
}

/** `ARG X` in a stage takes the default of a global `ARG X`; BuildKit scopes them that way. */
function stageArg(ctx: Context, state: StageState, ins: DockerInstruction): void {
  for (const p of ins.properties) {
    if (p.value === null) state.args.set(p.name, ctx.globals.has(p.name) ? (ctx.globals.get(p.name) ?? null) : null);
    else state.args.set(p.name, expandWord(p.value, ctx.escape, stageLookup(state), 'unknown'));
    state.stage.args.push({ name: p.name, value: state.args.get(p.name) ?? null, line: ins.line });
  }
}

function stageEnv(ctx: Context, state: StageState, ins: DockerInstruction, line: number): void {
  // All values of one ENV see the variables as they were before it, so expand first, then set.
  const lookup = stageLookup(state);
  const entries = ins.properties.map((p) => {
    const raw = p.value ?? '';
    // BuildKit expands ENV names like values (`ENV "A"=1` sets A).
    return { name: unquoteWord(p.name, ctx.escape), expanded: expandWord(raw, ctx.escape, lookup, 'unknown'), raw };
  });
  for (const e of entries) {
    state.env.set(e.name, e.expanded);
    state.stage.env.push({ name: e.name, value: e.expanded ?? unquoteWord(e.raw, ctx.escape), line });
  }
}

// ---------------------------------------------------------------- FROM

function startStage(ctx: Context, ins: DockerInstruction, line: number): void {
  const parts = ins.words;
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
      digest: resolved?.includes('@') ? (DIGEST.exec(resolved)?.[1] ?? null) : null,
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
    endLine: ins.endLine,
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

function flagValue(ins: DockerInstruction, name: string): string | null {
  return ins.flags.find((f) => f.name === name)?.value ?? null;
}

function addOrCopy(ctx: Context, state: StageState, ins: DockerInstruction, keyword: 'ADD' | 'COPY', line: number): void {
  const lookup = stageLookup(state);
  const operands = ins.json ?? ins.words.map((w) => expandOr(ctx, w, lookup, 'unknown'));
  const sources = operands.slice(0, -1);
  if (keyword === 'ADD') {
    const checksum = flagValue(ins, 'checksum');
    const add: AddInstruction = { sources, checksum: checksum === null ? null : expandOr(ctx, checksum, lookup, 'unknown'), line };
    state.stage.adds.push(add);
  } else {
    const from = flagValue(ins, 'from');
    state.stage.copies.push({ sources, fromStage: from === null ? null : expandOr(ctx, from, lookup, 'unknown'), line });
  }
}

function expose(ctx: Context, state: StageState, ins: DockerInstruction, line: number): void {
  for (const word of ins.words) {
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

/** The script a shell-form RUN runs: its arguments, then the lines of its here-documents as written. */
interface Script {
  text: string;
  /** The file line of an offset into `text`. */
  lineOf: (offset: number) => number;
}

function script(ctx: Context, ins: DockerInstruction): Script {
  const head = ins.rest;
  const headLine = (offset: number): number => ins.logical.line(ins.restAt + Math.min(offset, Math.max(head.length - 1, 0)));
  if (ins.bodyAt === -1) return { text: head, lineOf: headLine };
  let body = ctx.text.slice(ins.bodyAt, ins.end);
  // CRLF files: the line breaks of the body as the shell sees them (a loop: no regular expression
  // backtracks over a hostile run of carriage returns).
  if (body.includes('\r')) body = body.split('\n').map(trimCarriageReturns).join('\n');
  const starts = [0];
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) starts.push(i + 1);
  const from = head.length + 1;
  return {
    text: `${head}\n${body}`,
    lineOf: (offset) => {
      if (offset < from) return headLine(offset);
      const o = offset - from;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= o) lo = mid;
        else hi = mid - 1;
      }
      return ins.bodyLine + lo;
    },
  };
}

function trimCarriageReturns(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
  return end === line.length ? line : line.slice(0, end);
}

function run(ctx: Context, state: StageState, ins: DockerInstruction, line: number): void {
  state.stage.runLines.push(line);
  let commands: { argv: string[]; line: number; pipedFrom: string[] | null }[];
  if (ins.json) {
    commands = splitArgv(ins.json).map((c) => ({ argv: c.argv, line, pipedFrom: c.pipedFrom }));
  } else {
    const s = script(ctx, ins);
    commands = shellCommands(s.text, state.posix).map((c) => ({ argv: c.argv, line: s.lineOf(c.offset), pipedFrom: c.pipedFrom }));
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
