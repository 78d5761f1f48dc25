import { describe, expect, it } from 'vitest';
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, pae, signEnvelope, verifyEnvelope } from './dsse.ts';
import { fromBase64, toBase64, utf8 } from './encoding.ts';
import { ephemeralSigner } from './keys.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('DSSE', () => {
  it('builds the pre-authentication encoding exactly as the DSSE spec example', () => {
    expect(text(pae('http://example.com/HelloWorld', utf8('hello world')))).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
    // Lengths are in bytes, not characters.
    expect(text(pae('t', utf8('ä')))).toBe('DSSEv1 1 t 2 ä');
    expect(text(pae(IN_TOTO_PAYLOAD_TYPE, new Uint8Array(0)))).toBe('DSSEv1 28 application/vnd.in-toto+json 0 ');
  });

  it('signs over the PAE: a round trip verifies and names the key', async () => {
    const signer = await ephemeralSigner();
    const env = await signEnvelope(utf8('{"_type":"https://in-toto.io/Statement/v1"}'), IN_TOTO_PAYLOAD_TYPE, signer);
    expect(env.signatures).toEqual([{ keyid: signer.keyid, sig: expect.any(String) }]);
    expect(fromBase64(env.signatures[0]?.sig ?? '')).toHaveLength(64);
    const v = await verifyEnvelope(JSON.parse(JSON.stringify(env)), [signer.publicJwk]);
    expect(v).toMatchObject({ ok: true, keyid: signer.keyid, payloadType: IN_TOTO_PAYLOAD_TYPE });
    // The signature is over PAE, not over the bare payload: a verifier that skipped PAE must fail.
    const { verifyEd25519 } = await import('./keys.ts');
    expect(await verifyEd25519(signer.publicJwk, fromBase64(env.payload), fromBase64(env.signatures[0]?.sig ?? ''))).toBe(false);
  });

  it('fails when any single byte of the payload or the signature changes, or the payload type does', async () => {
    const signer = await ephemeralSigner();
    const payload = utf8(JSON.stringify({ predicate: { verdict: { compliant: 3, total: 4 } }, pad: 'x'.repeat(40) }));
    const env = await signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, signer);
    const keys = [signer.publicJwk];
    const sig = fromBase64(env.signatures[0]?.sig ?? '');
    for (let i = 0; i < payload.length; i++) {
      const bad = payload.slice();
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect((await verifyEnvelope({ ...env, payload: toBase64(bad) }, keys)).ok, `payload byte ${i}`).toBe(false);
    }
    for (let i = 0; i < sig.length; i++) {
      const bad = sig.slice();
      bad[i] = (bad[i] ?? 0) ^ 0x80;
      expect((await verifyEnvelope({ ...env, signatures: [{ keyid: signer.keyid, sig: toBase64(bad) }] }, keys)).ok, `signature byte ${i}`).toBe(false);
    }
    expect((await verifyEnvelope({ ...env, payloadType: 'application/json' }, keys)).ok).toBe(false);
  });

  it('fails when any character of the envelope text changes (base64 included, padding bits too)', async () => {
    const signer = await ephemeralSigner();
    const env = await signEnvelope(utf8('{"a":1,"b":"two"}'), IN_TOTO_PAYLOAD_TYPE, signer);
    const keys = [signer.publicJwk];
    const flip = (s: string, i: number) => s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 0x01) + s.slice(i + 1);
    const sig = env.signatures[0]?.sig ?? '';
    for (let i = 0; i < env.payload.length; i++) expect((await verifyEnvelope({ ...env, payload: flip(env.payload, i) }, keys)).ok).toBe(false);
    for (let i = 0; i < sig.length; i++) {
      expect((await verifyEnvelope({ ...env, signatures: [{ keyid: signer.keyid, sig: flip(sig, i) }] }, keys)).ok).toBe(false);
    }
  });

  it('fails for another key, an unknown key id, no signatures, and shapes that are not envelopes', async () => {
    const signer = await ephemeralSigner();
    const other = await ephemeralSigner();
    const env: Envelope = await signEnvelope(utf8('{}'), IN_TOTO_PAYLOAD_TYPE, signer);
    expect((await verifyEnvelope(env, [other.publicJwk])).ok).toBe(false);
    expect(await verifyEnvelope({ ...env, signatures: [{ keyid: 'nope', sig: env.signatures[0]?.sig }] }, [signer.publicJwk])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no such key/),
    });
    expect((await verifyEnvelope({ ...env, signatures: [] }, [signer.publicJwk])).ok).toBe(false);
    for (const shape of [null, 'x', [], { payload: 1 }, { ...env, payload: '***' }, { ...env, signatures: 'sig' }]) {
      expect((await verifyEnvelope(shape, [signer.publicJwk])).ok).toBe(false);
    }
    // A second, bogus signature does not spoil a good one (DSSE: any trusted signature suffices).
    expect((await verifyEnvelope({ ...env, signatures: [{ keyid: 'x', sig: 'AAAA' }, ...env.signatures] }, [signer.publicJwk])).ok).toBe(true);
  });
});
