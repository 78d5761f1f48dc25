/**
 * Verifies a signed attestation (the DSSE envelope of `GET …/attestations?format=json`):
 *   npm run verify-attestation -- FILE [--jwks URL|FILE]
 * (npm itself takes `--jwks` when the `--` is left out and passes its value on as a second argument,
 * so `npm run verify-attestation FILE --jwks URL` works too: a second argument is the JWKS.)
 * The public keys come from a JWKS file or URL (default: $CSVS_URL/.well-known/jwks.json, CSVS_URL
 * defaulting to http://127.0.0.1:8787). Exit code 0 when a signature by one of the keys verifies
 * over the DSSE pre-authentication encoding and the payload is an in-toto Statement v1; 1 when
 * not; 2 for a wrong command line. docs/attestations.md shows how to verify without this project.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { IN_TOTO_PAYLOAD_TYPE, verifyEnvelope } from '../workers/attest/dsse.ts';
import { STATEMENT_TYPE } from '../workers/attest/statement.ts';

const USAGE = 'usage: npm run verify-attestation -- FILE [--jwks URL|FILE]';

export interface VerifyIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
}

async function readJwks(source: string, io: VerifyIo): Promise<{ kid: string; x: string }[]> {
  const text = /^https?:\/\//.test(source)
    ? await io.fetch(source).then(async (r) => {
        if (!r.ok) throw new Error(`${source} answered ${r.status}`);
        return r.text();
      })
    : await readFile(source, 'utf8');
  const jwks: unknown = JSON.parse(text);
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error(`${source} is not a JWKS (no "keys" array)`);
  return keys.flatMap((k: unknown) => {
    const o = k as Record<string, unknown>;
    return o && o.kty === 'OKP' && o.crv === 'Ed25519' && typeof o.kid === 'string' && typeof o.x === 'string' ? [{ kid: o.kid, x: o.x }] : [];
  });
}

/** The command; returns the exit code. */
export async function verifyAttestation(argv: string[], io: VerifyIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { jwks: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    io.stderr(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (parsed.values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (!file || parsed.positionals.length > 2 || (parsed.values.jwks && parsed.positionals.length > 1)) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  const jwksSource = parsed.values.jwks ?? parsed.positionals[1] ?? `${(io.env.CSVS_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '')}/.well-known/jwks.json`;
  let envelope: unknown;
  let keys: { kid: string; x: string }[];
  try {
    envelope = JSON.parse(await readFile(file, 'utf8'));
    keys = await readJwks(jwksSource, io);
  } catch (e) {
    io.stderr(`cannot verify: ${(e as Error).message}\n`);
    return 1;
  }
  const v = await verifyEnvelope(envelope, keys);
  if (!v.ok) {
    io.stderr(`NOT VERIFIED: ${v.reason}\n`);
    return 1;
  }
  if (v.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    io.stderr(`NOT VERIFIED: the signature holds, but the payload type is ${v.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}\n`);
    return 1;
  }
  let statement: { _type?: unknown; predicateType?: unknown; subject?: unknown[]; predicate?: Record<string, unknown> };
  try {
    statement = JSON.parse(new TextDecoder().decode(v.payload));
  } catch {
    io.stderr('NOT VERIFIED: the signed payload is not JSON\n');
    return 1;
  }
  if (statement._type !== STATEMENT_TYPE) {
    io.stderr(`NOT VERIFIED: the signed payload is not an in-toto Statement v1 (_type ${String(statement._type)})\n`);
    return 1;
  }
  const p = statement.predicate ?? {};
  const scope = p.scope as { type?: string; teams?: string[] } | undefined;
  const verdict = p.verdict as { compliant?: number; total?: number; result?: string } | undefined;
  io.stdout(
    [
      `verified: signed by key ${v.keyid} (${jwksSource})`,
      `predicate: ${String(statement.predicateType)}`,
      `scope: ${scope?.type === 'org' ? `organisation (${scope.teams?.length ?? 0} teams)` : `team ${scope?.teams?.join(', ') ?? '?'}`}`,
      `level: ${String(p.level)} as of ${String(p.asOf)}${p.environment ? ` (environment ${String(p.environment)})` : ''}`,
      `verdict: ${verdict?.compliant ?? '?'} of ${verdict?.total ?? '?'} workloads meet the level (${verdict?.result ?? '?'})`,
      `subjects: ${statement.subject?.length ?? 0}`,
    ].join('\n') + '\n',
  );
  return 0;
}

if (import.meta.main) {
  const code = await verifyAttestation(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    fetch,
  });
  process.exitCode = code;
}
