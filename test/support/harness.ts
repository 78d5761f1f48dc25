import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { connectPostgres, type Database, openPglite } from '../../db/client.ts';
import { createApp } from '../../api/app.ts';
import { parseConfig } from '../../services/config.ts';
import type { EvaluationQueue } from '../../api/env.ts';
import { createLogger } from '../../services/logger.ts';
import { nodeDeps } from '../../api/node-deps.ts';
import { createRateLimits } from '../../api/rate-limit.ts';
import { ephemeralSigner } from '../../workers/attest/keys.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

/**
 * Opens the run's database: a fresh copy of the migrated PGlite (in memory, or in `dataDir` so a
 * test can close and reopen it like a restarted server), or the shared server.
 */
export async function openTestDatabase(options: { dataDir?: string } = {}): Promise<Database> {
  const choice = inject('database');
  if (choice.kind === 'postgres' && choice.url) return connectPostgres(choice.url, { max: 5 });
  if (!choice.pgliteDump) throw new Error('global setup provided no database');
  if (options.dataDir && existsSync(join(options.dataDir, 'PG_VERSION'))) return openPglite(options.dataDir);
  const tar = await readFile(choice.pgliteDump);
  return openPglite(options.dataDir ?? null, { loadDataDir: new Blob([new Uint8Array(tar)]) });
}

export interface Harness {
  database: Database;
  app: ReturnType<typeof createApp>;
  logs: string[];
  /** A request with the admin key unless another key is given. */
  /** `address`: the client's address, as the Node server would see its socket (none by default). */
  request(path: string, init?: RequestInit & { key?: string | null; json?: unknown; address?: string }): Promise<Response>;
  /** A team with a unique slug, so tests never depend on each other's data. */
  team(prefix?: string): Promise<string>;
  key(role: 'ingest' | 'viewer' | 'auditor' | 'admin', team?: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

let counter = 0;
export function uniqueSlug(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function startHarness(
  options: { env?: Record<string, string>; queue?: EvaluationQueue; clock?: () => Date; dataDir?: string; now?: () => number } = {},
): Promise<Harness> {
  const database = await openTestDatabase(options.dataDir ? { dataDir: options.dataDir } : {});
  // Tests send requests far faster than any client: no per-key limit unless a test asks for one.
  const config = parseConfig({ CSVS_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'info', RATE_LIMIT_PER_KEY: '0', ...options.env });
  const logs: string[] = [];
  const logger = createLogger('info', (line) => logs.push(line));
  const app = createApp(nodeDeps(config, database, { logger, signer: await ephemeralSigner(), limits: createRateLimits(config, options.now), ...(options.queue ? { queue: options.queue } : {}), ...(options.clock ? { clock: options.clock } : {}) }));
  const request: Harness['request'] = async (path, init = {}) => {
    const { key = ADMIN_KEY, json, address, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    let body = rest.body;
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(json);
    }
    const env = address ? { incoming: { socket: { remoteAddress: address } } } : undefined;
    return app.request(path, { ...rest, headers, body: body ?? null }, env);
  };
  return {
    database,
    app,
    logs,
    request,
    async team(prefix = 't') {
      const slug = uniqueSlug(prefix);
      const res = await request('/v1/teams', { method: 'POST', json: { slug, name: `Team ${slug}` } });
      if (res.status !== 201) throw new Error(`team creation failed: ${res.status} ${await res.text()}`);
      return slug;
    },
    async key(role, team) {
      const res = await request('/v1/api-keys', { method: 'POST', json: { role, name: `${role} key`, ...(team ? { team } : {}) } });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; key: string };
    },
    close: () => database.close(),
  };
}
