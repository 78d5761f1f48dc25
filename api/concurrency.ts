/**
 * A counting semaphore for expensive work (attestation exports): at most `limit` run at once in
 * this process, up to `maxQueue` more wait their turn in order, and beyond that the caller is
 * told to come back (Busy, a 503 with Retry-After). Expensive exports hold the event loop in long
 * synchronous stretches (serialising and hashing tens of megabytes); run side by side, those
 * stretches queue up behind each other and every other tenant's requests wait behind them all.
 */
import { Busy } from '../services/errors.ts';

export class Semaphore {
  readonly limit: number;
  readonly maxQueue: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number, maxQueue: number) {
    this.limit = limit;
    this.maxQueue = maxQueue;
  }

  /** How many hold a permit, and how many wait for one. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Waits for a permit; returns its release (idempotent). Throws Busy when the queue is full,
   * unless `refuse` is false (work already under way, which must finish, only waits its turn).
   */
  async acquire(options: { retryAfterSeconds?: number; refuse?: boolean } = {}): Promise<() => void> {
    const { retryAfterSeconds = 5, refuse = true } = options;
    if (this.running >= this.limit) {
      if (refuse && this.waiting.length >= this.maxQueue) {
        throw new Busy(`${this.running} exports are running and ${this.waiting.length} waiting; retry in ${retryAfterSeconds} s`, retryAfterSeconds);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The permit passes straight to the next in line; `running` stays as it is.
      if (next) next();
      else this.running -= 1;
    };
  }
}
