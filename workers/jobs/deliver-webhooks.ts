/**
 * Sends the webhook outbox: claims due deliveries, POSTs each event signed with the webhook's
 * secret (HMAC-SHA256 through WebCrypto, so the same code runs on Node and in Workers), logs every
 * attempt and retries failures with exponential backoff and jitter until it gives up.
 */
import type { Db } from '../../db/client.ts';
import { type AttemptOutcome, type ClaimedDelivery, claimDueDeliveries, recordAttempt } from '../../db/queries/webhooks.ts';

/** How long a receiver has to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** The first retry waits about this long; each further one twice as long. */
export const BACKOFF_BASE_MS = 30_000;
/** No wait between attempts is longer than this. */
export const BACKOFF_CAP_MS = 6 * 3_600_000;
/** A claimed delivery is not claimed again for this long (longer than any attempt can take). */
const LEASE_MS = 120_000;
const USER_AGENT = 'csvs-webhooks/1';

export interface DeliveryOptions {
  clock: () => Date;
  /** Attempts before a delivery is given up (WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** WEBHOOK_ALLOW_PRIVATE: whether loopback and private addresses may be called. */
  allowPrivate: boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
  batchSize?: number;
  /** Jitter source, [0, 1). */
  random?: () => number;
  /** Only the webhooks of these teams (tests on a shared database; sharding senders). */
  teamIds?: readonly string[];
}

export interface DeliveryStats {
  attempted: number;
  delivered: number;
  failed: number;
  retrying: number;
}

/**
 * One batch: claims up to `batchSize` due deliveries (SKIP LOCKED, committed at once so no
 * transaction is open while receivers answer), sends them side by side and records each
 * outcome. Delivery is at least once: a sender that dies after sending and before recording
 * sends again when the claim's lease ends; receivers dedupe on X-CSVS-Delivery.
 */
export async function deliverDueWebhooks(db: Db, o: DeliveryOptions): Promise<DeliveryStats> {
  const now = o.clock();
  const claimed = await claimDueDeliveries(db, {
    now,
    leaseUntil: new Date(now.getTime() + LEASE_MS),
    limit: o.batchSize ?? 20,
    teamIds: o.teamIds,
  });
  const outcomes = await Promise.all(claimed.map(async (d) => ({ d, outcome: await attempt(d, o) })));
  const stats: DeliveryStats = { attempted: claimed.length, delivered: 0, failed: 0, retrying: 0 };
  for (const { d, outcome } of outcomes) {
    await recordAttempt(db, { id: d.id, attempt: d.attempts + 1 }, outcome);
    if (outcome.next.status === 'delivered') stats.delivered++;
    else if (outcome.next.status === 'failed') stats.failed++;
    else stats.retrying++;
  }
  return stats;
}

/** Batches until nothing is due (or `maxBatches`, to bound a Worker's scheduled run). */
export async function deliverUntilIdle(db: Db, o: DeliveryOptions, maxBatches = 50): Promise<DeliveryStats> {
  const total: DeliveryStats = { attempted: 0, delivered: 0, failed: 0, retrying: 0 };
  for (let i = 0; i < maxBatches; i++) {
    const s = await deliverDueWebhooks(db, o);
    total.attempted += s.attempted;
    total.delivered += s.delivered;
    total.failed += s.failed;
    total.retrying += s.retrying;
    if (s.attempted === 0) break;
  }
  return total;
}

async function attempt(d: ClaimedDelivery, o: DeliveryOptions): Promise<AttemptOutcome> {
  const at = o.clock();
  const attemptNo = d.attempts + 1;
  const refused = webhookUrlProblem(d.url, { allowPrivate: o.allowPrivate });
  if (refused) {
    // The setting changed since the webhook was registered: retrying cannot help.
    return { at, statusCode: null, error: `not sent: ${refused}`, durationMs: 0, next: { status: 'failed' } };
  }
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const timeoutMs = o.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const res = await (o.fetch ?? fetch)(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'x-csvs-event': d.event,
        'x-csvs-delivery': d.id,
        'x-csvs-timestamp': timestamp,
        'x-csvs-signature': `sha256=${await signWebhook(d.secret, timestamp, d.body)}`,
      },
      body: d.body,
      // A redirect could lead anywhere (an internal address); it counts as a failed attempt.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    statusCode = res.status;
    await res.body?.cancel().catch(() => {});
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (e) {
    error = describeFailure(e, timeoutMs);
  }
  const durationMs = Math.round(performance.now() - started);
  if (error === null) return { at, statusCode, error, durationMs, next: { status: 'delivered' } };
  if (attemptNo >= o.maxAttempts) return { at, statusCode, error, durationMs, next: { status: 'failed' } };
  const nextAttemptAt = new Date(o.clock().getTime() + backoffMs(attemptNo, o.random ?? Math.random));
  return { at, statusCode, error, durationMs, next: { status: 'pending', nextAttemptAt } };
}

