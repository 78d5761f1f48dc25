/**
 * Ingest benchmark (`npm run bench:ingest`): `npm start` against a PostgreSQL server, loaded by
 * autocannon with realistic uploads (a ~40-line Dockerfile and a 3-container docker inspect):
 *   1. the floor: postgres.js alone, 32 writers, one INSERT per upload of a single row holding the
 *      upload's artifact texts and fifteen statuses; and our own statements alone (the rows our
 *      schema writes for a changed and an unchanged upload, without HTTP, parsing or evaluation);
 *   2. changed uploads (every upload different) at saturation;
 *   3. unchanged re-uploads (each equal to its workload's latest state) at saturation;
 *   4. the agent's mix: 1,000 workloads re-uploaded in rounds, 90 % unchanged, at saturation and at
 *      300 uploads/s offered (p99), asking as the agent does for the minimal answer (Prefer: return=minimal);
 *   5. database growth (pg_total_relation_size of every table, indexes and TOAST included) over
 *      BENCH_GROWTH unchanged uploads (default 10,000) and over a tenth as many changed ones;
 *   6. the embedded database (PGlite): changed and unchanged at saturation.
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/csvs_bench, created when missing);
 * BENCH_SECONDS (default 15); BENCH_ONLY=growth measures the database growth alone.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { createHash } from 'node:crypto';
import { connectPostgres } from '../db/client.ts';
import { migratePostgres } from '../db/migrate.ts';
import { recordChange } from '../db/queries/changes.ts';
import { recordObservation } from '../db/queries/observations.ts';
import { teams } from '../db/schema.ts';
import { evaluateEvidence } from '../workers/engine/evaluate.ts';
import { buildEvidence } from '../workers/engine/parse.ts';
import { BENCH_ADMIN_KEY, percentiles, startServer } from './server.ts';
import { DOCKER_INSPECT, DOCKERFILE, uploadBody } from './fixtures/corpus.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/csvs_bench';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const GROWTH = Number(process.env.BENCH_GROWTH ?? 10_000);
const FLEET = 1_000;
const ONLY = process.env.BENCH_ONLY ?? '';
// BENCH_ONLY=floor: the two floors alone.

async function ensureDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const server = new URL(url);
  server.pathname = '/postgres';
  const sql = postgres(server.toString(), { max: 1, onnotice: () => {} });
  const [found] = await sql`select 1 from pg_database where datname = ${name}`;
  if (!found) await sql.unsafe(`create database "${name.replaceAll('"', '')}"`);
  await sql.end();
}


async function setup(base: string): Promise<{ team: string; key: string }> {
  const admin = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' };
  const team = `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await fetch(`${base}/v1/teams`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: team, name: 'Bench' }) });
  const res = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'ingest', team, name: 'bench' }) });
  const { key } = (await res.json()) as { key: string };
  return { team, key };
}


/** Request bodies, one after the other: `next(k)` is the k-th upload of the run. */
type Bodies = (k: number) => string;

/** Every upload different: a new revision each time. */
const changed = (offset: number): Bodies => (k) => uploadBody(k % FLEET, offset + k);
/** Every upload equal to its workload's latest state (revision 0, uploaded once before). */
const unchanged = (workloads: number): Bodies => (k) => uploadBody(k % workloads, 0);
/**
 * The agent's rounds: workload w in round r is at revision floor((r + w·7 mod 10) / 10), so one
 * upload in ten brings a new revision and the rest repeat the latest state. One fleet, so its
 * uploads go on where the previous run stopped (a fresh start would change every workload).
 */
function agentFleet(): Bodies {
  let sent = 0;
  return () => {
    const k = sent++;
    const w = k % FLEET;
    const r = Math.floor(k / FLEET);
    return uploadBody(w, Math.floor((r + ((w * 7) % 10)) / 10));
  };
}

