import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SignatureReport, Source } from '../model/evidence.ts';
import { parseSignature } from './signature.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'cosign.txt', kind: 'signature' };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/signature/${name}`, import.meta.url), 'utf8');
const API = 'sha256:2f7d1a0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29';
const WORKER = 'sha256:9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b';

function report(content: unknown): SignatureReport {
  const r = parseSignature(content, source).signatures?.[0];
  if (!r) throw new Error('no report');
  return r;
}

describe('parseSignature: cosign verify', () => {
  it('extracts the JSON array after the stderr preamble (keyless, two signatures)', () => {
    const r = report(fixture('cosign-verify-keyless-two-sigs.txt'));
    expect(r.errors).toEqual([]);
    expect(r.verified).toEqual([
      { digest: API, reference: 'registry.acme.io/payments/api', path: 'line 8 /0' },
      { digest: API, reference: 'registry.acme.io/payments/api', path: 'line 8 /1' },
    ]);
    expect(r.source).toEqual(source);
  });

  it('reads JSON lines, one payload a line', () => {
    const r = report(fixture('cosign-verify-key-jsonlines.txt'));
    expect(r.verified).toEqual([
      { digest: API, reference: 'registry.acme.io/payments/api', path: 'line 1' },
      { digest: WORKER, reference: 'registry.acme.io/payments/worker', path: 'line 2' },
    ]);
  });

  it('reads the newer sign/v1 shape with optional null, as text or parsed JSON', () => {
    const text = fixture('cosign-verify-sign-v1.json');
    const expected = [{ digest: WORKER, reference: 'registry.acme.io/payments/worker', path: '/0' }];
    expect(report(text).verified).toEqual(expected);
    expect(report(JSON.parse(text)).verified).toEqual(expected);
    expect(report(text).errors).toEqual([]);
  });

  it('reads a single payload object', () => {
    const one = { critical: { identity: { 'docker-reference': 'ghcr.io/a/b' }, image: { 'docker-manifest-digest': API }, type: 'cosign container image signature' }, optional: {} };
    expect(report(one).verified).toEqual([{ digest: API, reference: 'ghcr.io/a/b', path: '' }]);
  });

  it('records failures as errors with their lines', () => {
    const r = report(fixture('cosign-no-signatures.txt'));
    expect(r.verified).toEqual([]);
    expect(r.errors).toEqual([
      'line 1: Error: no signatures found',
      'line 2: main.go:69: error during command execution: no signatures found',
    ]);
  });

  it('records an empty array and empty output as errors', () => {
    expect(report('[]')).toMatchObject({ verified: [], errors: ['cosign verified no signatures (the list is empty)'] });
    expect(report([])).toMatchObject({ verified: [], errors: ['cosign verified no signatures (the list is empty)'] });
    expect(report('\n  \n')).toMatchObject({ verified: [], errors: [expect.stringMatching(/empty/)] });
  });

  it('records a preamble without any payload as no signature verified', () => {
    const r = report('Verification for ghcr.io/a/b:1 --\nThe following checks were performed on each of these signatures:\n');
    expect(r.verified).toEqual([]);
    expect(r.errors).toEqual(['no signature was verified (the output lists none)']);
  });

  it('notes elements that are not signature payloads', () => {
    const part = parseSignature(JSON.stringify([{ payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [] }, 5]), source);
    expect(part.signatures?.[0]?.verified).toEqual([]);
    expect(part.signatures?.[0]?.errors).toEqual(['no signature was verified (the output lists none)']);
    expect(part.notes).toEqual(['/0: an attestation, not an image signature, ignored', '/1: not a signature payload, ignored']);
  });
});

describe('parseSignature: notation verify', () => {
  it('reads a success line as a verified digest', () => {
    const r = report(fixture('notation-verify-ok.txt'));
    expect(r.verified).toEqual([{ digest: API, reference: 'registry.acme.io/payments/api', path: 'line 2' }]);
    expect(r.errors).toEqual([]);
  });

  it('reads a failure as an error', () => {
    const r = report(fixture('notation-verify-failed.txt'));
    expect(r.verified).toEqual([]);
    expect(r.errors[0]).toMatch(/^line 1: Error: signature verification failed for all the signatures/);
  });

  it('treats a trust policy that skips verification as an error, not a verification', () => {
    const r = report(`Trust policy is configured to skip signature verification for registry.acme.io/payments/api@${API}\n`);
    expect(r.verified).toEqual([]);
    expect(r.errors[0]).toMatch(/skip signature verification/);
  });
});

describe('parseSignature: refused and hostile input', () => {
  it.each([
    ['docker trust inspect JSON', fixture('docker-trust-inspect.json'), /Docker Content Trust/],
    ['docker trust inspect --pretty', 'Signatures for registry.acme.io/payments/api\n\nSIGNED TAG   DIGEST   SIGNERS\n2.4.1        2f7d1a   release\n', /Docker Content Trust/],
    ['unrelated text', 'hello world\nthis is not a verification\n', /not cosign verify or notation verify output/],
    ['a JSON number', '42', /not cosign verify/],
    ['a parsed number', 42, /must be text or JSON/],
    ['objects nested 100,000 deep', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), /not cosign verify/],
  ])('refuses %s with an ArtifactError', (_label, content, message) => {
    expect(() => parseSignature(content, source)).toThrow(ArtifactError);
    expect(() => parseSignature(content, source)).toThrow(message);
  });

  it('reads arrays nested 100,000 deep as non-payloads, so nothing is verified', () => {
    const part = parseSignature('['.repeat(100_000) + ']'.repeat(100_000), source);
    expect(part.signatures?.[0]?.verified).toEqual([]);
    expect(part.signatures?.[0]?.errors).toHaveLength(1);
  });

  it('survives wrong types, __proto__ keys and NUL bytes inside', () => {
    const text =
      '[{"__proto__":{"critical":{}},"critical":{"image":{"docker-manifest-digest":5},"identity":"x"}},' +
      '{"critical":{"image":{"docker-manifest-digest":"sha256:\\u0000"},"identity":{"docker-reference":["a"]}}},' +
      '{"critical":"nope"}]';
    const part = parseSignature(text, source);
    expect(part.signatures?.[0]?.verified).toEqual([
      { digest: null, reference: null, path: '/0' },
      { digest: 'sha256:\u0000', reference: null, path: '/1' },
    ]);
    expect(part.notes).toEqual(['/2: not a signature payload, ignored']);
    expect(({} as Record<string, unknown>).critical).toBeUndefined();
  });

  it('keeps at most 20 errors and cuts long lines', () => {
    const text = Array.from({ length: 50 }, () => 'Error: ' + 'x'.repeat(1000)).join('\n');
    const r = report(text);
    expect(r.errors).toHaveLength(20);
    expect(r.errors[0]?.length).toBeLessThan(320);
  });

  it('reads 20,000 JSON lines in linear time', () => {
    const line = `{"critical":{"identity":{"docker-reference":"ghcr.io/a/b"},"image":{"docker-manifest-digest":"${API}"},"type":"cosign container image signature"},"optional":null}`;
    const text = 'Verification for ghcr.io/a/b --\n' + Array.from({ length: 20_000 }, () => line).join('\n');
    const start = process.cpuUsage(); // CPU time: robust on shared cores
    expect(report(text).verified).toHaveLength(20_000);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(3000);
  });
});
