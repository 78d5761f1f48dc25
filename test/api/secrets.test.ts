/**
 * Issue 7: secrets in uploads are never stored, shown or logged. A corpus with planted secrets
 * goes in through every body form and artifact kind; then the whole database, every response
 * and the server's log are searched for each planted value. Redaction must not change a
 * verdict: the unredacted corpus, evaluated directly, decides exactly the same.
 */
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { findSetArtifacts } from '../../db/queries/artifact-sets.ts';
import { findSnapshot } from '../../db/queries/snapshots.ts';
import * as schema from '../../db/schema.ts';
import { PARSED_JSON_KINDS } from '../../workers/engine/kinds.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import type { ArtifactInput } from '../../workers/model/artifacts.ts';
import type { ControlResult, EvaluationResult } from '../../workers/model/result.ts';
import { CI, CORPUS, PLANTED, PLANTED_CI } from '../fixtures/secrets/corpus.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import type { Db } from '../../db/client.ts';

/** The stored (redacted) artifacts of a snapshot, with their texts. */
async function storedArtifacts(db: Db, snapshotId: string) {
  const row = await findSnapshot(db, snapshotId);
  return row ? findSetArtifacts(db, row.setId) : [];
}

const SECRETS = [...Object.values(PLANTED), PLANTED_CI];

let h: Harness;
let team: string;
/** Every response body the API gave in this file, to search afterwards. */
const answers: { what: string; body: string }[] = [];

beforeAll(async () => {
  h = await startHarness();
  team = await h.team('secrets');
});
afterAll(async () => h.close());

async function call(what: string, path: string, init: Parameters<Harness['request']>[1] = {}): Promise<Response> {
  const res = await h.request(path, init);
  answers.push({ what, body: await res.clone().text() });
  return res;
}

const unredacted = (): ArtifactInput[] => CORPUS.map((a) => ({ kind: a.kind, name: a.name, content: a.text }));

/** The content as the JSON form may give it: JSON kinds parsed (YAML ones through the YAML loader), the rest as text. */
function parsedForm(): ArtifactInput[] {
  return CORPUS.map((a) => {
    if (!PARSED_JSON_KINDS.includes(a.kind)) return { kind: a.kind, name: a.name, content: a.text };
    if (a.kind === 'kubernetes' || a.kind === 'compose') return { kind: a.kind, name: a.name, content: loadYamlDocs(a.text) };
    // Signature output is JSON only for some tools; text stays text.
    try {
      return { kind: a.kind, name: a.name, content: JSON.parse(a.text) as unknown };
    } catch {
      return { kind: a.kind, name: a.name, content: a.text };
    }
  });
}

function loadYamlDocs(text: string): unknown {
  const docs = text.split(/^---$/m).map((d) => load(d)).filter((d) => d !== null && d !== undefined);
  return docs.length === 1 ? docs[0] : docs;
}

const uploadJson = (workload: string, artifacts: ArtifactInput[], accept?: string) =>
  call(`upload ${workload} (${accept ?? 'json'})`, `/v1/teams/${team}/snapshots`, {
    method: 'POST',
    json: { workload, environment: 'prod', ci: CI, artifacts },
    ...(accept ? { headers: { accept } } : {}),
  });

/** Control statuses and each finding's place and status: what a verdict is, without message texts. */
function verdicts(controls: readonly Pick<ControlResult, 'id' | 'status' | 'findings'>[]): string[] {
  return controls.map((c) => `${c.id} ${c.status}: ${c.findings.map((f) => `${f.artifact}@${f.location}=${f.status}`).join(', ')}`);
}

const uploaded: Record<string, Snapshot> = {};

