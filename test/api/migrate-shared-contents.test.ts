/**
 * Migration 0007 moves an existing database to the layout that stores each thing once: a database
 * at 0006 with uploads in the old layout (artifacts with their texts, fifteen result rows per
 * snapshot) reads back the same after it, with repeated texts and artifact sets stored once.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectPostgres, type Database, openPglite } from '../../db/client.ts';
import { artifactSets, contents, controlResults, evaluations } from '../../db/schema.ts';
import { snapshotsForWindow, statesAsOf } from '../../db/queries/states.ts';
import { loadSnapshot } from '../../services/snapshots.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import { DOCKERFILE } from '../fixtures/node-service/artifacts.ts';

const MIGRATIONS = fileURLToPath(new URL('../../db/migrations', import.meta.url));
const BEFORE = 7; // migrations 0000–0006: the old layout

let database: Database;
let dropServerDatabase: (() => Promise<void>) | null = null;
let oldFolder: string;

/** Applies the migrations in `folder` with the driver's own migrator. */
async function migrateWith(folder: string): Promise<void> {
  if (database.driver === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: folder });
  } else {
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    await migrate(database.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: folder });
  }
}

beforeAll(async () => {
  const choice = inject('database');
  if (choice.kind === 'postgres' && choice.url) {
    // A database of its own on the server: the shared one is already migrated.
    const name = `csvs_migration_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const admin = await connectPostgres(choice.url, { max: 1, prepare: false });
    await admin.db.execute(sql.raw(`create database ${name}`));
    const url = new URL(choice.url);
    url.pathname = `/${name}`;
    database = await connectPostgres(url.toString(), { max: 2 });
    dropServerDatabase = async () => {
      await database.close();
      await admin.db.execute(sql.raw(`drop database if exists ${name}`));
      await admin.close();
    };
  } else {
    database = await openPglite(null);
  }
  // The migrations folder as it was before 0007.
  oldFolder = await mkdtemp(join(tmpdir(), 'csvs-migrations-'));
  await cp(MIGRATIONS, oldFolder, { recursive: true });
  const journalFile = join(oldFolder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx < BEFORE);
  await writeFile(journalFile, JSON.stringify(journal));
  await migrateWith(oldFolder);
});

afterAll(async () => {
  if (dropServerDatabase) await dropServerDatabase();
  else await database.close();
  await rm(oldFolder, { recursive: true, force: true });
});

const TEAM = '00000000-0000-4000-8000-0000000000aa';
const ids = { a: '00000000-0000-4000-8000-00000000000a', b: '00000000-0000-4000-8000-00000000000b', c: '00000000-0000-4000-8000-00000000000c' };
const INSPECT = JSON.stringify([{ Id: 'f'.repeat(64), Name: '/api-1', State: { Running: true }, HostConfig: { ReadonlyRootfs: true }, Config: { User: '10001' }, ExecIDs: null }]);
const REDACTIONS = { total: 1, byKind: { 'env-value': 1 }, items: [{ artifact: 'inspect.json', kind: 'env-value', location: '/0/Config/Env/0' }] };

describe('migration 0007 (store each thing once)', () => {
  it('moves uploads in the old layout, and they read back the same', async () => {
    const db = database.db;
    const result = evaluate({ workload: 'api', artifacts: [{ kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE }, { kind: 'docker-inspect', name: 'inspect.json', content: INSPECT }] });
    const statuses = Object.fromEntries(result.controls.map((c) => [c.id, c.status]));
    await db.execute(sql`insert into teams (id, slug, name) values (${TEAM}, 'legacy', 'Legacy')`);
    for (const [id, status, observed] of [[ids.a, 'evaluated', '2026-11-01T10:00:00Z'], [ids.b, 'evaluated', '2026-11-02T10:00:00Z'], [ids.c, 'pending', '2026-11-03T10:00:00Z']] as const) {
      const evaluated = status === 'evaluated';
      await db.execute(sql`insert into snapshots (id, team_id, workload, environment, observed_at, received_at, content_hash, status, engine_version, evaluated_at, redactions, statuses)
        values (${id}, ${TEAM}, 'api', 'prod', ${observed}, ${observed}, ${`sha256:${id}`}, ${status}, ${evaluated ? 'old-engine' : null},
          ${evaluated ? observed : null}, ${JSON.stringify(REDACTIONS)}::jsonb, ${evaluated ? JSON.stringify(statuses) : null}::jsonb)`);
      await db.execute(sql`insert into artifacts (snapshot_id, position, kind, name, content, size) values (${id}, 0, 'dockerfile', 'Dockerfile', ${DOCKERFILE}, ${DOCKERFILE.length})`);
      if (id !== ids.c) await db.execute(sql`insert into artifacts (snapshot_id, position, kind, name, content, size) values (${id}, 1, 'docker-inspect', 'inspect.json', ${INSPECT}, ${INSPECT.length})`);
      if (evaluated) {
        for (const c of result.controls) {
          await db.execute(sql`insert into control_results (snapshot_id, control_id, status, findings) values (${id}, ${c.id}, ${c.status}, ${JSON.stringify(c.findings)}::jsonb)`);
        }
      }
    }
    await db.execute(sql`insert into workload_state (team_id, workload, environment, snapshot_id, observed_at, statuses) values (${TEAM}, 'api', 'prod', ${ids.b}, '2026-11-02T10:00:00Z', ${JSON.stringify(statuses)}::jsonb)`);
    const at = new Date('2026-12-01T00:00:00Z');
    // What trends and past-date scorecards read in the old layout: each evaluated snapshot's statuses.
    const oldStatuses = rowsOf(await db.execute(sql`select id::text as id, statuses from snapshots where status = 'evaluated' order by observed_at`));
    await migrateWith(MIGRATIONS);

    const n = async (t: typeof contents | typeof artifactSets | typeof evaluations | typeof controlResults) => (await db.select({ n: count() }).from(t))[0]?.n;
    expect(await n(contents)).toBe(2); // the Dockerfile and the inspect text, once each
    expect(await n(artifactSets)).toBe(2); // a and b share theirs; c has only the Dockerfile
    expect(await n(evaluations)).toBe(2);
    expect(await n(controlResults)).toBe(2 * result.controls.length);
    for (const id of [ids.a, ids.b]) {
      const { view } = await loadSnapshot(db, id, at);
      expect(view).toMatchObject({ id, status: 'evaluated', engineVersion: 'old-engine', redactions: REDACTIONS });
      expect(view.artifacts).toEqual([
        { kind: 'dockerfile', name: 'Dockerfile', size: DOCKERFILE.length },
        { kind: 'docker-inspect', name: 'inspect.json', size: INSPECT.length },
      ]);
      expect(view.controls.map((c) => [c.id, c.status, c.findings])).toEqual(result.controls.map((c) => [c.id, c.status, c.findings]));
    }
    // Trends and past-date states read the same verdicts from the shared evaluations.
    const window = await snapshotsForWindow(db, TEAM, { from: new Date('2026-10-01T00:00:00Z'), to: at });
    expect(window.map((w) => ({ id: w.snapshotId, statuses: w.statuses }))).toEqual(oldStatuses.map((r) => ({ id: r.id, statuses: parsed(r.statuses) })));
    const asOf = await statesAsOf(db, [TEAM], new Date('2026-11-01T12:00:00Z'));
    expect(asOf.map((s) => [s.snapshotId, s.statuses])).toEqual([[ids.a, statuses]]);
    const pending = await loadSnapshot(db, ids.c, at);
    expect(pending.view).toMatchObject({ status: 'pending', controls: [], artifacts: [{ kind: 'dockerfile', name: 'Dockerfile', size: DOCKERFILE.length }] });
  });
});

/** postgres.js answers an array of rows; PGlite `{ rows }`. */
function rowsOf(result: unknown): { id: string; statuses: unknown }[] {
  const rows: unknown = Array.isArray(result) ? result : (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as { id: string; statuses: unknown }[]) : [];
}

/** jsonb arrives parsed from one driver and as text from another. */
function parsed(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}
