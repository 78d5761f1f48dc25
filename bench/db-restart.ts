/**
 * PostgreSQL restarted under load (`npm run fault:db-restart`): the service as `npm start` runs
 * it, on a database of its own (created for the run and dropped after), with UPLOADERS clients
 * uploading as fast as they are answered while the whole PostgreSQL cluster is restarted RESTARTS
 * times. Clients behave as the README asks: each upload carries an Idempotency-Key, and a 503 or a
 * dropped connection is retried with the same key after Retry-After.
 *
 * It reports, and fails (exit 1) unless all hold:
 * - the process is alive at the end (it used to die in postgres.js's `nextWrite`);
 * - no 500 at any time: an outage is a 503 with Retry-After;
 * - no error from one second after /readyz answers 200 again until the next restart;
 * - no acknowledged upload lost (every 201's snapshot is there at the end);
 * - no ghost: every stored snapshot of the run was acknowledged to its client, on a retry at the latest.
 *
 * This restarts the machine's PostgreSQL server, which disturbs anything else using it: it is a
 * script to run by hand, not part of `npm test` (the suite's fault test kills only its own
 * database's connections). FAULT_DATABASE_URL, FAULT_RESTART_COMMAND, RESTARTS (default 10),
 * UPLOADERS (default 40). Results go to bench/results/db-restart.json.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import postgres from 'postgres';
import { DOCKER_INSPECT, DOCKERFILE } from './fixtures/corpus.ts';

/** A database of this run's own unless FAULT_DATABASE_URL names one (created when missing, dropped after unless named). */
const OWN_DATABASE = !process.env.FAULT_DATABASE_URL;
const DATABASE_URL = process.env.FAULT_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/csvs_fault_restart_${process.pid}`;
const RESTARTS = Number(process.env.RESTARTS ?? 10);
const UPLOADERS = Number(process.env.UPLOADERS ?? 40);
const PORT = Number(process.env.FAULT_PORT ?? 18797);
const ADMIN_KEY = 'fault-admin-key-0123456789abcdef';
const BASE = `http://127.0.0.1:${PORT}`;

