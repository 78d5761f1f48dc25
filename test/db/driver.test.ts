/**
 * The PostgreSQL driver is postgres.js 3.4.10 with a patch (vendor/README.md): these checks fail
 * when a reinstall or an upgrade drops it before upstream has released the fix.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
/** The package folder: require resolves postgres to its CommonJS build, cjs/src/index.js. */
const root = join(createRequire(import.meta.url).resolve('postgres'), '../../..');

describe('postgres.js, as installed', () => {
  it.each(['src', 'cjs/src', 'cf/src'])('%s/connection.js has the nextWrite guard and forgets a cancelled flush', async (build) => {
    const source = await readFile(join(root, build, 'connection.js'), 'utf8');
    expect(source).toMatch(/function nextWrite\(fn\) \{[^}]*if \(!socket\) \{/);
    // terminate() and closed(): the two teardown paths.
    expect(source.match(/^ {4}clearImmediate\(nextWriteTimer\)\n\s*chunk = nextWriteTimer = null/gm)).toHaveLength(2);
  });

  it('survives a write on a closed socket and flushes again after reconnecting (fake sockets, own process)', async () => {
    const { stdout } = await run(process.execPath, ['test/db/driver-faults.ts'], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      // Unpatched: an uncaught TypeError from nextWrite (the process dies), and the query hangs.
      reserved: 'rejected CONNECTION_CLOSED',
      uncaught: [],
      // Unpatched: [0, 0], the reconnected socket never gets its startup message.
      written: [0, expect.any(Number)],
    });
    expect(JSON.parse(stdout).written[1]).toBeGreaterThan(0);
  });
});
