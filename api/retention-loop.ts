import type { Db } from '../db/client.ts';
import type { Logger } from '../services/logger.ts';
import { pruneArtifactTexts } from '../workers/jobs/retention.ts';

/** Texts age by days: once an hour is often enough, and cheap when nothing is due. */
const EVERY_MS = 3_600_000;

export interface RetentionLoop {
  stop(): Promise<void>;
}

/** The Node runtime's RETAIN_ARTIFACTS_DAYS: prunes at start and then hourly (nothing when unset). */
export function startRetentionLoop(db: Db, retainDays: number | undefined, options: { clock: () => Date; logger: Logger }): RetentionLoop {
  if (retainDays === undefined) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  const round = () => {
    running = pruneArtifactTexts(db, retainDays, options.clock())
      .then((deleted) => {
        if (deleted > 0) options.logger.info('deleted artifact texts past retention', { deleted, retainDays });
      })
      .catch((e: unknown) => options.logger.error('artifact retention failed', { error: e instanceof Error ? e.message : String(e) }));
  };
  round();
  const timer = setInterval(round, EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
