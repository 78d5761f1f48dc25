/**
 * Engine benchmark (`npm run bench`): the mixed corpus of bench/fixtures/corpus.ts (a ~40-line
 * multi-stage Dockerfile, a 3-container `docker inspect`, a 2-container Deployment).
 *   1. throughput: evaluate() in a loop on one core, warm-up first, median of several rounds; the
 *      same for each artifact alone and, as the floor no engine can go below, for the parsing
 *      libraries alone on the same artifacts;
 *   2. memory: heapUsed after a full GC every 10,000 of 100,000 snapshots, and its slope;
 *   3. per-file cost on the same Dockerfile: ours (parse + every Dockerfile-deciding control, i.e.
 *      evaluate() with only the Dockerfile) against dockerfilelint and dockerfile-utils' validator.
 * Prints a Markdown table and writes bench/results/engine.json.
 *
 * "One core": the process re-runs itself with `--single-threaded-gc`, so the garbage collector
 * works on the same thread and the CPU time it reports is one core's. Rates are given by CPU time
 * (robust when other processes share the machine) and by wall time (what an idle core delivers).
 * BENCH_ROUNDS (default 7), BENCH_ROUND_SIZE (default 2000), BENCH_MEMORY_SNAPSHOTS (default 100000).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { run as dockerfilelint } from 'dockerfilelint';
import { validate as dockerfileUtilsValidate } from 'dockerfile-utils';
import { loadAll as loadAllYaml } from 'js-yaml';
import { evaluate } from '../workers/engine/evaluate.ts';
import type { ArtifactInput } from '../workers/model/artifacts.ts';
import { DEPLOYMENT, DOCKER_INSPECT, DOCKERFILE, MIXED_SNAPSHOT } from './fixtures/corpus.ts';

const FLAGS = ['--expose-gc', '--single-threaded-gc'];
if (!FLAGS.every((f) => process.execArgv.includes(f))) {
  const child = spawnSync(process.execPath, [...FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_SIZE = Number(process.env.BENCH_ROUND_SIZE ?? 2000);
const MEMORY_SNAPSHOTS = Number(process.env.BENCH_MEMORY_SNAPSHOTS ?? 100_000);
const SAMPLE_EVERY = 10_000;
const TARGET = 5000;

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Wall and CPU seconds of `n` calls. */
function measure(n: number, f: () => unknown): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] ?? 0) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

function machine(): Record<string, string | number> {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    // not Linux
  }
  return {
    nproc: availableParallelism(),
    cpu: cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

// ---------------------------------------------------------------- 1. throughput

function sanityCheck(): void {
  const result = evaluate({ artifacts: MIXED_SNAPSHOT });
  const unreadable = result.controls.flatMap((c) => c.findings).filter((f) => f.message.startsWith('could not be read'));
  if (result.controls.length !== 15 || unreadable.length > 0) {
    throw new Error(`the corpus does not evaluate cleanly: ${unreadable.map((f) => f.message).join('; ')}`);
  }
}

interface Task {
  name: string;
  run: () => unknown;
  /** Calls per round, relative to ROUND_SIZE (cheap tasks run more often to be measurable). */
  weight?: number;
}

interface Timing {
  name: string;
  /** Median over the rounds, µs of CPU time per call. */
  microsecondsCpu: number;
  /** Median over the rounds, µs of wall time per call. */
  microsecondsWall: number;
}

/**
 * Runs every task once per round, round after round, so a burst of load elsewhere on the machine
 * hits all of them alike; a warm-up first lets the JIT settle. Medians per task.
 */
function interleaved(tasks: readonly Task[], roundSize: number): Timing[] {
  for (const t of tasks) measure(1000, t.run);
  const cpu = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  const wall = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of tasks) {
      const n = Math.max(1, Math.round(roundSize * (t.weight ?? 1)));
      const m = measure(n, t.run);
      cpu.get(t.name)?.push((m.cpu / n) * 1e6);
      wall.get(t.name)?.push((m.wall / n) * 1e6);
    }
  }
  const round1 = (v: number): number => Math.round(v * 10) / 10;
  return tasks.map((t) => ({
    name: t.name,
    microsecondsCpu: round1(median(cpu.get(t.name) ?? [])),
    microsecondsWall: round1(median(wall.get(t.name) ?? [])),
  }));
}

