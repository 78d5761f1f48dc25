/**
 * Migration 0007 on a big database (`node bench/migrate-big.ts`): a database in the old layout —
 * migrated up to 0006 and filled by the bench seed of commit 72e6920 (docs/performance.md,
 * "Migration 0007", says how) — is moved to the new layout by db/migrate.ts `migratePostgres`, as
 * a starting instance would. Measures the migration's wall time and this process's peak RSS (the
 * migration is set-based SQL: the process should hold nothing of the data), the database's size
 * before and after, and reads a sample of snapshots before (straight from the old tables, shown by
 * the same presenter) and after (`loadSnapshot`), which must be equal.
 *
 * BENCH_DATABASE_URL (required, and changed for good), BENCH_SAMPLE (default 100 snapshots).
 * Writes bench/results/migrate-big.json with the figures (and the views of any snapshot that differs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import postgres from 'postgres';
import { connectPostgres, type Db } from '../db/client.ts';
import { migratePostgres } from '../db/migrate.ts';
import type { ControlResultRow, SnapshotRow } from '../db/queries/snapshots.ts';
import { listWaivers, toWaiverRule } from '../db/queries/waivers.ts';
import type { Snapshot } from '../services/schemas/snapshot.ts';
import { snapshotView } from '../services/snapshot-view.ts';
import { loadSnapshot } from '../services/snapshots.ts';

const URL_ = process.env.BENCH_DATABASE_URL;
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 100);
const DAY_MS = 86_400_000;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** A snapshot of the old layout (0006) as the API showed it: its row, its artifacts, its fifteen results. */
async function oldView(sql: postgres.Sql, db: Db, id: string, at: Date): Promise<Snapshot> {
  const [s] = await sql<(Record<string, unknown> & { team_id: string; slug: string })[]>`
    select s.*, t.slug from snapshots s join teams t on t.id = s.team_id where s.id = ${id}`;
  if (!s) throw new Error(`no snapshot ${id}`);
  const artifacts = await sql<{ kind: string; name: string; size: number }[]>`
    select kind, name, size from artifacts where snapshot_id = ${id} order by position`;
  const results = await sql<{ control_id: string; status: 'pass' | 'fail' | 'unknown'; findings: unknown }[]>`
    select control_id, status, findings from control_results where snapshot_id = ${id}`;
  const row = {
    id: String(s.id),
    teamId: s.team_id,
    workload: String(s.workload),
    environment: String(s.environment),
    observedAt: s.observed_at as Date,
    receivedAt: s.received_at as Date,
    ci: (s.ci ?? null) as SnapshotRow['ci'],
    contentHash: String(s.content_hash),
    idempotencyKey: (s.idempotency_key ?? null) as string | null,
    status: s.status as SnapshotRow['status'],
    engineVersion: (s.engine_version ?? null) as string | null,
    evaluatedAt: (s.evaluated_at ?? null) as Date | null,
    attempts: Number(s.attempts),
    error: (s.error ?? null) as string | null,
    uploadedBy: (s.uploaded_by ?? null) as string | null,
    redactions: (s.redactions ?? null) as SnapshotRow['redactions'],
    accessed: (s.accessed ?? null) as SnapshotRow['accessed'],
    setId: '',
    evaluationId: null,
  } satisfies SnapshotRow;
  const rows: ControlResultRow[] = results.map((r) => ({ evaluationId: id, controlId: r.control_id, status: r.status, findings: r.findings }));
  const set = { artifacts: artifacts.map((a) => ({ ...a, sha256: '' })), redactions: null };
  const waivers = (await listWaivers(db, s.team_id)).map(toWaiverRule);
  return snapshotView(row, s.slug, rows, set, waivers, at);
}

async function sizes(sql: postgres.Sql): Promise<{ database: number; tables: Record<string, { rows: number; bytes: number }> }> {
  const [db] = await sql<{ bytes: string }[]>`select pg_database_size(current_database())::text as bytes`;
  const tables = await sql<{ name: string; rows: string; bytes: string }[]>`
    select c.relname as name, c.reltuples::bigint::text as rows, pg_total_relation_size(c.oid)::text as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and pg_total_relation_size(c.oid) > 1048576
    order by pg_total_relation_size(c.oid) desc`;
  return { database: Number(db?.bytes), tables: Object.fromEntries(tables.map((t) => [t.name, { rows: Number(t.rows), bytes: Number(t.bytes) }])) };
}

