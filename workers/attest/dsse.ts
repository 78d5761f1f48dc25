/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse, protocol v1): the signature covers
 * the pre-authentication encoding of payload type and payload, never the JSON around them.
 */
import { concatBytes, fromBase64, toBase64, utf8 } from './encoding.ts';
import { type PublicJwk, type Signer, verifyEd25519 } from './keys.ts';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface Envelope {
  payloadType: string;
  /** base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the byte
 * length in ASCII decimal without leading zeros and type is UTF-8.
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

/** Signs `payload` and wraps it in an envelope with one signature. */
export async function signEnvelope(payload: Uint8Array, payloadType: string, signer: Signer): Promise<Envelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return { payloadType, payload: toBase64(payload), signatures: [{ keyid: signer.keyid, sig: toBase64(sig) }] };
}

export type Verification =
  | { ok: true; keyid: string; payloadType: string; payload: Uint8Array }
  | { ok: false; reason: string };

/**
 * Verifies an envelope (as parsed JSON, so any shape) against a set of public keys: it passes
 * when at least one signature whose keyid names one of the keys verifies over the PAE.
 * Signatures by unknown keys are ignored, as DSSE allows; none verifying is a failure.
 */
export async function verifyEnvelope(envelope: unknown, keys: readonly Pick<PublicJwk, 'kid' | 'x'>[]): Promise<Verification> {
  if (typeof envelope !== 'object' || envelope === null) return { ok: false, reason: 'not a DSSE envelope (not an object)' };
  const e = envelope as Record<string, unknown>;
  if (typeof e.payloadType !== 'string' || typeof e.payload !== 'string' || !Array.isArray(e.signatures)) {
    return { ok: false, reason: 'not a DSSE envelope (payloadType, payload and signatures are required)' };
  }
  let payload: Uint8Array;
  try {
    payload = fromBase64(e.payload);
  } catch (err) {
    return { ok: false, reason: `the payload is not base64: ${(err as Error).message}` };
  }
  const message = pae(e.payloadType, payload);
  const tried: string[] = [];
  for (const s of e.signatures as unknown[]) {
    if (typeof s !== 'object' || s === null) continue;
    const { keyid, sig } = s as Record<string, unknown>;
    if (typeof sig !== 'string') continue;
    const candidates = typeof keyid === 'string' && keyid !== '' ? keys.filter((k) => k.kid === keyid) : keys;
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(sig);
    } catch {
      tried.push(`${String(keyid)}: the signature is not base64`);
      continue;
    }
    for (const k of candidates) {
      if (await verifyEd25519(k, message, bytes)) return { ok: true, keyid: k.kid, payloadType: e.payloadType, payload };
    }
    tried.push(candidates.length === 0 ? `${String(keyid)}: no such key` : `${String(keyid)}: the signature does not verify`);
  }
  return { ok: false, reason: tried.length > 0 ? tried.join('; ') : 'the envelope has no signatures' };
}
