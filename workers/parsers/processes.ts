import type { EvidencePart, Process, Source } from '../model/evidence.ts';
import { ArtifactError, arr, get, isRecord, num, scalarStr } from './util.ts';

const MAX_LISTED_SKIPS = 5;
const USER_TITLES = ['USER', 'EUSER', 'UNAME', 'UID', 'EUID', 'RUSER', 'RUID'];
const COMM_TITLES = ['COMM', 'UCOMM', 'UCMD'];
const ARGS_TITLES = ['ARGS', 'CMD', 'CMDLINE'];

interface Columns {
  user: number | null;
  pid: number | null;
  ppid: number | null;
  comm: number | null;
  args: number | null;
}

/**
 * A process list: `docker top C -eo user,pid,comm,args`, `ps -eo …`, plain `docker top C`
 * (`UID PID PPID C STIME TTY TIME CMD`), or the API's `/containers/{id}/top` JSON
 * (`{Titles, Processes}`). Columns are found from the header. procps titles both `comm` and
 * `args` "COMMAND", so of two COMMAND columns the first is the name and the last the command
 * line; a single COMMAND (as in `ps aux`) is the command line.
 */
export function parseProcesses(content: unknown, source: Source): EvidencePart {
  if (isRecord(content)) return fromApi(content, source);
  if (typeof content !== 'string') throw new ArtifactError('a process list must be text or the JSON of the top API');
  const text = content.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ArtifactError(`process list JSON is not valid: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isRecord(data)) throw new ArtifactError('process list JSON must be an object with Titles and Processes');
    return fromApi(data, source);
  }
  return fromText(text, source);
}

function fromApi(data: Record<string, unknown>, source: Source): EvidencePart {
  const titlesRaw = get(data, 'Titles');
  const rows = get(data, 'Processes');
  if (!Array.isArray(titlesRaw) || !Array.isArray(rows)) {
    throw new ArtifactError('process list JSON must have Titles and Processes arrays (GET /containers/{id}/top)');
  }
  const titles = titlesRaw.map((t) => scalarStr(t) ?? '');
  const columns = columnsOf(titles);
  const processes: Process[] = [];
  const skipped: string[] = [];
  rows.forEach((row, i) => {
    const path = `/Processes/${i}`;
    const cells = arr(row).map((c) => scalarStr(c) ?? '');
    if (!Array.isArray(row) || cells.length < titles.length - 1) skipped.push(path);
    else processes.push(toProcess(cells, columns, path));
  });
  return result(source, processes, skipped, columns);
}

function fromText(text: string, source: Source): EvidencePart {
  const lines = text.split('\n');
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex === -1) throw new ArtifactError('the process list is empty');
  const header = (lines[headerIndex] ?? '').trim();
  const titles = header.split(/[ \t]+/);
  const columns = columnsOf(titles);
  const processes: Process[] = [];
  const skipped: string[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '' || line.trim() === header) continue;
    const cells = splitRow(line, titles.length);
    const path = `line ${i + 1}`;
    if (cells) processes.push(toProcess(cells, columns, path));
    else skipped.push(path);
  }
  return result(source, processes, skipped, columns);
}

/** Which column holds what; a header without a command column is not a process list. */
function columnsOf(titles: string[]): Columns {
  const upper = titles.map((t) => t.trim().toUpperCase());
  const find = (names: string[]): number | null => {
    for (const n of names) {
      const i = upper.indexOf(n);
      if (i !== -1) return i;
    }
    return null;
  };
  const commands = upper.flatMap((t, i) => (t === 'COMMAND' ? [i] : []));
  let comm = find(COMM_TITLES);
  let args = find(ARGS_TITLES);
  if (commands.length >= 2) {
    comm ??= commands[0] ?? null;
    args ??= commands[commands.length - 1] ?? null;
  } else if (commands.length === 1) {
    if (args === null) args = commands[0] ?? null;
    else comm ??= commands[0] ?? null;
  }
  if (comm === null && args === null) {
    const shown = titles.join(' ').slice(0, 80);
    throw new ArtifactError(
      `no process list header (USER PID … COMMAND) found; the first line reads ${JSON.stringify(shown)}`,
      'line 1',
    );
  }
  return { user: find(USER_TITLES), pid: find(['PID']), ppid: find(['PPID']), comm, args };
}

/** Whitespace-separated cells, the last taking the rest of the line (command lines have spaces). */
function splitRow(line: string, n: number): string[] | null {
  const cells: string[] = [];
  let i = 0;
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
  while (cells.length < n - 1) {
    while (i < line.length && isSpace(line[i])) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && !isSpace(line[i])) i++;
    cells.push(line.slice(start, i));
  }
  if (cells.length < n - 1) return null;
  while (i < line.length && isSpace(line[i])) i++;
  cells.push(line.slice(i).trimEnd());
  return cells;
}

function toProcess(cells: string[], columns: Columns, path: string): Process {
  const cell = (i: number | null): string | null => (i === null ? null : (cells[i] ?? null));
  const args = cell(columns.args);
  const comm = cell(columns.comm);
  return {
    user: cell(columns.user) ?? '',
    pid: num(cell(columns.pid)),
    ppid: num(cell(columns.ppid)),
    command: comm || nameFromArgs(args ?? ''),
    args: args ?? comm ?? '',
    path,
  };
}

/**
 * The program name from a command line: `/usr/sbin/sshd -D` → `sshd`, a kernel thread
 * `[kworker/0:1]` stays itself, a process title `nginx: master process` → `nginx`, a login
 * shell `-bash` → `bash`.
 */
export function nameFromArgs(args: string): string {
  const first = args.trim().split(/[ \t]/)[0] ?? '';
  if (first.startsWith('[') && first.endsWith(']')) return first.slice(1, -1);
  const base = first.slice(first.lastIndexOf('/') + 1);
  return base.replace(/^-/, '').replace(/:$/, '');
}

function result(source: Source, processes: Process[], skipped: string[], columns: Columns): EvidencePart {
  const notes: string[] = [];
  if (columns.user === null) notes.push('the list has no user column, so who runs each process is not known');
  if (skipped.length > 0) {
    const more = skipped.length > MAX_LISTED_SKIPS ? ` and ${skipped.length - MAX_LISTED_SKIPS} more` : '';
    notes.push(`skipped ${skipped.length} row(s) with too few columns: ${skipped.slice(0, MAX_LISTED_SKIPS).join(', ')}${more}`);
  }
  return { processes: [{ source, processes, container: containerOf(source.artifact) }], notes };
}

/**
 * `top web-1` (the agent's name for a container's `/top` answer) or `docker top web-1`: the
 * container's name, so findings can name it and cover it; any other artifact name says nothing.
 */
function containerOf(artifact: string): string | null {
  const m = /^(?:docker[ \t]+)?top[ \t]+\/?([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(artifact.trim());
  return m?.[1] ?? null;
}
