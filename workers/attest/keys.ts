/**
 * Ed25519 signing keys through WebCrypto, so the same code signs in Node 24 and in Workers.
 * Keys travel as JWKs (RFC 8037); the key id is the RFC 7638 thumbprint of the public key.
 */
import { sha256, toBase64Url, utf8 } from './encoding.ts';

/** A public key as GET /.well-known/jwks.json publishes it. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface Jwks {
  keys: PublicJwk[];
}

/** What signs attestations: `deps.signer`. */
export interface Signer {
  /** RFC 7638 thumbprint (base64url SHA-256) of the public key. */
  keyid: string;
  publicJwk: PublicJwk;
  /** Ed25519 signature (64 bytes) over `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A private Ed25519 key as JSON: `{"kty":"OKP","crv":"Ed25519","d":"…","x":"…"}` (base64url, 32 bytes each). */
export interface PrivateJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  d: string;
  x: string;
}

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads a private Ed25519 JWK from JSON text; null when it is not one (the configuration names
 * the setting). Only the four members that matter are kept: anything else is ignored.
 */
export function parsePrivateJwk(text: string): PrivateJwk | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.kty !== 'OKP' || o.crv !== 'Ed25519') return null;
  if (typeof o.d !== 'string' || !B64URL_32.test(o.d) || typeof o.x !== 'string' || !B64URL_32.test(o.x)) return null;
  return { kty: 'OKP', crv: 'Ed25519', d: o.d, x: o.x };
}

/** A fresh key pair, exported as a private JWK (to keep in a file or a secret). */
export async function generatePrivateJwk(): Promise<PrivateJwk> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const parsed = parsePrivateJwk(JSON.stringify(jwk));
  if (!parsed) throw new Error('WebCrypto exported an Ed25519 key in an unexpected shape');
  return parsed;
}

/** RFC 7638 thumbprint of an OKP key: SHA-256 over `{"crv":…,"kty":…,"x":…}` (members sorted, no spaces). */
export async function jwkThumbprint(key: { crv: string; kty: string; x: string }): Promise<string> {
  const canonical = JSON.stringify({ crv: key.crv, kty: key.kty, x: key.x });
  return toBase64Url(await sha256(utf8(canonical)));
}

/** The public half with the members a JWKS consumer needs. */
export async function publicJwkOf(key: { x: string }): Promise<PublicJwk> {
  const kid = await jwkThumbprint({ crv: 'Ed25519', kty: 'OKP', x: key.x });
  return { kty: 'OKP', crv: 'Ed25519', x: key.x, kid, alg: 'EdDSA', use: 'sig' };
}

/**
 * A signer around a private JWK. The import also checks that `x` belongs to `d`: a key whose
 * published half does not match would sign envelopes nobody can verify.
 */
export async function signerFromJwk(jwk: PrivateJwk): Promise<Signer> {
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('jwk', { ...jwk, key_ops: ['sign'] }, { name: 'Ed25519' }, false, ['sign']);
  } catch (e) {
    // Node already refuses an "x" that is not d's public key here; other runtimes are caught by the probe below.
    throw new Error(`the signing key is not a usable Ed25519 key: ${(e as Error).message}`);
  }
  const publicJwk = await publicJwkOf(jwk);
  const signer: Signer = {
    keyid: publicJwk.kid,
    publicJwk,
    async sign(data) {
      return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, data as Uint8Array<ArrayBuffer>));
    },
  };
  const probe = utf8('csvs key check');
  if (!(await verifyEd25519(publicJwk, probe, await signer.sign(probe)))) {
    throw new Error('the signing key is not a usable Ed25519 key: its "x" is not the public key of its "d"');
  }
  return signer;
}

/** A signer with a key that lives only in memory (tests, one-off tools). */
export async function ephemeralSigner(): Promise<Signer> {
  return signerFromJwk(await generatePrivateJwk());
}

/** Ed25519 verification against a public JWK; false (never an exception) for anything malformed. */
export async function verifyEd25519(jwk: { x: string }, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
}
