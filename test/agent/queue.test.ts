import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskQueue, type QueueEntry } from '../../workers/agent/queue.ts';

let dir: string;
let logs: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csvs-queue-'));
  logs = [];
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const entry = (n: number, body = `{"n":${n}}`): QueueEntry => ({
  team: 'shop',
  workload: `w${n}`,
  idempotencyKey: `key-${n}`,
  observedAt: `2026-03-11T10:0${n % 10}:00.318Z`,
  body,
  enqueuedAt: `2026-03-11T10:0${n % 10}:00.000Z`,
});
const open = (bounds = { maxEntries: 100, maxBytes: 1_000_000 }) => DiskQueue.open(dir, bounds, (l) => logs.push(l));

async function drain(q: DiskQueue): Promise<string[]> {
  const out: string[] = [];
  for (let next = await q.peek(); next; next = await q.peek()) {
    out.push(next.entry.workload);
    await q.remove(next.file);
  }
  return out;
}

describe('the on-disk queue', () => {
  it('delivers oldest first and survives a restart', async () => {
    const q = await open();
    for (const n of [1, 2, 3]) await q.push(entry(n));
    expect(q.stats()).toMatchObject({ entries: 3, maxEntries: 100, dropped: 0 });
    const reopened = await open();
    await reopened.push(entry(4));
    expect(await drain(reopened)).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the exact body, so a retry is byte for byte the same upload', async () => {
    const q = await open();
    const body = '{"workload":"a","artifacts":[{"kind":"docker-info","content":{"ID":"x"}}],"observedAt":"2026-03-11T10:00:00.318Z"}';
    await q.push(entry(1, body));
    expect((await q.peek())?.entry.body).toBe(body);
  });

  it('drops the oldest when full, and says so', async () => {
    const q = await open({ maxEntries: 3, maxBytes: 1_000_000 });
    for (const n of [1, 2, 3, 4, 5]) await q.push(entry(n));
    expect(q.stats()).toMatchObject({ entries: 3, dropped: 2 });
    expect(logs.filter((l) => l.includes('dropped the oldest'))).toHaveLength(2);
    expect(logs[0]).toMatch(/full \(3 snapshots.*w1/);
    expect(await drain(q)).toEqual(['w3', 'w4', 'w5']);
  });

  it('bounds the bytes as well as the count', async () => {
    const big = 'x'.repeat(400);
    const one = Buffer.byteLength(JSON.stringify(entry(1, big)));
    const q = await open({ maxEntries: 100, maxBytes: 3 * one + 10 });
    for (const n of [1, 2, 3, 4]) await q.push(entry(n, big));
    expect(q.stats().bytes).toBe(3 * one);
    expect(await drain(q)).toEqual(['w2', 'w3', 'w4']);
    await q.push(entry(9, 'y'.repeat(5000)));
    expect(q.size).toBe(0);
    expect(logs.at(-1)).toMatch(/larger than the whole queue/);
  });

  it('forgets half-written files and sets unreadable ones aside', async () => {
    const q = await open();
    await q.push(entry(1));
    await writeFile(join(dir, '0000000000000002.json.tmp'), '{"half":');
    await writeFile(join(dir, '0000000000000000.json'), 'not json');
    const reopened = await open();
    expect(await drain(reopened)).toEqual(['w1']);
    const files = await readdir(dir);
    expect(files).toEqual(['0000000000000000.json.bad']);
    expect(logs.some((l) => l.includes('set aside'))).toBe(true);
  });

  it('refuses bounds that could hold nothing', async () => {
    await expect(open({ maxEntries: 0, maxBytes: 10 })).rejects.toThrow(/positive/);
  });
});
