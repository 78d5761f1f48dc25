/**
 * Ingest benchmark (`npm run bench:ingest`): `npm start` against a PostgreSQL server, loaded by
 * autocannon with realistic uploads (a Dockerfile and a 3-container docker inspect).
 *   1. saturation: uploads/s with 64 connections for 15 s;
 *   2. latency at a fixed 300 uploads/s for 15 s (p50/p99);
 *   3. the floor: the same rows written by postgres.js alone, with no HTTP, parsing or evaluation;
 *   4. for the record, the same saturation run on the embedded database (PGlite).
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); BENCH_SECONDS (default 15).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { DOCKER_INSPECT, DOCKERFILE } from './fixtures/corpus.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const WORKLOADS = 200;

async function startServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['api/node-server.ts'], {
    // One key and one address upload far past the default rate limits: this measures throughput.
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', CSVS_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', RATE_LIMIT_PER_KEY: '0', RATE_LIMIT_PER_ADDRESS: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('server did not start');
}

async function setup(base: string): Promise<{ team: string; key: string }> {
  const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const team = `bench-${Date.now().toString(36)}`;
  await fetch(`${base}/v1/teams`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: team, name: 'Bench' }) });
  const res = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'ingest', team, name: 'bench' }) });
  const { key } = (await res.json()) as { key: string };
  return { team, key };
}

function body(i: number): string {
  return JSON.stringify({
    workload: `svc-${i % WORKLOADS}`,
    environment: 'prod',
    artifacts: [
      { kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE },
      { kind: 'docker-inspect', name: 'inspect.json', content: DOCKER_INSPECT },
    ],
  });
}

async function load(base: string, team: string, key: string, options: { connections: number; overallRate?: number }) {
  let i = 0;
  const result = await autocannon({
    url: `${base}/v1/teams/${team}/snapshots`,
    method: 'POST',
    connections: options.connections,
    duration: SECONDS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body(i++) }) }],
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

/** The same rows an upload writes, inserted by postgres.js alone over the same concurrency. */
async function floor(): Promise<{ uploadsPerSecond: number }> {
  const sql = postgres(DATABASE_URL, { max: 10, onnotice: () => {} });
  const [team] = await sql<{ id: string }[]>`insert into teams (slug, name) values (${`floor-${Date.now().toString(36)}`}, 'Floor') returning id`;
  if (!team) throw new Error('no team');
  const inspect = JSON.stringify(DOCKER_INSPECT);
  const findings = JSON.stringify([{ artifact: 'inspect.json', kind: 'docker-inspect', container: 'checkout-api-1', location: '/0/HostConfig/SecurityOpt', message: 'x', status: 'pass' }]);
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const worker = async (w: number) => {
    while (Date.now() < deadline) {
      const id = crypto.randomUUID();
      const workload = `svc-${(done + w) % WORKLOADS}`;
      await sql.begin(async (tx) => {
        await tx`insert into snapshots (id, team_id, workload, environment, observed_at, received_at, content_hash, status) values (${id}, ${team.id}, ${workload}, 'prod', now(), now(), 'sha256:x', 'pending')`;
        await tx`insert into artifacts ${tx([
          { snapshot_id: id, position: 0, kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE, size: DOCKERFILE.length },
          { snapshot_id: id, position: 1, kind: 'docker-inspect', name: 'inspect.json', content: inspect, size: inspect.length },
        ])}`;
        await tx`insert into control_results ${tx(Array.from({ length: 15 }, (_, k) => ({ snapshot_id: id, control_id: `3.${k + 1}`, status: 'pass', findings })))}`;
        await tx`update snapshots set status = 'evaluated', engine_version = 'floor', evaluated_at = now() where id = ${id}`;
        await tx`insert into workload_state (team_id, workload, environment, snapshot_id, observed_at, statuses) values (${team.id}, ${workload}, 'prod', ${id}, now(), '{}') on conflict (team_id, workload, environment) do update set snapshot_id = excluded.snapshot_id, observed_at = excluded.observed_at`;
      });
      done += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
  await sql.end();
  return { uploadsPerSecond: Math.round(done / ((Date.now() - started) / 1000)) };
}

async function run() {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}`);
  const results: Record<string, unknown> = { machine, seconds: SECONDS, date: new Date().toISOString() };

  const pgPort = 18787;
  const server = await startServer({ DATABASE_URL }, pgPort);
  try {
    const base = `http://127.0.0.1:${pgPort}`;
    const { team, key } = await setup(base);
    await load(base, team, key, { connections: 16 }); // warm-up (JIT, pools)
    results.postgresSaturation = await load(base, team, key, { connections: 64 });
    console.log('PostgreSQL, saturation:', results.postgresSaturation);
    results.postgresAt300 = await load(base, team, key, { connections: 64, overallRate: 300 });
    console.log('PostgreSQL, 300 uploads/s:', results.postgresAt300);
  } finally {
    server.kill('SIGTERM');
  }
  results.floor = await floor();
  console.log('floor (postgres.js alone):', results.floor);

  const dataDir = await mkdtemp(join(tmpdir(), 'csvs-bench-'));
  const embedded = await startServer({ DATA_DIR: dataDir }, pgPort + 1);
  try {
    const base = `http://127.0.0.1:${pgPort + 1}`;
    const { team, key } = await setup(base);
    results.pgliteSaturation = await load(base, team, key, { connections: 16 });
    console.log('PGlite, saturation:', results.pgliteSaturation);
  } finally {
    embedded.kill('SIGTERM');
  }
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/ingest.json', `${JSON.stringify(results, null, 2)}\n`);
}

await run();
