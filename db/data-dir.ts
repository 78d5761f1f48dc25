/**
 * The embedded database's directory (DATA_DIR) on Node: private to its user, and owned by one
 * process at a time. PGlite keeps the database in the memory of the process that opened it and
 * writes it back on its own schedule, so a second process (`npm run keys` while the server runs)
 * would see a stale copy and lose what it writes, or corrupt the directory. The owner holds
 * `DATA_DIR/csvs.lock` (its pid, command, start and, for the server, its URL); a second process
 * is refused with a message that says who holds it and what to do instead.
 */
import { chmod, mkdir, open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';

export const LOCK_FILE = 'csvs.lock';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** The server's address, once it listens: where to go instead. */
  url?: string;
}

/** DATA_DIR is held by another live process. */
export class DataDirInUse extends Error {
  override name = 'DataDirInUse';
  readonly holder: LockInfo;
  constructor(dir: string, holder: LockInfo) {
    const serving = holder.url ? `, serving ${holder.url}` : '';
    const api = holder.url ?? 'http://127.0.0.1:8787';
    super(
      `DATA_DIR ${dir} is in use by another process (pid ${holder.pid} on ${holder.host}: ${holder.command}, since ${holder.since}${serving}).\n` +
        'The embedded database belongs to one process at a time. Stop that process first, or do this over its API\n' +
        'with an admin key (CSVS_ADMIN_KEY), for example:\n' +
        `  curl -H "Authorization: Bearer $CSVS_ADMIN_KEY" -H 'content-type: application/json' \\\n` +
        `    -d '{"role":"ingest","team":"payments","name":"gitlab-ci"}' ${api}/v1/api-keys\n` +
        `If no such process runs any more (the lock outlived a crash on another host), delete ${join(dir, LOCK_FILE)}.`,
    );
    this.holder = holder;
  }
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  /** Adds what others should know about the owner (the server's URL once it listens). */
  update(info: Partial<Pick<LockInfo, 'url'>>): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes DATA_DIR for this process, or throws DataDirInUse. A lock left by a process that no longer
 * runs on this host is taken over; one from another host is respected (its liveness cannot be seen).
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    command: [basename(process.argv[0] ?? 'node'), ...process.argv.slice(1, 3).map((a) => a.replace(process.cwd() + '/', ''))].join(' '),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(info)}\n`);
      await handle.close();
      let released = false;
      return {
        async update(more) {
          Object.assign(info, more);
          await writeFile(file, `${JSON.stringify(info)}\n`, { mode: 0o600 });
        },
        async release() {
          if (released) return;
          released = true;
          await unlink(file).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: LockInfo | null = null;
    try {
      holder = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    } catch {
      // Half-written or unreadable: its writer died between creating and writing it.
    }
    const alive = holder && (holder.host !== info.host || running(holder.pid));
    if (holder && alive) throw new DataDirInUse(dir, holder);
    await unlink(file).catch(() => {});
  }
  throw new Error(`could not take ${file}`);
}

/**
 * DATA_DIR readable by its owner only: the folder 0700 (which alone keeps everyone else out of
 * what is inside), folders under it 0700 and files 0600. PGlite creates its files 0666; this runs
 * when the database is opened and again when it is closed, and new files sit behind the 0700 folder.
 */
export async function makePrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const walk = async (path: string): Promise<void> => {
    await chmod(path, 0o700);
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) await chmod(child, 0o600);
    }
  };
  await walk(dir);
}
