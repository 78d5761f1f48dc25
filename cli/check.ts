/**
 * `csvs check FILE...`: the engine on local files, for CI. Exit codes are the contract with
 * pipelines: 0 level met (or none asked), 1 not met, 2 the run itself is wrong (a usage error, a
 * file that cannot be read, content whose kind cannot be told or that its reader refuses).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CONTROLS } from '../workers/controls/index.ts';
import { evaluateEvidence } from '../workers/engine/evaluate.ts';
import { ARTIFACT_KINDS } from '../workers/model/evidence.ts';
import type { ArtifactInput } from '../workers/model/artifacts.ts';
import { buildEvidence, unreadableArtifacts, unreadableSummary } from '../workers/engine/parse.ts';
import type { EvaluationResult } from '../workers/model/result.ts';
import { LEVELS } from '../workers/model/result.ts';
import { detectKind } from '../workers/engine/detect-kind.ts';
import { toJUnit } from '../workers/report/junit.ts';
import { resultIn } from '../workers/report/localize.ts';
import { toSarif } from '../workers/report/sarif.ts';
import { levelLine, toTable } from '../workers/report/table.ts';
import { CHECK_HELP, type CheckOptions, type Format, type Io, parseCheckArgs, STDIN, UsageError } from './args.ts';

/** Larger files are not artifacts (an image tarball given by mistake); refuse before reading. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Runs `csvs check` and returns the exit code. */
export async function runCheck(argv: readonly string[], io: Io): Promise<number> {
  let options: CheckOptions;
  try {
    options = parseCheckArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  if (options.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }

  const inputs: ArtifactInput[] = [];
  const problems: string[] = [];
  for (const file of options.files) {
    const text = await readArtifact(file, io).catch((e: unknown) => {
      problems.push(`cannot read ${file}: ${describeError(e)}`);
      return null;
    });
    if (text === null) continue;
    const name = displayName(file, io.cwd);
    const kind = options.kinds.get(file) ?? detectKind(file === STDIN ? '' : file, text);
    if (kind === null) {
      const hint = file === STDIN ? '--kind=-=KIND' : `--kind ${file}=KIND`;
      problems.push(`cannot tell what kind of artifact ${file} is; name it with ${hint} (KIND: ${ARTIFACT_KINDS.join(', ')})`);
      continue;
    }
    inputs.push({ kind, name, content: text });
  }
  if (problems.length > 0) {
    for (const p of problems) io.stderr(`csvs check: ${p}\n`);
    return 2;
  }

  const evidence = buildEvidence(inputs);
  // Content its reader refuses is refused as the API refuses it (422, nothing stored): exit 2 with
  // the same messages. A verdict over what is left would hide a typo in a manifest behind an
  // `unknown`, or pass a level on the artifacts that happened to parse.
  const unreadable = unreadableArtifacts(evidence);
  if (unreadable.length > 0) {
    io.stderr(`csvs check: ${unreadableSummary(unreadable.length)}\n`);
    for (const u of unreadable) io.stderr(`csvs check: ${u.message}\n`);
    return 2;
  }
  const result = evaluateEvidence(evidence, { workload: options.workload, history: [] });
  const sources = new Map(inputs.map((a) => [a.name ?? a.kind, typeof a.content === 'string' ? a.content : '']));
  const report = render(result, options.format, options, io, sources);

  if (options.output !== null) {
    const target = resolve(io.cwd, options.output);
    try {
      await writeFile(target, report, 'utf8');
    } catch (e) {
      io.stderr(`csvs check: cannot write ${options.output}: ${describeError(e)}\n`);
      return 2;
    }
    io.stderr(`csvs check: wrote the ${options.format} report to ${options.output}\n`);
    for (const level of LEVELS) io.stderr(`${levelLine(level, result.levels[level], options.lang)}\n`);
  } else {
    io.stdout(report);
  }
  if (options.level === null) return 0;
  return result.levels[options.level].compliant ? 0 : 1;
}

function render(result: EvaluationResult, format: Format, options: CheckOptions, io: Io, sources: ReadonlyMap<string, string>): string {
  switch (format) {
    case 'table': {
      const terminal = io.isTTY && options.output === null;
      const color = terminal && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
      return toTable(result, { color, lang: options.lang, ...(terminal && io.columns ? { width: io.columns } : {}) });
    }
    case 'json':
      // The API's shape: texts in the chosen language; each finding keeps its German beside (`de`).
      return `${JSON.stringify(resultIn(result, options.lang), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(toSarif(result, { controls: CONTROLS, workload: options.workload, lang: options.lang, sources }), null, 2)}\n`;
    case 'junit':
      return toJUnit(result, { workload: options.workload, lang: options.lang });
  }
}

async function readArtifact(file: string, io: Io): Promise<string> {
  if (file === STDIN) return io.readStdin();
  const path = resolve(io.cwd, file);
  const info = await stat(path);
  if (info.isDirectory()) throw new Error('it is a directory');
  if (info.size > MAX_FILE_BYTES) throw new Error(`it is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  return readFile(path, 'utf8');
}

/**
 * The artifact's name in findings and reports: the path relative to the working directory with
 * forward slashes, which is what SARIF consumers resolve against the repository root.
 */
export function displayName(file: string, cwd: string): string {
  if (file === STDIN) return 'stdin';
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : abs).split(sep).join('/');
}

function describeError(e: unknown): string {
  if (e instanceof Error && 'code' in e) {
    if (e.code === 'ENOENT') return 'no such file';
    if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
    if (e.code === 'EISDIR') return 'it is a directory';
  }
  return e instanceof Error ? e.message : String(e);
}

function usage(io: Io, message: string): number {
  io.stderr(`csvs check: ${message}\nRun 'csvs check --help' for usage.\n`);
  return 2;
}
