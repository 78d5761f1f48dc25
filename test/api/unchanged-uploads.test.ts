/**
 * Uploads cost what changed: an upload whose redacted artifacts equal its workload's latest state
 * is an observation of the stored verdict (a row of its own, nothing parsed, evaluated or stored
 * twice), and every upload still reads back as itself.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactSets, contents, evaluations, snapshots, teams, workloadState } from '../../db/schema.ts';
import { nodeDeps } from '../../api/node-deps.ts';
import { parseConfig } from '../../services/config.ts';
import { reevaluateOutdated } from '../../services/evaluations.ts';
import { ingestSnapshot } from '../../services/ingest.ts';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { ENGINE_VERSION } from '../../workers/engine/version.ts';
import { DOCKERFILE } from '../fixtures/node-service/artifacts.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const INSPECT = [
  {
    Id: 'c0ffee0000000000000000000000000000000000000000000000000000000001',
    Name: '/payments-api-1',
    State: { Status: 'running', Running: true, StartedAt: '2026-12-01T08:00:00Z' },
    HostConfig: { ReadonlyRootfs: true, SecurityOpt: ['no-new-privileges:true'], PidsLimit: 100, Binds: null },
    Config: { User: '10001', Image: 'registry.example.com/payments-api:2.0.1', Env: ['DB_PASSWORD=hunter2-secret-value'], Cmd: ['node', 'server.js'] },
    Mounts: [],
    ExecIDs: null,
  },
];

let h: Harness;
let team: string;
let teamId: string;
beforeAll(async () => {
  h = await startHarness();
  team = await h.team('fleet');
  const [row] = await h.database.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, team));
  teamId = row?.id ?? '';
});
afterAll(async () => h.close());

function body(workload: string, o: { observedAt: string; ci?: Record<string, string>; environment?: string; dockerfile?: string; password?: string }) {
  const inspect = structuredClone(INSPECT);
  if (o.password && inspect[0]) inspect[0].Config.Env = [`DB_PASSWORD=${o.password}`];
  return {
    workload,
    environment: o.environment ?? 'prod',
    observedAt: o.observedAt,
    ...(o.ci ? { ci: o.ci } : {}),
    artifacts: [
      { kind: 'dockerfile', name: 'Dockerfile', content: o.dockerfile ?? DOCKERFILE },
      { kind: 'docker-inspect', name: 'inspect.json', content: inspect },
    ],
  };
}

async function upload(json: unknown, headers: Record<string, string> = {}, query = ''): Promise<{ status: number; snapshot: Snapshot }> {
  const res = await h.request(`/v1/teams/${team}/snapshots${query}`, { method: 'POST', json, headers });
  return { status: res.status, snapshot: (await res.json()) as Snapshot };
}

async function stored(): Promise<{ evaluations: number; contents: number; sets: number; snapshots: number }> {
  const db = h.database.db;
  const n = async (table: typeof evaluations | typeof contents | typeof artifactSets | typeof snapshots) =>
    (await db.select({ n: count() }).from(table).where(eq(table.teamId, teamId)))[0]?.n ?? -1;
  return { evaluations: await n(evaluations), contents: await n(contents), sets: await n(artifactSets), snapshots: await n(snapshots) };
}

const verdictOf = (s: Snapshot) => s.controls.map((c) => ({ id: c.id, status: c.status, findings: c.findings }));

describe('an unchanged re-upload', () => {
  it('is a new snapshot with its own id and CI metadata, the previous verdict and evidence, and nothing stored twice', async () => {
    const first = await upload(body('api', { observedAt: '2026-12-01T10:00:00Z', ci: { commit: 'aaa111' } }));
    expect(first.status).toBe(201);
    const before = await stored();
    const again = await upload(body('api', { observedAt: '2026-12-01T10:05:00Z', ci: { commit: 'bbb222' } }));
    expect(again.status).toBe(201);
    expect(again.snapshot.id).not.toBe(first.snapshot.id);
    expect(again.snapshot.ci).toEqual({ commit: 'bbb222' });
    expect(again.snapshot.observedAt).toBe('2026-12-01T10:05:00.000Z');
    expect(again.snapshot.status).toBe('evaluated');
    expect(verdictOf(again.snapshot)).toEqual(verdictOf(first.snapshot));
    expect(again.snapshot.artifacts).toEqual(first.snapshot.artifacts);
    expect(again.snapshot.redactions).toEqual(first.snapshot.redactions);
    expect(again.snapshot.levels).toEqual(first.snapshot.levels);
    expect(await stored()).toEqual({ ...before, snapshots: before.snapshots + 1 });
    // Both read back as themselves.
    expect(await (await h.request(`/v1/snapshots/${again.snapshot.id}`)).json()).toEqual(again.snapshot);
    expect(await (await h.request(`/v1/snapshots/${first.snapshot.id}`)).json()).toEqual(first.snapshot);
  });

  it('differs only in a redacted secret, and is still the same upload', async () => {
    await upload(body('secret-rotation', { observedAt: '2026-12-01T10:00:00Z', password: 'first-secret-aaaaaaaa' }));
    const before = await stored();
    const rotated = await upload(body('secret-rotation', { observedAt: '2026-12-01T11:00:00Z', password: 'second-secret-bbbbbbb' }));
    expect(rotated.status).toBe(201);
    expect(await stored()).toEqual({ ...before, snapshots: before.snapshots + 1 });
  });

  it('moves the workload forward: staleness counts from the last unchanged upload', async () => {
    const now = Date.now();
    const day = (n: number) => new Date(now + n * 86_400_000).toISOString();
    await upload(body('quiet-worker', { observedAt: day(-40) }));
    await upload(body('quiet-worker', { observedAt: day(-1) }));
    const card = (await (await h.request(`/v1/teams/${team}/scorecard`)).json()) as { staleWorkloads: { workload: string }[] };
    expect(card.staleWorkloads.map((w) => w.workload)).not.toContain('quiet-worker');
    const list = (await (await h.request(`/v1/teams/${team}/snapshots?workload=quiet-worker`)).json()) as { items: Snapshot[] };
    expect(list.items.map((s) => s.observedAt)).toEqual([day(-1), day(-40)]);
  });

  it('replays an Idempotency-Key as before', async () => {
    const headers = { 'idempotency-key': `unchanged-${Date.now()}` };
    await upload(body('idem', { observedAt: '2026-12-01T10:00:00Z' }));
    const json = body('idem', { observedAt: '2026-12-01T10:10:00Z' });
    const a = await upload(json, headers);
    const b = await upload(json, headers);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.snapshot).toEqual(a.snapshot);
    const other = await upload(body('idem', { observedAt: '2026-12-01T10:20:00Z' }), headers);
    expect(other.status).toBe(422);
  });
});

describe('the write path', () => {
  it('parses and evaluates nothing for an unchanged upload, and everything for a changed one', async () => {
    const config = parseConfig({ LOG_LEVEL: 'silent' });
    const deps = nodeDeps(config, h.database);
    const principal = { keyId: 'admin-env', role: 'admin' as const, teamId: null, teamSlug: null };
    const input = (observedAt: string, dockerfile = DOCKERFILE) => ({
      workload: 'direct',
      environment: 'prod',
      observedAt: new Date(observedAt),
      artifacts: [{ kind: 'dockerfile' as const, name: 'Dockerfile', content: dockerfile }],
    });
    const ref = { id: teamId, slug: team };
    const options = { async: false, idempotencyKey: null };
    const first = await ingestSnapshot(deps, principal, ref, input('2026-12-03T10:00:00Z'), options);
    const same = await ingestSnapshot(deps, principal, ref, input('2026-12-03T10:05:00Z'), options);
    const changed = await ingestSnapshot(deps, principal, ref, input('2026-12-03T10:10:00Z', `${DOCKERFILE}\nUSER 10001\n`), options);
    // Back to an older content: not the latest state, so evaluated (the stored verdict is found again).
    const back = await ingestSnapshot(deps, principal, ref, input('2026-12-03T10:15:00Z'), options);
    expect([first.observed, same.observed, changed.observed, back.observed]).toEqual([false, true, false, false]);
    expect(same.row.evaluationId).toBe(first.row.evaluationId);
    expect(back.row.evaluationId).toBe(first.row.evaluationId);
    expect(changed.row.evaluationId).not.toBe(first.row.evaluationId);
    // A backfill older than the latest state is evaluated in its own place in history.
    const backfill = await ingestSnapshot(deps, principal, ref, input('2026-12-03T09:00:00Z'), options);
    expect(backfill.observed).toBe(false);
  });
});

describe('a changed upload', () => {
  it('evaluates again when an artifact changes, and stores only the new text', async () => {
    await upload(body('changing', { observedAt: '2026-12-01T10:00:00Z' }));
    const before = await stored();
    const changed = await upload(body('changing', { observedAt: '2026-12-01T11:00:00Z', dockerfile: `${DOCKERFILE}\nLABEL rev="2"\n` }));
    expect(changed.status).toBe(201);
    expect(await stored()).toEqual({
      evaluations: before.evaluations + 1,
      contents: before.contents + 1, // the Dockerfile; the inspect text is shared
      sets: before.sets + 1,
      snapshots: before.snapshots + 1,
    });
  });

  it('evaluates again in another environment', async () => {
    await upload(body('envs', { observedAt: '2026-12-01T10:00:00Z' }));
    const before = await stored();
    await upload(body('envs', { observedAt: '2026-12-01T10:00:00Z', environment: 'staging' }));
    expect(await stored()).toEqual({ ...before, evaluations: before.evaluations + 1, snapshots: before.snapshots + 1 });
  });

  it('evaluates again under another engine version, and re-evaluation redoes each verdict once', async () => {
    const db = h.database.db;
    for (const minute of [0, 5, 10, 15]) await upload(body('versions', { observedAt: `2026-12-02T10:${String(minute).padStart(2, '0')}:00Z` }));
    const before = await stored();
    // As if these verdicts had been made by an older engine.
    await db.update(evaluations).set({ engineVersion: 'old' }).where(eq(evaluations.teamId, teamId));
    await db.update(snapshots).set({ engineVersion: 'old' }).where(eq(snapshots.teamId, teamId));
    const next = await upload(body('versions', { observedAt: '2026-12-02T10:20:00Z' }));
    expect(next.snapshot.engineVersion).toBe(ENGINE_VERSION);
    expect((await stored()).evaluations).toBe(before.evaluations + 1);
    const outdated = (await db.select({ n: sql<number>`count(distinct ${snapshots.evaluationId})::int` }).from(snapshots).where(eq(snapshots.engineVersion, 'old')))[0]?.n ?? 0;
    const redone = await reevaluateOutdated(db, { all: false, batchSize: 50, teamId });
    expect(redone).toBeGreaterThanOrEqual(outdated);
    const left = await db.select({ n: count() }).from(snapshots).where(sql`${snapshots.teamId} = ${teamId} and ${snapshots.engineVersion} is distinct from ${ENGINE_VERSION} and ${snapshots.status} = 'evaluated'`);
    expect(left[0]?.n).toBe(0);
    // Four uploads of one set in one context were one verdict: redone once, not four times.
    const distinct = await db.select({ n: sql<number>`count(distinct ${snapshots.evaluationId})::int` }).from(snapshots).where(sql`${snapshots.teamId} = ${teamId} and ${snapshots.workload} = 'versions'`);
    expect(distinct[0]?.n).toBe(1);
  });
});

describe('one statement per changed upload', () => {
  it('stores concurrent uploads of one new set once: every one answered, one set, one verdict', async () => {
    const dockerfile = `${DOCKERFILE}LABEL concurrent="yes"\n`;
    const before = await stored();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(body(`together-${i}`, { observedAt: '2026-12-03T10:00:00Z', dockerfile, environment: 'shared' }))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.snapshot.id)).size).toBe(8);
    const after = await stored();
    // One new text (the Dockerfile; the inspect text is the team's already), one set; a verdict per
    // workload, since the workload is part of the context a verdict is made in.
    expect(after).toEqual({ ...before, contents: before.contents + 1, sets: before.sets + 1, evaluations: before.evaluations + 8, snapshots: before.snapshots + 8 });
    for (const a of answers) expect(a.snapshot.controls.map((c) => c.status)).toEqual(answers[0]?.snapshot.controls.map((c) => c.status));
  });

  it('moves the workload state to a newer upload only', async () => {
    const newer = await upload(body('ordering', { observedAt: '2026-12-04T10:00:00Z' }));
    await upload(body('ordering', { observedAt: '2026-12-04T09:00:00Z', dockerfile: `${DOCKERFILE}LABEL older="yes"\n` }));
    const [state] = await h.database.db
      .select({ snapshotId: workloadState.snapshotId })
      .from(workloadState)
      .where(and(eq(workloadState.teamId, teamId), eq(workloadState.workload, 'ordering')));
    expect(state?.snapshotId).toBe(newer.snapshot.id);
  });
});

describe('Prefer: return=minimal', () => {
  it('answers with the id, status and levels only, and says the preference was applied', async () => {
    const full = await upload(body('minimal', { observedAt: '2026-12-05T10:00:00Z' }));
    const res = await h.request(`/v1/teams/${team}/snapshots`, {
      method: 'POST',
      json: body('minimal', { observedAt: '2026-12-05T10:05:00Z' }),
      headers: { prefer: 'respond-async, return=minimal' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBe('return=minimal');
    const summary = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(['contentHash', 'engineVersion', 'environment', 'id', 'levels', 'observedAt', 'receivedAt', 'status', 'team', 'workload']);
    expect(summary.levels).toEqual(full.snapshot.levels);
    // The snapshot itself is whole: read back, it has every finding.
    const back = (await (await h.request(`/v1/snapshots/${String(summary.id)}`, {})).json()) as Snapshot;
    expect(back.controls).toHaveLength(15);
    expect(back.controls.map((c) => c.findings)).toEqual(full.snapshot.controls.map((c) => c.findings));
  });

  it('is ignored for SARIF and JUnit, which are whole documents', async () => {
    const res = await h.request(`/v1/teams/${team}/snapshots`, {
      method: 'POST',
      json: body('minimal-sarif', { observedAt: '2026-12-05T10:00:00Z' }),
      headers: { prefer: 'return=minimal', accept: 'application/sarif+json' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBeNull();
    expect(((await res.json()) as { runs: unknown[] }).runs).toHaveLength(1);
  });
});