async function load(base: string, key: string, team: string, bodies: Bodies, options: { connections: number; overallRate?: number; amount?: number; seconds?: number; minimal?: boolean }) {
  let k = 0;
  const result = await autocannon({
    url: `${base}/v1/teams/${team}/snapshots`,
    method: 'POST',
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? SECONDS }),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(options.minimal ? { prefer: 'return=minimal' } : {}) },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies(k++) }) }],
  });
  return {
    uploadsPerSecond: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/**
 * An offered rate, open loop: upload k leaves at start + k/rate whatever the answers before it did
 * (a slow answer does not slow the offer down, so queueing shows in the latencies). autocannon's
 * rate option is a per-second quota instead — every connection sends back to back at the top of
 * each second, then waits — which offers bursts, not a rate.
 */
async function paced(base: string, key: string, team: string, bodies: Bodies, o: { rate: number; seconds: number; minimal?: boolean }) {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(o.minimal ? { prefer: 'return=minimal' } : {}) };
  const url = `${base}/v1/teams/${team}/snapshots`;
  const total = Math.round(o.rate * o.seconds);
  const latencies: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = bodies(k);
    const sent = performance.now();
    inFlight.push(
      fetch(url, { method: 'POST', headers, body })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status >= 300) failed += 1;
          // From when it was due, so a sender that fell behind counts against the server, not for it.
          latencies.push(performance.now() - Math.min(sent, due));
        })
        .catch(() => {
          failed += 1;
        }),
    );
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  return { offeredPerSecond: o.rate, uploadsPerSecond: Math.round(latencies.length / seconds), ...percentiles(latencies), failed };
}

