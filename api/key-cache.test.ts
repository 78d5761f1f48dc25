import { describe, expect, it } from 'vitest';
import type { Principal } from './env.ts';
import { KeyCache } from './key-cache.ts';

const ingest: Principal = { keyId: 'k1', role: 'ingest', teamId: 't1', teamSlug: 'payments' };

describe('KeyCache', () => {
  it('serves a looked-up key until its time is up, counted from the lookup', () => {
    const cache = new KeyCache(1000);
    cache.set('h1', ingest, 10_000);
    expect(cache.get('h1', 10_500)).toEqual(ingest);
    expect(cache.get('h1', 10_999)).toEqual(ingest);
    expect(cache.get('h1', 11_000)).toBeNull();
    expect(cache.get('h2', 10_000)).toBeNull();
  });

  it('forgets a revoked key at once', () => {
    const cache = new KeyCache(60_000);
    cache.set('h1', ingest, 0);
    cache.set('h2', { ...ingest, keyId: 'k2' }, 0);
    cache.forgetKey('k1');
    expect(cache.get('h1', 1)).toBeNull();
    expect(cache.get('h2', 1)?.keyId).toBe('k2');
  });

  it('keeps nothing when switched off', () => {
    const cache = new KeyCache(0);
    cache.set('h1', ingest, 0);
    expect(cache.get('h1', 0)).toBeNull();
  });
});
