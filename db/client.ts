import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

/** The drizzle database, whichever driver is underneath (PGlite, postgres.js, Hyperdrive). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  close(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball (tests start from a migrated copy). */
  dump?: () => Promise<Blob>;
  /** PGlite in a directory: this process's hold on it (the server adds its URL once it listens). */
  lock?: { update(info: { url?: string }): Promise<void> };
}

/**
 * Connects to a PostgreSQL server through postgres.js. Used by the Node server with
 * DATABASE_URL and by the Worker with Hyperdrive's connection string.
 */
export async function connectPostgres(url: string, options: { max?: number; prepare?: boolean } = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  // Named prepared statements: one round trip a query and no parse after the first (`preparing`
  // below). Hyperdrive supports them too; `prepare: false` is for poolers that do not.
  // A connection that cannot be made in 10 s fails its queries (503 to clients) rather than
  // holding requests for postgres.js's default 30 s while the server is away. No array-type lookup
  // on connect (fetch_types): no column or parameter here is a PostgreSQL array, and postgres.js
  // 3.4 drops that lookup's promise, so a connection broken during it (a restart, a failover) ends
  // in an unhandled rejection that kills the process (upstream #1192, #1205, #1223).
  const client = postgres(url, {
    max: options.max ?? 10,
    prepare: options.prepare ?? true,
    connect_timeout: 10,
    // Between failed connection attempts: postgres.js grows the wait up to 20 s, counted across the
    // pool, so after a 3 s restart queries sat behind 10–20 s timers with the server long back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 2) * (0.5 + Math.random() / 2),
    fetch_types: false,
    onnotice: () => {},
  });
  const prepare = options.prepare ?? true;
  return { db: drizzle(prepare ? preparing(client) : client, { schema }) as unknown as Db, driver: 'postgres', close: () => client.end({ timeout: 5 }) };
}

/**
 * drizzle hands every query to postgres.js as `unsafe(text, params, { prepare: false })` unless it
 * was given a name, and postgres.js sends an unprepared query with parameters in two round trips
 * (describe, then bind and execute). Prepared, a statement costs one round trip and no parse after
 * its first use on a connection. The statements a connection keeps are bounded by the query texts
 * the code builds, and postgres.js drops them with the connection (max_lifetime).
 */
function preparing<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (text: string, params?: unknown[], options?: Record<string, unknown>) =>
          value.call(target, text, params, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        // A transaction's queries run on its own client: prepared the same way.
        return (...args: unknown[]) =>
          value.apply(
            target,
            args.map((a) => (typeof a === 'function' ? (inner: object) => (a as (c: object) => unknown)(preparing(inner)) : a)),
          );
      }
      return value.bind(target);
    },
  });
}

/**
 * Opens the embedded PostgreSQL (PGlite) in `dataDir`, or in memory when dataDir is null.
 * Imported dynamically so that a PostgreSQL deployment and the Worker never load it.
 */
export async function openPglite(dataDir: string | null, options: { loadDataDir?: Blob } = {}): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  // A directory belongs to one process (DataDirInUse otherwise) and to its user only.
  const dir = dataDir ? await import('./data-dir.ts') : null;
  let lock: Awaited<ReturnType<NonNullable<typeof dir>['lockDataDir']>> | null = null;
  if (dir && dataDir) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    lock = await dir.lockDataDir(dataDir);
    await dir.makePrivate(dataDir);
    // What this process creates from here on is its user's alone (PGlite's files included, as far
    // as it lets the umask apply; the 0700 folder keeps everyone out of the rest).
    process.umask(0o077);
  }
  let client: InstanceType<typeof PGlite>;
  try {
    client = new PGlite({ ...(dataDir ? { dataDir } : {}), ...options });
    await client.waitReady;
  } catch (e) {
    await lock?.release();
    throw e;
  }
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    driver: 'pglite',
    ...(lock ? { lock } : {}),
    close: async () => {
      try {
        await client.close();
        if (dir && dataDir) await dir.makePrivate(dataDir);
      } finally {
        await lock?.release();
      }
    },
    dump: async () => client.dumpDataDir('none'),
  };
}

/**
 * Runs `fn` in a transaction (a savepoint when `db` is already one). drizzle types the
 * transaction handle apart from the database although both run the same queries; the one cast
 * that bridges them lives here, so query functions take a plain `Db` either way.
 */
export function withTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx as unknown as Db));
}
