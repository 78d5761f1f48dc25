/**
 * The Node entry point (`npm start`): configuration from the environment, the embedded database
 * unless DATABASE_URL is set, migrations, the background evaluation loop, and the shared app.
 */
import { createApp } from './app.ts';
import { serveNode } from './node-http.ts';
import { ConfigError, parseConfig } from '../services/config.ts';
import { startEvaluationLoop } from './evaluation-loop.ts';
import { startRetentionLoop } from './retention-loop.ts';
import { startWebhookLoop } from './webhook-loop.ts';
import { createLogger } from '../services/logger.ts';
import { nodeDeps, openConfiguredDatabase } from './node-deps.ts';
import { loadNodeSigner } from '../services/attestation-key.ts';
import { DataDirInUse } from '../db/data-dir.ts';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  // A promise rejected with nobody listening (a library dropping one, as postgres.js 3.4 does in
  // places) must not take every tenant's requests down with it: log it loudly and keep serving.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', {
      error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  });
  // A thrown exception nobody caught may have left state half-changed: log it in the same format,
  // then exit as Node would, for the supervisor to restart the process.
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception; exiting', { error: `${error.name}: ${error.message}`, stack: error.stack });
    process.exit(1);
  });
  const database = await openConfiguredDatabase(config);
  const clock = () => new Date();
  const loop = startEvaluationLoop(database.db, { pollMs: config.EVALUATION_POLL_MS, clock, logger });
  const webhooks = startWebhookLoop(database.db, config, { clock, logger });
  const retention = startRetentionLoop(database.db, config.RETAIN_ARTIFACTS_DAYS, { clock, logger });
  const signer = await loadNodeSigner(config, logger);
  const app = createApp(nodeDeps(config, database, { queue: loop, logger, clock, signer }));
  // Requests still being handled; the database closes only after the last one finished
  // (a client may hang up while its upload is being stored).
  let inFlight = 0;
  // `env` carries the Node request (the client's socket address is read from it).
  const fetch = async (request: Request, env: unknown): Promise<Response> => {
    inFlight += 1;
    try {
      return await app.fetch(request, env);
    } finally {
      inFlight -= 1;
    }
  };
  const server = serveNode(fetch, config, (port) => {
    void database.lock?.update({ url: `http://${config.HOST}:${port}` });
    logger.info('listening', {
      url: `http://${config.HOST}:${port}`,
      pid: process.pid,
      database: database.driver === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL server',
      docs: `http://${config.HOST}:${port}/docs`,
    });
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info('shutting down', { signal });
    server.close();
    const drain = async () => {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
      await loop.stop();
      await webhooks.stop();
      await retention.stop();
      await database.close();
      process.exit(0);
    };
    void drain();
    // Keep-alive connections must not hold the shutdown forever.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DataDirInUse) console.error(e.message);
  else console.error(e);
  process.exit(1);
});
