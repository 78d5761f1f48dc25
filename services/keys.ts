/** API keys: random, shown once, stored as a SHA-256 hash with a visible prefix. */
import { sha256Hex } from './hashing.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(length: number): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  const out: string[] = [];
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248 && out.length < length) out.push(ALPHABET[b % 62] ?? 'a');
    }
  }
  return out.join('');
}

export interface NewKey {
  key: string;
  prefix: string;
  hash: string;
}

/** `csvs_<8 visible>_<40 secret>`: ~238 bits of entropy, so a fast hash is enough. */
export async function generateApiKey(): Promise<NewKey> {
  const prefix = `csvs_${randomString(8)}`;
  const key = `${prefix}_${randomString(40)}`;
  return { key, prefix, hash: await hashApiKey(key) };
}

export async function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Compares two equal-length strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