/** Uploads `count` bodies (a round to prime workloads), 16 at a time, checking each is stored. */
async function prime(base: string, key: string, team: string, count: number, bodies: Bodies): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const k = next++;
      const res = await fetch(`${base}/v1/teams/${team}/snapshots`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: bodies(k),
      });
      if (res.status !== 201) throw new Error(`priming upload ${k}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function databaseBytes(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ bytes: string }[]>`
    select coalesce(sum(pg_total_relation_size(c.oid)), 0)::text as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'm') and n.nspname = 'public'`;
  return Number(row?.bytes ?? 0);
}

/** Each table's heap (with TOAST) and each index, by name: where the growth goes. */
async function relationBytes(sql: postgres.Sql): Promise<Map<string, number>> {
  const rows = await sql<{ name: string; bytes: string }[]>`
    select c.relname as name,
      (pg_relation_size(c.oid) + case when c.reltoastrelid <> 0 then pg_total_relation_size(c.reltoastrelid) else 0 end)::text as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'i', 'm') and n.nspname = 'public'`;
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/** Bytes per upload by relation, largest first (relations that did not grow left out). */
function perUpload(before: Map<string, number>, after: Map<string, number>, uploads: number): Record<string, number> {
  return Object.fromEntries(
    [...after]
      .map(([name, bytes]) => [name, Math.round((bytes - (before.get(name) ?? 0)) / uploads)] as const)
      .filter(([, b]) => b !== 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** The issue's floor: one INSERT per upload of one row with its texts and fifteen statuses, 32 writers. */
async function floor(): Promise<{ uploadsPerSecond: number }> {
  const sql = postgres(DATABASE_URL, { max: 32, onnotice: () => {} });
  await sql`create unlogged table if not exists bench_floor (id uuid primary key, team text, workload text, observed_at timestamptz, texts text[], statuses jsonb)`;
  await sql`truncate bench_floor`;
  await sql`alter table bench_floor set logged`;
  const inspect = JSON.stringify(DOCKER_INSPECT);
  const statuses = JSON.stringify(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`3.${i + 1}`, 'pass'])));
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const worker = async (w: number) => {
    while (Date.now() < deadline) {
      await sql`insert into bench_floor values (${crypto.randomUUID()}, 'floor', ${`svc-${w}`}, now(), ${[DOCKERFILE, inspect]}, ${statuses}::jsonb)`;
      done += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
  const seconds = (Date.now() - started) / 1000;
  await sql`drop table bench_floor`;
  await sql.end();
  return { uploadsPerSecond: Math.round(done / seconds) };
}

/**
 * Our schema's floor: the statements our write path sends for an upload (db/queries/changes.ts for
 * a changed one, observations.ts for an unchanged one), 32 writers, without HTTP, redaction,
 * parsing or evaluation — what the database costs per upload in our layout, beside the issue's floor.
 */
async function schemaFloor(): Promise<{ changedPerSecond: number; unchangedPerSecond: number }> {
  const database = await connectPostgres(DATABASE_URL, { max: 32 });
  const db = database.db;
  const [team] = await db.insert(teams).values({ slug: `floor-${Date.now().toString(36)}`, name: 'Floor' }).returning({ id: teams.id });
  const teamId = team?.id ?? '';
  const inspect = JSON.stringify(DOCKER_INSPECT);
  const evidence = buildEvidence([
    { kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE },
    { kind: 'docker-inspect', name: 'inspect.json', content: inspect },
  ]);
  const result = evaluateEvidence(evidence, { workload: 'svc', history: [] });
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const rows = (w: number, rev: number) => {
    const dockerfile = `${DOCKERFILE}LABEL org.opencontainers.image.revision="r${rev}"\n`;
    const texts = [dockerfile, inspect].map((content) => ({ sha256: sha(content), content, size: Buffer.byteLength(content) }));
    const setHash = sha(texts.map((t) => t.sha256).join(','));
    const snapshot = {
      id: crypto.randomUUID(), teamId, workload: `svc-${w}`, environment: 'prod', observedAt: new Date(), receivedAt: new Date(),
      ci: null, contentHash: `sha256:${sha(`${w}:${rev}`)}`, idempotencyKey: null, uploadedBy: null,
    };
    const redactions = { total: 0, byKind: {}, items: [] };
    return { snapshot, texts, setHash, redactions };
  };
  const change = (w: number, rev: number) => {
    const u = rows(w, rev);
    const artifacts = u.texts.map((t, i) => ({ kind: i === 0 ? 'dockerfile' : 'docker-inspect', name: i === 0 ? 'Dockerfile' : 'inspect.json', size: t.size, sha256: t.sha256 }));
    const context = { workload: u.snapshot.workload, environment: 'prod', history: [] };
    return recordChange(db, {
      snapshot: u.snapshot,
      texts: u.texts,
      set: { id: crypto.randomUUID(), hash: u.setHash, artifacts, redactions: u.redactions },
      verdict: { id: crypto.randomUUID(), contextHash: sha(JSON.stringify(context)), context, result, evaluatedAt: new Date(), accessed: null },
    });
  };
  const observe = (w: number) => {
    const u = rows(w, 0);
    return recordObservation(db, { ...u.snapshot, setHash: u.setHash, engineVersion: result.engineVersion, redactions: u.redactions });
  };
  const run = async (one: (k: number) => Promise<unknown>): Promise<number> => {
    const deadline = Date.now() + SECONDS * 1000;
    let done = 0;
    const started = Date.now();
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (Date.now() < deadline) await one(done++);
    }));
    return Math.round(done / ((Date.now() - started) / 1000));
  };
  try {
    for (let w = 0; w < FLEET; w += 32) await Promise.all(Array.from({ length: 32 }, (_, j) => change(w + j, 0)));
    const unchangedPerSecond = await run((k) => observe(k % FLEET));
    const changedPerSecond = await run((k) => change(k % FLEET, 1_000_000 + k));
    return { changedPerSecond, unchangedPerSecond };
  } finally {
    await database.close();
  }
}

/** Changed, unchanged and agent-mix uploads at saturation, and the agent mix at 300 uploads/s offered. */
async function throughput(base: string, key: string, team: string, results: Record<string, unknown>): Promise<void> {
  results.changed = await load(base, key, team, changed(1_000_000), { connections: 64 });
  console.log('changed uploads, saturation:', results.changed);
  await prime(base, key, team, FLEET, unchanged(FLEET));
  results.unchanged = await load(base, key, team, unchanged(FLEET), { connections: 64 });
  console.log('unchanged re-uploads, saturation:', results.unchanged);

  const agent = await setup(base);
  const fleet = agentFleet();
  await prime(base, agent.key, agent.team, FLEET, fleet);
  results.agentMix = await load(base, agent.key, agent.team, fleet, { connections: 64, minimal: true });
  console.log('agent mix (90 % unchanged), saturation:', results.agentMix);
  results.agentMixAt300 = await paced(base, agent.key, agent.team, fleet, { rate: 300, seconds: SECONDS, minimal: true });
  console.log('agent mix, 300 uploads/s offered:', results.agentMixAt300);
}

async function run() {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const results: Record<string, unknown> = { machine, seconds: SECONDS, date: new Date().toISOString(), loadavgBefore: loadavg() };
  await ensureDatabase(DATABASE_URL);
  await migratePostgres(DATABASE_URL);
  if (!ONLY || ONLY === 'floor') {
    results.floor = await floor();
    console.log('floor (postgres.js alone, one row per upload):', results.floor);
    results.schemaFloor = await schemaFloor();
    console.log('our statements alone (no HTTP, parsing or evaluation):', results.schemaFloor);
  }
  if (ONLY === 'floor') return finish(results);

  const pgPort = 18787;
  const server = await startServer({ DATABASE_URL }, pgPort);
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const base = `http://127.0.0.1:${pgPort}`;
    const { team, key } = await setup(base);
    // Warm-up (JIT, pools), and every workload's revision 0 stored: later uploads at r0 are unchanged.
    await prime(base, key, team, FLEET, unchanged(FLEET));
    if (!ONLY) await throughput(base, key, team, results);

    const growth = await setup(base);
    await prime(base, growth.key, growth.team, FLEET, unchanged(FLEET));
    await sql`checkpoint`;
    const before = await databaseBytes(sql);
    const relationsBefore = await relationBytes(sql);
    await load(base, growth.key, growth.team, unchanged(FLEET), { connections: 32, amount: GROWTH });
    await sql`checkpoint`;
    const afterUnchanged = await databaseBytes(sql);
    const relationsAfterUnchanged = await relationBytes(sql);
    const changedCount = Math.max(100, Math.round(GROWTH / 10));
    await load(base, growth.key, growth.team, changed(2_000_000), { connections: 32, amount: changedCount });
    await sql`checkpoint`;
    const afterChanged = await databaseBytes(sql);
    results.growth = {
      unchangedUploads: GROWTH,
      bytesPerUnchangedUpload: Math.round((afterUnchanged - before) / GROWTH),
      unchangedByRelation: perUpload(relationsBefore, relationsAfterUnchanged, GROWTH),
      changedUploads: changedCount,
      bytesPerChangedUpload: Math.round((afterChanged - afterUnchanged) / changedCount),
      changedByRelation: perUpload(relationsAfterUnchanged, await relationBytes(sql), changedCount),
    };
    console.log('database growth:', results.growth);
  } finally {
    server.kill('SIGTERM');
    await sql.end();
  }

  if (ONLY) return finish(results);
  const dataDir = await mkdtemp(join(tmpdir(), 'csvs-bench-'));
  const embedded = await startServer({ DATA_DIR: dataDir }, pgPort + 1);
  try {
    const base = `http://127.0.0.1:${pgPort + 1}`;
    const { team, key } = await setup(base);
    await prime(base, key, team, 200, unchanged(200));
    results.pgliteChanged = await load(base, key, team, changed(3_000_000), { connections: 16 });
    console.log('PGlite, changed uploads, saturation:', results.pgliteChanged);
    results.pgliteUnchanged = await load(base, key, team, unchanged(200), { connections: 16 });
    console.log('PGlite, unchanged re-uploads, saturation:', results.pgliteUnchanged);
  } finally {
    embedded.kill('SIGTERM');
  }
  await finish(results);
}

async function finish(results: Record<string, unknown>): Promise<void> {
  results.loadavgAfter = loadavg();
  await mkdir('bench/results', { recursive: true });
  await writeFile(`bench/results/ingest${ONLY ? `-${ONLY}` : ''}.json`, `${JSON.stringify(results, null, 2)}\n`);
}

await run();
