/**
 * The Cloudflare Worker entry point: the same app as on Node, PostgreSQL through Hyperdrive,
 * background evaluation through a Queue (plus a cron sweep for anything the queue missed).
 */
import { connectPostgres, type Database } from '../db/client.ts';
import { evaluatePendingBatch, evaluateSnapshotsById } from '../workers/jobs/evaluate-snapshots.ts';
import { deliverUntilIdle } from '../workers/jobs/deliver-webhooks.ts';
import { sweepExpiringWaivers } from '../workers/jobs/waiver-expiry.ts';
import { pruneArtifactTexts } from '../workers/jobs/retention.ts';
import { createApp } from './app.ts';
import { parseConfig } from '../services/config.ts';
import type { Deps } from './env.ts';
import { createLogger } from '../services/logger.ts';
import { signerFromConfig } from '../services/attestation-signer.ts';
// The PDF report's fonts, bundled as binary modules (wrangler.toml's rule for *.ttf).
import fontBold from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf';
import fontRegular from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';
import fontMono from 'dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf';

const reportFonts = async () => ({ regular: new Uint8Array(fontRegular), bold: new Uint8Array(fontBold), mono: new Uint8Array(fontMono) });
import { createRateLimits, type RateLimits } from './rate-limit.ts';
import { Semaphore } from './concurrency.ts';

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
  // Prepared statements, as Hyperdrive supports them: without, every query with parameters costs two
  // round trips (postgres.js describes it first). Hyperdrive's query cache must be off for this
  // service (README: `--caching-disabled`), or a scorecard could answer from before an upload.
  return connectPostgres(env.HYPERDRIVE.connectionString, { max: 5 });
}

/** Rate-limit buckets live as long as the isolate (module scope), not one request. */
let limits: RateLimits | null = null;
let exportPermits: Semaphore | null = null;

async function deps(env: Env, database: Database): Promise<Deps> {
  const config = parseConfig(env);
  limits ??= createRateLimits(config);
  exportPermits ??= new Semaphore(config.EXPORT_CONCURRENCY, config.EXPORT_QUEUE);
  return {
    limits,
    exports: exportPermits,
    // Set by Cloudflare on every request; a client cannot forge it.
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? null,
    // CSVS_SIGNING_KEY is a secret here (no disk for a generated key); without it signed attestations answer 503.
    signer: await signerFromConfig(config),
    db: database.db,
    config,
    clock: () => new Date(),
    logger: createLogger(config.LOG_LEVEL),
    queue: { enqueue: (snapshotId) => env.EVALUATIONS.send({ snapshotId }) },
    reportFonts,
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
    let response: Response;
    try {
      response = await createApp(await deps(env, database)).fetch(request);
    } catch (e) {
      ctx.waitUntil(database.close());
      throw e;
    }
    if (!response.body) {
      ctx.waitUntil(database.close());
      return response;
    }
    // Streamed bodies (CSV, HTML and OSCAL attestations) still read the database after fetch has
    // returned: close it only once the body has been sent (or the client went away).
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    ctx.waitUntil(response.body.pipeTo(writable).catch(() => {}).finally(() => database.close()));
    return new Response(readable, response);
  },

  async queue(batch: MessageBatch, env: Env): Promise<void> {
    const database = await open(env);
    try {
      const ids = batch.messages.flatMap((m) => (isMessage(m.body) ? [m.body.snapshotId] : []));
      try {
        // One transaction for the whole batch; a snapshot that cannot be evaluated is marked failed.
        await evaluateSnapshotsById(database.db, ids, () => new Date());
        for (const message of batch.messages) message.ack();
      } catch {
        // The database itself failed: nothing was stored, so the whole batch comes again.
        for (const message of batch.messages) message.retry({ delaySeconds: 10 });
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
      // Webhooks: notices of lapsing waivers, then whatever the outbox has due (bounded per run).
      const config = parseConfig(env);
      await sweepExpiringWaivers(database.db, new Date());
      await deliverUntilIdle(database.db, { clock: () => new Date(), maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE }, 10);
      if (config.RETAIN_ARTIFACTS_DAYS !== undefined) await pruneArtifactTexts(database.db, config.RETAIN_ARTIFACTS_DAYS, new Date());
    } finally {
      await database.close();
    }
  },
};
