/**
 * The principals of recently seen API keys, for AUTH_CACHE_MS: an upload then costs the one
 * statement that stores it, not a key lookup before it. A key revoked through this instance is
 * forgotten at once; one revoked elsewhere (another replica, `npm run keys`) stops working within
 * AUTH_CACHE_MS. Unknown keys are never kept (failed authentication is rate-limited instead).
 */
import type { Principal } from './env.ts';

/** Bounded: past this many keys the cache starts over rather than grow. */
const MAX_KEYS = 10_000;

export class KeyCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  get(keyHash: string, now: number): Principal | null {
    if (this.ttlMs <= 0) return null;
    const hit = this.entries.get(keyHash);
    if (!hit) return null;
    if (hit.until > now) return hit.principal;
    this.entries.delete(keyHash);
    return null;
  }

  set(keyHash: string, principal: Principal, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_KEYS) this.entries.clear();
    this.entries.set(keyHash, { principal, until: now + this.ttlMs });
  }

  /** A key was revoked: its principal is not served from here again. */
  forgetKey(keyId: string): void {
    for (const [hash, { principal }] of this.entries) if (principal.keyId === keyId) this.entries.delete(hash);
  }
}
