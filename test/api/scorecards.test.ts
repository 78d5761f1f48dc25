import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import type { Scorecard } from '../../services/scorecard.ts';
import { artifacts, DAY, type Variant } from '../fixtures/node-service/artifacts.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: () => NOW });
});
afterAll(async () => h.close());

async function upload(team: string, workload: string, variant: Variant, observedAt: string, environment = 'prod'): Promise<Snapshot> {
  const res = await h.request(`/v1/teams/${team}/snapshots`, {
    method: 'POST',
    json: { workload, environment, observedAt, artifacts: artifacts(variant) },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Snapshot;
}

async function waive(team: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await h.request(`/v1/teams/${team}/waivers`, {
    method: 'POST',
    json: { justification: 'accepted risk, tracked in SEC-1234', expiresAt: ago(-30), ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

async function scorecard(team: string, query = '', key?: string): Promise<Scorecard> {
  const res = await h.request(`/v1/teams/${team}/scorecard${query}`, key ? { key } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as Scorecard;
}

const control = (card: Scorecard, id: string) => {
  const c = card.controls.find((x) => x.id === id);
  if (!c) throw new Error(`no control ${id} in the scorecard`);
  return c;
};

describe('team scorecard', () => {
  let team: string;
  const latest: Record<string, Snapshot> = {};
  beforeAll(async () => {
    team = await h.team('score');
    await upload(team, 'checkout-api', 'add', ago(3)); // superseded by the next one
    latest['checkout-api'] = await upload(team, 'checkout-api', 'good', ago(1));
    latest['checkout-worker'] = await upload(team, 'checkout-worker', 'add', ago(2));
    latest['checkout-web'] = await upload(team, 'checkout-web', 'writable', ago(1));
    latest['nightly-report'] = await upload(team, 'nightly-report', 'dockerfile-only', ago(5));
    await upload(team, 'legacy-billing', 'good', ago(45)); // stale: not seen for more than 30 days
    await waive(team, { control: '3.9', workloads: 'checkout-web' });
  });

  it('counts each workload by its latest snapshot and leaves stale ones out', async () => {
    const card = await scorecard(team);
    expect(card.team).toBe(team);
    expect(card.environment).toBeNull();
    expect(card.asOf).toBe(NOW.toISOString());
    expect(card.workloads).toEqual({ total: 4, stale: 1 });
    expect(card.staleWorkloads.map((w) => w.workload)).toEqual(['legacy-billing']);
    expect(card.staleWorkloads[0]?.observedAt).toBe(ago(45));
    for (const c of card.controls) expect(c.pass + c.fail + c.waived + c.unknown).toBe(4);
    expect(card.controls.map((c) => c.id)).toEqual(['3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14', '3.15']);
  });

  it('matches the engine verdicts of the latest snapshots, with the waiver applied', async () => {
    const card = await scorecard(team);
    for (const c of card.controls) {
      const expected = { pass: 0, fail: 0, waived: 0, unknown: 0 };
      for (const [name, snap] of Object.entries(latest)) {
        const status = snap.controls.find((x) => x.id === c.id)?.status ?? 'unknown';
        expected[name === 'checkout-web' && c.id === '3.9' && status === 'fail' ? 'waived' : status]++;
      }
      expect({ id: c.id, pass: c.pass, fail: c.fail, waived: c.waived, unknown: c.unknown }).toEqual({ id: c.id, ...expected });
    }
    // The flips the artifacts were chosen for: the superseded ADD of checkout-api no longer counts.
    expect(control(card, '3.11')).toMatchObject({ fail: 1, pass: 3 });
    expect(control(card, '3.9')).toMatchObject({ pass: 2, waived: 1, unknown: 1, fail: 0 });
  });

  it('counts levels: a waived fail counts toward the level, an unknown never does', async () => {
    const card = await scorecard(team);
    // L1: api and web meet it; worker fails 3.11, nightly-report lacks run-time evidence.
    expect(card.levels.L1).toEqual({ compliant: 2, total: 4 });
    // L2: api, and web thanks to the 3.9 waiver.
    expect(card.levels.L2).toEqual({ compliant: 2, total: 4 });
    expect(card.levels.L3).toEqual({ compliant: 0, total: 4 });
  });

  it('lists failing workloads with their failing controls, waived ones not among them', async () => {
    const card = await scorecard(team);
    const byName = new Map(card.failing.map((f) => [f.workload, f.controls]));
    expect(byName.get('checkout-worker')).toContain('3.11');
    expect(byName.get('checkout-web') ?? []).not.toContain('3.9');
    expect(byName.has('legacy-billing')).toBe(false);
    for (const f of card.failing) {
      const snap = latest[f.workload];
      expect(snap).toBeDefined();
      const engineFails = snap?.controls.filter((c) => c.status === 'fail').map((c) => c.id) ?? [];
      expect(f.controls).toEqual(engineFails.filter((id) => !(f.workload === 'checkout-web' && id === '3.9')));
      expect(f.environment).toBe('prod');
    }
  });

  it('shows unknowns as missing evidence, naming the artifact kinds that would decide them', async () => {
    const card = await scorecard(team);
    const noNewPrivs = control(card, '3.5');
    expect(noNewPrivs.unknown).toBe(1);
    expect(noNewPrivs.missingEvidence?.workloads).toEqual([{ workload: 'nightly-report', environment: 'prod' }]);
    expect(noNewPrivs.missingEvidence?.decidedBy).toContain('docker-inspect');
    expect(noNewPrivs.missingEvidence?.decidedBy).toContain('kubernetes');
    expect(control(card, '3.11').missingEvidence).toBeUndefined();
  });

  it('lists the waivers it relied on and whom they covered', async () => {
    const card = await scorecard(team);
    expect(card.waivers).toHaveLength(1);
    expect(card.waivers[0]).toMatchObject({ control: '3.9', workloads: 'checkout-web', covers: [{ workload: 'checkout-web', environment: 'prod' }] });
  });

  it('looks back with ?at=: the snapshots and waivers of that moment', async () => {
    // A day and a half ago: checkout-api still had its ADD snapshot; web was not uploaded yet;
    // the waiver (granted now) was not in force; legacy-billing was already stale.
    const card = await scorecard(team, `?at=${encodeURIComponent(new Date(NOW.getTime() - 1.5 * DAY).toISOString())}`);
    expect(card.workloads).toEqual({ total: 3, stale: 1 });
    expect(card.failing.filter((f) => f.controls.includes('3.11')).map((f) => f.workload)).toEqual(['checkout-api', 'checkout-worker']);
    expect(control(card, '3.11').fail).toBe(2);
    expect(card.waivers).toEqual([]);
    expect(card.levels.L1).toEqual({ compliant: 0, total: 3 });
    // Fifty days ago: nothing yet.
    const empty = await scorecard(team, `?at=${encodeURIComponent(ago(50))}`);
    expect(empty.workloads).toEqual({ total: 0, stale: 0 });
    expect(empty.levels.L1).toEqual({ compliant: 0, total: 0 });
    // Forty days ago legacy-billing was fresh.
    const earlier = await scorecard(team, `?at=${encodeURIComponent(ago(40))}`);
    expect(earlier.workloads).toEqual({ total: 1, stale: 0 });
    expect(earlier.levels.L2).toEqual({ compliant: 1, total: 1 });
  });
});

describe('environments', () => {
  it('counts one environment with ?environment=, all without', async () => {
    const team = await h.team('envs');
    await upload(team, 'checkout-api', 'good', ago(1), 'prod');
    await upload(team, 'checkout-api', 'add', ago(1), 'staging');
    const prod = await scorecard(team, '?environment=prod');
    expect(prod.environment).toBe('prod');
    expect(prod.workloads.total).toBe(1);
    expect(prod.levels.L1).toEqual({ compliant: 1, total: 1 });
    const staging = await scorecard(team, '?environment=staging');
    expect(staging.levels.L1).toEqual({ compliant: 0, total: 1 });
    expect(staging.failing).toEqual([{ workload: 'checkout-api', environment: 'staging', controls: expect.arrayContaining(['3.11']) }]);
    const all = await scorecard(team);
    expect(all.workloads.total).toBe(2);
    expect(all.levels.L1).toEqual({ compliant: 1, total: 2 });
  });
});

describe('validation', () => {
  it('refuses a moment in the future, a malformed one and a bad environment', async () => {
    const team = await h.team('val');
    const future = await h.request(`/v1/teams/${team}/scorecard?at=${encodeURIComponent(ago(-1))}`);
    expect(future.status).toBe(400);
    expect(future.headers.get('content-type')).toContain('application/problem+json');
    expect(((await future.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['at']);
    const malformed = await h.request(`/v1/teams/${team}/scorecard?at=yesterday`);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('at');
    const env = await h.request(`/v1/teams/${team}/scorecard?environment=${encodeURIComponent('../prod')}`);
    expect(env.status).toBe(400);
    expect((await h.request('/v1/teams/no-such-team-h8/scorecard')).status).toBe(404);
  });
});

describe('org-wide scorecards', () => {
  type Ranked = Scorecard & { rank: number };
  interface OrgView {
    items: Ranked[];
    totals: { teams: number; workloads: { total: number; stale: number }; levels: Scorecard['levels']; controls: { id: string; pass: number; fail: number; waived: number; unknown: number }[] };
  }
  let best: string;
  let middle: string;
  let worst: string;
  beforeAll(async () => {
    best = await h.team('org-best'); // L3 0/1, L2 1/1
    await upload(best, 'a', 'good', ago(1));
    middle = await h.team('org-mid'); // L2 1/2
    await upload(middle, 'a', 'good', ago(1));
    await upload(middle, 'b', 'writable', ago(1));
    worst = await h.team('org-worst'); // nothing meets anything
    await upload(worst, 'a', 'add', ago(1));
    await upload(worst, 'b', 'dockerfile-only', ago(1));
  });

  it('ranks every team by L3, then L2, then L1 compliance, with totals over the items', async () => {
    const res = await h.request('/v1/scorecards');
    expect(res.status).toBe(200);
    const body = (await res.json()) as OrgView;
    const rankOf = (slug: string) => body.items.find((i) => i.team === slug)?.rank ?? -1;
    expect(rankOf(best)).toBeGreaterThan(0);
    expect(rankOf(best)).toBeLessThan(rankOf(middle));
    expect(rankOf(middle)).toBeLessThan(rankOf(worst));
    expect(body.items.map((i) => i.rank)).toEqual(body.items.map((_, i) => i + 1));
    const ratio = (c: Scorecard, l: 'L1' | 'L2' | 'L3') => (c.levels[l].total ? c.levels[l].compliant / c.levels[l].total : 0);
    for (let i = 1; i < body.items.length; i++) {
      const [a, b] = [body.items[i - 1], body.items[i]];
      if (!a || !b) continue;
      const key = (c: Scorecard) => [ratio(c, 'L3'), ratio(c, 'L2'), ratio(c, 'L1')];
      const [ka, kb] = [key(a), key(b)];
      const first = ka.findIndex((v, j) => v !== kb[j]);
      if (first >= 0) expect(ka[first]).toBeGreaterThan(kb[first] ?? 0);
    }
    expect(body.totals.teams).toBe(body.items.length);
    expect(body.totals.workloads.total).toBe(body.items.reduce((n, i) => n + i.workloads.total, 0));
    expect(body.totals.levels.L2.compliant).toBe(body.items.reduce((n, i) => n + i.levels.L2.compliant, 0));
    const t311 = body.totals.controls.find((c) => c.id === '3.11');
    expect(t311?.fail).toBe(body.items.reduce((n, i) => n + (i.controls.find((c) => c.id === '3.11')?.fail ?? 0), 0));
    // The same scorecard as the team endpoint gives.
    const single = await scorecard(middle);
    const { rank: _rank, ...fromOrg } = body.items.find((i) => i.team === middle) ?? ({} as Ranked);
    expect(fromOrg).toEqual(single);
  });

  it('shows a viewer only its own team', async () => {
    const viewer = await h.key('viewer', middle);
    const res = await h.request('/v1/scorecards', { key: viewer.key });
    expect(res.status).toBe(200);
    const body = (await res.json()) as OrgView;
    expect(body.items.map((i) => i.team)).toEqual([middle]);
    expect(body.items[0]?.rank).toBe(1);
    expect(body.totals.teams).toBe(1);
    expect(body.totals.levels.L2).toEqual({ compliant: 1, total: 2 });
    // And may read its own team's scorecard, not another's.
    expect((await scorecard(middle, '', viewer.key)).levels.L2).toEqual({ compliant: 1, total: 2 });
    expect((await h.request(`/v1/teams/${best}/scorecard`, { key: viewer.key })).status).toBe(403);
  });

  it('lets an auditor see every team', async () => {
    const auditor = await h.key('auditor');
    const body = (await (await h.request('/v1/scorecards?environment=prod', { key: auditor.key })).json()) as OrgView;
    const teams = body.items.map((i) => i.team);
    expect(teams).toEqual(expect.arrayContaining([best, middle, worst]));
    expect(body.items.every((i) => i.environment === 'prod')).toBe(true);
  });
});
