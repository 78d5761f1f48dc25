/**
 * Where an upload's CPU goes (`npm run bench:profile-ingest -- changed|unchanged|agent`; agent: the
 * agent's mix with its minimal answer): the server
 * under `node --cpu-prof`, loaded like `bench:ingest` for PROFILE_SECONDS (default 8), then the
 * profile summarized by self time per package/file and per function. The raw .cpuprofile stays in
 * PROFILE_DIR (default a temp folder) for Chrome DevTools.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_ADMIN_KEY, startServer } from './server.ts';
import { uploadBody } from './fixtures/corpus.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/csvs_bench';
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8);
const MODE = process.argv[2] ?? 'unchanged';
const FLEET = 1_000;
const PORT = 8790;


/** User + system CPU seconds of these processes so far (Linux /proc; 0 for one that is gone). */
function cpuSeconds(pids: number[]): number {
  const tick = 100;
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {}
  }
  return total;
}

/** PostgreSQL's backends and its own processes (the server's work per upload is theirs too). */
async function postgresPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim().startsWith('postgres')) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

function where(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const work = url.indexOf('/main/');
  return work >= 0 ? url.slice(work + 6) : url || '(native)';
}

function summarize(profile: Profile): void {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const files = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byNode.get(id);
    if (!n) continue;
    const f = where(n.callFrame.url);
    const name = n.callFrame.functionName || '(anonymous)';
    files.set(f, (files.get(f) ?? 0) + t);
    const key = `${name} ${f}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + t);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`).join('\n');
  console.log(`\nself time by package/file (${(total / 1e6).toFixed(1)} s sampled):\n${top(files, 25)}`);
  console.log(`\nself time by function:\n${top(fns, 40)}`);
}

async function run(): Promise<void> {
  const dir = process.env.PROFILE_DIR ?? (await mkdtemp(join(tmpdir(), 'csvs-prof-')));
  const base = `http://127.0.0.1:${PORT}`;
  // Set up and prime on a server that is not profiled, so the profile holds the load alone.
  let child = await startServer({ DATABASE_URL }, PORT);
  const admin = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' };
  const team = `prof-${Date.now().toString(36)}`;
  await fetch(`${base}/v1/teams`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: team, name: 'Profile' }) });
  const res = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'ingest', team, name: 'prof' }) });
  const { key } = (await res.json()) as { key: string };
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  if (MODE !== 'changed') {
    for (let w = 0; w < FLEET; w += 16) {
      await Promise.all(Array.from({ length: 16 }, (_, j) => fetch(`${base}/v1/teams/${team}/snapshots`, { method: 'POST', headers, body: uploadBody(w + j, 0) }).then((r) => r.text())));
    }
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  child = await startServer({ DATABASE_URL }, PORT, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const before = { server: cpuSeconds([child.pid ?? 0]), postgres: cpuSeconds(await postgresPids()) };
  let k = 0;
  const bodies = (n: number) => (MODE === 'changed' ? uploadBody(n % FLEET, 1_000_000 + n) : MODE === 'agent' ? uploadBody(n % FLEET, Math.floor((Math.floor(n / FLEET) + ((n % FLEET) * 7) % 10) / 10)) : uploadBody(n % FLEET, 0));
  const result = await autocannon({
    url: `${base}/v1/teams/${team}/snapshots`,
    method: 'POST',
    connections: 32,
    duration: SECONDS,
    headers: MODE === 'agent' ? { ...headers, prefer: 'return=minimal' } : headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies(k++) }) }],
  });
  const server = cpuSeconds([child.pid ?? 0]) - before.server;
  const pg = cpuSeconds(await postgresPids()) - before.postgres;
  const n = result.requests.total;
  console.log(`${MODE}: ${Math.round(result.requests.average)}/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`);
  console.log(`CPU per upload: server ${((1000 * server) / n).toFixed(2)} ms, PostgreSQL ${((1000 * pg) / n).toFixed(2)} ms (load average ${loadavg()[0]?.toFixed(1)})`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const file = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  if (!file) throw new Error(`no profile in ${dir}`);
  summarize(JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile);
  console.log(`\nprofile: ${join(dir, file)}`);
}

await run();
