/**
 * Heavy exports against everyone else (`npm run bench:heavy-exports`): the service as `npm start`
 * runs it, on the data of `npm run bench:seed` (BENCH_DATABASE_URL), CONCURRENT org-wide
 * attestations (FORMATS, default json,pdf,csv) started at once, while a probe asks for /healthz
 * and a viewer's team scorecard every 25 ms. Reports how long the probes waited (p50/p99/max)
 * with the exports running, against the same probes alone, and how long each export took.
 * Writes bench/results/heavy-exports.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { BENCH_DATABASE_URL } from './seed.ts';

const CONCURRENT = Number(process.env.CONCURRENT ?? 3);
const FORMATS = (process.env.FORMATS ?? 'json,pdf,csv').split(',');
const PORT = Number(process.env.BENCH_PORT ?? 18799);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN_KEY = 'heavy-admin-key-0123456789abcdef';
const extraEnv = Object.fromEntries((process.env.SERVER_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Probes and exports that failed (status or connection), reported with the figures. */
const errors: string[] = [];
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

function percentiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: Math.round(s.at(-1) ?? 0) };
}

/** Probes every 25 ms until `stop` resolves: each probe's latency, ms. */
async function probe(path: string, stop: Promise<void>): Promise<number[]> {
  const out: number[] = [];
  let done = false;
  void stop.then(() => {
    done = true;
  });
  while (!done) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${BASE}${path}`, { headers: auth });
      await res.arrayBuffer();
      if (!res.ok) errors.push(`${path}: ${res.status}`);
    } catch (e) {
      errors.push(`${path}: ${e instanceof Error ? ((e.cause as { code?: string } | undefined)?.code ?? e.message) : String(e)}`);
    }
    out.push(performance.now() - t0);
    await sleep(25);
  }
  return out;
}

async function run() {
  const child = spawn(process.execPath, ['api/node-server.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: BENCH_DATABASE_URL,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      CSVS_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_KEY: '0',
      RATE_LIMIT_PER_ADDRESS: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${BASE}/readyz`)).ok) break;
      } catch {
        // not yet
      }
      await sleep(100);
    }
    const teams = (await (await fetch(`${BASE}/v1/teams`, { headers: auth })).json()) as { items: { slug: string }[] };
    const team = teams.items[0]?.slug ?? '';
    const scorecard = `/v1/teams/${team}/scorecard`;

    // Alone: the probes with nothing else running.
    let release = () => {};
    const quiet = new Promise<void>((r) => {
      release = r;
    });
    const alone = Promise.all([probe('/healthz', quiet), probe(scorecard, quiet)]);
    await sleep(3000);
    release();
    const [healthAlone, scoreAlone] = await alone;

    // With the exports.
    const results: Record<string, unknown> = {};
    for (const format of FORMATS) {
      let finish = () => {};
      const busy = new Promise<void>((r) => {
        finish = r;
      });
      const probes = Promise.all([probe('/healthz', busy), probe(scorecard, busy)]);
      const started = performance.now();
      const exports = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const t0 = performance.now();
          try {
            const res = await fetch(`${BASE}/v1/attestations?level=L2&format=${format}`, { headers: auth });
            const bytes = (await res.arrayBuffer()).byteLength;
            return { status: res.status, ms: Math.round(performance.now() - t0), bytes };
          } catch (e) {
            return { status: String(e instanceof Error ? ((e.cause as { code?: string } | undefined)?.code ?? e.message) : e), ms: Math.round(performance.now() - t0), bytes: 0 };
          }
        }),
      );
      const wall = Math.round(performance.now() - started);
      finish();
      const [health, score] = await probes;
      results[format] = { exports, wallMs: wall, healthz: percentiles(health), teamScorecard: percentiles(score) };
      console.log(format, JSON.stringify(results[format]));
      await sleep(1000);
    }
    const out = {
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
      database: BENCH_DATABASE_URL.replace(/:[^:@/]*@/, ':***@'),
      concurrent: CONCURRENT,
      serverEnv: extraEnv,
      alone: { healthz: percentiles(healthAlone), teamScorecard: percentiles(scoreAlone) },
      withExports: results,
      errors,
    };
    console.log('alone', JSON.stringify(out.alone), 'errors', JSON.stringify(errors.slice(0, 10)));
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/heavy-exports.json', `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    child.kill('SIGTERM');
  }
}

await run();
