import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './ids.ts';

describe('timeOrderedId (UUIDv7)', () => {
  it('is a version 7, RFC 9562 variant UUID carrying its millisecond', () => {
    const at = Date.UTC(2026, 11, 7, 3, 50, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by time across milliseconds, and differs within one', () => {
    const ids = [0, 1, 2, 1_000, 86_400_000].map((d) => timeOrderedId(Date.UTC(2026, 0, 1) + d));
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 1_000 }, () => timeOrderedId(Date.UTC(2026, 0, 1))));
    expect(same.size).toBe(1_000);
  });
});
