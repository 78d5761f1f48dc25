import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLS } from '../../workers/controls/index.ts';
import type { TrendPoint } from '../../services/trend.ts';
import { artifacts, DAY, type Variant } from '../fixtures/node-service/artifacts.ts';
import { type Harness, startHarness } from '../support/harness.ts';

// A Saturday; the trend's days are UTC days.
const NOW = new Date('2026-11-28T12:00:00Z');
const TODAY = Date.UTC(2026, 10, 28);
let now = NOW;
/** 10:00 UTC on the day `offset` days from today. */
const dayAt = (offset: number, hour = 10) => new Date(TODAY + offset * DAY + hour * 3_600_000);
const label = (offset: number) => new Date(TODAY + offset * DAY).toISOString().slice(0, 10);

interface Trend {
  team: string;
  interval: 'day' | 'week';
  from: string;
  to: string;
  series: TrendPoint[];
}
interface ProblemBody {
  status: number;
  errors?: { path: string; message: string }[];
}

let h: Harness;
beforeAll(async () => {
  // Stale after 10 days, so a short backfilled history shows a workload dropping out.
  h = await startHarness({ clock: () => now, env: { STALE_AFTER_DAYS: '10' } });
});
afterAll(async () => h.close());

async function upload(team: string, workload: string, variant: Variant, observedAt: Date): Promise<void> {
  const res = await h.request(`/v1/teams/${team}/snapshots`, {
    method: 'POST',
    json: { workload, environment: 'prod', observedAt: observedAt.toISOString(), artifacts: artifacts(variant) },
  });
  expect(res.status).toBe(201);
}

