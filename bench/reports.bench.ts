/**
 * Reporting benchmark (`npm run bench:reports`), against the data of `npm run bench:seed`.
 * Every figure is a whole request through `createApp(deps).request(...)` in-process, with a real
 * admin API key (looked up by hash like any other), so routing, auth, validation, the queries,
 * the services and JSON/PDF serialisation all count; only the TCP hop is left out.
 *   - team scorecard, every team (p50/p95);          target p95 < 50 ms
 *   - org-wide scorecards (all 200 teams);           target < 200 ms
 *   - 365-day daily trend, 50 teams (p50/p95);       target < 150 ms
 *   - 1,000-workload attestation, signed JSON / PDF; targets < 1 s / < 2 s
 *   - peak RSS and heap while exporting (and an org-wide CSV of all workloads, streamed).
 * The clock is the seeded year's end, so the figures do not drift as the data ages.
 * `--explain` also prints EXPLAIN (ANALYZE, BUFFERS) of the queries behind each report.
 * Writes bench/results/reports.json. BENCH_DATABASE_URL as for the seed; BENCH_ROUNDS (default 3).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createApp } from '../api/app.ts';
import { parseConfig } from '../services/config.ts';
import { createLogger } from '../services/logger.ts';
import { nodeDeps } from '../api/node-deps.ts';
import { createApiKey } from '../services/api-keys.ts';
import type { Db } from '../db/client.ts';
import { decidingResults } from '../db/queries/attestations.ts';
import { statesAsOf, snapshotsForWindow } from '../db/queries/states.ts';
import * as schema from '../db/schema.ts';
import { ephemeralSigner } from '../workers/attest/keys.ts';
import { BENCH_DATABASE_URL, BIG_TEAM } from './seed.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DAY_MS = 86_400_000;
/** Org-wide requests per round: one alone would make its p95 a single sample. */
const ORG_REPEATS = 5;

type App = ReturnType<typeof createApp>;

interface Timing {
  ms: number;
  /** CPU time of this process (user + system) during the request: what waiting for a shared core does not inflate. */
  cpuMs: number;
  bytes: number;
  status: number;
}

/** One request, its body read to the end (streamed bodies chunk by chunk, nothing kept). */
async function timed(app: App, key: string, path: string, onBytes?: (total: number) => void): Promise<Timing> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const res = await app.request(path, { headers: { authorization: `Bearer ${key}` } });
  let bytes = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      onBytes?.(bytes);
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes, status: res.status };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

interface Series {
  n: number;
  p50: number;
  p95: number;
  max: number;
  cpuP50: number;
  bytes: number;
}

