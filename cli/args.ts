/**
 * Argument parsing and help texts of the `csvs` CLI, kept apart from the commands so they can
 * be tested without loading the engine.
 */
import { parseArgs } from 'node:util';
import { ARTIFACT_KINDS, type ArtifactKind } from '../workers/model/evidence.ts';
import { isKind } from '../workers/engine/kinds.ts';
import { LEVELS, type Level } from '../workers/model/result.ts';
import { isLang, type Lang, LANGS } from '../workers/model/text.ts';

/** What a command may touch of the outside world; the tests and `main` provide it. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  cwd: string;
  env: Record<string, string | undefined>;
  /** stdout is a terminal: colours and its width apply. */
  isTTY: boolean;
  columns: number | null;
}

/** A wrong command line: reported with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const FORMATS = ['table', 'json', 'sarif', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

/** The file name that stands for standard input. */
export const STDIN = '-';

export interface CheckOptions {
  help: boolean;
  files: string[];
  /** Kinds named on the command line, by file argument exactly as given. */
  kinds: Map<string, ArtifactKind>;
  level: Level | null;
  format: Format;
  workload: string | null;
  output: string | null;
  /** The language of findings, titles and remediations in the report. */
  lang: Lang;
}

/** The top-level help, listing the commands `main` knows. */
export function mainHelp(commands: readonly { name: string; summary: string }[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: csvs <command> [options]

Checks container artifacts against the OWASP Container Security Verification Standard,
chapter V3 (controls 3.1-3.15, levels L1-L3).

Commands:
${list}

Options:
  -h, --help     show this help (\`csvs <command> --help\` for a command's)
  -v, --version  print the CLI and rule set versions
`;
}

export const CHECK_HELP = `Usage: csvs check FILE... [options]

Reads the artifacts, evaluates all fifteen controls of CSVS V3 and prints a report.
FILE is a path, or - for standard input.

Options:
  --kind FILE=KIND   the kind of FILE, when it cannot be told from its name and content;
                     FILE exactly as given above. May be repeated. For standard input
                     write --kind=-=KIND.
  --level L1|L2|L3   exit 1 unless this level is met (without it the exit code
                     ignores the verdict)
  --format FORMAT    table (default), json, sarif (GitHub code scanning) or
                     junit (GitLab and other CI test reports)
  --workload NAME    the workload's name: matched by signature policies, and named in
                     the report (JUnit suite, SARIF category)
  --output FILE      write the report to FILE instead of standard output
  --lang en|de       the language of findings, control titles and remediations
                     (default en)
  -h, --help         show this help

Kinds: ${ARTIFACT_KINDS.join(', ')}

Exit codes:
  0  the level is met, or no --level was given
  1  the level is not met
  2  wrong usage, a file that cannot be read, a kind that cannot be told, or
     content its reader refuses (the API refuses it the same way, with 422)

Examples:
  csvs check Dockerfile k8s/deploy.yaml --level L2
  docker inspect web | csvs check --kind=-=docker-inspect - --format sarif --output csvs.sarif
  csvs check Dockerfile.build --kind Dockerfile.build=dockerfile --format junit --output csvs.xml
`;

/** Parses `csvs check` arguments. Throws UsageError on anything it cannot accept. */
export function parseCheckArgs(argv: readonly string[]): CheckOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        kind: { type: 'string', multiple: true },
        level: { type: 'string' },
        format: { type: 'string' },
        workload: { type: 'string' },
        output: { type: 'string', short: 'o' },
        lang: { type: 'string' },
      },
    });
  } catch (e) {
    // node:util reports unknown options and missing values as TypeErrors with readable messages.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const options: CheckOptions = {
    help: values.help ?? false,
    files: positionals,
    kinds: new Map(),
    level: values.level === undefined ? null : parseLevel(values.level),
    format: values.format === undefined ? 'table' : parseFormat(values.format),
    workload: nonEmpty(values.workload, '--workload'),
    output: nonEmpty(values.output, '--output'),
    lang: values.lang === undefined ? 'en' : parseLang(values.lang),
  };
  if (options.help) return options;
  if (positionals.length === 0) throw new UsageError('no files given');
  if (positionals.filter((f) => f === STDIN).length > 1) throw new UsageError('standard input (-) can be read only once');
  for (const spec of values.kind ?? []) {
    const [file, kind] = parseKindSpec(spec);
    if (!positionals.includes(file)) {
      throw new UsageError(`--kind ${spec} names ${JSON.stringify(file)}, which is not among the files given`);
    }
    options.kinds.set(file, kind);
  }
  return options;
}

/** `FILE=KIND`, split at the last `=` since kinds never contain one and file names may. */
export function parseKindSpec(spec: string): [string, ArtifactKind] {
  const eq = spec.lastIndexOf('=');
  if (eq <= 0) throw new UsageError(`--kind expects FILE=KIND, got ${JSON.stringify(spec)}`);
  const file = spec.slice(0, eq);
  const kind = spec.slice(eq + 1);
  if (!isKind(kind)) {
    throw new UsageError(`unknown kind ${JSON.stringify(kind)} in --kind ${spec}; kinds: ${ARTIFACT_KINDS.join(', ')}`);
  }
  return [file, kind];
}

function parseLevel(s: string): Level {
  const level = LEVELS.find((l) => l === s.toUpperCase());
  if (!level) throw new UsageError(`--level must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(s)}`);
  return level;
}

function parseFormat(s: string): Format {
  const format = FORMATS.find((f) => f === s.toLowerCase());
  if (!format) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(s)}`);
  return format;
}

function parseLang(s: string): Lang {
  const lang = s.toLowerCase();
  if (!isLang(lang)) throw new UsageError(`--lang must be one of ${LANGS.join(', ')}, got ${JSON.stringify(s)}`);
  return lang;
}

function nonEmpty(value: string | undefined, option: string): string | null {
  if (value === undefined) return null;
  if (value.trim() === '') throw new UsageError(`${option} must not be empty`);
  return value;
}