async function trend(team: string, query: string): Promise<Trend> {
  const res = await h.request(`/v1/teams/${team}/trend${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Trend;
}

const point = (t: Trend, offset: number): TrendPoint => {
  const p = t.series.find((x) => x.at === label(offset));
  if (!p) throw new Error(`no point ${label(offset)}`);
  return p;
};

describe('a backfilled history', () => {
  let team: string;
  // The weekly uploader: ADD (fails 3.11, so L1) for two weeks, then fixed.
  const weekly: [number, Variant][] = [[-34, 'add'], [-27, 'add'], [-20, 'good'], [-13, 'good'], [-6, 'good']];
  beforeAll(async () => {
    team = await h.team('trend');
    // Uploaded newest first: a backfill, not the order things happened in.
    for (const [offset, variant] of [...weekly].reverse()) await upload(team, 'weekly-api', variant, dayAt(offset));
    await upload(team, 'old-batch', 'good', dayAt(-30)); // never seen again: stale after 10 days
  });

  it('shows a weekly uploader as a continuous line, carried forward between uploads', async () => {
    const t = await trend(team, `?from=${label(-35)}&to=${label(0)}&interval=day`);
    expect(t.interval).toBe('day');
    expect(t.series).toHaveLength(36);
    expect(t.series.map((p) => p.at)).toEqual(Array.from({ length: 36 }, (_, i) => label(i - 35)));
    expect(point(t, -35).workloads).toEqual({ total: 0, stale: 0 });
    for (let offset = -34; offset <= 0; offset++) {
      const p = point(t, offset);
      const oldBatchFresh = offset >= -30 && offset <= -21;
      expect(p.workloads.total, p.at).toBe(1 + (oldBatchFresh ? 1 : 0));
      // weekly-api meets L1 from its first fixed upload on; old-batch always did.
      const apiMeetsL1 = offset >= -20;
      expect(p.levels.L1, p.at).toEqual({ compliant: (apiMeetsL1 ? 1 : 0) + (oldBatchFresh ? 1 : 0), total: p.workloads.total });
      expect(p.controls['3.11'], p.at).toMatchObject({ fail: apiMeetsL1 ? 0 : 1 });
    }
  });

  it('drops a workload that goes stale, and says so', async () => {
    const t = await trend(team, `?from=${label(-35)}&to=${label(0)}`);
    // old-batch, seen at 10:00 on day -30: still fresh at the end of day -21, stale at the end of day -20.
    expect(point(t, -21).workloads).toEqual({ total: 2, stale: 0 });
    expect(point(t, -20).workloads).toEqual({ total: 1, stale: 1 });
    expect(point(t, 0).workloads).toEqual({ total: 1, stale: 1 });
    for (const p of t.series) {
      for (const c of Object.values(p.controls)) expect(c.pass + c.fail + c.waived + c.unknown).toBe(p.workloads.total);
    }
  });

  it('takes each point as of the end of its day, today as of now', async () => {
    const t = await trend(team, `?from=${label(-2)}&to=${NOW.toISOString()}`);
    expect(t.series.map((p) => p.asOf)).toEqual([
      new Date(TODAY - DAY - 1).toISOString(),
      new Date(TODAY - 1).toISOString(),
      NOW.toISOString(),
    ]);
  });

  it('agrees with the scorecard at each point', async () => {
    const t = await trend(team, `?from=${label(-25)}&to=${label(-18)}`);
    for (const p of t.series) {
      const res = await h.request(`/v1/teams/${team}/scorecard?at=${encodeURIComponent(p.asOf)}`);
      const card = (await res.json()) as { workloads: TrendPoint['workloads']; levels: TrendPoint['levels']; controls: ({ id: string } & TrendPoint['controls'][string])[] };
      expect(p.workloads, p.at).toEqual(card.workloads);
      expect(p.levels, p.at).toEqual(card.levels);
      for (const c of card.controls) expect(p.controls[c.id], `${p.at} ${c.id}`).toEqual({ pass: c.pass, fail: c.fail, waived: c.waived, unknown: c.unknown });
    }
  });

  it('gives one point per ISO week, labelled by its Monday', async () => {
    const t = await trend(team, `?from=${label(-35)}&to=${label(0)}&interval=week`);
    expect(t.interval).toBe('week');
    // 2026-10-24 (day -35) is a Saturday: its week starts Monday 2026-10-19; today's on 2026-11-23.
    expect(t.series.map((p) => p.at)).toEqual(['2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23']);
    for (const p of t.series) expect(new Date(`${p.at}T00:00:00Z`).getUTCDay()).toBe(1);
    // The week of 2026-10-26 ends Sunday 2026-11-01 (day -27): api (ADD) and old-batch.
    const w = t.series[1];
    expect(w?.asOf).toBe('2026-11-01T23:59:59.999Z');
    expect(w?.levels.L1).toEqual({ compliant: 1, total: 2 });
    expect(t.series[t.series.length - 1]?.asOf).toBe(NOW.toISOString());
    expect(t.series[t.series.length - 1]?.workloads).toEqual({ total: 1, stale: 1 });
  });
});

describe('waivers over time', () => {
  it('counts a waiver only at the points it was in force', async () => {
    const team = await h.team('trend-waiver');
    await upload(team, 'web', 'writable', dayAt(-15)); // fails 3.9 (L2)
    await upload(team, 'web', 'writable', dayAt(-8));
    now = dayAt(-10, 12); // granted on day -10, expiring on day -5 at noon
    const res = await h.request(`/v1/teams/${team}/waivers`, {
      method: 'POST',
      json: { control: '3.9', workloads: 'web', justification: 'tmpfs rollout pending, INFRA-88', expiresAt: dayAt(-5, 12).toISOString() },
    });
    expect(res.status).toBe(201);
    now = NOW;
    const t = await trend(team, `?from=${label(-15)}&to=${label(0)}`);
    for (let offset = -15; offset <= 0; offset++) {
      const inForce = offset >= -10 && offset <= -6;
      expect(point(t, offset).controls['3.9'], label(offset)).toEqual({ pass: 0, fail: inForce ? 0 : 1, waived: inForce ? 1 : 0, unknown: 0 });
      expect(point(t, offset).levels.L2, label(offset)).toEqual({ compliant: inForce ? 1 : 0, total: 1 });
    }
  });
});

describe('CSV export', () => {
  let team: string;
  beforeAll(async () => {
    team = await h.team('trend-csv');
    await upload(team, 'api', 'good', dayAt(-3));
    await upload(team, 'worker', 'add', dayAt(-1));
  });

  it('exports one row per point and level and per point and control', async () => {
    const query = `?from=${label(-3)}&to=${label(0)}`;
    const json = await trend(team, query);
    const res = await h.request(`/v1/teams/${team}/trend${query}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain(`${team}-trend-day-${label(-3)}-${label(0)}.csv`);
    const text = await res.text();
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,as_of,scope,id,compliant,total,pass,fail,waived,unknown');
    expect(lines).toHaveLength(1 + 4 * (3 + CONTROLS.length));
    const rows = lines.slice(1).map((l) => l.split(','));
    for (const r of rows) expect(r).toHaveLength(10);
    for (const p of json.series) {
      const l1 = rows.find((r) => r[0] === p.at && r[2] === 'level' && r[3] === 'L1');
      expect(l1?.slice(4, 6)).toEqual([String(p.levels.L1.compliant), String(p.levels.L1.total)]);
      expect(l1?.[1]).toBe(p.asOf);
      const c311 = rows.find((r) => r[0] === p.at && r[2] === 'control' && r[3] === '3.11');
      const c = p.controls['3.11'];
      expect(c311?.slice(4)).toEqual(['', String(p.workloads.total), String(c?.pass), String(c?.fail), String(c?.waived), String(c?.unknown)]);
    }
    // Today: api meets L1, worker (ADD) does not.
    expect(rows.find((r) => r[0] === label(0) && r[3] === 'L1')?.slice(4, 6)).toEqual(['1', '2']);
    expect(rows.find((r) => r[0] === label(-3) && r[3] === 'L1')?.slice(4, 6)).toEqual(['1', '1']);
  });

  it('answers Accept: text/csv the same way, unless format=json says otherwise', async () => {
    const query = `?from=${label(-3)}&to=${label(0)}`;
    const viaParam = await (await h.request(`/v1/teams/${team}/trend${query}&format=csv`)).text();
    const viaAccept = await h.request(`/v1/teams/${team}/trend${query}`, { headers: { accept: 'text/csv' } });
    expect(viaAccept.headers.get('content-type')).toContain('text/csv');
    expect(await viaAccept.text()).toBe(viaParam);
    const forcedJson = await h.request(`/v1/teams/${team}/trend${query}&format=json`, { headers: { accept: 'text/csv' } });
    expect(forcedJson.headers.get('content-type')).toContain('application/json');
  });
});

