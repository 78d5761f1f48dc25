/**
 * Rate limits: 429 with Retry-After per API key, per client address, and hardest for failed
 * authentication per address; the probes are never limited. Clocks are fakes: nothing here waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey, TokenBuckets } from '../../api/rate-limit.ts';
import { type Harness, startHarness } from '../support/harness.ts';

describe('TokenBuckets', () => {
  it('gives a burst, then one token per 1/rate seconds, and says how long to wait', () => {
    let now = 0;
    const b = new TokenBuckets(2, 4, () => now);
    expect([b.take('k'), b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 0, 0]);
    expect(b.take('k')).toBe(1);
    now += 500;
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBe(1);
    expect(b.take('other')).toBe(0);
  });

  it('rounds a wait up to whole seconds, at least one', () => {
    let now = 0;
    const slow = new TokenBuckets(1 / 60, 1, () => now);
    expect(slow.take('k')).toBe(0);
    expect(slow.take('k')).toBe(60);
    now += 30_000;
    expect(slow.peek('k')).toBe(30);
  });

  it('peek does not take', () => {
    const b = new TokenBuckets(1, 1, () => 0);
    expect(b.peek('k')).toBe(0);
    expect(b.peek('k')).toBe(0);
    expect(b.take('k')).toBe(0);
    expect(b.peek('k')).toBe(1);
  });

  it('keeps at most 100,000 buckets, forgetting the least recently used', () => {
    const b = new TokenBuckets(1, 1, () => 0);
    b.take('first');
    for (let i = 0; i < 100_000; i++) b.take(`k${i}`);
    expect(b.buckets.size).toBe(100_000);
    expect(b.buckets.has('first')).toBe(false);
  });
});

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('over HTTP', () => {
  let h: Harness;
  let now = 1_000_000;
  let team: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { RATE_LIMIT_PER_KEY: '5', RATE_LIMIT_PER_ADDRESS: '50', RATE_LIMIT_AUTH_FAILURES: '10' },
      now: () => now,
    });
    team = await h.team('limits');
  });
  afterAll(async () => h.close());

  const statuses = async (n: number, send: () => Promise<Response>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await send();
      out.push(res.status);
      await res.body?.cancel();
    }
    return out;
  };

  it('wrong keys: 401 for a burst of 20, then 429 with Retry-After, for that address only', async () => {
    const wrong = (address: string) => h.request('/v1/teams', { key: 'csvs_wrong123_0000000000000000000000000000000000000000', address });
    const seen = await statuses(40, () => wrong('198.51.100.1'));
    expect(seen.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(seen.slice(20).every((s) => s === 429)).toBe(true);
    const limited = await wrong('198.51.100.1');
    expect(limited.headers.get('retry-after')).toBe('6');
    expect(await limited.json()).toMatchObject({ type: 'urn:csvs:problem:too-many-requests', status: 429 });
    // Another address is not touched; the limited one is refused even with a good key, until tokens come back.
    expect((await wrong('198.51.100.2')).status).toBe(401);
    const { key } = await h.key('viewer', team);
    expect((await h.request('/v1/teams', { key, address: '198.51.100.1' })).status).toBe(429);
    now += 6_000;
    expect((await h.request('/v1/teams', { key, address: '198.51.100.1' })).status).toBe(200);
    now += 60_000;
  });

  it('per key: a burst of twice the rate, then 429 until a second has passed; other keys go on', async () => {
    const { key } = await h.key('viewer', team);
    const { key: other } = await h.key('viewer', team);
    const seen = await statuses(12, () => h.request(`/v1/teams/${team}/workloads`, { key }));
    expect(seen).toEqual([...Array(10).fill(200), 429, 429]);
    const limited = await h.request(`/v1/teams/${team}/workloads`, { key });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await h.request(`/v1/teams/${team}/workloads`, { key: other })).status).toBe(200);
    now += 1_000;
    expect(await statuses(5, () => h.request(`/v1/teams/${team}/workloads`, { key }))).toEqual(Array(5).fill(200));
    now += 60_000;
  });

  it('per address: every request counts, probes excepted', async () => {
    const address = '192.0.2.50';
    const seen = await statuses(101, () => h.request('/.well-known/jwks.json', { key: null, address }));
    expect(seen.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(seen[100]).toBe(429);
    expect((await h.request('/healthz', { key: null, address })).status).toBe(200);
    expect((await h.request('/readyz', { key: null, address })).status).toBe(200);
    // IPv6 neighbours in one /64 share the budget.
    await statuses(100, () => h.request('/.well-known/jwks.json', { key: null, address: '2001:db8:5:6::1' }));
    expect((await h.request('/.well-known/jwks.json', { key: null, address: '2001:db8:5:6::ffff' })).status).toBe(429);
    now += 60_000;
  });

  it('per address in the dashboard: an HTML page with Retry-After for the browser; the API keeps its problem document', async () => {
    const address = '192.0.2.77';
    const page = () => h.request('/ui/sign-in', { key: null, address, headers: { accept: 'text/html' } });
    const seen = await statuses(100, page);
    expect(seen.every((s) => s === 200)).toBe(true);
    const limited = await page();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('text/html');
    expect(limited.headers.get('retry-after')).toBe('1');
    // The dashboard's own headers: the page is served under its strict policy.
    expect(limited.headers.get('content-security-policy')).toContain("default-src 'self'");
    const body = await limited.text();
    expect(body).toMatch(/^<!doctype html>/i);
    expect(body).toContain('Too many attempts');
    // One budget for the address: the API, asked from the same address, is limited too, in its own format.
    const api = await h.request('/.well-known/jwks.json', { key: null, address });
    expect(api.status).toBe(429);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    expect(api.headers.get('retry-after')).toBe('1');
    now += 60_000;
  });

  it('failed dashboard sign-ins count as failed authentication', async () => {
    const signIn = () =>
      h.request('/ui/sign-in', {
        method: 'POST',
        key: null,
        address: '198.51.100.77',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: 'key=csvs_wrong123_0000000000000000000000000000000000000000',
      });
    const seen = await statuses(21, signIn);
    expect(seen.slice(0, 20).every((s) => s === 401)).toBe(true);
    const limited = await signIn();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect(limited.headers.get('content-type')).toContain('text/html');
  });
});
