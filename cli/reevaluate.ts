/**
 * Re-runs stored snapshots with the current engine (`npm run reevaluate`), after the rules
 * improved: every evaluated snapshot whose engine version differs, in batches, resumable.
 * `--all` re-evaluates everything regardless of version.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../services/config.ts';
import { openConfiguredDatabase } from '../api/node-deps.ts';
import { DataDirInUse } from '../db/data-dir.ts';
import { reevaluateOutdated } from '../workers/jobs/reevaluate.ts';

const { values } = parseArgs({ options: { all: { type: 'boolean' }, batch: { type: 'string' } } });
const database = await openConfiguredDatabase(parseConfig(process.env)).catch((e: unknown) => {
  if (!(e instanceof DataDirInUse)) throw e;
  console.error(`error: ${e.message}`);
  process.exit(2);
});
try {
  const count = await reevaluateOutdated(database.db, {
    all: values.all ?? false,
    batchSize: Number(values.batch ?? 200),
    onProgress: (n) => console.error(`re-evaluated ${n}`),
  });
  console.log(`re-evaluated ${count} snapshot(s)`);
} finally {
  await database.close();
}