const only = (artifacts: readonly ArtifactInput[]) => {
  const snapshot = { artifacts };
  return () => evaluate(snapshot);
};

/**
 * The mixed snapshot, each of its artifacts alone, and — the floor no engine cost can go
 * below — the parsing libraries alone on the same artifacts.
 */
function throughput() {
  const inspectText = JSON.stringify(DOCKER_INSPECT);
  const timings = interleaved([
    { name: 'mixed snapshot', run: only(MIXED_SNAPSHOT) },
    { name: 'Dockerfile alone', run: only([{ kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE }]) },
    { name: '3-container docker inspect alone', run: only([{ kind: 'docker-inspect', name: 'inspect.json', content: inspectText }]), weight: 3 },
    { name: '2-container Deployment alone', run: only([{ kind: 'kubernetes', name: 'deployment.yaml', content: DEPLOYMENT }]), weight: 3 },
    { name: 'library: dockerfile-ast parse of the Dockerfile', run: () => DockerfileParser.parse(DOCKERFILE) },
    { name: 'library: js-yaml loadAll of the Deployment', run: () => loadAllYaml(DEPLOYMENT), weight: 3 },
    { name: 'library: JSON.parse of the docker inspect', run: () => JSON.parse(inspectText), weight: 10 },
  ], ROUND_SIZE);
  const mixed = timings[0];
  return {
    snapshotsPerSecondCpu: mixed ? Math.round(1e6 / mixed.microsecondsCpu) : 0,
    snapshotsPerSecondWall: mixed ? Math.round(1e6 / mixed.microsecondsWall) : 0,
    timings,
  };
}

// ---------------------------------------------------------------- 2. memory

function memory() {
  const snapshot = { artifacts: MIXED_SNAPSHOT };
  const series: { snapshots: number; heapUsedMB: number }[] = [];
  fullGc();
  series.push({ snapshots: 0, heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20 });
  for (let done = 0; done < MEMORY_SNAPSHOTS; ) {
    for (let i = 0; i < SAMPLE_EVERY; i++) evaluate(snapshot);
    done += SAMPLE_EVERY;
    fullGc();
    series.push({ snapshots: done, heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20 });
  }
  const perTenThousand = slope(series.map((s) => s.snapshots / SAMPLE_EVERY), series.map((s) => s.heapUsedMB));
  return {
    snapshots: MEMORY_SNAPSHOTS,
    series: series.map((s) => ({ snapshots: s.snapshots, heapUsedMB: Math.round(s.heapUsedMB * 100) / 100 })),
    slopeKBPer10kSnapshots: Math.round(perTenThousand * 1024 * 10) / 10,
    growthMB: Math.round(((series.at(-1)?.heapUsedMB ?? 0) - (series[0]?.heapUsedMB ?? 0)) * 100) / 100,
  };
}

// ---------------------------------------------------------------- 3. ours against two Dockerfile linters

