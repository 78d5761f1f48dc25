/**
 * Byte encodings for signatures and envelopes, written out because neither `Buffer` (Node only)
 * nor `Uint8Array.prototype.toBase64` (not yet in Node 24) exists in both runtimes.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

/** Node's Buffer, where there is one (Node, and Workers with nodejs_compat). */
const NativeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string } } }).Buffer;

/**
 * Standard base64 with padding (RFC 4648 §4), as DSSE envelopes carry payloads and signatures.
 * Natively where the runtime has Buffer: the portable loop took 1.1 s of uninterrupted event loop
 * for an org-wide attestation's 30 MB payload (docs/reliability.md), stalling every other request.
 */
export function toBase64(bytes: Uint8Array): string {
  if (NativeBuffer) return NativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return toBase64Portable(bytes);
}

/** toBase64 without Buffer: for runtimes that have none. */
export function toBase64Portable(bytes: Uint8Array): string {
  const parts: string[] = [];
  // Chunks keep String.fromCharCode's argument list small for payloads of many megabytes.
  for (let start = 0; start < bytes.length; start += 3 * 4096) {
    const end = Math.min(start + 3 * 4096, bytes.length);
    const out: string[] = [];
    for (let i = start; i < end; i += 3) {
      const a = bytes[i] ?? 0;
      const b = bytes[i + 1] ?? 0;
      const c = bytes[i + 2] ?? 0;
      const n = (a << 16) | (b << 8) | c;
      out.push(
        ALPHABET.charAt((n >> 18) & 63),
        ALPHABET.charAt((n >> 12) & 63),
        i + 1 < end ? ALPHABET.charAt((n >> 6) & 63) : '=',
        i + 2 < end ? ALPHABET.charAt(n & 63) : '=',
      );
    }
    parts.push(out.join(''));
  }
  return parts.join('');
}

/** base64url without padding (RFC 4648 §5), as JWKs and thumbprints use it. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Decodes base64 or base64url (DSSE verifiers must accept both), padded or not. Strict
 * otherwise: stray characters, wrong padding or non-zero unused bits throw, so that no two
 * different texts decode to the same bytes and a changed character can never go unnoticed.
 */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const padding = text.length - clean.length;
  if (clean.length % 4 === 1) throw new Error('base64 text has an impossible length');
  if (padding > 0 && (padding > 2 || text.length % 4 !== 0)) throw new Error('base64 padding is wrong');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const code = clean.charCodeAt(i);
    const d = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (d < 0) throw new Error(`not base64: ${JSON.stringify(clean.charAt(i))} at ${i}`);
    value = ((value << 6) | d) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) throw new Error('base64 text is not canonical (unused bits set)');
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** SHA-256 through WebCrypto (Node and Workers alike). */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
