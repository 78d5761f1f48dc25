import type { Db } from '../db/client.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { evaluatePendingBatch } from '../workers/jobs/evaluate-snapshots.ts';
import type { EvaluationQueue } from './env.ts';
import type { Logger } from '../services/logger.ts';

export interface EvaluationLoop extends EvaluationQueue {
  /** Stops polling and waits for the batch in progress. */
  stop(): Promise<void>;
}

/**
 * The Node runtime's background evaluation: polls for pending snapshots (so uploads stored
 * before a crash or restart are picked up) and wakes at once when an upload is enqueued.
 */
export function startEvaluationLoop(db: Db, options: { pollMs: number; clock: () => Date; logger: Logger }): EvaluationLoop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  let again = false;

  const tick = async (): Promise<void> => {
    timer = null;
    try {
      let n: number;
      do {
        again = false;
        n = await evaluatePendingBatch(db, options.clock);
        if (n > 0) options.logger.info('evaluated pending snapshots', { count: n });
      } while ((n > 0 || again) && !stopped);
    } catch (e) {
      // The database being away (a restart) is expected and retried; anything else is a fault.
      const log = isDatabaseUnavailable(e) ? options.logger.warn : options.logger.error;
      log('evaluation loop failed; retrying', { error: e instanceof Error ? e.message : String(e) });
    }
    if (!stopped) timer = setTimeout(() => void schedule(), options.pollMs);
  };
  const schedule = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    running = running.then(tick);
    return running;
  };
  void schedule();

  return {
    async enqueue() {
      again = true;
      if (timer) void schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
