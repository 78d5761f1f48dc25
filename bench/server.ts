/** The service as the benchmarks run it: `npm start`'s entry point in a child process, on a port. */
import { type ChildProcess, spawn } from 'node:child_process';

export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

/** Starts the Node server with `env` and waits until /readyz answers (30 s at most). */
/** One key and one address upload far past the default rate limits, which are switched off: this measures throughput. */
export async function startServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['api/node-server.ts'], {
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
