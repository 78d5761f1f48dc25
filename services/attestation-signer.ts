/** The attestation signer from configuration; runtime-neutral, so the Worker uses it as Node does. */
import { parsePrivateJwk, type Signer, signerFromJwk } from '../workers/attest/keys.ts';
import type { Config } from './config.ts';

// The Worker builds its deps per request; importing and checking the same key each time is waste.
// Keyed by the secret's text, so a rotated secret takes effect at once.
const imported = new Map<string, Promise<Signer>>();

/** The signer for CSVS_SIGNING_KEY (a private Ed25519 JWK as JSON), or null when it is not set. */
export async function signerFromConfig(config: Pick<Config, 'CSVS_SIGNING_KEY'>): Promise<Signer | null> {
  const text = config.CSVS_SIGNING_KEY;
  if (!text) return null;
  let signer = imported.get(text);
  if (!signer) {
    const jwk = parsePrivateJwk(text);
    if (!jwk) throw new Error('CSVS_SIGNING_KEY is not a private Ed25519 JWK');
    signer = signerFromJwk(jwk);
    imported.clear();
    imported.set(text, signer);
    signer.catch(() => imported.delete(text));
  }
  return signer;
}
