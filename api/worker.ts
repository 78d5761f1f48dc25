/**
 * The Cloudflare Worker entry point: the same app as on Node, PostgreSQL through Hyperdrive,
 * background evaluation through a Queue (plus a cron sweep for anything the queue missed).
 */
import { connectPostgres, type Database } from '../db/client.ts';
import { evaluatePendingBatch, evaluateSnapshotById } from '../workers/jobs/evaluate-snapshots.ts';
import { createApp } from './app.ts';
import { parseConfig } from './config.ts';
import type { Deps } from './env.ts';
import { createLogger } from './logger.ts';

interface QueueMessage {
  snapshotId: string;
}

interface Env {
  HYPERDRIVE: { connectionString: string };
  EVALUATIONS: { send(message: QueueMessage): Promise<void> };
  ASSETS?: { fetch(request: Request | string): Promise<Response> };
  [key: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

interface MessageBatch {
  messages: { body: unknown; ack(): void; retry(options?: { delaySeconds?: number }): void }[];
}

async function open(env: Env): Promise<Database> {
  // Hyperdrive pools connections on its side: a small client per invocation is the documented pattern.
  return connectPostgres(env.HYPERDRIVE.connectionString, { max: 5 });
}

function deps(env: Env, database: Database): Deps {
  const config = parseConfig(env);
  return {
    db: database.db,
    config,
    clock: () => new Date(),
    logger: createLogger(config.LOG_LEVEL),
    queue: { enqueue: (snapshotId) => env.EVALUATIONS.send({ snapshotId }) },
    docsAsset: async (name) => {
      if (!env.ASSETS) return null;
      const res = await env.ASSETS.fetch(`https://assets.local/${name}`);
      return res.ok ? res.text() : null;
    },
  };
}

const isMessage = (v: unknown): v is QueueMessage =>
  typeof v === 'object' && v !== null && typeof (v as { snapshotId?: unknown }).snapshotId === 'string';

// Workers find their handlers on the module's default export; this is the one default export.
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const database = await open(env);
    try {
      return await createApp(deps(env, database)).fetch(request);
    } finally {
      ctx.waitUntil(database.close());
    }
  },

  async queue(batch: MessageBatch, env: Env): Promise<void> {
    const database = await open(env);
    try {
      for (const message of batch.messages) {
        if (!isMessage(message.body)) {
          message.ack();
          continue;
        }
        try {
          await evaluateSnapshotById(database.db, message.body.snapshotId, () => new Date());
          message.ack();
        } catch {
          message.retry({ delaySeconds: 10 });
        }
      }
    } finally {
      await database.close();
    }
  },

  async scheduled(_event: unknown, env: Env): Promise<void> {
    const database = await open(env);
    try {
      while ((await evaluatePendingBatch(database.db, () => new Date())) > 0) {
        // keep sweeping until nothing pending is left
      }
    } finally {
      await database.close();
    }
  },
};
