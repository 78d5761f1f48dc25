import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import type { Scorecard } from '../../services/scorecard.ts';
import { auditLog } from '../../db/schema.ts';
import { artifacts, DAY, type Variant } from '../fixtures/node-service/artifacts.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const START = new Date('2026-11-28T12:00:00Z');
let now = START;
const at = (days: number) => new Date(START.getTime() + days * DAY).toISOString();

interface WaiverBody {
  id: string;
  team: string;
  control: string;
  workloads: string;
  environment: string | null;
  justification: string;
  approvedBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  active: boolean;
}
interface ProblemBody {
  type: string;
  status: number;
  errors?: { path: string; message: string }[];
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: () => now, env: { WAIVER_MAX_DAYS: '90' } });
});
afterAll(async () => h.close());
beforeEach(() => {
  now = START;
});

async function upload(team: string, workload: string, variant: Variant, environment = 'prod'): Promise<Snapshot> {
  const res = await h.request(`/v1/teams/${team}/snapshots`, {
    method: 'POST',
    json: { workload, environment, observedAt: new Date(now.getTime() - 3_600_000).toISOString(), artifacts: artifacts(variant) },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Snapshot;
}

const grant = (team: string, body: Record<string, unknown>, key?: string) =>
  h.request(`/v1/teams/${team}/waivers`, {
    method: 'POST',
    json: { justification: 'JIT needs these syscalls; vendor fix due in Q1 (SEC-1234)', expiresAt: at(30), ...body },
    ...(key ? { key } : {}),
  });

async function granted(team: string, body: Record<string, unknown>, key?: string): Promise<WaiverBody> {
  const res = await grant(team, body, key);
  expect(res.status).toBe(201);
  return (await res.json()) as WaiverBody;
}

async function scorecard(team: string, query = ''): Promise<Scorecard> {
  const res = await h.request(`/v1/teams/${team}/scorecard${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Scorecard;
}

const counts = (card: Scorecard, id: string) => {
  const c = card.controls.find((x) => x.id === id);
  return c ? { pass: c.pass, fail: c.fail, waived: c.waived, unknown: c.unknown } : null;
};

async function list(team: string, query = '', key?: string): Promise<WaiverBody[]> {
  const res = await h.request(`/v1/teams/${team}/waivers${query}`, key ? { key } : {});
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: WaiverBody[] }).items;
}

describe('granting', () => {
  it('records the waiver with its approver (the key id) and an audit entry', async () => {
    const team = await h.team('grant');
    const auditor = await h.key('auditor');
    const w = await granted(team, { control: '3.4', workloads: 'checkout-*', environment: 'prod' }, auditor.key);
    expect(w).toMatchObject({
      team,
      control: '3.4',
      workloads: 'checkout-*',
      environment: 'prod',
      approvedBy: auditor.id,
      createdAt: START.toISOString(),
      expiresAt: at(30),
      revokedAt: null,
      active: true,
    });
    const items = await list(team);
    expect(items.map((x) => x.id)).toEqual([w.id]);
    const entries = await h.database.db.select().from(auditLog).where(and(eq(auditLog.target, w.id), eq(auditLog.action, 'waiver.create')));
    expect(entries).toHaveLength(1);
    expect(entries[0]?.actor).toBe(auditor.id);
    expect(entries[0]?.details).toMatchObject({ control: '3.4', workloads: 'checkout-*' });
  });

  it('lets viewers list their own team’s waivers but not grant or revoke', async () => {
    const team = await h.team('viewer');
    const w = await granted(team, { control: '3.9', workloads: 'web' });
    const viewer = await h.key('viewer', team);
    expect((await list(team, '', viewer.key)).map((x) => x.id)).toEqual([w.id]);
    expect((await grant(team, { control: '3.9', workloads: 'web' }, viewer.key)).status).toBe(403);
    expect((await h.request(`/v1/waivers/${w.id}`, { method: 'DELETE', key: viewer.key })).status).toBe(403);
    const other = await h.team('viewer-other');
    expect((await h.request(`/v1/teams/${other}/waivers`, { key: viewer.key })).status).toBe(403);
  });

  it('refuses bad input, naming each field', async () => {
    const team = await h.team('bad');
    const cases: [Record<string, unknown>, string][] = [
      [{ control: '3.16', workloads: 'api' }, 'control'],
      [{ control: 'V3.4', workloads: 'api' }, 'control'],
      [{ control: '3.4', workloads: '' }, 'workloads'],
      [{ control: '3.4', workloads: 'api; drop table' }, 'workloads'],
      [{ control: '3.4', workloads: 'api', justification: 'ok' }, 'justification'],
      [{ control: '3.4', workloads: 'api', expiresAt: 'next year' }, 'expiresAt'],
      [{ control: '3.4', workloads: 'api', expiresAt: at(-1) }, 'expiresAt'],
      [{ control: '3.4', workloads: 'api', expiresAt: at(91) }, 'expiresAt'],
      [{ control: '3.4', workloads: 'api', environment: 'prod env' }, 'environment'],
    ];
    for (const [body, field] of cases) {
      const res = await grant(team, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.type).toBe('urn:csvs:problem:validation-error');
      expect(problem.errors?.map((e) => e.path)).toContain(field);
    }
    const noExpiry = await h.request(`/v1/teams/${team}/waivers`, { method: 'POST', json: { control: '3.4', workloads: 'api', justification: 'long enough reason here' } });
    expect(noExpiry.status).toBe(400);
    expect(((await noExpiry.json()) as ProblemBody).errors?.map((e) => e.path)).toContain('expiresAt');
    // At the maximum (WAIVER_MAX_DAYS=90 here) is fine.
    expect((await grant(team, { control: '3.4', workloads: 'api', expiresAt: at(90) })).status).toBe(201);
    expect(await list(team)).toHaveLength(1);
  });
});

describe('applying', () => {
  it('turns a fail into waived, which counts toward the level', async () => {
    const team = await h.team('apply');
    const snap = await upload(team, 'checkout-api', 'add');
    expect(snap.controls.find((c) => c.id === '3.11')?.status).toBe('fail');
    const before = await scorecard(team);
    expect(counts(before, '3.11')).toMatchObject({ fail: 1, waived: 0 });
    expect(before.levels.L1).toEqual({ compliant: 0, total: 1 });

    const w = await granted(team, { control: '3.11', workloads: 'checkout-api' });
    const after = await scorecard(team);
    expect(counts(after, '3.11')).toMatchObject({ fail: 0, waived: 1 });
    expect(after.levels.L1).toEqual({ compliant: 1, total: 1 });
    expect(after.levels.L2).toEqual({ compliant: 1, total: 1 });
    expect(after.failing.flatMap((f) => f.controls)).not.toContain('3.11');
    expect(after.waivers.map((x) => x.id)).toEqual([w.id]);
    // The snapshot itself reads waived too.
    const view = (await (await h.request(`/v1/snapshots/${snap.id}`)).json()) as Snapshot;
    expect(view.controls.find((c) => c.id === '3.11')).toMatchObject({ status: 'waived', waiver: { id: w.id } });
  });

  it('never waives an unknown: missing evidence stays missing', async () => {
    const team = await h.team('unknown');
    await upload(team, 'report', 'dockerfile-only');
    await granted(team, { control: '3.5', workloads: '*' });
    const card = await scorecard(team);
    expect(counts(card, '3.5')).toMatchObject({ unknown: 1, waived: 0 });
    expect(card.waivers).toEqual([]);
  });

  it('stops counting once expired, and stays on record', async () => {
    const team = await h.team('expire');
    await upload(team, 'checkout-api', 'add');
    const w = await granted(team, { control: '3.11', workloads: 'checkout-api', expiresAt: at(2) });
    now = new Date(START.getTime() + 1 * DAY);
    expect(counts(await scorecard(team), '3.11')).toMatchObject({ waived: 1, fail: 0 });
    now = new Date(START.getTime() + 2 * DAY); // the expiry moment itself: no longer in force
    const card = await scorecard(team);
    expect(counts(card, '3.11')).toMatchObject({ waived: 0, fail: 1 });
    expect(card.levels.L1.compliant).toBe(0);
    expect(card.waivers).toEqual([]);
    const items = await list(team);
    expect(items).toEqual([expect.objectContaining({ id: w.id, active: false, revokedAt: null })]);
    expect(await list(team, '?active=true')).toEqual([]);
    // Looking back to while it was in force still shows it applied.
    const past = await scorecard(team, `?at=${encodeURIComponent(at(1))}`);
    expect(counts(past, '3.11')).toMatchObject({ waived: 1 });
  });

  it('stops counting once revoked, and stays on record', async () => {
    const team = await h.team('revoke');
    await upload(team, 'checkout-api', 'add');
    const w = await granted(team, { control: '3.11', workloads: 'checkout-api' });
    expect(counts(await scorecard(team), '3.11')).toMatchObject({ waived: 1 });
    now = new Date(START.getTime() + DAY);
    const auditor = await h.key('auditor');
    const res = await h.request(`/v1/waivers/${w.id}`, { method: 'DELETE', key: auditor.key });
    expect(res.status).toBe(200);
    expect((await res.json()) as WaiverBody).toMatchObject({ id: w.id, active: false, revokedAt: at(1), revokedBy: auditor.id });
    expect(counts(await scorecard(team), '3.11')).toMatchObject({ waived: 0, fail: 1 });
    expect(await list(team)).toEqual([expect.objectContaining({ id: w.id, active: false, revokedAt: at(1), revokedBy: auditor.id })]);
    const past = await scorecard(team, `?at=${encodeURIComponent(at(0.5))}`);
    expect(counts(past, '3.11')).toMatchObject({ waived: 1 });
    const audit = await h.database.db.select().from(auditLog).where(and(eq(auditLog.target, w.id), eq(auditLog.action, 'waiver.revoke')));
    expect(audit.map((a) => a.actor)).toEqual([auditor.id]);
    // Revoking twice is a conflict; an unknown id is not found.
    expect((await h.request(`/v1/waivers/${w.id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await h.request('/v1/waivers/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(404);
    expect((await h.request('/v1/waivers/not-a-uuid', { method: 'DELETE' })).status).toBe(400);
  });

  it('matches workloads by name or glob, and by environment when one is given', async () => {
    const team = await h.team('glob');
    for (const name of ['checkout-api', 'checkout-worker', 'payments-api', 'cart-1', 'cart-10']) await upload(team, name, 'writable');
    await upload(team, 'checkout-api', 'writable', 'staging');
    await granted(team, { control: '3.9', workloads: 'checkout-*', environment: 'prod' });
    await granted(team, { control: '3.9', workloads: 'cart-?' });
    const card = await scorecard(team);
    const waived = card.waivers.flatMap((w) => w.covers.map((c) => `${c.workload}@${c.environment}`)).sort();
    expect(waived).toEqual(['cart-1@prod', 'checkout-api@prod', 'checkout-worker@prod']);
    expect(counts(card, '3.9')).toMatchObject({ waived: 3, fail: 3 });
    const stillFailing = card.failing.filter((f) => f.controls.includes('3.9')).map((f) => `${f.workload}@${f.environment}`).sort();
    expect(stillFailing).toEqual(['cart-10@prod', 'checkout-api@staging', 'payments-api@prod']);
    // Filtering the list by control.
    expect((await list(team, '?control=3.9')).length).toBe(2);
    expect(await list(team, '?control=3.4')).toEqual([]);
  });
});
