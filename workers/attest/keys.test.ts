import { describe, expect, it } from 'vitest';
import { fromBase64, toHex, utf8 } from './encoding.ts';
import { ephemeralSigner, generatePrivateJwk, jwkThumbprint, parsePrivateJwk, publicJwkOf, signerFromJwk, verifyEd25519 } from './keys.ts';

// RFC 8037 appendix A.1 (the key of RFC 8032 §7.1 test 1) and A.3 (its thumbprint).
const RFC8037_KEY = { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } as const;

describe('Ed25519 keys', () => {
  it('computes the RFC 7638 thumbprint of the RFC 8037 example key', async () => {
    expect(await jwkThumbprint(RFC8037_KEY)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
    expect(await publicJwkOf(RFC8037_KEY)).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: RFC8037_KEY.x,
      kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
      alg: 'EdDSA',
      use: 'sig',
    });
  });

  it('signs exactly as RFC 8032 §7.1 test 1 says (Ed25519 is deterministic)', async () => {
    const signer = await signerFromJwk(RFC8037_KEY);
    expect(signer.keyid).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
    const sig = await signer.sign(new Uint8Array(0));
    expect(toHex(sig)).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    // RFC 8037 A.4: the JWS signing input "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc".
    const jws = await signer.sign(utf8('eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc'));
    expect(jws).toEqual(fromBase64('hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg'));
  });

  it('generates keys that round-trip through their JWK and verify', async () => {
    const jwk = await generatePrivateJwk();
    expect(parsePrivateJwk(JSON.stringify(jwk))).toEqual(jwk);
    const signer = await signerFromJwk(jwk);
    const data = utf8('attest me');
    const sig = await signer.sign(data);
    expect(await verifyEd25519(signer.publicJwk, data, sig)).toBe(true);
    expect(await verifyEd25519((await ephemeralSigner()).publicJwk, data, sig)).toBe(false);
    expect(await verifyEd25519({ x: 'not-a-key' }, data, sig)).toBe(false);
  });

  it('rejects what is not a private Ed25519 JWK, and a key whose x does not belong to its d', async () => {
    expect(parsePrivateJwk('not json')).toBeNull();
    expect(parsePrivateJwk(JSON.stringify({ ...RFC8037_KEY, crv: 'X25519' }))).toBeNull();
    expect(parsePrivateJwk(JSON.stringify({ ...RFC8037_KEY, d: undefined }))).toBeNull();
    expect(parsePrivateJwk(JSON.stringify({ ...RFC8037_KEY, x: 'short' }))).toBeNull();
    expect(parsePrivateJwk('{"__proto__":{"kty":"OKP"}}')).toBeNull();
    const other = await generatePrivateJwk();
    await expect(signerFromJwk({ ...RFC8037_KEY, x: other.x })).rejects.toThrow(/signing key is not a usable Ed25519 key/);
  });
});