describe('uploading the corpus', () => {
  it('plants every secret somewhere in the corpus (otherwise finding none proves nothing)', () => {
    for (const value of Object.values(PLANTED)) expect(CORPUS.some((a) => a.text.includes(value)), value).toBe(true);
    expect(CI.pipelineUrl).toContain(PLANTED_CI);
  });

  it('takes the JSON form with text content, answering JSON, SARIF and JUnit', async () => {
    const json = await uploadJson('shop-json', unredacted());
    expect(json.status).toBe(201);
    uploaded.json = (await json.json()) as Snapshot;
    expect((await uploadJson('shop-sarif', unredacted(), 'application/sarif+json')).status).toBe(201);
    const junit = await uploadJson('shop-junit', unredacted(), 'application/xml');
    expect(junit.status).toBe(201);
    expect(await junit.text()).toContain('<testsuite');
  });

  it('takes the JSON form with the JSON kinds given parsed', async () => {
    const res = await uploadJson('shop-parsed', parsedForm());
    expect(res.status).toBe(201);
    uploaded.parsed = (await res.json()) as Snapshot;
  });

  it('takes every kind as a raw body', async () => {
    for (const a of CORPUS) {
      const query = `?workload=shop-raw-${a.kind}&kind=${a.kind}&name=${encodeURIComponent(a.name)}`;
      const res = await call(`raw ${a.kind}`, `/v1/teams/${team}/snapshots${query}`, {
        method: 'POST',
        body: a.text,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.status, a.kind).toBe(201);
      uploaded[`raw-${a.kind}`] = (await res.json()) as Snapshot;
    }
  });

  it('takes every kind as a multipart part', async () => {
    const form = new FormData();
    form.set('workload', 'shop-multipart');
    for (const a of CORPUS) form.append(a.kind, new File([a.text], a.name));
    const res = await call('multipart', `/v1/teams/${team}/snapshots`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    uploaded.multipart = (await res.json()) as Snapshot;
  });

  it('reads every snapshot back in JSON, SARIF and JUnit, and lists snapshots and workloads', async () => {
    for (const s of Object.values(uploaded)) {
      expect((await call('get', `/v1/snapshots/${s.id}`)).status).toBe(200);
      expect((await call('get sarif', `/v1/snapshots/${s.id}`, { headers: { accept: 'application/sarif+json' } })).status).toBe(200);
      expect((await call('get junit', `/v1/snapshots/${s.id}`, { headers: { accept: 'application/xml' } })).status).toBe(200);
    }
    expect((await call('list', `/v1/teams/${team}/snapshots?limit=200`)).status).toBe(200);
    expect((await call('workloads', `/v1/teams/${team}/workloads`)).status).toBe(200);
  });
});

describe('no planted secret is stored, shown or logged', () => {
  it('is in no table: every table of the schema, dumped whole', async () => {
    const tables = Object.entries(schema).filter(([, t]) => is(t, PgTable));
    expect(tables.map(([name]) => name)).toEqual(expect.arrayContaining(['snapshots', 'contents', 'artifactSets', 'evaluations', 'controlResults', 'auditLog']));
    let rows = 0;
    for (const [name, table] of tables) {
      const dump = await h.database.db.select().from(table as PgTable);
      rows += dump.length;
      const text = JSON.stringify(dump);
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in table ${name}`).toBe(false);
    }
    expect(rows).toBeGreaterThan(0);
  });

  it('is in no response', () => {
    expect(answers.length).toBeGreaterThan(30);
    for (const { what, body } of answers) {
      for (const secret of SECRETS) expect(body.includes(secret), `${secret} in the answer to ${what}`).toBe(false);
    }
  });

  it('is in no log line', () => {
    expect(h.logs.length).toBeGreaterThan(0);
    const log = h.logs.join('\n');
    for (const secret of SECRETS) expect(log.includes(secret), `${secret} in the log`).toBe(false);
  });

  it('is not echoed by the problem document for an unreadable artifact', async () => {
    const secret = 'Broken-Pa55-9911aa';
    const broken: [string, string][] = [
      ['docker-inspect', `[{"Id":"abc","State":{"Running":true},"Config":{"Env":["POSTGRES_PASSWORD=${secret}"]}},]`],
      ['docker-image-inspect', `{"Config":{"Env":["API_TOKEN=${secret}"]} "History": []}`],
      ['processes', `{"Titles":["PID","CMD"],"Processes":[["1","redis-server --requirepass ${secret}"]]`],
      ['compose', `services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${secret}\n   image: [postgres\n`],
      ['dockerfile', `ENV DB_PASSWORD=${secret}\nRUN echo no FROM here\n`],
    ];
    for (const [kind, content] of broken) {
      const res = await call(`broken ${kind}`, `/v1/teams/${team}/snapshots`, {
        method: 'POST',
        json: { workload: `broken-${kind}`, artifacts: [{ kind, content }] },
      });
      expect(res.status, kind).toBe(422);
      const body = await res.text();
      expect(body, kind).toContain('urn:csvs:problem:invalid-artifact');
      // Not the value, and not the few characters around an error that JSON.parse quotes either.
      for (let i = 0; i + 6 <= secret.length; i++) expect(body.includes(secret.slice(i, i + 6)), `${kind}: ${body}`).toBe(false);
      const list = await h.request(`/v1/teams/${team}/snapshots?workload=broken-${kind}`);
      expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    }
  });
});

describe('what is kept, and what is recorded', () => {
  it('records the kinds and locations of what was redacted, never a value', () => {
    const s = uploaded.json;
    expect(s?.redactions?.total).toBe(s?.redactions?.items.length);
    const items = s?.redactions?.items ?? [];
    expect(items).toEqual(
      expect.arrayContaining([
        { artifact: 'Dockerfile', kind: 'build-arg', location: 'line 4' },
        { artifact: 'Dockerfile', kind: 'flag', location: 'line 13' },
        { artifact: 'inspect.json', kind: 'env', location: '/0/Config/Env/0' },
        { artifact: 'inspect.json', kind: 'flag', location: '/0/Args/2' },
        { artifact: 'compose.yaml', kind: 'env', location: 'services.db.environment.MYSQL_ROOT_PASSWORD' },
        { artifact: 'k8s/cache.yaml', kind: 'secret-data', location: '[2].data.replica-password' },
        { artifact: 'ps.txt', kind: 'flag', location: 'line 4' },
        { artifact: 'events.jsonl', kind: 'flag', location: 'line 1 /Action' },
        { artifact: null, kind: 'url-credential', location: 'ci.pipelineUrl' },
      ]),
    );
    // Settings the controls read by value are no secrets: not redacted, so not recorded.
    const places = items.map((r) => `${r.artifact} ${r.location}`);
    expect(places).not.toContain('inspect.json /2/Config/Env/1');
    expect(places).not.toContain('inspect.json /3/Config/Env/1');
    expect(places).not.toContain('compose.yaml services.db.environment.MYSQL_ALLOW_EMPTY_PASSWORD');
    expect(Object.values(s?.redactions?.byKind ?? {}).reduce((a, b) => a + b, 0)).toBe(s?.redactions?.total);
  });

  it('stores the settings the controls read, and a placeholder where a secret was', async () => {
    const files = await storedArtifacts(h.database.db, uploaded.json?.id ?? '');
    const text = (name: string) => files.find((f) => f.name === name)?.content ?? '';
    expect(text('inspect.json')).toContain('"xpack.security.enabled=false"');
    expect(text('inspect.json')).toContain('"POSTGRES_HOST_AUTH_METHOD=trust"');
    expect(text('inspect.json')).toContain('"REDIS_PASSWORD=[REDACTED]"');
    expect(text('inspect.json')).toContain('"--protected-mode"');
    // YAML is edited in place: layout, quoting and the switches next to a secret stay.
    expect(text('k8s/cache.yaml')).toMatch(/exec redis-server --requirepass '\[REDACTED\]' \\\n +--protected-mode no\n/);
    expect(text('k8s/cache.yaml')).toContain('deployment.kubernetes.io/revision: "3"');
    expect(text('Dockerfile')).toContain('ARG BASE=node:22-bookworm-slim');
    expect(text('Dockerfile')).toContain('RUN useradd --uid ${APP_UID} --create-home app');
    // Line-based locations stay right: the Dockerfile keeps its lines.
    expect(text('Dockerfile').split('\n')).toHaveLength((CORPUS[0]?.text ?? '').split('\n').length);
  });

  it('quotes only the redacted source in excerpts: a placeholder where a secret was, never the secret', () => {
    const quoted = (controls: readonly Pick<ControlResult, 'findings'>[]) =>
      controls.flatMap((c) => c.findings.flatMap((f) => (f.excerpt ? [JSON.stringify(f.excerpt)] : [])));
    const stored = Object.values(uploaded).flatMap((s) => quoted(s.controls));
    expect(stored.length).toBeGreaterThan(10);
    for (const secret of SECRETS) expect(stored.filter((e) => e.includes(secret)), secret).toEqual([]);
    expect(stored.some((e) => e.includes('[REDACTED]'))).toBe(true);
    // The same findings made from the unredacted corpus would quote secrets: the check above can fail.
    const direct = quoted(evaluate({ workload: 'shop', artifacts: unredacted() }).controls);
    expect(direct.some((e) => SECRETS.some((s) => e.includes(s)))).toBe(true);
  });

  it('gives every snapshot the verdicts of the unredacted corpus, evaluated directly', () => {
    const whole = evaluate({ workload: 'shop', artifacts: unredacted() });
    expect(verdicts(uploaded.json?.controls ?? [])).toEqual(verdicts(whole.controls));
    expect(verdicts(uploaded.parsed?.controls ?? [])).toEqual(verdicts(whole.controls));
    expect(verdicts(uploaded.multipart?.controls ?? [])).toEqual(verdicts(whole.controls));
    for (const a of CORPUS) {
      const alone = evaluate({ artifacts: [{ kind: a.kind, name: a.name, content: a.text }] });
      expect(verdicts(uploaded[`raw-${a.kind}`]?.controls ?? []), a.kind).toEqual(verdicts(alone.controls));
    }
    // The settings that decide 3.13 survived: authentication evidence passes, explicit no-auth fails.
    const auth = whole.controls.find((c) => c.id === '3.13')?.findings ?? [];
    expect(auth.filter((f) => f.status === 'pass' && f.message.includes('requires authentication'))).toHaveLength(4);
    expect(auth.filter((f) => f.status === 'fail' && f.message.includes('explicitly off'))).toHaveLength(4);
    expect(whole.controls.find((c) => c.id === '3.12')?.status).toBe('fail');
  });

  it('re-evaluates the stored artifacts to the same verdicts', async () => {
    for (const s of Object.values(uploaded)) {
      const files = await storedArtifacts(h.database.db, s.id);
      const again: EvaluationResult = evaluate({ workload: s.workload, artifacts: files.map((f) => ({ kind: f.kind as ArtifactInput['kind'], name: f.name, content: f.content ?? '' })) });
      expect(verdicts(again.controls), s.workload).toEqual(verdicts(s.controls));
    }
  });

  it('hashes the redacted content: two uploads that differ only in a secret are the same upload', async () => {
    const body = (password: string) => ({
      workload: 'hash-check',
      artifacts: [{ kind: 'compose', content: `services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${password}\n` }],
    });
    const first = await call('hash 1', `/v1/teams/${team}/snapshots`, { method: 'POST', json: body('Hash-One-Pa55-1') });
    const second = await call('hash 2', `/v1/teams/${team}/snapshots`, { method: 'POST', json: body('Hash-Two-Pa55-2') });
    const [a, b] = [(await first.json()) as Snapshot, (await second.json()) as Snapshot];
    expect(a.id).not.toBe(b.id);
    expect(a.contentHash).toBe(b.contentHash);
  });
});
