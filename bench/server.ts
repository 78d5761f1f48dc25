/** The service as the benchmarks run it: `npm start`'s entry point in a child process, on a port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';

export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

/** Starts the Node server with `env` and waits until /readyz answers (30 s at most). */
/** One key and one address upload far past the default rate limits, which are switched off: this measures throughput. */
export async function startServer(env: Record<string, string>, port: number, nodeFlags: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeFlags, 'api/node-server.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', CSVS_ADMIN_KEY: BENCH_ADMIN_KEY, LOG_LEVEL: 'warn', RATE_LIMIT_PER_KEY: '0', RATE_LIMIT_PER_ADDRESS: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the server did not start');
}

/**
 * Creates (when missing) or drops the database a postgres:// URL names, through the server's
 * `postgres` database: scripts that write run on a database of their own, never a shared one.
 */
export async function benchDatabase(databaseUrl: string, action: 'create' | 'drop'): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1).replaceAll('"', '');
  url.pathname = '/postgres';
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    if (action === 'create') {
      const [found] = await sql`select 1 from pg_database where datname = ${name}`;
      if (!found) await sql.unsafe(`create database "${name}"`);
    } else {
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await sql.end();
  }
}

/** Resident memory of a process, MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Answer-time percentiles, ms. */
export function percentiles(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Math.round((s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0) * 10) / 10;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round((s.at(-1) ?? 0) * 10) / 10 };
}
