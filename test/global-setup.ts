import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../db/client.ts';
import { migratePglite, migratePostgres } from '../db/migrate.ts';

/**
 * Chooses the database for the whole run and prepares it once:
 * DATABASE_URL when set → else a testcontainers PostgreSQL when a Docker engine answers and can
 * give it postgres:17-alpine (CSVS_TEST_CONTAINERS=0 skips this) → else the embedded PGlite,
 * migrated once and dumped so every test file starts from a copy in ~0.5 s.
 * Tests read the choice with `inject('database')`.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  let teardown = async () => {};
  let url = process.env.DATABASE_URL ?? null;
  let label = url
    ? `PostgreSQL server from DATABASE_URL (${url.replace(/:[^:@/]*@/, ':***@')})`
    : 'embedded PGlite (no DATABASE_URL; CSVS_TEST_CONTAINERS=0: testcontainers not tried)';
  if (!url && process.env.CSVS_TEST_CONTAINERS !== '0') {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:17-alpine').start();
      url = container.getConnectionUri();
      label = `PostgreSQL in a testcontainer (${container.getHost()}:${container.getPort()})`;
      teardown = async () => void (await container.stop());
    } catch (e) {
      // No Docker engine here (the normal case on a laptop), or an engine without the image and
      // without a registry to pull it from (measured: refused within 0.4 s): not an error.
      label = `embedded PGlite (no DATABASE_URL; testcontainers: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
    }
  }
  if (url) {
    await migratePostgres(url);
    project.provide('database', { kind: 'postgres', url, pgliteDump: null });
  } else {
    const db = await openPglite(null);
    await migratePglite(db);
    const dump = await db.dump?.();
    await db.close();
    if (!dump) throw new Error('PGlite did not dump its data directory');
    const dir = await mkdtemp(join(tmpdir(), 'csvs-test-'));
    const file = join(dir, 'migrated.tar');
    await writeFile(file, new Uint8Array(await dump.arrayBuffer()));
    project.provide('database', { kind: 'pglite', url: null, pgliteDump: file });
  }
  console.log(`[test] database: ${label}`);
  return teardown;
}

declare module 'vitest' {
  export interface ProvidedContext {
    database: { kind: 'postgres' | 'pglite'; url: string | null; pgliteDump: string | null };
  }
}
