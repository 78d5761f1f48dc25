import type { Db } from '../db/client.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { deliverUntilIdle } from '../workers/jobs/deliver-webhooks.ts';
import { sweepExpiringWaivers } from '../workers/jobs/waiver-expiry.ts';
import type { Config } from '../services/config.ts';
import type { Logger } from '../services/logger.ts';

export interface WebhookLoop {
  /** Stops polling and waits for the round in progress (attempts in flight end within their timeout). */
  stop(): Promise<void>;
}

/** The waiver sweep needs no more than this: notices are about days. */
const SWEEP_EVERY_MS = 60_000;

/**
 * The Node runtime's webhook sender: every WEBHOOK_POLL_MS, sends what is due in the outbox, and
 * about once a minute queues notices of lapsing waivers. Several instances may run side by side
 * (claims SKIP LOCKED, notices are deduplicated).
 */
export function startWebhookLoop(
  db: Db,
  config: Pick<Config, 'WEBHOOK_POLL_MS' | 'WEBHOOK_MAX_ATTEMPTS' | 'WEBHOOK_ALLOW_PRIVATE'>,
  options: { clock: () => Date; logger: Logger },
): WebhookLoop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSweep = 0;
  const round = async (): Promise<void> => {
    try {
      const now = options.clock();
      if (now.getTime() - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = now.getTime();
        const queued = await sweepExpiringWaivers(db, now);
        if (queued > 0) options.logger.info('queued waiver expiry notices', { count: queued });
      }
      const s = await deliverUntilIdle(db, {
        clock: options.clock,
        maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      });
      if (s.attempted > 0) options.logger.info('webhook deliveries', { ...s });
    } catch (e) {
      const log = isDatabaseUnavailable(e) ? options.logger.warn : options.logger.error;
      log('webhook loop failed; retrying', { error: e instanceof Error ? e.message : String(e) });
    }
  };
  const running = { current: Promise.resolve() };
  const tick = (): void => {
    timer = null;
    running.current = round().then(() => {
      if (!stopped) timer = setTimeout(tick, config.WEBHOOK_POLL_MS);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.current;
    },
  };
}
