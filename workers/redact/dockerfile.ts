/**
 * Dockerfiles. `ENV` and `ARG` values are redacted (all of them, keeping names), except harmless
 * names, settings the controls read, and variables the build itself uses where the parser reads
 * them (FROM, USER, ADD/COPY, EXPOSE, WORKDIR, user-creating RUN lines) — those are the image's
 * structure, and kept unless their name or shape says secret. `LABEL` values are redacted when
 * named like a secret or random-looking. Everything else (RUN, CMD, ENTRYPOINT, HEALTHCHECK,
 * comments, here-documents) is searched for secret flags, assignments, headers and shapes.
 *
 * Changes are made in place; a value spanning continued lines keeps its line breaks, so every
 * instruction stays on its lines and findings (`line 12`) point where they did. The result is
 * parsed again to prove that.
 */
import { type DockerInstruction, type Property, readDockerfileOnce } from '../parsers/dockerfile-reader.ts';
import { unquoteWord } from '../parsers/dockerfile-words.ts';
import { argvSpans } from './command.ts';
import { isSecretName, keepsEnvValue } from './names.ts';
import {
  applySpans,
  isVariableReference,
  PLACEHOLDER,
  type Recorder,
  RedactionError,
  type RedactionKind,
  type RedactOptions,
  type Span,
} from './redaction.ts';
import { looksRandom, shapeSpans } from './shapes.ts';
import { recordSpans, repeatSpans, textSpans } from './text.ts';

/** Instructions whose variable references the parser expands into facts. */
const STRUCTURAL = new Set(['FROM', 'USER', 'ADD', 'COPY', 'EXPOSE', 'WORKDIR', 'VOLUME', 'STOPSIGNAL']);
/** RUN lines that create or own users: the parser resolves their variables (`useradd -u $UID`). */
const USER_COMMANDS = /\b(?:useradd|adduser|groupadd|addgroup|usermod|chown)\b/;
const REFERENCE = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;
const MAX_ROUNDS = 32;
const PROPERTIES = new Set(['ENV', 'ARG', 'LABEL']);

/**
 * Redacts a Dockerfile; the text is returned as given when nothing is redacted. It is read by
 * the parser's own reader (and that reading is reused when the parser reads the same text), so
 * the redactor and the parser agree on every instruction, value and line.
 */