function restartCommand(): string[] {
  const configured = process.env.FAULT_RESTART_COMMAND;
  if (configured) return configured.split(' ');
  const [version] = readdirSync('/etc/postgresql');
  if (!version) throw new Error('no cluster under /etc/postgresql; set FAULT_RESTART_COMMAND');
  return ['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'restart'];
}

async function ensureDatabase(): Promise<void> {
  const url = new URL(DATABASE_URL);
  const name = url.pathname.slice(1);
  const admin = postgres({ host: url.hostname, port: Number(url.port || 5432), user: url.username, database: 'postgres', onnotice: () => {} });
  const [found] = await admin`select 1 as one from pg_database where datname = ${name}`;
  if (!found) await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  await admin.end();
}

async function dropDatabase(): Promise<void> {
  const url = new URL(DATABASE_URL);
  const admin = postgres({ host: url.hostname, port: Number(url.port || 5432), user: url.username, database: 'postgres', onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${url.pathname.slice(1).replace(/"/g, '""')}" with (force)`);
  await admin.end();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ServerHandle {
  child: ChildProcess;
  output: string[];
  exit: { code: number | null; signal: string | null } | null;
}

async function startServer(): Promise<ServerHandle> {
  const child = spawn(process.execPath, ['api/node-server.ts'], {
    env: { ...process.env, DATABASE_URL, PORT: String(PORT), HOST: '127.0.0.1', CSVS_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle: ServerHandle = { child, output: [], exit: null };
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) handle.output.push(line);
    if (handle.output.length > 5000) handle.output.splice(0, handle.output.length - 5000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    handle.exit = { code, signal };
  });
  for (let i = 0; i < 300; i++) {
    if (await ready()) return handle;
    await sleep(100);
  }
  child.kill();
  throw new Error(`server did not start:\n${handle.output.join('\n')}`);
}

async function ready(): Promise<boolean> {
  try {
    return (await fetch(`${BASE}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function adminPost(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Tally {
  attempts: number;
  byStatus: Record<string, number>;
  /** 503s that came without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** Answers that were not 201/200 although the database had been ready for over a second. */
  errorsAfterReady: { status: string; msAfterReady: number; detail: string }[];
  /** Idempotency-Key → snapshot id, for every upload the client saw acknowledged. */
  acknowledged: Map<string, string>;
  /** Keys whose client gave up (never acknowledged). */
  abandoned: Set<string>;
  /** How long each answer took, ms. */
  latencies: number[];
}

async function run(): Promise<number> {
  await ensureDatabase();
  const restart = restartCommand();
  const server = await startServer();
  const team = `fault-${Date.now().toString(36)}`;
  await adminPost('/v1/teams', { slug: team, name: 'Fault injection' });
  const { key } = (await adminPost('/v1/api-keys', { role: 'ingest', team, name: 'fault' })) as { key: string };

  const tally: Tally = {
    attempts: 0,
    byStatus: {},
    unavailableWithoutRetryAfter: 0,
    errorsAfterReady: [],
    acknowledged: new Map(),
    abandoned: new Set(),
    latencies: [],
  };
  /** When the database answered /readyz again after the last restart; null while it is down. */
  let readySince: number | null = Date.now();
  /** Counts restarts begun: an answer belongs to the settled period it was asked in only if this did not move. */
  let epoch = 0;
  let stopping = false;
  const count = (status: string) => {
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
  };

  const uploader = async (u: number): Promise<void> => {
    let n = 0;
    while (!stopping) {
      n += 1;
      const idempotencyKey = `fault-${u}-${n}`;
      const body = JSON.stringify({
        workload: `svc-${u}`,
        environment: 'prod',
        ci: { commit: idempotencyKey },
        artifacts: [
          { kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE },
          { kind: 'docker-inspect', name: 'inspect.json', content: DOCKER_INSPECT },
        ],
      });
      let done = false;
      for (let attempt = 0; attempt < 60 && !done; attempt++) {
        tally.attempts += 1;
        const sentAt = Date.now();
        const settledBefore = readySince !== null && sentAt - readySince > 1000;
        const sentInEpoch = epoch;
        let status: string;
        let detail = '';
        let wait = 500;
        try {
          const res = await fetch(`${BASE}/v1/teams/${team}/snapshots`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
            body,
            signal: AbortSignal.timeout(30_000),
          });
          status = String(res.status);
          const text = await res.text();
          if (res.status === 201 || res.status === 200) {
            tally.acknowledged.set(idempotencyKey, (JSON.parse(text) as { id: string }).id);
            done = true;
          } else {
            detail = text.slice(0, 200);
          }
          if (res.status === 503) {
            const retryAfter = res.headers.get('retry-after');
            if (!retryAfter) tally.unavailableWithoutRetryAfter += 1;
            wait = Math.min(Number(retryAfter ?? 1), 5) * 1000;
          }
        } catch (e) {
          status = `network:${e instanceof Error ? ((e.cause as { code?: string } | undefined)?.code ?? e.name) : 'error'}`;
        }
        count(status);
        tally.latencies.push(Date.now() - sentAt);
        // Asked a second after the database was back, and no restart began before the answer.
        if (!done && settledBefore && epoch === sentInEpoch) tally.errorsAfterReady.push({ status, msAfterReady: sentAt - (readySince ?? 0), detail });
        if (!done) await sleep(wait);
      }
      if (!done) tally.abandoned.add(idempotencyKey);
    }
  };

  const started = Date.now();
  const clients = Array.from({ length: UPLOADERS }, (_, u) => uploader(u));
  const restarts: { restartMs: number; readyAfterMs: number }[] = [];
  for (let r = 0; r < RESTARTS && !server.exit; r++) {
    await sleep(2000 + Math.random() * 2000);
    readySince = null;
    epoch += 1;
    const t0 = Date.now();
    execFileSync(restart[0] ?? 'pg_ctlcluster', restart.slice(1), { stdio: 'ignore' });
    const restartMs = Date.now() - t0;
    while (!(await ready()) && !server.exit) await sleep(50);
    readySince = Date.now();
    restarts.push({ restartMs, readyAfterMs: readySince - t0 });
    console.log(`restart ${r + 1}/${RESTARTS}: ${restartMs} ms, ready after ${readySince - t0} ms; process ${server.exit ? 'DEAD' : 'alive'}`);
  }
  await sleep(3000);
  stopping = true;
  await Promise.all(clients);
  const seconds = (Date.now() - started) / 1000;

  // What the database holds for this run, against what the clients were told.
  const sql = postgres(DATABASE_URL, { onnotice: () => {} });
  const stored = await sql<{ id: string; idempotency_key: string }[]>`
    select s.id, s.idempotency_key from snapshots s join teams t on t.id = s.team_id where t.slug = ${team}`;
  await sql.end();
  const storedIds = new Set(stored.map((s) => s.id));
  const lost = [...tally.acknowledged.values()].filter((id) => !storedIds.has(id));
  const ghosts = stored.filter((s) => !tally.acknowledged.has(s.idempotency_key));

  const alive = server.exit === null;
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  const results = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    restarts: restarts.length,
    uploaders: UPLOADERS,
    seconds: Math.round(seconds),
    processAlive: alive,
    exit: server.exit,
    attempts: tally.attempts,
    byStatus: tally.byStatus,
    acknowledged: tally.acknowledged.size,
    stored: stored.length,
    lostAcknowledged: lost.length,
    ghosts: ghosts.length,
    abandoned: tally.abandoned.size,
    unavailableWithoutRetryAfter: tally.unavailableWithoutRetryAfter,
    errorsOneSecondAfterReady: tally.errorsAfterReady.length,
    latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: sorted.at(-1) ?? 0 },
    errorsAfterReady: tally.errorsAfterReady.slice(0, 20),
    restartTimings: restarts,
    serverLogErrors: server.output.filter((l) => /"level":"error"|TypeError/.test(l)).slice(0, 20),
    serverLogWarnings: server.output.filter((l) => /"level":"warn"/.test(l)).length,
    serverLogWarningSample: server.output.filter((l) => /"level":"warn"/.test(l)).slice(-30).map((l) => l.slice(0, 300)),
  };
  if (alive) {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
  }
  if (OWN_DATABASE) await dropDatabase();
  console.log(JSON.stringify({ ...results, restartTimings: undefined }, null, 2));
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/db-restart.json', `${JSON.stringify(results, null, 2)}\n`);
  const ok =
    alive &&
    restarts.length === RESTARTS &&
    !tally.byStatus['500'] &&
    tally.unavailableWithoutRetryAfter === 0 &&
    tally.errorsAfterReady.length === 0 &&
    lost.length === 0 &&
    ghosts.length === 0;
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

process.exitCode = await run();
