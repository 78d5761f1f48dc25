import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toBase64Portable, toBase64Url, toHex } from './encoding.ts';

describe('base64', () => {
  it('encodes like Node for every length up to 64 and a large random buffer', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(toBase64Portable(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(toBase64(bytes.subarray(1))).toBe(Buffer.from(bytes.subarray(1)).toString('base64'));
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      expect(fromBase64(toBase64Url(bytes))).toEqual(bytes);
    }
    const big = new Uint8Array(200_003);
    for (let i = 0; i < big.length; i += 65_536) crypto.getRandomValues(big.subarray(i, i + 65_536));
    expect(toBase64(big)).toBe(Buffer.from(big).toString('base64'));
    expect(toBase64Portable(big)).toBe(Buffer.from(big).toString('base64'));
    expect(fromBase64(toBase64(big))).toEqual(big);
  });

  it('rejects what is not canonical base64, so no two texts decode to the same bytes', () => {
    expect(fromBase64('QQ==')).toEqual(new Uint8Array([0x41]));
    expect(() => fromBase64('QR==')).toThrow(/canonical/); // unused bits set
    expect(() => fromBase64('QQ=')).toThrow(/padding/);
    expect(() => fromBase64('QQ===')).toThrow(/padding/);
    expect(() => fromBase64('Q')).toThrow(/length/);
    expect(() => fromBase64('QQ*=')).toThrow(/not base64/);
    expect(() => fromBase64('QQ Q')).toThrow(/not base64/);
    expect(() => fromBase64('QQä=')).toThrow(/not base64/);
  });
});
