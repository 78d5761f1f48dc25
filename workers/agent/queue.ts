/**
 * The agent's outbox: a directory with one file per snapshot, named by a sequence number so
 * the oldest is delivered first. A file is written to a temporary name, fsync'ed, renamed and
 * the directory fsync'ed, so after a crash an entry is either complete or absent. An entry is
 * removed only after the service accepted it; a crash between the two resends it with the same
 * Idempotency-Key, which the service answers with the first upload instead of a second one.
 * The queue is bounded: when full, the oldest entry is dropped and the log says so.
 */
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface QueueEntry {
  team: string;
  workload: string;
  idempotencyKey: string;
  /** The round the snapshot was taken in (its `observedAt`). */
  observedAt: string;
  /** The exact JSON body; retries send these bytes again, so the service sees the same upload. */
  body: string;
  enqueuedAt: string;
}

export interface QueueBounds {
  maxEntries: number;
  maxBytes: number;
}

export interface QueueStats extends QueueBounds {
  entries: number;
  bytes: number;
  /** Dropped because the queue was full, since the agent started. */
  dropped: number;
}

interface Slot {
  file: string;
  seq: number;
  bytes: number;
}

const FILE = /^(\d{16})\.json$/;
const TMP_SUFFIX = '.tmp';

export class DiskQueue {
  readonly dir: string;
  readonly bounds: QueueBounds;
  private readonly log: (line: string) => void;
  private slots: Slot[] = [];
  private nextSeq = 1;
  private dropped = 0;

  private constructor(dir: string, bounds: QueueBounds, log: (line: string) => void) {
    this.dir = dir;
    this.bounds = bounds;
    this.log = log;
  }

  /** Opens (creating) the queue directory; half-written files of a crash are removed. */
  static async open(dir: string, bounds: QueueBounds, log: (line: string) => void): Promise<DiskQueue> {
    if (bounds.maxEntries < 1 || bounds.maxBytes < 1) throw new Error('the queue bounds must be positive');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const queue = new DiskQueue(dir, bounds, log);
    for (const name of await readdir(dir)) {
      if (name.endsWith(TMP_SUFFIX)) {
        await unlink(join(dir, name)).catch(() => {});
        continue;
      }
      const m = FILE.exec(name);
      if (!m) continue;
      const info = await stat(join(dir, name));
      queue.slots.push({ file: name, seq: Number(m[1]), bytes: info.size });
    }
    queue.slots.sort((a, b) => a.seq - b.seq);
    queue.nextSeq = (queue.slots.at(-1)?.seq ?? 0) + 1;
    return queue;
  }

  stats(): QueueStats {
    return { ...this.bounds, entries: this.slots.length, bytes: this.totalBytes(), dropped: this.dropped };
  }

  get size(): number {
    return this.slots.length;
  }

  /** Appends durably; drops the oldest entries while the queue is over its bounds. Returns how many were dropped. */
  async push(entry: QueueEntry): Promise<number> {
    const text = JSON.stringify(entry);
    const bytes = Buffer.byteLength(text);
    if (bytes > this.bounds.maxBytes) {
      this.dropped++;
      this.log(`queue: a snapshot of ${entry.workload} (${bytes} bytes) is larger than the whole queue (${this.bounds.maxBytes} bytes); dropped`);
      return 1;
    }
    const seq = this.nextSeq++;
    const file = `${String(seq).padStart(16, '0')}.json`;
    const tmp = join(this.dir, file + TMP_SUFFIX);
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(this.dir, file));
    await this.syncDir();
    this.slots.push({ file, seq, bytes });
    let dropped = 0;
    while (this.slots.length > this.bounds.maxEntries || this.totalBytes() > this.bounds.maxBytes) {
      const oldest = this.slots[0];
      if (!oldest || oldest.seq === seq) break;
      const victim = await this.read(oldest).catch(() => null);
      await this.remove(oldest.file);
      dropped++;
      this.dropped++;
      this.log(
        `queue: full (${this.bounds.maxEntries} snapshots / ${this.bounds.maxBytes} bytes); dropped the oldest, ` +
          `${victim ? `${victim.workload} of ${victim.observedAt}` : oldest.file}`,
      );
    }
    return dropped;
  }

  /** The oldest entry, or null. An unreadable file is set aside (renamed `.bad`) and the next one returned. */
  async peek(): Promise<{ file: string; entry: QueueEntry } | null> {
    for (let guard = this.slots.length; guard >= 0; guard--) {
      const slot = this.slots[0];
      if (!slot) return null;
      const entry = await this.read(slot).catch(() => null);
      if (entry) return { file: slot.file, entry };
      this.log(`queue: ${slot.file} cannot be read; set aside as ${slot.file}.bad`);
      await rename(join(this.dir, slot.file), join(this.dir, `${slot.file}.bad`)).catch(() => {});
      this.slots.shift();
    }
    return null;
  }

  /** Removes a delivered (or undeliverable) entry. */
  async remove(file: string): Promise<void> {
    const i = this.slots.findIndex((s) => s.file === file);
    if (i === -1) return;
    this.slots.splice(i, 1);
    await unlink(join(this.dir, file)).catch((e: unknown) => {
      if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
    });
    await this.syncDir();
  }

  private async read(slot: Slot): Promise<QueueEntry> {
    const value: unknown = JSON.parse(await readFile(join(this.dir, slot.file), 'utf8'));
    if (!isEntry(value)) throw new Error('not a queue entry');
    return value;
  }

  private totalBytes(): number {
    let total = 0;
    for (const s of this.slots) total += s.bytes;
    return total;
  }

  /** A rename or unlink is durable only once the directory itself is synced. */
  private async syncDir(): Promise<void> {
    let handle;
    try {
      handle = await open(this.dir, 'r');
      await handle.sync();
    } catch {
      // Some file systems refuse fsync on directories; the data file itself was synced.
    } finally {
      await handle?.close();
    }
  }
}

function isEntry(v: unknown): v is QueueEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return ['team', 'workload', 'idempotencyKey', 'observedAt', 'body', 'enqueuedAt'].every((k) => typeof e[k] === 'string');
}
