/**
 * Hostile input through HTTP (issue 2): every worst case of the engine's property tests, sent to
 * `POST /v1/teams/{team}/snapshots` in the JSON form and the raw form, comes back either as a 4xx
 * problem document with nothing stored, or as a clean 201 with the snapshot stored whole —
 * never a 5xx, never some rows without the others.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLS } from '../../workers/controls/index.ts';
import { parseConfig } from '../../services/config.ts';
import { artifactSets, controlResults, snapshots, teams, workloadState } from '../../db/schema.ts';
import { ARTIFACT_KINDS, type ArtifactKind } from '../../workers/model/evidence.ts';
import { PARSED_JSON_KINDS } from '../../workers/engine/kinds.ts';
import {
  aliasBomb,
  continuationDockerfile,
  deepArrayText,
  deepObjectText,
  fixtureTexts,
  inspectContainer,
  PROTO_ARTIFACTS,
  withNuls,
} from '../fixtures/hostile/inputs.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const ACCEPTS_PARSED: readonly ArtifactKind[] = [...PARSED_JSON_KINDS, 'docker-events'];

let h: Harness;
let team: string;
let teamId: string;
/** The limit the harness runs with: the default, as nothing overrides it. */
const maxBody = parseConfig({}).MAX_BODY_BYTES;
beforeAll(async () => {
  h = await startHarness();
  team = await h.team('hostile');
  const [row] = await h.database.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, team));
  teamId = row?.id ?? '';
});
afterAll(async () => h.close());

let serial = 0;
/** A workload name of its own per request, so row counts belong to that request alone. */
const workloadName = (label: string): string => `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40)}-${++serial}`;

interface Rows {
  snapshots: number;
  artifacts: number;
  controlResults: number;
  workloadState: number;
}

async function rows(workload: string): Promise<Rows> {
  const db = h.database.db;
  const mine = and(eq(snapshots.teamId, teamId), eq(snapshots.workload, workload));
  const [s] = await db.select({ n: count() }).from(snapshots).where(mine);
  const [a] = await db
    .select({ n: sql<number>`coalesce(sum(jsonb_array_length(${artifactSets.artifacts})), 0)::int` })
    .from(snapshots)
    .innerJoin(artifactSets, eq(artifactSets.id, snapshots.setId))
    .where(mine);
  const [r] = await db.select({ n: count() }).from(controlResults).innerJoin(snapshots, eq(controlResults.evaluationId, snapshots.evaluationId)).where(mine);
  const [w] = await db.select({ n: count() }).from(workloadState).where(and(eq(workloadState.teamId, teamId), eq(workloadState.workload, workload)));
  return { snapshots: s?.n ?? -1, artifacts: a?.n ?? -1, controlResults: r?.n ?? -1, workloadState: w?.n ?? -1 };
}

const NOTHING: Rows = { snapshots: 0, artifacts: 0, controlResults: 0, workloadState: 0 };

/**
 * Sends one upload and checks the all-or-nothing rule: a 4xx problem document and no rows, or a
 * 201 snapshot with all fifteen controls and every row. Returns the status for further checks.
 */
async function expectCleanOutcome(workload: string, send: () => Promise<Response>, artifactCount = 1): Promise<number> {
  expect(await rows(workload)).toEqual(NOTHING);
  const started = performance.now();
  const res = await send();
  console.log(`[hostile http] ${workload}: ${res.status} in ${(performance.now() - started).toFixed(0)} ms`);
  const body = await res.text();
  if (res.status === 201) {
    const snapshot = JSON.parse(body) as { workload: string; controls: { id: string }[]; artifacts: unknown[] };
    expect(snapshot.workload).toBe(workload);
    expect(snapshot.controls).toHaveLength(CONTROLS.length);
    expect(snapshot.artifacts).toHaveLength(artifactCount);
    expect(await rows(workload)).toEqual({ snapshots: 1, artifacts: artifactCount, controlResults: CONTROLS.length, workloadState: 1 });
  } else {
    expect(res.status, body.slice(0, 500)).toBeGreaterThanOrEqual(400);
    expect(res.status, body.slice(0, 500)).toBeLessThan(500);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = JSON.parse(body) as { type: string; title: string; status: number; detail: string };
    expect(problem).toMatchObject({ type: expect.stringMatching(/^urn:csvs:problem:/), status: res.status });
    expect(problem.detail).toEqual(expect.any(String));
    expect(await rows(workload)).toEqual(NOTHING);
  }
  return res.status;
}