function series(ts: readonly Timing[]): Series {
  const ms = ts.map((t) => t.ms);
  return {
    n: ts.length,
    p50: round(percentile(ms, 50)),
    p95: round(percentile(ms, 95)),
    max: round(Math.max(...ms)),
    cpuP50: round(percentile(ts.map((t) => t.cpuMs), 50)),
    bytes: Math.round(ts.reduce((s, t) => s + t.bytes, 0) / Math.max(1, ts.length)),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
const mib = (x: number) => Math.round((x / 2 ** 20) * 10) / 10;

/** Peak RSS and heap while `run` goes, sampled every 2 ms (plus the event loop's own turns). */
async function withMemory<T>(run: () => Promise<T>): Promise<{ result: T; baseRss: number; peakRss: number; baseHeap: number; peakHeap: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 2);
  try {
    const result = await run();
    sample();
    return { result, baseRss: mib(base.rss), peakRss: mib(peakRss), baseHeap: mib(base.heapUsed), peakHeap: mib(peakHeap) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * What a streamed export keeps alive: the heap after a full collection, taken every MiB sent
 * (needs --expose-gc; garbage not yet collected says nothing about what is retained).
 */
async function liveHeap(app: App, key: string, path: string): Promise<{ before: number; max: number; sent: number }> {
  const gc = globalThis.gc;
  if (!gc) return { before: Number.NaN, max: Number.NaN, sent: Number.NaN };
  gc();
  const before = process.memoryUsage().heapUsed;
  let max = before;
  let next = 0;
  const t = await timed(app, key, path, (total) => {
    if (total < next) return;
    next = total + 2 ** 20;
    gc();
    max = Math.max(max, process.memoryUsage().heapUsed);
  });
  return { before: mib(before), max: mib(max), sent: mib(t.bytes) };
}

/** Captures the SQL the query functions send, to EXPLAIN exactly that. */
function capturingDb(url: string): { db: Db; sql: postgres.Sql; last: () => { query: string; params: unknown[] }[]; reset: () => void } {
  let seen: { query: string; params: unknown[] }[] = [];
  const sql = postgres(url, {
    max: 2,
    prepare: false,
    onnotice: () => {},
    debug: (_c, query, params) => {
      seen.push({ query, params: [...params] });
    },
  });
  return {
    db: drizzle(sql, { schema }) as unknown as Db,
    sql,
    last: () => seen,
    reset: () => {
      seen = [];
    },
  };
}

async function explain(url: string, end: Date, teams: { id: string; slug: string }[]): Promise<Record<string, string>> {
  const c = capturingDb(url);
  const out: Record<string, string> = {};
  const team = teams.find((t) => t.slug !== BIG_TEAM);
  if (!team) throw new Error('no team');
  const cases: [string, () => Promise<unknown>][] = [
    ['team scorecard (statesAsOf, one team, now)', () => statesAsOf(c.db, [team.id], end)],
    ['org-wide scorecards (statesAsOf, all teams, now)', () => statesAsOf(c.db, teams.map((t) => t.id), end)],
    ['org-wide scorecards as of 90 days ago (statesAsOf, all teams)', () => statesAsOf(c.db, teams.map((t) => t.id), new Date(end.getTime() - 90 * DAY_MS))],
    ['365-day trend (snapshotsForWindow, one team)', () => snapshotsForWindow(c.db, team.id, { from: new Date(end.getTime() - 364 * DAY_MS), to: end })],
    [
      'attestation evidence, one chunk of 500 snapshots (decidingResults)',
      async () => {
        const big = teams.find((t) => t.slug === BIG_TEAM);
        const states = await statesAsOf(c.db, big ? [big.id] : [], end);
        c.reset();
        return decidingResults(c.db, states.slice(0, 500).map((s) => s.snapshotId));
      },
    ],
  ];
  try {
    for (const [name, run] of cases) {
      c.reset();
      await run();
      // postgres.js fetches the array types on its first query; the report's own query comes after.
      const q = c.last().find((x) => !x.query.includes('pg_catalog.pg_type'));
      if (!q) continue;
      const rows = await c.sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${q.query}`, q.params as postgres.ParameterOrJSON<never>[]);
      out[name] = rows.map((r) => r['QUERY PLAN']).join('\n');
      console.log(`\n### ${name}\n${q.query}\n${out[name]}`);
    }
  } finally {
    await c.sql.end({ timeout: 5 });
  }
  return out;
}

async function run(): Promise<void> {
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}; load average at start ${load()}`);
  const meta = postgres(BENCH_DATABASE_URL, { max: 1, onnotice: () => {} });
  const [facts] = await meta<{ last: Date; snapshots: string; workloads: string; version: string }[]>`
    select (select max(observed_at) from workload_state) as last,
           (select reltuples::bigint::text from pg_class where relname = 'snapshots') as snapshots,
           (select count(*)::text from workload_state) as workloads,
           current_setting('server_version') as version`;
  const teams = await meta<{ id: string; slug: string }[]>`select id, slug from teams order by slug`;
  await meta.end({ timeout: 5 });
  if (!facts?.last || teams.length === 0) throw new Error('no data: run `npm run bench:seed` first');
  const last = new Date(facts.last);
  // The seeded year ends at the midnight after its last upload.
  const end = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate()) + DAY_MS);
  console.log(`data: ${teams.length} teams, ${facts.workloads} workloads, ~${facts.snapshots} snapshots; PostgreSQL ${facts.version}; now = ${end.toISOString()}`);

  const config = parseConfig({ DATABASE_URL: BENCH_DATABASE_URL, LOG_LEVEL: 'warn' });
  const { connectPostgres } = await import('../db/client.ts');
  const database = await connectPostgres(BENCH_DATABASE_URL, { max: 10 });
  const deps = nodeDeps(config, database, { clock: () => end, signer: await ephemeralSigner(), logger: createLogger('warn') });
  const app = createApp(deps);
  const { key } = await createApiKey(database.db, { role: 'admin', name: `bench ${new Date().toISOString()}` }, 'bench');

  const results: Record<string, unknown> = { machine, postgres: facts.version, date: new Date().toISOString(), dataset: { teams: teams.length, workloads: Number(facts.workloads), snapshots: Number(facts.snapshots) }, now: end.toISOString(), rounds: ROUNDS };
  const from = new Date(end.getTime() - 364 * DAY_MS).toISOString().slice(0, 10);
  const to = end.toISOString().slice(0, 10);
  const others = teams.filter((t) => t.slug !== BIG_TEAM);
  const trendTeams = others.filter((_, i) => i % Math.floor(others.length / 50) === 0).slice(0, 50);
  const trendPath = (slug: string) => `/v1/teams/${slug}/trend?from=${from}&to=${to}&interval=day`;
  const attestPath = (format: string) => `/v1/teams/${BIG_TEAM}/attestations?level=L2&format=${format}`;

  // Warm-up: JIT, the connection pool, PostgreSQL's and the OS's caches (one pass of everything).
  console.log('warming up …');
  for (const t of teams) await timed(app, key, `/v1/teams/${t.slug}/scorecard`);
  for (const t of trendTeams) await timed(app, key, trendPath(t.slug));
  await timed(app, key, '/v1/scorecards');
  await timed(app, key, attestPath('json'));
  await timed(app, key, attestPath('pdf'));

  const scorecards: Timing[] = [];
  const big: Timing[] = [];
  const org: Timing[] = [];
  const trends: Timing[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of teams) {
      const timing = await timed(app, key, `/v1/teams/${t.slug}/scorecard`);
      scorecards.push(timing);
      if (t.slug === BIG_TEAM) big.push(timing);
    }
    for (let k = 0; k < ORG_REPEATS; k++) org.push(await timed(app, key, '/v1/scorecards'));
    for (const t of trendTeams) trends.push(await timed(app, key, trendPath(t.slug)));
  }
  const bigTrend: Timing[] = [];
  for (let r = 0; r < ROUNDS; r++) bigTrend.push(await timed(app, key, trendPath(BIG_TEAM)));
  console.log(`scorecards done (load ${load()})`);

  const json = await withMemory(async () => {
    const ts: Timing[] = [];
    for (let r = 0; r < ROUNDS; r++) ts.push(await timed(app, key, attestPath('json')));
    return ts;
  });
  const pdf = await withMemory(async () => {
    const ts: Timing[] = [];
    for (let r = 0; r < ROUNDS; r++) ts.push(await timed(app, key, attestPath('pdf')));
    return ts;
  });
  const csv = await withMemory(async () => [await timed(app, key, '/v1/attestations?level=L2&format=csv')]);
  const liveTeamCsv = await liveHeap(app, key, `/v1/teams/${BIG_TEAM}/attestations?level=L2&format=csv`);
  const liveOrgCsv = await liveHeap(app, key, '/v1/attestations?level=L2&format=csv');
  console.log(`attestations done (load ${load()})`);

  const figures = {
    teamScorecard: series(scorecards),
    bigTeamScorecard: series(big),
    orgScorecards: series(org),
    trend365: series(trends),
    bigTeamTrend365: series(bigTrend),
    attestationJson: { ...series(json.result), memory: { ...json, result: undefined } },
    attestationPdf: { ...series(pdf.result), memory: { ...pdf, result: undefined } },
    orgAttestationCsv: { ...series(csv.result), memory: { ...csv, result: undefined } },
    liveHeapWhileStreamingCsv: { team1000: liveTeamCsv, org10000: liveOrgCsv },
  };
  results.figures = figures;
  results.loadAverageAtEnd = load();

  const rows: [string, string, Series, number | null][] = [
    [`team scorecard, ${teams.length} teams × ${ROUNDS}`, 'p95 < 50 ms', figures.teamScorecard, 50],
    [`  of which ${BIG_TEAM} (1,000 workloads)`, '—', figures.bigTeamScorecard, null],
    [`org-wide scorecards (${teams.length} teams) × ${ROUNDS * ORG_REPEATS}`, '< 200 ms', figures.orgScorecards, 200],
    [`365-day daily trend, ${trendTeams.length} teams × ${ROUNDS}`, 'p95 < 150 ms', figures.trend365, 150],
    [`365-day daily trend, ${BIG_TEAM} (1,000 workloads)`, '—', figures.bigTeamTrend365, null],
    [`attestation, 1,000 workloads, signed JSON × ${ROUNDS}`, '< 1 s', figures.attestationJson, 1000],
    [`attestation, 1,000 workloads, PDF × ${ROUNDS}`, '< 2 s', figures.attestationPdf, 2000],
    [`attestation, org-wide CSV (${facts.workloads} workloads, streamed)`, '—', figures.orgAttestationCsv, null],
  ];
  const lines = [
    '| measurement | target | p50 ms | p95 ms | max ms | Node CPU p50 ms | response | verdict |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(([name, target, s, limit]) => {
      const verdict = limit === null ? '' : s.p95 < limit ? 'met' : '**missed**';
      return `| ${name} | ${target} | ${s.p50} | ${s.p95} | ${s.max} | ${s.cpuP50} | ${s.bytes >= 2 ** 20 ? `${mib(s.bytes)} MiB` : `${Math.round(s.bytes / 1024)} KiB`} | ${verdict} |`;
    }),
    '',
    '| export | RSS before → peak (MiB) | heap used before → peak (MiB) |',
    '| --- | ---: | ---: |',
    ...(
      [
        ['signed JSON, 1,000 workloads', json],
        ['PDF, 1,000 workloads', pdf],
        [`CSV, org-wide (${facts.workloads} workloads)`, csv],
      ] as const
    ).map(([name, m]) => `| ${name} | ${m.baseRss} → ${m.peakRss} | ${m.baseHeap} → ${m.peakHeap} |`),
    '',
    '| streamed CSV: live heap (after a full GC, every MiB sent) | before (MiB) | max while streaming (MiB) | sent (MiB) |',
    '| --- | ---: | ---: | ---: |',
    `| ${BIG_TEAM}, 1,000 workloads | ${liveTeamCsv.before} | ${liveTeamCsv.max} | ${liveTeamCsv.sent} |`,
    `| org-wide, ${facts.workloads} workloads | ${liveOrgCsv.before} | ${liveOrgCsv.max} | ${liveOrgCsv.sent} |`,
  ];
  console.log(`\n${lines.join('\n')}\n\nload average at end: ${results.loadAverageAtEnd}`);
  results.table = lines.join('\n');

  if (process.argv.includes('--explain')) results.plans = await explain(BENCH_DATABASE_URL, end, teams);
  await database.close();
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/reports.json', `${JSON.stringify(results, null, 2)}\n`);
}

await run();