describe('validation', () => {
  let team: string;
  beforeAll(async () => {
    team = await h.team('trend-val');
  });

  const problem = async (query: string): Promise<ProblemBody> => {
    const res = await h.request(`/v1/teams/${team}/trend${query}`);
    expect(res.status, query).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    return (await res.json()) as ProblemBody;
  };
  const paths = (p: ProblemBody) => p.errors?.map((e) => e.path) ?? [];

  it('refuses from after to', async () => {
    expect(paths(await problem(`?from=${label(-1)}&to=${label(-5)}`))).toEqual(['from']);
  });

  it('refuses an unknown interval and malformed moments', async () => {
    expect(paths(await problem('?interval=month'))).toContain('interval');
    expect(paths(await problem('?from=last-week'))).toContain('from');
    expect(paths(await problem('?to=2026-13-45'))).toContain('to');
  });

  it('refuses a window in the future or with too many points', async () => {
    expect(paths(await problem(`?to=${label(2)}`))).toContain('to');
    const tooLong = await problem(`?from=2024-01-01&to=${label(0)}&interval=day`);
    expect(paths(tooLong)).toEqual(['from']);
    expect(tooLong.errors?.[0]?.message).toContain('731');
    // The same window weekly is fine.
    const weekly = await trend(team, `?from=2024-01-01&to=${label(0)}&interval=week`);
    expect(weekly.series.length).toBeGreaterThan(100);
    expect(weekly.series.every((p) => p.workloads.total === 0)).toBe(true);
  });

  it('defaults to the last 30 days, daily', async () => {
    const t = await trend(team, '');
    expect(t.interval).toBe('day');
    expect(t.series).toHaveLength(30);
    expect(t.series[t.series.length - 1]?.at).toBe(label(0));
  });
});
