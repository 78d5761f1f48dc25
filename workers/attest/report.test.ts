import { describe, expect, it } from 'vitest';
import { controlById, CONTROL_IDS } from '../controls/index.ts';
import { ENGINE_VERSION } from '../engine/version.ts';
import { completeWorkload, MAX_FINDINGS_PER_CONTROL, MAX_MESSAGE_CHARS, planReport } from './report.ts';
import { AS_OF, sampleReport, STATES, WAIVER } from './testing.ts';

const byName = <T extends { workload: string }>(list: readonly T[], name: string): T => {
  const found = list.find((w) => w.workload === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe('planReport', () => {
  it('counts N of M at the level, with the waiver relied on and the stale workload left out', () => {
    const { plan } = sampleReport('L2');
    expect(plan.header.verdict).toEqual({ compliant: 2, total: 4, result: 'FAILED' });
    expect(plan.header.levelControls).toEqual(CONTROL_IDS.filter((id) => controlById(id)?.levels.includes('L2')));
    expect(plan.header.engine).toEqual({ name: 'csvs-compliance', version: ENGINE_VERSION });
    expect(plan.header.stale).toMatchObject({ afterDays: 30, workloads: [{ team: 'payments', workload: 'old-api', environment: 'prod' }] });
    expect(plan.header.rules.join(' ')).toMatch(/in the 30 days before asOf are stale: listed under stale and left out of the verdict/);
    expect(plan.workloads.map((w) => w.subject)).toEqual([
      'payments/batch-job@staging',
      'payments/checkout-api@prod',
      'payments/legacy-api@prod',
      'payments/orders-api@prod',
    ]);
    const orders = byName(plan.workloads, 'orders-api');
    expect(orders.compliant).toBe(true);
    expect(orders.controls.find((c) => c.id === '3.9')).toEqual({ id: '3.9', status: 'waived', stored: 'fail', waiver: WAIVER.id });
    expect(plan.header.waivers).toEqual([expect.objectContaining({ id: WAIVER.id, control: '3.9', team: 'payments', covers: ['payments/orders-api@prod'] })]);
    expect(plan.header.controls.find((c) => c.id === '3.9')).toEqual({ id: '3.9', inLevel: true, pass: 2, fail: 0, waived: 1, unknown: 1 });
    expect(plan.header.controls.find((c) => c.id === '3.4')).toMatchObject({ inLevel: false, fail: 3, unknown: 1 });
  });

  it('meets L1 with the same workloads differently: the level decides which controls count', () => {
    const { plan } = sampleReport('L1');
    // legacy-api fails 3.11 (L1); batch-job has no evidence for 3.5, 3.13, 3.15 (L1).
    expect(plan.header.verdict).toEqual({ compliant: 2, total: 4, result: 'FAILED' });
    expect(byName(plan.workloads, 'legacy-api').compliant).toBe(false);
  });

  it('applies a waiver only while it is in force, and never to missing evidence', () => {
    const expired = { ...WAIVER, expiresAt: new Date(AS_OF.getTime() - 1) };
    expect(sampleReport('L2', { waivers: [expired] }).plan.header).toMatchObject({ verdict: { compliant: 1 }, waivers: [] });
    const later = { ...WAIVER, createdAt: new Date(AS_OF.getTime() + 1) };
    expect(sampleReport('L2', { waivers: [later] }).plan.header.verdict.compliant).toBe(1);
    const onUnknown = { ...WAIVER, controlId: '3.5', workloads: '*' };
    const { plan } = sampleReport('L2', { waivers: [onUnknown] });
    expect(byName(plan.workloads, 'batch-job').controls.find((c) => c.id === '3.5')?.status).toBe('unknown');
    expect(plan.header.waivers).toEqual([]);
  });

  it('is PASSED only when every workload meets the level and there is one; a missing status is unknown', () => {
    const base = { scope: { type: 'team' as const, teams: ['t'] }, asOf: AS_OF, generatedAt: AS_OF, environment: null, staleAfterDays: 30, stale: [], waivers: new Map() };
    const checkout = STATES[1];
    if (!checkout) throw new Error('fixture');
    expect(planReport({ ...base, level: 'L2', fresh: [checkout] }).header.verdict).toEqual({ compliant: 1, total: 1, result: 'PASSED' });
    expect(planReport({ ...base, level: 'L2', fresh: [] }).header.verdict).toEqual({ compliant: 0, total: 0, result: 'FAILED' });
    const { '3.5': _dropped, ...rest } = checkout.statuses;
    const partial = planReport({ ...base, level: 'L1', fresh: [{ ...checkout, statuses: rest }] });
    expect(partial.workloads[0]?.controls.find((c) => c.id === '3.5')?.status).toBe('unknown');
    expect(partial.header.verdict.compliant).toBe(0);
  });
});

describe('completeWorkload', () => {
  it('keeps the deciding findings only: fail (also for waived), unknown with what would decide it, capped per control', () => {
    const { workloads } = sampleReport('L2');
    const legacy = byName(workloads, 'legacy-api');
    const c311 = legacy.controls.find((c) => c.id === '3.11');
    expect(c311?.status).toBe('fail');
    expect(c311?.findings).toHaveLength(MAX_FINDINGS_PER_CONTROL);
    expect(c311?.findingsOmitted).toBe(7 - MAX_FINDINGS_PER_CONTROL);
    expect(c311?.findings?.every((f) => f.status === 'fail')).toBe(true);
    expect(legacy.controls.find((c) => c.id === '3.1')).toEqual({ id: '3.1', status: 'pass' });
    expect(legacy.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);

    const orders = byName(workloads, 'orders-api').controls.find((c) => c.id === '3.9');
    expect(orders).toMatchObject({ status: 'waived', waiver: WAIVER.id, findings: [{ status: 'fail', message: '3.9 is violated (1)' }] });

    const batch = byName(workloads, 'batch-job');
    expect(batch.unknowns).toEqual(['3.2', '3.5', '3.9', '3.10', '3.13', '3.15']);
    expect(batch.controls.find((c) => c.id === '3.5')).toMatchObject({
      status: 'unknown',
      decidedBy: [...(controlById('3.5')?.decidedBy ?? [])],
      findings: [{ status: 'unknown' }],
    });
  });

  it('reads stored findings defensively and clips long messages', () => {
    const { plan } = sampleReport('L2');
    const legacy = byName(plan.workloads, 'legacy-api');
    const r = completeWorkload(
      legacy,
      {
        contentHash: 'sha256:00',
        engineVersion: null,
        results: [{ controlId: '3.11', status: 'fail', findings: [null, 'x', { status: 'fail', message: 'm'.repeat(2000), location: 7 }, { status: 'pass', message: 'ok' }] }],
      },
      plan.header.levelControls,
    );
    const f = r.controls.find((c) => c.id === '3.11')?.findings;
    expect(f).toHaveLength(1);
    expect(f?.[0]?.message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(f?.[0]?.location).toBe('');
  });
});
