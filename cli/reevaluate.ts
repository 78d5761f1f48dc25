/**
 * Re-runs stored verdicts with the current engine (`npm run reevaluate`), after the rules
 * improved: every verdict made by another engine version, each distinct artifact set and context
 * once however many snapshots share it, in batches, resumable. `--all` redoes every verdict.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../services/config.ts';
import { openConfiguredDatabase } from '../api/node-deps.ts';
import { DataDirInUse } from '../db/data-dir.ts';
import { reevaluateOutdated } from '../services/evaluations.ts';

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
  console.log(`re-evaluated ${count} verdict(s)`);
} finally {
  await database.close();
}
