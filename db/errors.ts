/**
 * Which failures mean "the database cannot be reached right now" rather than "this query is wrong".
 * Callers answer the first kind with 503 and Retry-After (the request may be retried as it is);
 * everything else stays an unexpected error.
 */

/** postgres.js's own codes for a connection that is gone or never came, and Node's socket errors. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs the server sends while it stops, starts or is full: shutting down (57P01–57P03, and
 * 57P05 for an idle session it ends), too many connections (53300), and the connection-exception class 08.
 */
function unavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57P05' || code === '53300';
}

/**
 * True when `error`, or any error in its `cause` chain (drizzle wraps the driver's error in a
 * DrizzleQueryError), says the database is unreachable, restarting or out of connections.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableSqlState(code)))) return true;
    current = current.cause;
  }
  return false;
}
