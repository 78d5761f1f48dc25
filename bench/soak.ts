/**
 * Soak (`npm run bench:soak`): the service as `npm start` runs it, on a PostgreSQL database of the
 * run's own (created, and dropped after), offered SOAK_RATE uploads a second for SOAK_SECONDS at a
 * constant arrival rate (open loop: a slow answer does not slow the offer down, so queueing shows
 * in the latencies). The uploads are the agent's mix: SOAK_WORKLOADS workloads re-uploaded in
 * turn, SOAK_CHANGED of them changed (a new Dockerfile revision), the rest unchanged.
 *
 * Reports answer times (p50/p90/p99/max) overall and per minute, statuses, and the server
 * process's resident memory sampled every 5 s, with the verdict on "flat": the last third's
 * median RSS against the second third's (after warm-up), and the slope over the second half.
 * Writes bench/results/soak.json.
 *
 *   SOAK_SECONDS=600 SOAK_RATE=100 npm run bench:soak          # the full figure (docs/reliability.md)
 *   SOAK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/csvs_soak_<pid>)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { uploadBody } from './fixtures/corpus.ts';
import { BENCH_ADMIN_KEY, benchDatabase, percentiles, rssMiB, startServer } from './server.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 100);
const WORKLOADS = Number(process.env.SOAK_WORKLOADS ?? 1_000);
const CHANGED = Number(process.env.SOAK_CHANGED ?? 0.1);
/** Requests in flight at most; beyond, an offered upload is counted as not sent (the client is saturated). */
const MAX_IN_FLIGHT = Number(process.env.SOAK_MAX_IN_FLIGHT ?? 512);
const PORT = Number(process.env.SOAK_PORT ?? 18_811);
const DATABASE_URL = process.env.SOAK_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/csvs_soak_${process.pid}`;
const BASE = `http://127.0.0.1:${PORT}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}


async function main(): Promise<void> {
  const ownDatabase = !process.env.SOAK_DATABASE_URL;
  await benchDatabase(DATABASE_URL, 'create');
  const load = { start: loadavg().map((x) => Math.round(x * 100) / 100), end: [] as number[] };
  const server = await startServer({ DATABASE_URL }, PORT);
  const pid = server.pid ?? 0;
  try {
    const admin = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' };
    const team = `soak-${Date.now().toString(36)}`;
    await fetch(`${BASE}/v1/teams`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: team, name: 'Soak' }) });
    const { key } = (await (await fetch(`${BASE}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'ingest', team, name: 'soak' }) })).json()) as { key: string };
    const url = `${BASE}/v1/teams/${team}/snapshots`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // Every workload once, so that the soak itself sees the agent's mix from its first second.
    const revisions = new Array<number>(WORKLOADS).fill(0);
    for (let w = 0; w < WORKLOADS; w += 50) {
      await Promise.all(Array.from({ length: Math.min(50, WORKLOADS - w) }, (_, i) => fetch(url, { method: 'POST', headers, body: uploadBody(w + i, 0) }).then((r) => r.arrayBuffer())));
    }

    const latencies: { at: number; ms: number }[] = [];
    const statuses = new Map<string, number>();
    const memory: { s: number; rssMiB: number }[] = [];
    let inFlight = 0;
    let notSent = 0;
    let next = 0;
    const started = performance.now();
    const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);

    const send = async (): Promise<void> => {
      const w = next % WORKLOADS;
      next += 1;
      // Deterministic and spread out: a multiplicative hash of the upload's number picks the changed ones.
      const changed = ((next * 2_654_435_761) >>> 0) % 1000 < CHANGED * 1000;
      if (changed) revisions[w] = (revisions[w] ?? 0) + 1;
      inFlight += 1;
      const t0 = performance.now();
      try {
        const res = await fetch(url, { method: 'POST', headers, body: uploadBody(w, revisions[w] ?? 0) });
        await res.arrayBuffer();
        count(String(res.status));
      } catch (e) {
        count(`error ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
      } finally {
        inFlight -= 1;
        latencies.push({ at: (t0 - started) / 1000, ms: performance.now() - t0 });
      }
    };

    const sampler = setInterval(() => memory.push({ s: Math.round((performance.now() - started) / 1000), rssMiB: rssMiB(pid) }), 5_000);
    memory.push({ s: 0, rssMiB: rssMiB(pid) });
    // Open loop: the offer follows the clock, sent in 10 ms ticks.
    let offered = 0;
    const pending: Promise<void>[] = [];
    while (performance.now() - started < SECONDS * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      while (offered < due) {
        offered += 1;
        if (inFlight >= MAX_IN_FLIGHT) notSent += 1;
        else pending.push(send());
      }
      if (pending.length > 10_000) pending.splice(0, pending.length - 1_000);
      await sleep(10);
    }
    await Promise.all(pending);
    clearInterval(sampler);
    memory.push({ s: Math.round((performance.now() - started) / 1000), rssMiB: rssMiB(pid) });
    load.end = loadavg().map((x) => Math.round(x * 100) / 100);

    const perMinute = [];
    for (let m = 0; m * 60 < SECONDS; m++) {
      perMinute.push({ minute: m + 1, ...percentiles(latencies.filter((l) => l.at >= m * 60 && l.at < (m + 1) * 60).map((l) => l.ms)) });
    }
    const third = (i: number) => memory.filter((m) => m.s >= (SECONDS * i) / 3 && m.s < (SECONDS * (i + 1)) / 3).map((m) => m.rssMiB);
    const secondHalf = memory.filter((m) => m.s >= SECONDS / 2).map((m) => ({ x: m.s / 60, y: m.rssMiB }));
    const result = {
      settings: { seconds: SECONDS, rate: RATE, workloads: WORKLOADS, changed: CHANGED, maxInFlight: MAX_IN_FLIGHT, database: 'PostgreSQL (own database)' },
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: load },
      offered,
      sent: offered - notSent,
      notSent,
      achievedPerSecond: Math.round((latencies.length / SECONDS) * 10) / 10,
      statuses: Object.fromEntries(statuses),
      latencyMs: percentiles(latencies.map((l) => l.ms)),
      perMinute,
      memory: {
        samples: memory,
        medianMiB: { first: median(third(0)), second: median(third(1)), last: median(third(2)) },
        secondHalfSlopeMiBPerMinute: Math.round(slope(secondHalf) * 100) / 100,
      },
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    const { memory: mem, perMinute: _perMinute, ...summary } = result;
    console.log(JSON.stringify({ ...summary, memory: { medianMiB: mem.medianMiB, secondHalfSlopeMiBPerMinute: mem.secondHalfSlopeMiBPerMinute, min: Math.min(...mem.samples.map((m) => m.rssMiB)), max: Math.max(...mem.samples.map((m) => m.rssMiB)) } }, null, 2));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    if (ownDatabase) await benchDatabase(DATABASE_URL, 'drop');
  }
}

await main();
