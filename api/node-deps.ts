import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { connectPostgres, type Database, openPglite } from '../db/client.ts';
import { migratePglite, migratePostgres } from '../db/migrate.ts';
import type { Config } from '../services/config.ts';
import type { Deps, EvaluationQueue } from './env.ts';
import type { Signer } from '../workers/attest/keys.ts';
import { REPORT_FONT_FILES, type ReportFonts } from '../workers/attest/fonts.ts';
import { RedactionMemo } from '../services/redaction-memo.ts';
import { createLogger, type Logger } from '../services/logger.ts';
import { createRateLimits, type RateLimits } from './rate-limit.ts';
import { Semaphore } from './concurrency.ts';

/** Opens the configured database (PostgreSQL server or embedded PGlite) and applies migrations. */
export async function openConfiguredDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Database> {
  if (config.DATABASE_URL) {
    await migratePostgres(config.DATABASE_URL);
    return connectPostgres(config.DATABASE_URL);
  }
  const database = await openPglite(config.DATA_DIR);
  await migratePglite(database);
  return database;
}

const require = createRequire(import.meta.url);

/** Swagger UI's files from the installed swagger-ui-dist package. */
export async function readDocsAsset(name: 'swagger-ui.css' | 'swagger-ui-bundle.js'): Promise<string | null> {
  try {
    const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
    return await readFile(join(dir, name), 'utf8');
  } catch {
    return null;
  }
}

let fonts: Promise<ReportFonts> | null = null;

/** The PDF report's fonts from the installed dejavu-fonts-ttf package, read once per process. */
export function nodeReportFonts(): Promise<ReportFonts> {
  fonts ??= (async () => {
    const dir = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
    const read = async (file: string) => new Uint8Array(await readFile(join(dir, file)));
    return { regular: await read(REPORT_FONT_FILES.regular), bold: await read(REPORT_FONT_FILES.bold), mono: await read(REPORT_FONT_FILES.mono) };
  })();
  return fonts;
}

/** The Node runtime's dependencies around an open database. */
export function nodeDeps(
  config: Config,
  database: Database,
  options: { queue?: EvaluationQueue; logger?: Logger; clock?: () => Date; signer?: Signer | null; limits?: RateLimits } = {},
): Deps {
  return {
    db: database.db,
    config,
    clock: options.clock ?? (() => new Date()),
    logger: options.logger ?? createLogger(config.LOG_LEVEL),
    queue: options.queue ?? { enqueue: async () => {} },
    docsAsset: readDocsAsset,
    limits: options.limits ?? createRateLimits(config),
    exports: new Semaphore(config.EXPORT_CONCURRENCY, config.EXPORT_QUEUE),
    clientAddress: (c) => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? null,
    signer: options.signer ?? null,
    reportFonts: nodeReportFonts,
    // A fleet's unchanged texts (1,000 workloads' Dockerfile and inspect are ~10 M characters).
    redactionMemo: new RedactionMemo(16 * 1024 * 1024),
  };
}