export function redactDockerfile(text: string, recorder: Recorder, options: RedactOptions): string {
  const reading = readDockerfileOnce(text);
  const instructions = reading.instructions;
  const escape = reading.escape;
  const structural = structuralNames(instructions, text, escape);

  const spans: Span[] = [];
  const covered: [number, number][] = [];
  for (const ins of instructions) {
    if (PROPERTIES.has(ins.keyword)) {
      covered.push([ins.offset, ins.end]);
      spans.push(...propertySpans(ins, text, escape, structural, options));
    } else {
      spans.push(...execFormSpans(ins, text));
    }
  }
  let pos = 0;
  for (const [a, b] of [...covered, [text.length, text.length] as [number, number]]) {
    if (a > pos) spans.push(...textSpans(text.slice(pos, a), { escape }).map((s) => ({ ...s, start: s.start + pos, end: s.end + pos })));
    pos = Math.max(pos, b);
  }
  if (spans.length === 0) return text;
  recordSpans(text, spans, recorder);
  const repeats = repeatSpans(text, recorder, spans);
  recordSpans(text, repeats, recorder);
  const all = [...spans, ...repeats];
  const out = applySpans(text, all, true);
  // Only a replaced line break or escape character can move an instruction; then prove it did not.
  if (all.some((s) => /[\n\r\\`]/.test(text.slice(s.start, s.end)))) assertSameInstructions(instructions, out);
  return out;
}

/** ENV/ARG/LABEL values to redact, in source coordinates. */
function propertySpans(ins: DockerInstruction, text: string, escape: string, structural: ReadonlySet<string>, options: RedactOptions): Span[] {
  const spans: Span[] = [];
  for (const p of ins.properties) {
    if (!p.valueAt) continue;
    const start = p.valueAt.offset;
    const end = p.valueEnd;
    const name = unquoteWord(p.name, escape);
    const value = literal(p, escape);
    if (value.trim() === '' || value === PLACEHOLDER || isVariableReference(value)) continue;
    const whole = (kind: RedactionKind, strong: boolean): void => void spans.push({ start, end, kind, strong });
    const shapes = (): void => void spans.push(...shapeSpans(text.slice(start, end)).map((s) => ({ ...s, start: s.start + start, end: s.end + start })));
    if (ins.keyword === 'LABEL') {
      if (isSecretName(name)) whole('secret-field', true);
      else if (looksRandom(value)) whole('high-entropy', true);
      else shapes();
      continue;
    }
    const kind = ins.keyword === 'ENV' ? 'env' : 'build-arg';
    const secret = isSecretName(name);
    const random = looksRandom(value);
    if (keepsEnvValue(name, options.allowEnv)) shapes();
    else if (structural.has(name) && !secret && !random) shapes();
    else whole(kind, secret || random);
  }
  return spans;
}

/** A property's value as the build sees it before expansion: quotes and escapes gone, `$VAR` kept. */
function literal(p: Property, escape: string): string {
  return p.value === null ? '' : unquoteWord(p.value, escape);
}

/**
 * `CMD ["redis-server","--requirepass","x"]`: JSON (exec) form has no spaces to split words at,
 * so its strings are read as the argv they are.
 */
function execFormSpans(ins: DockerInstruction, text: string): Span[] {
  const start = ins.offset;
  const source = text.slice(start, ins.end);
  const openAt = source.indexOf('[');
  const closeAt = source.lastIndexOf(']');
  if (openAt === -1 || closeAt < openAt) return [];
  if (!/^[A-Za-z]+(?:\s+--[^\s]+)*(?:\s+CMD)?\s*$/i.test(source.slice(0, openAt))) return [];
  const open = start + openAt;
  const close = start + closeAt;
  let argv: unknown;
  try {
    argv = JSON.parse(text.slice(open, close + 1));
  } catch {
    return [];
  }
  if (!Array.isArray(argv) || !argv.every((a): a is string => typeof a === 'string')) return [];
  const literals = stringLiterals(text, open, close);
  if (literals.length !== argv.length) return [];
  const spans: Span[] = [];
  argvSpans(argv).forEach((found, i) => {
    const lit = literals[i];
    const value = argv[i] ?? '';
    if (!lit) return;
    const all = [...found, ...shapeSpans(value)];
    if (all.length === 0) return;
    // Escapes make source and value differ: then the whole string goes.
    if (text.slice(lit[0], lit[1]) !== value) {
      spans.push({ start: lit[0], end: lit[1], kind: all[0]?.kind ?? 'flag', strong: false });
    } else {
      spans.push(...all.map((s) => ({ ...s, start: s.start + lit[0], end: s.end + lit[0] })));
    }
  });
  return spans;
}

/** Source ranges of the contents of JSON string literals between two offsets. */
function stringLiterals(text: string, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let i = from;
  while (i < to) {
    if (text.charAt(i) !== '"') {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < to && text.charAt(j) !== '"') j += text.charAt(j) === '\\' ? 2 : 1;
    out.push([i + 1, j]);
    i = j + 1;
  }
  return out;
}

/**
 * Variables whose values shape the parsed image: referenced by a structural instruction, or
 * by the value of another such variable (`ARG BASE=node:${NODE}`), followed to a fixed point.
 */
function structuralNames(instructions: readonly DockerInstruction[], text: string, escape: string): Set<string> {
  const names = new Set<string>();
  const refs = (s: string): string[] => [...s.matchAll(REFERENCE)].map((m) => m[1] ?? '');
  for (const ins of instructions) {
    const body = text.slice(ins.offset, ins.end);
    if (STRUCTURAL.has(ins.keyword) || (ins.keyword === 'RUN' && USER_COMMANDS.test(body))) for (const r of refs(body)) names.add(r);
  }
  const properties = instructions.flatMap((ins) =>
    ins.keyword === 'ENV' || ins.keyword === 'ARG' ? ins.properties.map((p) => ({ name: unquoteWord(p.name, escape), value: literal(p, escape) })) : []);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before = names.size;
    for (const p of properties) if (names.has(p.name)) for (const r of refs(p.value)) names.add(r);
    if (names.size === before) break;
  }
  return names;
}

/** The redacted text must hold the same instructions on the same lines; otherwise nothing is stored. */
function assertSameInstructions(before: readonly DockerInstruction[], text: string): void {
  const after = readDockerfileOnce(text).instructions;
  const same =
    after.length === before.length &&
    after.every((ins, i) => {
      const old = before[i];
      return old !== undefined && ins.keyword === old.keyword && ins.line === old.line && ins.endLine === old.endLine;
    });
  if (!same) throw new RedactionError('the Dockerfile could not be redacted without changing its instructions');
}