async function run(): Promise<void> {
  if (!URL_) throw new Error('BENCH_DATABASE_URL: the database to migrate (it is changed for good)');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const sql = postgres(URL_, { max: 1, onnotice: () => {} });
  const database = await connectPostgres(URL_, { max: 2 });
  try {
    const [journal] = await sql<{ n: string }[]>`select count(*)::text as n from drizzle.__drizzle_migrations`;
    const [layout] = await sql<{ old: boolean }[]>`select to_regclass('public.artifacts') is not null as old`;
    if (!layout?.old) throw new Error('the database is not in the old layout (no artifacts table): nothing to measure');
    const [facts] = await sql<{ last: Date; version: string }[]>`
      select (select max(observed_at) from workload_state) as last, current_setting('server_version') as version`;
    if (!facts?.last) throw new Error('no data');
    const at = new Date(Date.UTC(facts.last.getUTCFullYear(), facts.last.getUTCMonth(), facts.last.getUTCDate()) + DAY_MS);
    console.log(`machine: ${machine}; PostgreSQL ${facts.version}; ${journal?.n} migrations applied; load average ${load()}`);

    // A sample spread over the whole history, the same for the same data.
    const sample = (await sql<{ id: string }[]>`select id from snapshots order by md5(id::text) limit ${SAMPLE}`).map((r) => r.id);
    const before: Record<string, Snapshot> = {};
    for (const id of sample) before[id] = await oldView(sql, database.db, id, at);
    const sizeBefore = await sizes(sql);
    console.log(`before: database ${mib(sizeBefore.database)} MiB; ${sample.length} sample snapshots read`);

    globalThis.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const loadBefore = load();
    const t0 = performance.now();
    try {
      await migratePostgres(URL_);
    } finally {
      clearInterval(timer);
    }
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    const loadAfter = load();
    console.log(`migrated in ${seconds.toFixed(1)} s; RSS ${mib(base)} → peak ${mib(peak)} MiB (maxRSS of the process ${mib(process.resourceUsage().maxRSS * 1024)} MiB); load average ${loadBefore} → ${loadAfter}`);

    const after: Record<string, Snapshot> = {};
    const differ: string[] = [];
    for (const id of sample) {
      after[id] = (await loadSnapshot(database.db, id, at)).view;
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(before[id])), JSON.parse(JSON.stringify(after[id])))) differ.push(id);
    }
    console.log(`${sample.length - differ.length} of ${sample.length} sample snapshots read back the same${differ.length ? `; differ: ${differ.join(', ')}` : ''}`);
    const [counts] = await sql<Record<string, string>[]>`
      select (select count(*) from contents)::text as contents, (select count(*) from artifact_sets)::text as artifact_sets,
             (select count(*) from evaluations)::text as evaluations, (select count(*) from control_results)::text as control_results,
             (select count(*) from snapshots where status = 'evaluated' and evaluation_id is null)::text as evaluated_without_verdict`;
    console.log('after:', counts);
    const sizeAfter = await sizes(sql);
    console.log(`after: database ${mib(sizeAfter.database)} MiB (before VACUUM)`);
    await sql`vacuum analyze`;
    const sizeVacuumed = await sizes(sql);
    console.log(`after VACUUM ANALYZE: database ${mib(sizeVacuumed.database)} MiB`);
    for (const [name, t] of Object.entries(sizeVacuumed.tables)) console.log(`  ${name.padEnd(16)} ${String(t.rows).padStart(9)} rows ${String(mib(t.bytes)).padStart(9)} MiB`);

    const results = {
      machine,
      postgres: facts.version,
      date: new Date().toISOString(),
      seconds: Math.round(seconds * 10) / 10,
      rss: { baseMiB: mib(base), peakMiB: mib(peak), maxRssMiB: mib(process.resourceUsage().maxRSS * 1024) },
      loadAverage: { before: loadBefore, after: loadAfter },
      sizes: { before: sizeBefore, after: sizeAfter, afterVacuum: sizeVacuumed },
      counts,
      sample: { n: sample.length, same: sample.length - differ.length, ids: sample, differ },
      // Only the views that differ, to look into (all of them would be megabytes).
      views: Object.fromEntries(differ.map((id) => [id, { before: before[id], after: after[id] }])),
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/migrate-big.json', `${JSON.stringify(results, null, 2)}\n`);
    if (differ.length > 0) process.exitCode = 1;
  } finally {
    await database.close();
    await sql.end({ timeout: 5 });
  }
}

await run();
