/**
 * Container events, read in consecutive windows `/events?since=&until=` that share their
 * boundaries, so nothing between two rounds is missed and nothing is read twice.
 *
 * The daemon replays `since` from a small in-memory buffer (256 events in moby, all types
 * together, health checks included), so a five-minute gap can lose events on a busy host.
 * The agent therefore also polls between rounds (`--events-poll`), and the round takes what
 * the polls gathered. Between rounds the daemon's clock is estimated from the offset seen at
 * the last `/info`; the round itself closes its window at the daemon's own time.
 */
import type { DockerClient, RawEvent } from './docker-client.ts';
import { eventNanos, msToNanos, nanosToDocker } from './time.ts';

/** Events a 3.10 judgement needs: access, and what shows a replacement. */
export const EVENT_ACTIONS = ['exec_create', 'exec_start', 'create', 'start', 'restart', 'die', 'destroy'] as const;

export class EventWindow {
  /** End of the last window read (ns, daemon clock); null before the first. */
  lastUntil: bigint | null;
  /** Daemon clock minus the agent's clock, from the last `/info`. */
  offsetNs = 0n;
  private pending: RawEvent[] = [];
  private readonly maxPending: number;
  private lost = 0;
  private truncatedWindows = 0;

  constructor(lastUntil: bigint | null, maxPending: number) {
    this.lastUntil = lastUntil;
    this.maxPending = maxPending;
  }

  /** Reads the window from the last end (or `lookbackMs` before `untilNs`) up to `untilNs`. */
  async read(docker: DockerClient, untilNs: bigint, lookbackMs: number): Promise<void> {
    const since = this.lastUntil ?? untilNs - msToNanos(lookbackMs);
    if (untilNs <= since) return;
    const room = Math.max(1, this.maxPending - this.pending.length);
    const stream = await docker.events(nanosToDocker(since), nanosToDocker(untilNs), EVENT_ACTIONS, room);
    if (stream.truncated) this.truncatedWindows++;
    for (const event of stream.events) {
      const at = eventNanos(event);
      // The previous window ended at `since` and held the events of that instant already.
      if (this.lastUntil !== null && at !== null && at <= this.lastUntil) continue;
      if (this.pending.length >= this.maxPending) {
        this.lost++;
        continue;
      }
      this.pending.push(event);
    }
    this.lastUntil = untilNs;
  }

  /** A poll between rounds, at the daemon time estimated from the agent's clock. */
  async poll(docker: DockerClient, nowMs: number): Promise<void> {
    if (this.lastUntil === null) return;
    await this.read(docker, msToNanos(nowMs) + this.offsetNs, 0);
  }

  /** Everything gathered since the last take, and what had to be left out. */
  take(): { events: RawEvent[]; notes: string[] } {
    const events = this.pending;
    const notes: string[] = [];
    if (this.lost > 0 || this.truncatedWindows > 0) {
      notes.push(`more than ${this.maxPending} events between two rounds; ${this.lost} or more were not kept`);
    }
    this.pending = [];
    this.lost = 0;
    this.truncatedWindows = 0;
    return { events, notes };
  }
}
