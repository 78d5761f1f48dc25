import { describe, expect, it } from 'vitest';
import { daysBetween, openFailures } from './control-history.ts';
import type { Snapshot } from './schemas/snapshot.ts';

const snap = (id: string, observedAt: string, statuses: Record<string, Snapshot['controls'][number]['status']>, ci: Snapshot['ci'] = null): Snapshot => ({
  id,
  team: 't',
  workload: 'w',
  environment: 'prod',
  observedAt,
  receivedAt: observedAt,
  status: 'evaluated',
  engineVersion: '1',
  contentHash: 'sha256:00',
  ci,
  artifacts: [],
  controls: Object.entries(statuses).map(([cid, status]) => ({ id: cid as '3.1', status, levels: [], title: '', findings: [], remediation: '' })),
  levels: null,
});

describe('daysBetween', () => {
  it('counts whole UTC calendar days, not 24-hour periods', () => {
    // 4 days and 2 hours, but the 12th is five calendar days after the 7th: "in 5 days".
    expect(daysBetween(new Date('2026-12-07T23:00:00Z'), new Date('2026-12-12T01:00:00Z'))).toBe(5);
    expect(daysBetween(new Date('2026-12-07T01:00:00Z'), new Date('2026-12-11T23:00:00Z'))).toBe(4);
    expect(daysBetween(new Date('2026-12-07T10:00:00Z'), new Date('2026-12-07T23:59:00Z'))).toBe(0);
  });
});

describe('openFailures', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const history = [
    snap('c', '2026-12-06T10:00:00Z', { '3.4': 'fail', '3.9': 'waived', '3.1': 'pass' }),
    snap('b', '2026-11-30T10:00:00Z', { '3.4': 'fail', '3.9': 'pass', '3.1': 'fail' }, { commit: 'abc123', pipelineUrl: 'https://ci/1' }),
    snap('a', '2026-11-20T10:00:00Z', { '3.4': 'pass', '3.9': 'fail', '3.1': 'fail' }),
  ];

  it('finds where each failing run began, and the snapshot that brought it', () => {
    const open = openFailures(history, now, { whole: true });
    expect([...open.keys()]).toEqual(['3.4', '3.9']);
    expect(open.get('3.4')).toEqual({ since: '2026-11-30T10:00:00Z', days: 7, snapshot: { id: 'b', observedAt: '2026-11-30T10:00:00Z', ci: { commit: 'abc123', pipelineUrl: 'https://ci/1' } }, complete: true });
    // Waived is a failure accepted: it counts as failing, from the snapshot after the last pass.
    expect(open.get('3.9')?.snapshot.id).toBe('c');
  });

  it('says "at least since" when the run reaches past the history it was given', () => {
    const open = openFailures(history.slice(0, 2), now, { whole: false });
    expect(open.get('3.4')?.complete).toBe(false);
    expect(openFailures([snap('x', '2026-12-01T00:00:00Z', { '3.4': 'fail' })], now, { whole: true }).get('3.4')?.complete).toBe(true);
  });
});
