import { toHex } from './keys.ts';

/** SHA-256 of a text's UTF-8 bytes, lowercase hex (Web Crypto: Node and the Worker alike). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return toHex(new Uint8Array(digest));
}
