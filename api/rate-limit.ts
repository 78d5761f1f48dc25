/**
 * Rate limits, per process (or per Worker isolate): per client address for every request but the
 * probes, per API key once authenticated, and hardest on failed authentication per address. Each
 * is a token bucket; an empty one answers 429 with Retry-After (the seconds until a token is back).
 * With several instances each keeps its own buckets, so the limits add up across replicas.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../services/config.ts';
import { RateLimited } from '../services/errors.ts';
import type { AppEnv } from './env.ts';

/** Buckets kept at most: the least recently used are forgotten first (a full bucket is as good as none). */
const MAX_ENTRIES = 100_000;

/**
 * Token buckets by key: `rate` tokens a second, up to `burst`. Memory is bounded: past
 * MAX_ENTRIES keys the least recently used bucket is dropped, which only ever forgives.
 */
export class TokenBuckets {
  readonly rate: number;
  readonly burst: number;
  readonly now: () => number;
  readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(rate: number, burst: number, now: () => number = Date.now) {
    this.rate = rate;
    this.burst = burst;
    this.now = now;
  }

  /** The key's tokens now, its bucket refilled and moved to the most recently used end. */
  private refill(key: string): { tokens: number; at: number } {
    const now = this.now();
    const found = this.buckets.get(key);
    const bucket = found
      ? { tokens: Math.min(this.burst, found.tokens + ((now - found.at) / 1000) * this.rate), at: now }
      : { tokens: this.burst, at: now };
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_ENTRIES) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return bucket;
  }

  /** Seconds until the key has a token again (at least 1), or 0 when it has one now. */
  private wait(tokens: number): number {
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.rate));
  }

  /** Takes a token: 0 when there was one, else the seconds to wait (nothing is taken). */
  take(key: string): number {
    const bucket = this.refill(key);
    const wait = this.wait(bucket.tokens);
    if (wait === 0) bucket.tokens -= 1;
    return wait;
  }

  /** Like take, without taking: 0 when a token is there, else the seconds to wait. */
  peek(key: string): number {
    return this.wait(this.refill(key).tokens);
  }
}

export interface RateLimits {
  /** Every request per client address (not /healthz, /readyz). */
  address: TokenBuckets | null;
  /** Authenticated requests per API key. */
  key: TokenBuckets | null;
  /** Failed authentications (a wrong or revoked key, a failed dashboard sign-in) per client address. */
  authFailures: TokenBuckets | null;
}

/** The limits the configuration asks for; a rate of 0 turns that limit off. */
export function createRateLimits(
  config: Pick<Config, 'RATE_LIMIT_PER_KEY' | 'RATE_LIMIT_PER_ADDRESS' | 'RATE_LIMIT_AUTH_FAILURES'>,
  now: () => number = Date.now,
): RateLimits {
  const per = (rate: number, burst: number) => (rate > 0 ? new TokenBuckets(rate, burst, now) : null);
  return {
    // Bursts of two seconds' worth: a CI fan-out of uploads through one key goes through at once.
    address: per(config.RATE_LIMIT_PER_ADDRESS, config.RATE_LIMIT_PER_ADDRESS * 2),
    key: per(config.RATE_LIMIT_PER_KEY, config.RATE_LIMIT_PER_KEY * 2),
    // Per minute, with two minutes' worth to start with: a person mistyping a key never meets it.
    authFailures: per(config.RATE_LIMIT_AUTH_FAILURES / 60, config.RATE_LIMIT_AUTH_FAILURES * 2),
  };
}

/**
 * Groups addresses the way one client holds them: IPv4 as it is (IPv4-mapped IPv6 too), IPv6
 * by its /64 (one host usually has the whole /64, so per-address limits would be easy to walk around).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * The client's address: the last entry of CLIENT_ADDRESS_HEADER when configured (the one your
 * proxy appended), else the deps' own notion (the socket on Node, Cloudflare's header on Workers).
 */
export function clientAddress(c: Context<AppEnv>): string | null {
  const header = c.var.deps.config.CLIENT_ADDRESS_HEADER;
  const raw = header ? (c.req.header(header)?.split(',').at(-1)?.trim() ?? null) : c.var.deps.clientAddress(c);
  return raw ? addressKey(raw) : null;
}

/** The probes stay outside every limit: an orchestrator must always learn the truth. */
const UNLIMITED = new Set(['/healthz', '/readyz']);

/** The dashboard's pages, which count against the same budget from inside the dashboard. */
export function isDashboardPath(path: string): boolean {
  return path === '/ui' || path.startsWith('/ui/');
}

/**
 * Every request per client address, before anything else is done for it. The app's own use
 * leaves the dashboard out (`dashboard: false`) and the dashboard applies it itself
 * (`dashboard: true`): a browser past the limit then gets the dashboard's HTML page with
 * Retry-After, and API clients keep their problem document. Both draw on the one bucket.
 */
export function limitByAddress(options: { dashboard: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const buckets = c.var.deps.limits.address;
    const counted = !UNLIMITED.has(c.req.path) && isDashboardPath(c.req.path) === options.dashboard;
    const address = buckets && counted ? clientAddress(c) : null;
    if (buckets && address) {
      const wait = buckets.take(address);
      if (wait > 0) throw new RateLimited(`too many requests from this address; retry in ${wait} s`, wait);
    }
    return next();
  };
}

/** Before a key is checked: refuses an address that has failed authentication too often. */
export function refuseAfterAuthFailures(c: Context<AppEnv>): void {
  const buckets = c.var.deps.limits.authFailures;
  const address = buckets ? clientAddress(c) : null;
  if (!buckets || !address) return;
  const wait = buckets.peek(address);
  if (wait > 0) throw new RateLimited(`too many failed authentications from this address; retry in ${wait} s`, wait);
}

/** After a key was refused: counts the failure against the client's address. */
export function countAuthFailure(c: Context<AppEnv>): void {
  const buckets = c.var.deps.limits.authFailures;
  const address = buckets ? clientAddress(c) : null;
  if (buckets && address) buckets.take(address);
}

/** After a key was accepted: its own budget. */
export function limitKey(c: Context<AppEnv>, keyId: string): void {
  const wait = c.var.deps.limits.key?.take(keyId) ?? 0;
  if (wait > 0) throw new RateLimited(`too many requests with this API key; retry in ${wait} s`, wait);
}
