/**
 * Attestations end to end: a team with a compliant workload, one compliant through a waiver, one
 * failing, one without run-time evidence and a stale one; every format, the audit log, access,
 * and the verification recipes of docs/attestations.md run against what the API hands out.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLS } from '../../workers/controls/index.ts';
import { createApp } from '../../api/app.ts';
import { ConfigError, parseConfig } from '../../services/config.ts';
import { createLogger } from '../../services/logger.ts';
import { nodeDeps } from '../../api/node-deps.ts';
import { loadNodeSigner, SIGNING_KEY_FILE } from '../../services/attestation-key.ts';
import { verifyAttestation } from '../../cli/verify-attestation.ts';
import { controlById } from '../../workers/controls/index.ts';
import { type Envelope, verifyEnvelope } from '../../workers/attest/dsse.ts';
import { fromBase64, sha256, toBase64, toHex } from '../../workers/attest/encoding.ts';
import { generatePrivateJwk, type Jwks } from '../../workers/attest/keys.ts';
import { AssessmentPlan, AssessmentResults, Catalog } from '../../workers/attest/oscal-schema.ts';
import type { Statement } from '../../workers/attest/statement.ts';
import { parseCsv } from '../../workers/attest/testing.ts';
import { artifacts, type Variant } from '../fixtures/node-service/artifacts.ts';
import { ADMIN_KEY, type Harness, startHarness } from '../support/harness.ts';

const run = promisify(execFile);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let h: Harness;
let team: string;
let emptyTeam: string;
const keys: Record<'viewer' | 'foreignViewer' | 'ingest' | 'auditor', { id: string; key: string }> = {} as never;
const snapshots = new Map<string, { id: string; contentHash: string }>();
let waiverId: string;
const started = Date.now();

async function upload(workload: string, variant: Variant, observedAt: Date): Promise<void> {
  const res = await h.request(`/v1/teams/${team}/snapshots`, {
    method: 'POST',
    json: { workload, environment: 'prod', observedAt: observedAt.toISOString(), artifacts: artifacts(variant) },
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; contentHash: string };
  snapshots.set(workload, body);
}

beforeAll(async () => {
  h = await startHarness();
  team = await h.team('attest');
  emptyTeam = await h.team('attest-empty');
  const foreign = await h.team('attest-foreign');
  const twoHoursAgo = new Date(started - 2 * HOUR);
  await upload('checkout-api', 'good', twoHoursAgo);
  await upload('orders-api', 'writable', twoHoursAgo);
  await upload('legacy-api', 'add', twoHoursAgo);
  await upload('batch-job', 'dockerfile-only', twoHoursAgo);
  await upload('old-api', 'good', new Date(started - 40 * DAY));
  const waiver = await h.request(`/v1/teams/${team}/waivers`, {
    method: 'POST',
    json: { control: '3.9', workloads: 'orders-*', justification: 'Cache on the root fs until the Q1 refactoring', expiresAt: new Date(started + 30 * DAY).toISOString() },
  });
  expect(waiver.status).toBe(201);
  waiverId = ((await waiver.json()) as { id: string }).id;
  keys.viewer = await h.key('viewer', team);
  keys.foreignViewer = await h.key('viewer', foreign);
  keys.ingest = await h.key('ingest', team);
  keys.auditor = await h.key('auditor');
});
afterAll(async () => h.close());

const attest = (query: string, key: string | null = keys.viewer.key, path = `/v1/teams/${team}/attestations`) => h.request(`${path}?${query}`, { key });
const jwks = async (): Promise<Jwks> => (await (await h.request('/.well-known/jwks.json', { key: null })).json()) as Jwks;
const decode = (env: Envelope): Statement => JSON.parse(new TextDecoder().decode(fromBase64(env.payload))) as Statement;
const L2 = ['3.1', '3.2', '3.5', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.15'];

describe('format=json: a signed in-toto statement', () => {
  it('verifies against the published JWKS and says N of M with the evidence behind it', async () => {
    const res = await attest('level=L2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const env = (await res.json()) as Envelope;
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    const set = await jwks();
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(env.signatures[0]?.keyid).toBe(set.keys[0]?.kid);
    expect((await verifyEnvelope(env, set.keys)).ok).toBe(true);

    const s = decode(env);
    expect(s._type).toBe('https://in-toto.io/Statement/v1');
    expect(s.predicateType).toBe('https://csvs.owasp.org/attestation/v1');
    expect(s.subject.map((x) => x.name).sort()).toEqual(['batch-job', 'checkout-api', 'legacy-api', 'orders-api'].map((w) => `${team}/${w}@prod`));
    for (const sub of s.subject) {
      const snap = snapshots.get(sub.name.split('/')[1]?.split('@')[0] ?? '');
      expect(`sha256:${sub.digest.sha256}`).toBe(snap?.contentHash);
    }
    const p = s.predicate;
    expect(p).toMatchObject({ scope: { type: 'team', teams: [team] }, level: 'L2', levelControls: L2, verdict: { compliant: 2, total: 4, result: 'FAILED' } });
    expect(p.stale.workloads.map((w) => w.workload)).toEqual(['old-api']);
    expect(p.waivers).toEqual([expect.objectContaining({ id: waiverId, control: '3.9', covers: [`${team}/orders-api@prod`] })]);
    const w = (name: string) => p.workloads.find((x) => x.workload === name);
    expect(w('checkout-api')).toMatchObject({ compliant: true, snapshotId: snapshots.get('checkout-api')?.id, engineVersion: expect.any(String) });
    expect(w('orders-api')?.controls.find((c) => c.id === '3.9')).toMatchObject({ status: 'waived', waiver: waiverId, findings: [expect.objectContaining({ status: 'fail' })] });
    expect(w('legacy-api')?.controls.find((c) => c.id === '3.11')).toMatchObject({ status: 'fail', findings: [expect.objectContaining({ status: 'fail', location: 'line 5' })] });
    expect(w('legacy-api')?.compliant).toBe(false);
    expect(w('batch-job')?.unknowns).toEqual(expect.arrayContaining(['3.5', '3.9', '3.13', '3.15']));
    expect(w('batch-job')?.controls.find((c) => c.id === '3.5')?.decidedBy).toEqual([...(controlById('3.5')?.decidedBy ?? [])]);
    expect(w('checkout-api')?.controls.find((c) => c.id === '3.1')).toEqual({ id: '3.1', status: 'pass' });

    // One changed byte of the statement breaks it.
    const bytes = fromBase64(env.payload);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
    expect((await verifyEnvelope({ ...env, payload: toBase64(bytes) }, set.keys)).ok).toBe(false);
  });

  it('attests a past moment: before the waiver was granted orders-api did not meet L2', async () => {
    const at = new Date(Date.now() - HOUR).toISOString();
    const s = decode((await (await attest(`level=L2&at=${encodeURIComponent(at)}`)).json()) as Envelope);
    expect(s.predicate.asOf).toBe(at);
    expect(s.predicate.verdict).toMatchObject({ compliant: 1, total: 4 });
    expect(s.predicate.waivers).toEqual([]);
    expect(s.predicate.workloads.find((x) => x.workload === 'orders-api')?.controls.find((c) => c.id === '3.9')?.status).toBe('fail');
    // Before any fresh snapshot existed, only the stale one is known.
    const early = decode((await (await attest(`level=L1&at=${encodeURIComponent(new Date(started - 3 * HOUR).toISOString())}`)).json()) as Envelope);
    expect(early.subject.map((x) => x.name)).toEqual([`scope:team/${team}`]);
    expect(early.predicate.stale.workloads.map((x) => x.workload)).toEqual(['old-api']);
  });

  it('signs a statement about the scope itself for a team without workloads: nothing proven', async () => {
    const env = (await (await attest('level=L1', ADMIN_KEY, `/v1/teams/${emptyTeam}/attestations`)).json()) as Envelope;
    expect((await verifyEnvelope(env, (await jwks()).keys)).ok).toBe(true);
    const s = decode(env);
    expect(s).toMatchObject({ predicate: { verdict: { compliant: 0, total: 0, result: 'FAILED' } } });
    // in-toto's own rule: at least one subject, each with a digest.
    expect(s.subject).toEqual([{ name: `scope:team/${emptyTeam}`, digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }]);
  });

  it('verifies with the documented node one-liner and openssl recipe, and with npm run verify-attestation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csvs-attest-'));
    const envText = await (await attest('level=L2')).text();
    await writeFile(join(dir, 'attestation.json'), envText);
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(await jwks()));
    const docs = await readFile(new URL('../../docs/attestations.md', import.meta.url), 'utf8');
    const block = (marker: string) => {
      const m = new RegExp(`<!-- verify:${marker}[^\\n]*-->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(docs);
      if (!m?.[1]) throw new Error(`docs/attestations.md has no verify:${marker} block`);
      return m[1];
    };
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    // The recipes say `sh`: run them with the POSIX shell (dash here), not bash.
    const sh = (script: string) => run('sh', ['-eu', '-c', script], { cwd: dir, env });

    expect((await sh(block('node'))).stdout).toContain('verified');
    const haveOpenssl = await sh('command -v openssl && command -v jq').then(() => true, () => false);
    if (haveOpenssl) expect((await sh(block('openssl'))).stdout).toContain('Signature Verified Successfully');

    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), env: {}, fetch: ((u: string | URL) => h.app.request(new URL(String(u)).pathname)) as typeof fetch };
    expect(await verifyAttestation([join(dir, 'attestation.json'), '--jwks', join(dir, 'jwks.json')], io)).toBe(0);
    expect(await verifyAttestation([join(dir, 'attestation.json'), '--jwks', 'http://csvs.test/.well-known/jwks.json'], io)).toBe(0);
    // `npm run verify-attestation FILE --jwks X` without `--`: npm keeps the flag and passes X on.
    expect(await verifyAttestation([join(dir, 'attestation.json'), join(dir, 'jwks.json')], io)).toBe(0);
    expect(out.join('')).toContain('verdict: 2 of 4 workloads meet the level (FAILED)');

    // The same file with one payload byte changed fails all three ways.
    const tampered = JSON.parse(envText) as Envelope;
    const bytes = fromBase64(tampered.payload);
    bytes[10] = (bytes[10] ?? 0) ^ 0x20;
    await writeFile(join(dir, 'attestation.json'), JSON.stringify({ ...tampered, payload: toBase64(bytes) }));
    await expect(sh(block('node'))).rejects.toMatchObject({ stdout: expect.stringContaining('NOT VERIFIED') });
    if (haveOpenssl) await expect(sh(block('openssl'))).rejects.toBeTruthy();
    expect(await verifyAttestation([join(dir, 'attestation.json'), '--jwks', join(dir, 'jwks.json')], io)).toBe(1);
    expect(await verifyAttestation([], io)).toBe(2);
    expect(await verifyAttestation(['a', 'b', 'c'], io)).toBe(2);
  }, 30_000);
});

describe('the human-readable and tabular formats', () => {
  it('html: a printable page without scripts or external resources, in English or German', async () => {
    const res = await attest('level=L2&format=html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).not.toMatch(/<script|<link|<img|https?:\/\/[^"<\s]*\.(css|js)/i);
    expect(html).toContain('@media print');
    expect(html).toContain('2 of 4 workloads meet L2');
    expect(html).toContain(controlById('3.11')?.title.en);

    const de = await (await attest('level=L2&format=html&lang=de')).text();
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('2 von 4 Workloads erfüllen L2');
    expect(de).toContain(controlById('3.11')?.title.de);
    expect(de).toContain(controlById('3.9')?.title.de);
    expect(de).not.toContain(controlById('3.9')?.title.en);
  });

  it('pdf: loads back with a summary page, a page per workload and the requirements page', async () => {
    for (const lang of ['en', 'de']) {
      const res = await attest(`level=L2&format=pdf&lang=${lang}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="csvs-attestation-.*-L2-\d{8}T\d{6}Z\.pdf"$/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
      const doc = await PDFDocument.load(bytes);
      // The report (two pages here), one page per workload, the requirements.
      expect(doc.getPageCount()).toBe(2 + 4 + 1);
      // The signed statement it names is attached, signed by the service's key.
      const attached = [...doc.context.enumerateIndirectObjects()]
        .map(([, o]) => o)
        .filter((o): o is PDFRawStream => o instanceof PDFRawStream && String(o.dict.get(PDFName.of('Type'))) === '/EmbeddedFile');
      expect(attached).toHaveLength(1);
      const raw = attached[0]?.contents ?? new Uint8Array();
      const envelope = JSON.parse(Buffer.from(String(attached[0]?.dict.get(PDFName.of('Filter'))) === '/FlateDecode' ? inflateSync(raw) : raw).toString('utf8')) as Envelope;
      const verified = await verifyEnvelope(envelope, (await jwks()).keys);
      expect(verified.ok).toBe(true);
      // The audit entry records the key and the statement's digest, as the report states them.
      const audit = await h.request(`/v1/audit-log?action=attestation.export&team=${team}&limit=1`, { key: keys.auditor.key });
      const [entry] = ((await audit.json()) as { items: { details: Record<string, unknown> }[] }).items;
      expect(entry?.details.format).toBe('pdf');
      expect(entry?.details.keyid).toBe(envelope.signatures[0]?.keyid);
      expect(entry?.details.statementSha256).toBe(toHex(await sha256(fromBase64(envelope.payload))));
    }
  });

  it('csv: one row per workload × control', async () => {
    const res = await attest('level=L2&format=csv');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(await res.text());
    const [head, ...body] = rows;
    expect(body).toHaveLength(4 * CONTROLS.length);
    const col = (name: string) => head?.indexOf(name) ?? -1;
    const row = (workload: string, control: string) => body.find((r) => r[col('workload')] === workload && r[col('control')] === control);
    expect(row('orders-api', '3.9')?.[col('status')]).toBe('waived');
    expect(row('orders-api', '3.9')?.[col('waiver_id')]).toBe(waiverId);
    expect(row('legacy-api', '3.11')?.[col('status')]).toBe('fail');
    expect(row('legacy-api', '3.11')?.[col('workload_meets_level')]).toBe('false');
    expect(row('checkout-api', '3.1')?.[col('content_hash')]).toBe(snapshots.get('checkout-api')?.contentHash);
    expect(body.some((r) => r[col('workload')] === 'old-api')).toBe(false);
  });

  it('oscal: valid assessment results whose plan and catalog resolve on this service', async () => {
    const res = await attest('level=L2&format=oscal');
    expect(res.status).toBe(200);
    const doc = AssessmentResults.parse(await res.json());
    const ar = doc['assessment-results'];
    const result = ar.results[0];
    expect(result?.findings).toHaveLength(4 * L2.length);
    expect(result?.observations).toHaveLength(4 * L2.length);
    expect(result?.risks).toEqual([expect.objectContaining({ status: 'deviation-approved' })]);

    const get = (href: string) => h.request(new URL(href).pathname, { key: null });
    const plan = await get(ar['import-ap'].href);
    expect(plan.status).toBe(200);
    AssessmentPlan.parse(await plan.json());
    const catalogHref = ar['back-matter']?.resources?.[0]?.rlinks?.[0]?.href ?? '';
    const catalog = Catalog.parse(await (await get(catalogHref)).json());
    const objectives = new Set(catalog.catalog.groups.flatMap((g) => g.controls.flatMap((c) => (c.parts ?? []).map((p) => (p as { id?: string }).id))));
    for (const f of result?.findings ?? []) expect(objectives.has(f.target['target-id'])).toBe(true);
    expect((await h.request('/oscal/nope.json', { key: null })).status).toBe(400);
  });
});

describe('scope, access and the audit log', () => {
  it('lets viewers attest their own team only; the org route is for auditors and admins', async () => {
    expect((await attest('level=L1&format=csv', keys.viewer.key)).status).toBe(200);
    expect((await attest('level=L1&format=csv', keys.foreignViewer.key)).status).toBe(403);
    expect((await attest('level=L1&format=csv', keys.ingest.key)).status).toBe(403);
    expect((await attest('level=L1', keys.viewer.key, '/v1/attestations')).status).toBe(403);
    const org = await attest('level=L1', keys.auditor.key, '/v1/attestations');
    expect(org.status).toBe(200);
    const s = decode((await org.json()) as Envelope);
    expect(s.predicate.scope.type).toBe('org');
    expect(s.predicate.scope.teams).toEqual(expect.arrayContaining([team, emptyTeam]));
    expect(s.subject.map((x) => x.name)).toEqual(expect.arrayContaining([`${team}/checkout-api@prod`, `${team}/legacy-api@prod`]));
  });

  it('writes every export to the audit log, which auditors read and viewers may not', async () => {
    const body = new Uint8Array(await (await attest('level=L1&format=json')).arrayBuffer());
    for (const format of ['html', 'pdf', 'oscal']) expect((await attest(`level=L2&format=${format}`)).status).toBe(200);
    await (await attest('level=L3&format=csv&lang=de')).text();
    const digest = toHex(await sha256(body));
    expect((await h.request('/v1/audit-log', { key: keys.viewer.key })).status).toBe(403);
    const res = await h.request(`/v1/audit-log?action=attestation.export&team=${team}&limit=200`, { key: keys.auditor.key });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { actor: { keyId: string; role: string }; team: string; target: string; details: Record<string, unknown> }[] };
    const json = items.find((i) => i.details.sha256 === digest);
    expect(json).toMatchObject({
      actor: { keyId: keys.viewer.id, role: 'viewer' },
      team,
      target: team,
      details: { scope: 'team', format: 'json', level: 'L1', keyid: (await jwks()).keys[0]?.kid, compliant: expect.any(Number), total: 4 },
    });
    expect(items.find((i) => i.details.format === 'csv' && i.details.level === 'L3')).toMatchObject({ details: { lang: 'de', stale: 1 } });
    expect(new Set(items.map((i) => i.details.format))).toEqual(new Set(['json', 'html', 'pdf', 'csv', 'oscal']));

    const org = await h.request('/v1/audit-log?action=attestation.export&limit=500', { key: keys.auditor.key });
    const orgItems = ((await org.json()) as { items: { target: string; actor: { keyId: string } }[] }).items;
    expect(orgItems.some((i) => i.target === 'org' && i.actor.keyId === keys.auditor.id)).toBe(true);
  });

  it('pages the audit log with nextCursor, newest first', async () => {
    const first = (await (await h.request(`/v1/audit-log?team=${team}&limit=2`, { key: keys.auditor.key })).json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = (await (await h.request(`/v1/audit-log?team=${team}&limit=2&cursor=${first.nextCursor}`, { key: keys.auditor.key })).json()) as { items: { id: string }[] };
    const ids = [...first.items, ...second.items].map((i) => Number(i.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await h.request('/v1/audit-log?cursor=abc', { key: keys.auditor.key })).status).toBe(400);
    expect((await h.request('/v1/audit-log?team=no-such-team', { key: keys.auditor.key })).status).toBe(404);
  });

  it('rejects bad queries with problem documents', async () => {
    for (const q of ['', 'level=L4', 'level=L1&format=xml', 'level=L1&lang=fr', `level=L1&at=${encodeURIComponent(new Date(Date.now() + DAY).toISOString())}`]) {
      const res = await attest(q);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('answers 503 for signed JSON without a signing key; the other formats and the JWKS still answer', async () => {
    const config = parseConfig({ CSVS_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'silent' });
    const app = createApp(nodeDeps(config, h.database, { signer: null, logger: createLogger('silent') }));
    const headers = { authorization: `Bearer ${ADMIN_KEY}` };
    const res = await app.request(`/v1/teams/${team}/attestations?level=L2`, { headers });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ type: 'urn:csvs:problem:unavailable', detail: expect.stringContaining('CSVS_SIGNING_KEY') });
    expect((await app.request(`/v1/teams/${team}/attestations?level=L2&format=csv`, { headers })).status).toBe(200);
    expect(await (await app.request('/.well-known/jwks.json')).json()).toEqual({ keys: [] });
  });
});

describe('the signing key on Node', () => {
  it('is generated once into DATA_DIR/signing-key.jwk (mode 0600) and reused after a restart', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'csvs-key-')), 'data');
    const first = await loadNodeSigner({ DATA_DIR: dir, CSVS_SIGNING_KEY: undefined });
    expect((await stat(join(dir, SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadNodeSigner({ DATA_DIR: dir, CSVS_SIGNING_KEY: undefined });
    expect(again.keyid).toBe(first.keyid);
    await writeFile(join(dir, SIGNING_KEY_FILE), '{"kty":"RSA"}');
    await expect(loadNodeSigner({ DATA_DIR: dir, CSVS_SIGNING_KEY: undefined })).rejects.toThrow(/not hold a private Ed25519 JWK/);
  });

  it('comes from CSVS_SIGNING_KEY when set, which the configuration checks without echoing it', async () => {
    const jwk = await generatePrivateJwk();
    const config = parseConfig({ CSVS_SIGNING_KEY: JSON.stringify(jwk), DATA_DIR: '/nonexistent/never-written' });
    const signer = await loadNodeSigner(config);
    expect(signer.publicJwk.x).toBe(jwk.x);
    const secret = JSON.stringify({ ...jwk, crv: 'P-256' });
    expect(() => parseConfig({ CSVS_SIGNING_KEY: secret })).toThrow(ConfigError);
    expect(() => parseConfig({ CSVS_SIGNING_KEY: secret })).toThrow(/CSVS_SIGNING_KEY: must be a private Ed25519 JWK/);
    try {
      parseConfig({ CSVS_SIGNING_KEY: secret });
    } catch (e) {
      expect((e as Error).message).not.toContain(jwk.d);
    }
  });
});
