/**
 * PostgreSQL's jsonb (and text) cannot hold U+0000. Values that came from uploads pass through
 * here before they are stored, the NUL replaced by U+FFFD so nothing else changes.
 */
export function withoutNul<T>(value: T): T {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));
  return text === undefined ? value : (JSON.parse(text) as T);
}
