/**
 * The Node runtime's signing key: CSVS_SIGNING_KEY when set, else a key generated on first start
 * and kept in DATA_DIR/signing-key.jwk (mode 0600), so restarts keep signing with the key the
 * published JWKS names. (The Worker has no disk: there the secret is required.)
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePrivateJwk, parsePrivateJwk, type PrivateJwk, type Signer, signerFromJwk } from '../workers/attest/keys.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { signerFromConfig } from './attestation-signer.ts';

export const SIGNING_KEY_FILE = 'signing-key.jwk';

/** CSVS_SIGNING_KEY, or the key file under DATA_DIR (created with a fresh key when missing). */
export async function loadNodeSigner(config: Pick<Config, 'CSVS_SIGNING_KEY' | 'DATA_DIR'>, logger?: Logger): Promise<Signer> {
  const configured = await signerFromConfig(config);
  if (configured) return configured;
  const file = join(config.DATA_DIR, SIGNING_KEY_FILE);
  const jwk = (await readKeyFile(file, logger)) ?? (await createKeyFile(file, logger));
  return signerFromJwk(jwk);
}

async function readKeyFile(file: string, logger?: Logger): Promise<PrivateJwk | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const jwk = parsePrivateJwk(text);
  if (!jwk) throw new Error(`${file} does not hold a private Ed25519 JWK; fix or remove it (a new key invalidates nothing already verified)`);
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) logger?.warn('the signing key file is readable by others', { file, mode: mode.toString(8) });
  return jwk;
}

async function createKeyFile(file: string, logger?: Logger): Promise<PrivateJwk> {
  const jwk = await generatePrivateJwk();
  await mkdir(join(file, '..'), { recursive: true });
  try {
    // "wx": never overwrite a key another process wrote a moment ago.
    await writeFile(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const other = await readKeyFile(file, logger);
      if (other) return other;
    }
    throw e;
  }
  logger?.info('generated an attestation signing key', { file });
  return jwk;
}
