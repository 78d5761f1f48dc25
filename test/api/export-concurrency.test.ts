/**
 * Attestation exports run EXPORT_CONCURRENCY at a time per process; EXPORT_QUEUE more wait their
 * turn, and beyond that the answer is 503 with Retry-After. A streamed export takes a permit for
 * each piece it makes, not while the client reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Semaphore } from '../../api/concurrency.ts';
import { Busy } from '../../services/errors.ts';
import { type Harness, startHarness } from '../support/harness.ts';

describe('Semaphore', () => {
  it('lets `limit` in, queues `maxQueue` in order, refuses the rest, and hands permits on', async () => {
    const s = new Semaphore(1, 2);
    const first = await s.acquire();
    const order: string[] = [];
    const second = s.acquire().then((release) => (order.push('second'), release));
    const third = s.acquire().then((release) => (order.push('third'), release));
    await expect(s.acquire({ retryAfterSeconds: 7 })).rejects.toMatchObject({ constructor: Busy, retryAfterSeconds: 7 });
    expect(s.load).toEqual({ running: 1, waiting: 2 });
    // Work under way is never refused, only queued.
    const fourth = s.acquire({ refuse: false });
    expect(s.load).toEqual({ running: 1, waiting: 3 });
    first();
    first(); // releasing twice changes nothing
    (await second)();
    (await third)();
    (await fourth)();
    expect(order).toEqual(['second', 'third']);
    expect(s.load).toEqual({ running: 0, waiting: 0 });
  });
});

describe('over HTTP', () => {
  let h: Harness;
  let team: string;
  beforeAll(async () => {
    h = await startHarness({ env: { EXPORT_CONCURRENCY: '1', EXPORT_QUEUE: '0' } });
    team = await h.team('exports');
    await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', json: { workload: 'api', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\n' }] } });
  });
  afterAll(async () => h.close());

  const exportAs = (format: string) => h.request(`/v1/teams/${team}/attestations?level=L1&format=${format}`);

  it('an export asked for while another is being made, with no room to wait, gets 503 with Retry-After', async () => {
    const [a, b] = await Promise.all([exportAs('json'), exportAs('json')]);
    expect([a.status, b.status].sort()).toEqual([200, 503]);
    const busy = a.status === 503 ? a : b;
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await busy.json()).toMatchObject({ type: 'urn:csvs:problem:unavailable' });
  });

  it('a client reading a streamed export slowly (or not at all) holds up nobody', async () => {
    const unread = await exportAs('csv');
    expect(unread.status).toBe(200);
    expect((await exportAs('json')).status).toBe(200);
    expect((await exportAs('html')).status).toBe(200);
    expect(await unread.text()).toContain('workload');
  });
});
