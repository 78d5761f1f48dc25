/**
 * The embedded database's directory belongs to one process and to its user: a second opener (the
 * keys CLI while the server runs) is refused with a message naming the holder and the way through
 * the API; a lock left by a dead process is taken over; files end 0600 and folders 0700.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openPglite } from '../../db/client.ts';
import { DataDirInUse, LOCK_FILE } from '../../db/data-dir.ts';
import { migratePglite } from '../../db/migrate.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const open: Database[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => {});
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'csvs-datadir-')), 'data');
  dirs.push(dir);
  return dir;
}

/** Every path under `dir` (itself included) whose mode lets group or others in. */
async function notPrivate(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    const s = await stat(path);
    if (s.mode & 0o077) out.push(`${path} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(dir);
  return out;
}

describe('DATA_DIR', () => {
  it('is held by one opener at a time; the next one is told who holds it and what to do', async () => {
    const dir = await dataDir();
    const first = await openPglite(dir);
    open.push(first);
    await first.lock?.update({ url: 'http://127.0.0.1:8787' });
    const second = openPglite(dir);
    await expect(second).rejects.toBeInstanceOf(DataDirInUse);
    const message = await second.catch((e: Error) => e.message);
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain('serving http://127.0.0.1:8787');
    expect(message).toContain('http://127.0.0.1:8787/v1/api-keys');
    await first.close();
    open.pop();
    const again = await openPglite(dir);
    open.push(again);
    expect(await again.db.execute(sql`select 1 as one`)).toBeTruthy();
  });

  it('takes over a lock whose process no longer runs', async () => {
    const dir = await dataDir();
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid ?? 0;
    await new Promise((r) => gone.on('exit', r));
    const first = await openPglite(dir);
    await first.close();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), command: 'node api/node-server.ts', since: new Date().toISOString() }));
    const db = await openPglite(dir);
    open.push(db);
    expect(await db.db.execute(sql`select 1 as one`)).toBeTruthy();
  });

  it('npm run keys refuses while another process holds it, and says so', async () => {
    const dir = await dataDir();
    const held = await openPglite(dir);
    open.push(held);
    await migratePglite(held);
    await held.lock?.update({ url: 'http://127.0.0.1:18787' });
    const result = await run('npm', ['run', '--silent', 'keys', '--', 'create-team', '--slug', 'payments', '--name', 'Payments'], {
      env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is in use by another process');
    expect(result.stderr).toContain('http://127.0.0.1:18787/v1/api-keys');
  }, 60_000);

  it('is private to its user: folders 0700, files 0600, after the database has written to it', async () => {
    const dir = await dataDir();
    const db = await openPglite(dir);
    expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
    await migratePglite(db);
    await db.close();
    expect(await notPrivate(dir)).toEqual([]);
    // And a directory made loose by hand is tightened when it is opened again, and left tight.
    await run('chmod', ['-R', 'a+rwX', dir]);
    const reopened = await openPglite(dir);
    expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
    await reopened.close();
    expect(await notPrivate(dir)).toEqual([]);
  }, 60_000);
});
