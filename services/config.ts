import { z } from 'zod';
import { parsePrivateJwk } from '../workers/attest/keys.ts';

const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  CSVS_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Largest accepted request body, bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  /** How long an API key's lookup is reused (ms); a key revoked on another instance works that much longer. 0: look up every request. */
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Requests a second per API key (bursts of twice that); 0: no limit. */
  RATE_LIMIT_PER_KEY: z.coerce.number().min(0).default(200),
  /** Requests a second per client address, probes excepted (bursts of twice that); 0: no limit. */
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().min(0).default(400),
  /** Failed authentications a minute per client address (bursts of twice that); 0: no limit. */
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().min(0).default(10),
  /** A header holding the client's address, set by a proxy in front (its last entry is used); unset: the connection's address. */
  CLIENT_ADDRESS_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name').transform((s) => s.toLowerCase()).optional(),
  /** Node server: the time a client has to send a request's headers (an idle new connection is closed then), ms. */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Node server: the time a client has to send a whole request, body included (a trickled upload is cut), ms. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Node server: a connection on which nothing moves either way for this long is closed (a client that stopped reading), ms. */
  SOCKET_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Node server: how long an idle keep-alive connection stays open between requests, ms. */
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Attestation exports run at once per process; more wait in line (EXPORT_QUEUE), beyond that 503 with Retry-After. */
  EXPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Attestation exports that may wait for their turn per process. */
  EXPORT_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
  /** Largest body of any other request (teams, keys, waivers, webhooks), bytes. */
  MAX_JSON_BODY_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  MAX_ARTIFACTS: z.coerce.number().int().positive().max(1000).default(50),
  /** Days without a snapshot after which a workload is stale. */
  STALE_AFTER_DAYS: z.coerce.number().int().positive().default(30),
  /** Artifact texts no snapshot younger than this refers to are deleted; unset: keep everything. */
  RETAIN_ARTIFACTS_DAYS: z.coerce.number().int().positive().optional(),
  /** The furthest ahead, in days, a waiver's expiry may be set. */
  WAIVER_MAX_DAYS: z.coerce.number().int().positive().max(3650).default(365),
  /** How long a dashboard sign-in lasts, hours. */
  SESSION_TTL_HOURS: z.coerce.number().int().positive().max(720).default(8),
  /** How often the Node evaluation loop looks for pending snapshots, ms. */
  EVALUATION_POLL_MS: z.coerce.number().int().positive().default(1000),
  /** Whether webhooks may call loopback/private addresses and plain http://localhost (development only). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Attempts at a webhook delivery before it is given up. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(10),
  /** How often the Node webhook loop looks for due deliveries, ms. */
  WEBHOOK_POLL_MS: z.coerce.number().int().positive().default(5000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Environment variable names (comma-separated) whose values are harmless and kept, beyond the built-in list (docs/security.md). */
  REDACT_ALLOW_ENV: z.string().default('').transform((s) => s.split(',').map((n) => n.trim()).filter((n) => n !== '')),
  /** The attestation signing key: a private Ed25519 JWK as JSON (see docs/attestations.md). */
  CSVS_SIGNING_KEY: z.string().refine((s) => parsePrivateJwk(s) !== null, 'must be a private Ed25519 JWK as JSON: {"kty":"OKP","crv":"Ed25519","d":…,"x":…}').optional(),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the configuration from any string map: `process.env` on Node, `env` in the Worker.
 * Pure: no exits, no side effects; a bad setting throws a ConfigError naming it.
 */
export function parseConfig(source: Record<string, unknown>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(Config.shape)) {
    const v = source[key];
    if (typeof v === 'string' && v !== '') picked[key] = v;
  }
  const result = Config.safeParse(picked);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  return result.data;
}
