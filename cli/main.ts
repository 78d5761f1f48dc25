/**
 * The `csvs` command line: dispatches to subcommands. Commands are loaded on demand, so
 * `csvs --help` works without loading the engine and a new command is one entry in COMMANDS.
 */
import { readFile } from 'node:fs/promises';
import { type Io, mainHelp } from './args.ts';

type Run = (argv: readonly string[], io: Io) => Promise<number>;

interface Command {
  summary: string;
  load: () => Promise<Run>;
}

const COMMANDS: Record<string, Command> = {
  check: { summary: 'evaluate artifacts against CSVS V3 and print a report', load: async () => (await import('./check.ts')).runCheck },
  agent: { summary: 'snapshot every running workload on a Docker host and upload it, each interval', load: async () => (await import('./agent.ts')).runAgent },
  collect: { summary: 'one snapshot round now: named containers, or Kubernetes pods from kubectl', load: async () => (await import('./collect.ts')).runCollect },
};

/** Runs the CLI and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  const help = mainHelp(Object.entries(COMMANDS).map(([name, c]) => ({ name, summary: c.summary })));
  if (first === undefined) {
    io.stderr(help);
    return 2;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    io.stdout(help);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(`${await versionLine()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    io.stderr(`csvs: unknown command ${JSON.stringify(first)}\n\n${help}`);
    return 2;
  }
  return (await command.load())(rest, io);
}

async function versionLine(): Promise<string> {
  const { ENGINE_VERSION } = await import('../workers/engine/version.ts');
  const pkg: unknown = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
  return `csvs ${version} (rules ${ENGINE_VERSION})`;
}

function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns ?? null,
  };
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