/**
 * The wait after failed attempt `n` (1-based): BACKOFF_BASE_MS · 2^(n-1), capped, of which a
 * random half is taken off so that receivers coming back up are not hit by every sender at once.
 */
export function backoffMs(n: number, random: () => number = Math.random): number {
  const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, n - 1));
  return Math.round(full / 2 + (full / 2) * random());
}

/** Hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the secret's UTF-8 bytes (X-CSVS-Signature). */
export async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${timestamp}.${body}`)));
  let hex = '';
  for (const b of mac) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function describeFailure(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  if (!(e instanceof Error)) return String(e).slice(0, 500);
  // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is the cause.
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`.slice(0, 500);
}

/**
 * Why a webhook URL is refused, or null when it may be called. Always: http(s) only, no
 * credentials, no fragment. Without `allowPrivate` (production): https only, and no host that
 * names this machine or a private network — loopback, private, link-local (cloud metadata),
 * CGNAT, multicast and reserved IP literals, `localhost`, single-label names and the
 * `.local`/`.internal`/`.home.arpa` suffixes. With it (development): any of those too, and plain
 * http to localhost/127.0.0.1/[::1]. Names are not resolved here: see docs/webhooks.md.
 */
export function webhookUrlProblem(raw: string, o: { allowPrivate: boolean }): string | null {
  if (raw.length > 2000) return 'the URL is longer than 2000 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the scheme ${url.protocol} is not allowed; use https`;
  if (url.username !== '' || url.password !== '') return 'credentials in the URL are not allowed; verify the signature instead';
  if (url.hash !== '') return 'a fragment is never sent; leave it out';
  const host = hostClass(url.hostname);
  if (url.protocol === 'http:') {
    if (host !== 'loopback') return 'plain http is allowed only to localhost, 127.0.0.1 or [::1] (development); use https';
    if (!o.allowPrivate) return 'a local receiver is allowed only when WEBHOOK_ALLOW_PRIVATE=true (development)';
  }
  if (host !== 'public' && !o.allowPrivate) {
    return `the host ${url.hostname} is ${host === 'loopback' ? 'this machine' : 'on a private or reserved network'}; allowed only when WEBHOOK_ALLOW_PRIVATE=true`;
  }
  return null;
}

type HostClass = 'loopback' | 'private' | 'public';

function hostClass(hostname: string): HostClass {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[')) return ipv6Class(h.slice(1, -1));
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) return ipv4Class(h.split('.').map(Number));
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  if (!h.includes('.') || /\.(local|internal|lan|home\.arpa)$/.test(h)) return 'private';
  return 'public';
}

/** [first octets, prefix length] of IPv4 ranges that are not the public internet. */
const IPV4_PRIVATE: [number[], number][] = [
  [[0], 8],
  [[10], 8],
  [[100, 64], 10],
  [[169, 254], 16],
  [[172, 16], 12],
  [[192, 0, 0], 24],
  [[192, 0, 2], 24],
  [[192, 168], 16],
  [[198, 18], 15],
  [[198, 51, 100], 24],
  [[203, 0, 113], 24],
  [[224], 4],
  [[240], 4],
];

function ipv4Class(octets: number[]): HostClass {
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (octets[0] === 127) return 'loopback';
  for (const [start, bits] of IPV4_PRIVATE) {
    const base = [...start, 0, 0, 0].slice(0, 4).reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) return 'private';
  }
  return 'public';
}

function ipv6Class(text: string): HostClass {
  const words = parseIpv6(text);
  if (!words) return 'private';
  const [w0 = 0, , , , , w5 = 0, w6 = 0, w7 = 0] = words;
  const zeroUpTo = (n: number) => words.slice(0, n).every((w) => w === 0);
  if (zeroUpTo(7) && w7 === 1) return 'loopback';
  if (zeroUpTo(8)) return 'private';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address that decides.
  if ((zeroUpTo(5) && w5 === 0xffff) || (w0 === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0))) {
    return ipv4Class([w6 >> 8, w6 & 0xff, w7 >> 8, w7 & 0xff]);
  }
  if ((w0 & 0xfe00) === 0xfc00 || (w0 & 0xffc0) === 0xfe80 || (w0 & 0xff00) === 0xff00 || (w0 === 0x2001 && words[1] === 0x0db8)) {
    return 'private';
  }
  return 'public';
}

/** The eight 16-bit words of an IPv6 address as the URL parser writes it (hex, `::` allowed). */
function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(':').map((x) => (/^[0-9a-f]{1,4}$/.test(x) ? parseInt(x, 16) : Number.NaN)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const words = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return words.some((w) => Number.isNaN(w)) ? null : words;
}
