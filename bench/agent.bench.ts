/**
 * Agent benchmark (`npm run bench:agent`):
 *   1. one round over 500 containers against the test's Docker Engine API (a unix socket
 *      answering with the recorded payloads, in a process of its own: bench/agent-docker.ts):
 *      time, requests, memory of the agent process, snapshot sizes;
 *   2. the upload rate the agent sustains, delivering its queue (one upload at a time, oldest
 *      first, as it does after an outage) to `npm start` on PGlite and on PostgreSQL.
 * BENCH_CONTAINERS (default 500), BENCH_ROUNDS (default 5), BENCH_UPLOAD_ROUNDS (default 3),
 * BENCH_DATABASE_URL (default DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; the
 * PostgreSQL part is skipped when it does not answer).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../workers/agent/agent.ts';
import { createDockerClient, type DockerClient } from '../workers/agent/docker-client.ts';
import { EventWindow } from '../workers/agent/events.ts';
import { DiskQueue } from '../workers/agent/queue.ts';
import { readRound } from '../workers/agent/round.ts';
import { buildSnapshots } from '../workers/agent/snapshot.ts';

const COUNT = Number(process.env.BENCH_CONTAINERS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const UPLOAD_ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const gc = (globalThis as { gc?: () => void }).gc;

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** The test's Docker Engine API with COUNT containers, in a child process (bench/agent-docker.ts). */
async function startDocker(): Promise<{ socketPath: string; stop: () => void }> {
  const child = spawn(process.execPath, ['bench/agent-docker.ts', String(COUNT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const socketPath = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`the Docker API stand-in exited (${code})`)));
  });
  return { socketPath, stop: () => child.kill('SIGTERM') };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function roundBenchmark() {
  const fake = await startDocker();
  let requests = 0;
  const docker = counting(createDockerClient({ endpoint: { socketPath: fake.socketPath, host: null, port: null, tls: null, display: 'fake' } }), () => requests++);
  const window = new EventWindow(null, 50_000);
  const samples: { ms: number; heapMiB: number; requests: number }[] = [];
  let carried: Awaited<ReturnType<typeof readRound>>['carried'] = [];
  let last = { workloads: 0, bodyBytes: 0, largestBody: 0 };
  gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 5);
  for (let r = 0; r < ROUNDS; r++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const requestsBefore = requests;
    const started = performance.now();
    const round = await readRound(docker, { only: null, groupLabel: null, window, lookbackMs: 3_600_000, carried, concurrency: 8, clock: () => new Date() });
    const { snapshots } = buildSnapshots(round, { environment: 'prod', maxProcessLists: 40, agentVersion: 'bench' });
    const bodies = snapshots.map((s) => JSON.stringify(s.body));
    const ms = performance.now() - started;
    const heapMiB = mib(process.memoryUsage().heapUsed - before);
    carried = round.carried;
    samples.push({ ms: Math.round(ms), heapMiB, requests: requests - requestsBefore });
    const sizes = bodies.map((b) => Buffer.byteLength(b));
    last = { workloads: snapshots.length, bodyBytes: sizes.reduce((a, b) => a + b, 0), largestBody: Math.max(...sizes) };
  }
  clearInterval(sampler);
  docker.close();
  fake.stop();
  return {
    containers: COUNT,
    workloads: last.workloads,
    rounds: samples,
    medianMs: median(samples.map((s) => s.ms)),
    requestsPerRound: samples[samples.length - 1]?.requests ?? 0,
    heapGrowthMiB: median(samples.map((s) => s.heapMiB)),
    baselineRssMiB: mib(baselineRss),
    peakRssMiB: mib(peakRss),
    snapshotsMiB: mib(last.bodyBytes),
    largestSnapshotKiB: Math.round(last.largestBody / 1024),
  };
}

