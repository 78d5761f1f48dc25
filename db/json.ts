/**
 * PostgreSQL's jsonb (and text) cannot hold U+0000. Values that came from uploads pass through
 * here before they are stored, the NUL replaced by U+FFFD so nothing else changes.
 */
export function withoutNul<T>(value: T): T {
  const plain = JSON.stringify(value);
  if (plain === undefined || !plain.includes('\\u0000')) return value;
  return JSON.parse(jsonbText(value)) as T;
}

/**
 * `value` as JSON text for a jsonb parameter, NUL replaced as in withoutNul. The common case has no
 * NUL at all: one plain stringify to find out is far cheaper than a replacer.
 */
export function jsonbText(value: unknown): string {
  const plain = JSON.stringify(value);
  if (!plain.includes('\\u0000')) return plain;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));
}
