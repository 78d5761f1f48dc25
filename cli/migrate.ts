/** Applies the migrations to the configured database (`npm run db:migrate`), e.g. before a Worker deploy. */
import { parseConfig } from '../services/config.ts';
import { openConfiguredDatabase } from '../api/node-deps.ts';
import { DataDirInUse } from '../db/data-dir.ts';

const config = parseConfig(process.env);
const database = await openConfiguredDatabase(config).catch((e: unknown) => {
  if (!(e instanceof DataDirInUse)) throw e;
  console.error(`error: ${e.message}`);
  process.exit(2);
});
await database.close();
console.log(`migrated ${config.DATABASE_URL ? 'the PostgreSQL server' : `the embedded database in ${config.DATA_DIR}`}`);
