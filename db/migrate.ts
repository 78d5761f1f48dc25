import { fileURLToPath } from 'node:url';
import type { Database } from './client.ts';

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
/** An arbitrary constant: the advisory lock that lets only one starting instance migrate at a time. */
const MIGRATION_LOCK = 7_317_001;

/** Applies the committed migrations to the embedded database (Node only: it reads them from disk). */
export async function migratePglite(database: Database): Promise<void> {
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // The drizzle type differs per driver only in its result type; the migrator wants its own.
  await migrate(database.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: MIGRATIONS });
}

/**
 * Applies the migrations to a PostgreSQL server over one dedicated connection, holding an
 * advisory lock so that instances starting together do not migrate twice.
 */
export async function migratePostgres(url: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