/** The JSON form, with the body written by hand: `content` may be raw JSON text (deep, `__proto__` keys). */
function sendJson(workload: string, parts: { kind: ArtifactKind; contentJson: string }[]): Promise<Response> {
  const list = parts.map((p) => `{"kind":${JSON.stringify(p.kind)},"content":${p.contentJson}}`).join(',');
  return h.request(`/v1/teams/${team}/snapshots`, {
    method: 'POST',
    body: `{"workload":${JSON.stringify(workload)},"artifacts":[${list}]}`,
    headers: { 'content-type': 'application/json' },
  });
}

/** The raw form: the artifact is the body, its kind in the query. */
function sendRaw(workload: string, kind: ArtifactKind, body: string | Uint8Array): Promise<Response> {
  return h.request(`/v1/teams/${team}/snapshots?workload=${workload}&kind=${kind}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
    headers: { 'content-type': 'application/octet-stream' },
  });
}

/** A text artifact both ways: as a JSON string in the JSON form, and as the raw body. */
async function bothForms(label: string, kind: ArtifactKind, text: string): Promise<number[]> {
  const viaJson = workloadName(`${label}-json`);
  const viaRaw = workloadName(`${label}-raw`);
  return [
    await expectCleanOutcome(viaJson, () => sendJson(viaJson, [{ kind, contentJson: JSON.stringify(text) }])),
    await expectCleanOutcome(viaRaw, () => sendRaw(viaRaw, kind, text)),
  ];
}

describe('hostile uploads: a 4xx problem with nothing stored, or a clean 201', () => {
  it.each([['kubernetes' as const], ['compose' as const]])('a YAML alias bomb in %s is refused as unreadable', async (kind) => {
    expect(await bothForms(`bomb-${kind}`, kind, aliasBomb(kind))).toEqual([422, 422]);
  });

  it.each(ARTIFACT_KINDS.map((k) => [k]))('%s: JSON nested 100,000 deep, as text', async (kind) => {
    await bothForms(`deep-arrays-${kind}`, kind, deepArrayText());
    await bothForms(`deep-objects-${kind}`, kind, deepObjectText());
  });

  it.each(ACCEPTS_PARSED.map((k) => [k]))('%s: JSON nested 100,000 deep, as parsed content', async (kind) => {
    for (const [shape, json] of [['arrays', deepArrayText()], ['objects', deepObjectText()]] as const) {
      const workload = workloadName(`deep-parsed-${shape}-${kind}`);
      await expectCleanOutcome(workload, () => sendJson(workload, [{ kind, contentJson: json }]));
    }
  });

  it('a JSON body nested 100,000 deep outside the artifact is a 400', async () => {
    const workload = workloadName('deep-body');
    const body = `{"workload":"${workload}","ci":${deepObjectText()},"artifacts":[{"kind":"dockerfile","content":"FROM alpine:3.20\\n"}]}`;
    const status = await expectCleanOutcome(workload, () =>
      h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    expect(status).toBe(400);
  });

  it('a 5 MB Dockerfile of line continuations is over the body limit (413); anything under it is read and stored', async () => {
    const huge = continuationDockerfile(5 * 1024 * 1024 + 1000);
    expect(await bothForms('continuations-5mb', 'dockerfile', huge)).toEqual([413, 413]);
    // No Dockerfile size cap below the body limit: the reader takes megabytes in bounded time.
    expect(await bothForms('continuations-1mb', 'dockerfile', continuationDockerfile(1024 * 1024))).toEqual([201, 201]);
    expect(await bothForms('continuations-500kb', 'dockerfile', continuationDockerfile(500_000))).toEqual([201, 201]);
  }, 60_000);

  it.each(ARTIFACT_KINDS.map((k) => [k]))('%s: NUL bytes are refused (no artifact kind is binary)', async (kind) => {
    const [fixture] = fixtureTexts(kind);
    expect(await bothForms(`nul-only-${kind}`, kind, '\u0000'.repeat(1000))).toEqual([422, 422]);
    expect(await bothForms(`nul-inside-${kind}`, kind, withNuls(fixture?.text ?? ''))).toEqual([422, 422]);
    const raw = workloadName(`nul-bytes-${kind}`);
    const bytes = new TextEncoder().encode(fixture?.text ?? '');
    bytes[Math.floor(bytes.length / 2)] = 0;
    expect(await expectCleanOutcome(raw, () => sendRaw(raw, kind, bytes))).toBe(422);
  });

  it.each(ARTIFACT_KINDS.map((k) => [k]))('%s: __proto__ and constructor keys are plain data (201)', async (kind) => {
    expect(await bothForms(`proto-${kind}`, kind, PROTO_ARTIFACTS[kind])).toEqual([201, 201]);
    if (ACCEPTS_PARSED.includes(kind) && kind !== 'kubernetes' && kind !== 'compose' && kind !== 'docker-events') {
      const workload = workloadName(`proto-parsed-${kind}`);
      expect(await expectCleanOutcome(workload, () => sendJson(workload, [{ kind, contentJson: PROTO_ARTIFACTS[kind] }]))).toBe(201);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('__proto__ and constructor keys in the body itself change nothing', async () => {
    const workload = workloadName('proto-body');
    const body = `{"workload":"${workload}","__proto__":{"workload":"other","artifacts":[]},"constructor":{"prototype":{"polluted":1}},` +
      `"ci":{"commit":"abc","__proto__":"x"},"artifacts":[{"kind":"dockerfile","content":"FROM alpine:3.20\\nUSER 10001\\n","__proto__":{"kind":"sbom"}}]}`;
    const status = await expectCleanOutcome(workload, () =>
      h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    expect([201, 400]).toContain(status);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a 50,000-container docker inspect array is over the body limit (413), JSON form and raw', async () => {
    const json = JSON.stringify(Array.from({ length: 50_000 }, (_, i) => inspectContainer(i)));
    expect(json.length).toBeGreaterThan(maxBody);
    const viaJson = workloadName('inspect-50k-json');
    expect(await expectCleanOutcome(viaJson, () => sendJson(viaJson, [{ kind: 'docker-inspect', contentJson: json }]))).toBe(413);
    const viaRaw = workloadName('inspect-50k-raw');
    expect(await expectCleanOutcome(viaRaw, () => sendRaw(viaRaw, 'docker-inspect', json))).toBe(413);
  }, 60_000);

  it('refuses any body over MAX_BODY_BYTES with 413, in every form', async () => {
    const padding = 'x'.repeat(maxBody + 1);
    const viaJson = workloadName('over-limit-json');
    expect(await expectCleanOutcome(viaJson, () => sendJson(viaJson, [{ kind: 'packages', contentJson: JSON.stringify(padding) }]))).toBe(413);
    const viaRaw = workloadName('over-limit-raw');
    expect(await expectCleanOutcome(viaRaw, () => sendRaw(viaRaw, 'packages', padding))).toBe(413);
    const viaForm = workloadName('over-limit-multipart');
    const form = new FormData();
    form.set('workload', viaForm);
    form.set('packages', new File([padding], 'packages.txt'));
    expect(await expectCleanOutcome(viaForm, () => h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', body: form }))).toBe(413);
  }, 60_000);

  it('stores a snapshot whole when readable and hostile artifacts are mixed: nothing when one is unreadable', async () => {
    const workload = workloadName('mixed');
    const parts = [
      { kind: 'dockerfile' as const, contentJson: JSON.stringify(PROTO_ARTIFACTS.dockerfile) },
      { kind: 'kubernetes' as const, contentJson: JSON.stringify(aliasBomb('kubernetes')) },
    ];
    expect(await expectCleanOutcome(workload, () => sendJson(workload, parts))).toBe(422);
    const good = workloadName('mixed-good');
    const readable = [parts[0], { kind: 'compose' as const, contentJson: JSON.stringify(PROTO_ARTIFACTS.compose) }].filter((p) => p !== undefined);
    expect(await expectCleanOutcome(good, () => sendJson(good, readable), 2)).toBe(201);
  });
});