async function startServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['api/node-server.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', CSVS_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', MAX_BODY_BYTES: String(16 * 2 ** 20), RATE_LIMIT_PER_KEY: '0', RATE_LIMIT_PER_ADDRESS: '0' },
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

async function setup(base: string): Promise<{ team: string; key: string }> {
  const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const team = `agent-bench-${Date.now().toString(36)}`;
  await fetch(`${base}/v1/teams`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: team, name: 'Agent bench' }) });
  const res = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'ingest', team, name: 'agent bench' }) });
  const { key } = (await res.json()) as { key: string };
  return { team, key };
}

/** Queues UPLOAD_ROUNDS rounds while the service "is down", then times the agent draining the queue. */
async function uploadBenchmark(label: string, env: Record<string, string>, port: number) {
  const server = await startServer(env, port);
  const fake = await startDocker();
  const docker: DockerClient = createDockerClient({ endpoint: { socketPath: fake.socketPath, host: null, port: null, tls: null, display: 'fake' } });
  const dir = await mkdtemp(join(tmpdir(), 'csvs-agent-bench-'));
  try {
    const base = `http://127.0.0.1:${port}`;
    const { team, key } = await setup(base);
    const log = () => {};
    const queue = await DiskQueue.open(join(dir, 'queue'), { maxEntries: 100_000, maxBytes: 2 ** 31 }, log);
    const agent = await createAgent({
      docker, target: { url: base, key, timeoutMs: 60_000 }, team, queue, stateDir: dir, healthFile: null,
      intervalMs: 300_000, eventsPollMs: 0, lookbackMs: 3_600_000, groupLabel: null, environment: 'prod',
      maxProcessLists: 40, maxPendingEvents: 50_000, concurrency: 8, backoff: { baseMs: 1000, capMs: 30_000 }, agentVersion: 'bench', log,
    });
    for (let r = 0; r < UPLOAD_ROUNDS; r++) await agent.round();
    const queued = queue.stats();
    const started = performance.now();
    const report = await agent.deliver();
    const seconds = (performance.now() - started) / 1000;
    const result = {
      database: label,
      snapshots: report.delivered,
      failed: report.rejected + report.remaining,
      queuedMiB: mib(queued.bytes),
      seconds: Math.round(seconds * 10) / 10,
      snapshotsPerSecond: Math.round((report.delivered / seconds) * 10) / 10,
      containersPerSecond: Math.round(((report.delivered / seconds) * COUNT) / Math.max(1, queued.entries / UPLOAD_ROUNDS)),
      mibPerSecond: Math.round((mib(queued.bytes) / seconds) * 10) / 10,
    };
    console.log(`upload, ${label}:`, result);
    return result;
  } finally {
    docker.close();
    fake.stop();
    server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

/** Counts the requests a round makes (every client method is one request; the first call also pings). */
function counting(docker: DockerClient, count: () => void): DockerClient {
  const wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => {
    count();
    return fn(...args);
  };
  return {
    ...docker,
    info: wrap(docker.info),
    listContainers: wrap(docker.listContainers),
    inspectContainer: wrap(docker.inspectContainer),
    inspectImage: wrap(docker.inspectImage),
    top: wrap(docker.top),
    events: wrap(docker.events),
  };
}

function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 5432), hostname, () => {
      socket.end();
      resolve(true);
    });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

async function run() {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}`);
  const results: Record<string, unknown> = { machine, date: new Date().toISOString() };
  results.round = await roundBenchmark();
  console.log('round:', results.round);

  const dataDir = await mkdtemp(join(tmpdir(), 'csvs-agent-bench-db-'));
  results.uploadPglite = await uploadBenchmark('PGlite', { DATA_DIR: dataDir }, 18797);
  await rm(dataDir, { recursive: true, force: true });
  if (await answers(DATABASE_URL)) results.uploadPostgres = await uploadBenchmark('PostgreSQL', { DATABASE_URL }, 18798);
  else console.log(`PostgreSQL at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} does not answer; skipped`);

  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/agent.json', `${JSON.stringify(results, null, 2)}\n`);
}

await run();
