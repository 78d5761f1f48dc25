/**
 * PostgreSQL's jsonb (and text) cannot hold U+0000. Values that came from uploads pass through
 * here before they are stored, the NUL replaced by U+FFFD so nothing else changes.
 */
export function withoutNul<T>(value: T): T {
  // The common case has no NUL at all: one plain stringify to find out is far cheaper than a replacer.
  const plain = JSON.stringify(value);
  if (plain === undefined || !plain.includes('\\u0000')) return value;
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));
  return JSON.parse(text) as T;
}

/** `value` as JSON text for a jsonb parameter, NUL replaced as in withoutNul (one stringify when there is none). */
export function jsonbText(value: unknown): string {
  const plain = JSON.stringify(value);
  if (!plain.includes('\\u0000')) return plain;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));
}
