/**
 * Idle and slow connections against everyone else (`npm run bench:connections`): the service as
 * `npm start` runs it, on a PostgreSQL database of the run's own (created, and dropped after).
 *
 *   1. baseline: well-behaved clients alone for CONN_BASELINE_SECONDS: CONN_RATE uploads a second
 *      (open loop) and a viewer reading the team's scorecard every 100 ms;
 *   2. the same for CONN_SECONDS while CONN_IDLE connections are held open sending nothing, and
 *      CONN_SLOW trickle: half send their request headers a byte a second (slowloris), half send
 *      complete upload headers and then the body a byte a second. A connection the server closes
 *      is opened again at once, as an attacker would, so the pressure stays the whole time.
 *
 * Reports the well-behaved clients' answer times and errors in both phases, how long the server
 * let idle and slow connections live (and what it answered them), how many were held at the
 * least, and the server's resident memory and open file descriptors. Writes
 * bench/results/connections.json.
 *
 *   CONN_SECONDS=120 CONN_IDLE=2000 CONN_SLOW=200 npm run bench:connections
 *   CONN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/csvs_conn_<pid>)
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { DOCKERFILE } from './fixtures/corpus.ts';
import { BENCH_ADMIN_KEY, benchDatabase, percentiles, rssMiB, startServer } from './server.ts';

const SECONDS = Number(process.env.CONN_SECONDS ?? 120);
const BASELINE_SECONDS = Number(process.env.CONN_BASELINE_SECONDS ?? 10);
const IDLE = Number(process.env.CONN_IDLE ?? 2_000);
const SLOW = Number(process.env.CONN_SLOW ?? 200);
const RATE = Number(process.env.CONN_RATE ?? 20);
const PORT = Number(process.env.CONN_PORT ?? 18_812);
const DATABASE_URL = process.env.CONN_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/csvs_conn_${process.pid}`;
const BASE = `http://127.0.0.1:${PORT}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Served {
  ms: number[];
  statuses: Map<string, number>;
}
const served = (): Served => ({ ms: [], statuses: new Map() });

async function timed(into: Served, send: () => Promise<Response>): Promise<void> {
  const t0 = performance.now();
  let status: string;
  try {
    const res = await send();
    await res.arrayBuffer();
    status = String(res.status);
  } catch (e) {
    status = `error ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`;
  }
  into.ms.push(performance.now() - t0);
  into.statuses.set(status, (into.statuses.get(status) ?? 0) + 1);
}

/** Well-behaved clients for `seconds`: uploads at RATE a second (open loop), a scorecard read every 100 ms. */
async function wellBehaved(seconds: number, upload: () => Promise<Response>, read: () => Promise<Response>): Promise<{ uploads: Served; reads: Served }> {
  const uploads = served();
  const reads = served();
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let offered = 0;
  let nextRead = 0;
  while (performance.now() - started < seconds * 1000) {
    const now = performance.now() - started;
    const due = Math.floor((now / 1000) * RATE);
    while (offered < due) {
      offered += 1;
      pending.push(timed(uploads, upload));
    }
    if (now >= nextRead) {
      nextRead += 100;
      pending.push(timed(reads, read));
    }
    await sleep(10);
  }
  await Promise.all(pending);
  return { uploads, reads };
}

/** Connections held against the server; each one it closes is replaced at once while `running`. */
class Pressure {
  running = true;
  open = 0;
  minOpen = Number.POSITIVE_INFINITY;
  readonly openSamples: number[] = [];
  readonly lifetimes: Record<string, number[]> = { idle: [], 'slow headers': [], 'slow body': [] };
  readonly answers: Record<string, Map<string, number>> = { idle: new Map(), 'slow headers': new Map(), 'slow body': new Map() };
  readonly timers = new Set<NodeJS.Timeout>();
  readonly sockets = new Set<Socket>();

  readonly uploadPath: string;
  readonly key: string;

  constructor(uploadPath: string, key: string) {
    this.uploadPath = uploadPath;
    this.key = key;
  }