async function linters() {
  // dockerfilelint looks for `<dir>/.dockerfilelintrc` on every call (one lstat): an empty
  // directory gives it its defaults. That lookup is part of its API, so it is part of its time.
  const emptyDir = await mkdtemp(join(tmpdir(), 'dockerfilelint-'));
  const ours = { artifacts: [{ kind: 'dockerfile' as const, name: 'Dockerfile', content: DOCKERFILE }] };
  const tools: { name: string; run: () => unknown }[] = [
    { name: 'csvs engine (parse + Dockerfile controls)', run: () => evaluate(ours) },
    { name: 'dockerfilelint 1.8', run: () => dockerfilelint(emptyDir, DOCKERFILE) },
    { name: "dockerfile-utils 0.16 validate()", run: () => dockerfileUtilsValidate(DOCKERFILE) },
  ];
  const timings = interleaved(tools, ROUND_SIZE / 3);
  const result = evaluate(ours);
  const decided = result.controls.filter((c) => c.findings.some((f) => f.kind === 'dockerfile' && f.status !== 'unknown'));
  const outputs: Record<string, string> = {
    [tools[0]?.name ?? '']: `${decided.length} controls decided (${decided.map((c) => `${c.id} ${c.status}`).join(', ')}), ` +
      `${decided.reduce((n, c) => n + c.findings.length, 0)} findings`,
    [tools[1]?.name ?? '']: `${dockerfilelint(emptyDir, DOCKERFILE).length} diagnostics`,
    [tools[2]?.name ?? '']: `${dockerfileUtilsValidate(DOCKERFILE).length} diagnostics`,
  };
  const oursUs = timings[0]?.microsecondsCpu ?? 1;
  return timings.map((t) => ({
    tool: t.name,
    microsecondsPerFile: t.microsecondsCpu,
    ratioToOurs: Math.round((t.microsecondsCpu / oursUs) * 100) / 100,
    output: outputs[t.name] ?? '',
  }));
}

// ---------------------------------------------------------------- report

async function main(): Promise<void> {
  sanityCheck();
  const before = machine();
  console.log(`engine benchmark on ${before.nproc} × ${before.cpu}, Node ${before.node}, load ${before.loadAverage1m}`);
  const speed = throughput();
  const mem = memory();
  const lint = await linters();
  const after = machine();

  const rows = [
    '| Measure (CPU time per call, median of the rounds) | Result |',
    '|---|---|',
    `| **Mixed snapshot: snapshots/s on one core** | **${speed.snapshotsPerSecondCpu}** (target ${TARGET}; by wall time ${speed.snapshotsPerSecondWall}) |`,
    ...speed.timings.map((t) => `| ${t.name}, µs | ${t.microsecondsCpu} |`),
    `| Heap after GC over ${mem.snapshots.toLocaleString('en')} snapshots (MB, every ${SAMPLE_EVERY.toLocaleString('en')}) | ${mem.series.map((s) => s.heapUsedMB).join(' → ')} |`,
    `| Heap slope | ${mem.slopeKBPer10kSnapshots} KB per 10,000 snapshots (${mem.growthMB} MB from first to last sample) |`,
  ];
  const lintRows = [
    '| Tool, same Dockerfile | µs per file (CPU) | × ours | What it returns |',
    '|---|---|---|---|',
    ...lint.map((l) => `| ${l.tool} | ${l.microsecondsPerFile} | ${l.ratioToOurs} | ${l.output} |`),
  ];
  console.log(['', ...rows, '', ...lintRows, '', `load average (1 min): ${before.loadAverage1m} before, ${after.loadAverage1m} after`].join('\n'));

  const out = new URL('./results/', import.meta.url);
  await mkdir(out, { recursive: true });
  const file = new URL('engine.json', out);
  await writeFile(file, JSON.stringify({
    at: new Date().toISOString(),
    machine: { ...before, loadAverage1mAfter: after.loadAverage1m },
    settings: { rounds: ROUNDS, roundSize: ROUND_SIZE, memorySnapshots: MEMORY_SNAPSHOTS, flags: FLAGS },
    targetSnapshotsPerSecond: TARGET,
    snapshotsPerSecondCpu: speed.snapshotsPerSecondCpu,
    snapshotsPerSecondWall: speed.snapshotsPerSecondWall,
    timings: speed.timings,
    memory: mem,
    linters: lint,
  }, null, 2) + '\n');
  console.log(`\nwritten to ${file.pathname}`);
}

await main();