  start(kind: 'idle' | 'slow headers' | 'slow body'): void {
    if (!this.running) return;
    const socket: Socket = connect(PORT, '127.0.0.1');
    this.sockets.add(socket);
    const opened = performance.now();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      this.open += 1;
      if (kind === 'slow headers') {
        socket.write(`POST ${this.uploadPath}?workload=slow&kind=dockerfile HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
        timer = setInterval(() => socket.write('a'), 1000);
      } else if (kind === 'slow body') {
        socket.write(
          `POST ${this.uploadPath}?workload=slow&kind=dockerfile HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${this.key}\r\n` +
            'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n',
        );
        timer = setInterval(() => socket.write('#'), 1000);
      }
      if (timer) this.timers.add(timer);
    });
    socket.on('data', (d) => {
      if (!answer) answer = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? 'other';
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (timer) {
        clearInterval(timer);
        this.timers.delete(timer);
      }
      this.open = Math.max(0, this.open - 1);
      if (!this.running) return;
      this.lifetimes[kind]?.push((performance.now() - opened) / 1000);
      const answers = this.answers[kind];
      if (answers) answers.set(answer || 'closed without an answer', (answers.get(answer || 'closed without an answer') ?? 0) + 1);
      this.start(kind);
    });
  }

  sample(): void {
    if (!this.running) return;
    this.minOpen = Math.min(this.minOpen, this.open);
    this.openSamples.push(this.open);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
  }
}

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

async function main(): Promise<void> {
  const ownDatabase = !process.env.CONN_DATABASE_URL;
  await benchDatabase(DATABASE_URL, 'create');
  const load = { start: loadavg().map((x) => Math.round(x * 100) / 100), end: [] as number[] };
  const server = await startServer({ DATABASE_URL }, PORT);
  const pid = server.pid ?? 0;
  try {
    const admin = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' };
    const team = `conn-${Date.now().toString(36)}`;
    await fetch(`${BASE}/v1/teams`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: team, name: 'Connections' }) });
    const keyOf = async (role: string) =>
      ((await (await fetch(`${BASE}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role, team, name: role }) })).json()) as { key: string }).key;
    const ingest = await keyOf('ingest');
    const viewer = await keyOf('viewer');
    const uploadPath = `/v1/teams/${team}/snapshots`;
    let n = 0;
    const upload = () => {
      n += 1;
      return fetch(`${BASE}${uploadPath}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' },
        body: JSON.stringify({ workload: `svc-${n % 100}`, artifacts: [{ kind: 'dockerfile', content: `${DOCKERFILE}LABEL n="${n}"\n` }] }),
      });
    };
    const read = () => fetch(`${BASE}/v1/teams/${team}/scorecard`, { headers: { authorization: `Bearer ${viewer}` } });

    const before = { rssMiB: rssMiB(pid), openFds: openFds(pid) };
    const baseline = await wellBehaved(BASELINE_SECONDS, upload, read);

    const pressure = new Pressure(uploadPath, ingest);
    for (let i = 0; i < IDLE; i++) {
      pressure.start('idle');
      if (i % 200 === 199) await sleep(20);
    }
    for (let i = 0; i < SLOW; i++) pressure.start(i % 2 === 0 ? 'slow headers' : 'slow body');
    await sleep(1_000);
    const during = { rssMiB: [] as number[], openFds: [] as number[] };
    const sampler = setInterval(() => {
      pressure.sample();
      during.rssMiB.push(rssMiB(pid));
      during.openFds.push(openFds(pid));
    }, 1_000);
    const attacked = await wellBehaved(SECONDS, upload, read);
    clearInterval(sampler);
    pressure.stop();
    load.end = loadavg().map((x) => Math.round(x * 100) / 100);

    const summary = (s: Served) => ({ ...percentiles(s.ms), statuses: Object.fromEntries(s.statuses) });
    const result = {
      settings: { seconds: SECONDS, baselineSeconds: BASELINE_SECONDS, idle: IDLE, slow: SLOW, uploadsPerSecond: RATE, scorecardEveryMs: 100, database: 'PostgreSQL (own database)' },
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: load },
      baseline: { uploads: summary(baseline.uploads), scorecard: summary(baseline.reads) },
      underPressure: { uploads: summary(attacked.uploads), scorecard: summary(attacked.reads) },
      hostile: {
        // Sampled every second; the dips are the moments the server closed a batch and it was reopened.
        held: { min: Number.isFinite(pressure.minOpen) ? pressure.minOpen : 0, median: percentiles(pressure.openSamples).p50 },
        target: IDLE + SLOW,
        closedByServer: Object.fromEntries(
          Object.entries(pressure.lifetimes).map(([kind, l]) => [kind, { count: l.length, lifetimeSeconds: { p50: percentiles(l).p50, max: percentiles(l).max }, answers: Object.fromEntries(pressure.answers[kind] ?? []) }]),
        ),
      },
      server: {
        before,
        during: { rssMiBMax: Math.max(...during.rssMiB), openFdsMax: Math.max(...during.openFds) },
        after: { rssMiB: rssMiB(pid), openFds: openFds(pid) },
      },
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/connections.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    if (ownDatabase) await benchDatabase(DATABASE_URL, 'drop');
  }
}

await main();
