/**
 * A small organisation for the renderer tests: one team, four fresh workloads (one meeting L2
 * outright, one through a waiver, one failing 3.11 with many findings, one without run-time
 * evidence) and a stale one, with findings shaped as the engine stores them.
 */
import type { Level } from '../model/result.ts';
import { CONTROL_IDS } from '../controls/index.ts';
import type { WaiverRule } from '../model/waivers.ts';
import { completeWorkload, planReport, type ReportPlan, type StateInput, type StoredEvidence, type WorkloadReport } from './report.ts';

export const AS_OF = new Date('2026-11-28T10:00:00.000Z');
const HOUR = 3_600_000;
let counter = 0;
const TEAM_ID = '0b7e7f8e-1111-4c2a-9d3e-000000000001';

type Stored = 'pass' | 'fail' | 'unknown';
const all = (s: Stored, over: Partial<Record<string, Stored>> = {}) => Object.fromEntries(CONTROL_IDS.map((id) => [id, over[id] ?? s])) as Record<string, Stored>;

/** The engine's verdicts for a well-configured Node service: L3's 3.4 and 3.6 fail, 3.7 lacks a signature. */
const GOOD = all('pass', { '3.4': 'fail', '3.6': 'fail', '3.7': 'unknown' });

export const STATES: StateInput[] = [
  state('orders-api', 'prod', 3, { ...GOOD, '3.9': 'fail' }),
  state('checkout-api', 'prod', 1, GOOD),
  state('legacy-api', 'prod', 2, { ...GOOD, '3.11': 'fail' }),
  state('batch-job', 'staging', 5, all('pass', { '3.2': 'unknown', '3.4': 'unknown', '3.5': 'unknown', '3.6': 'fail', '3.7': 'unknown', '3.9': 'unknown', '3.10': 'unknown', '3.13': 'unknown', '3.14': 'unknown', '3.15': 'unknown' })),
];
export const STALE: StateInput[] = [state('old-api', 'prod', 24 * 45, GOOD)];

export const WAIVER: WaiverRule = {
  id: 'a3c1e0de-2222-4f00-8000-00000000a001',
  controlId: '3.9',
  workloads: 'orders-*',
  environment: null,
  justification: 'Writes its cache to the root file system until the 2027 refactoring; reviewed by security.',
  approvedBy: 'key-auditor-1',
  expiresAt: new Date(AS_OF.getTime() + 30 * 24 * HOUR),
  revokedAt: null,
  createdAt: new Date(AS_OF.getTime() - 24 * HOUR),
};

function state(workload: string, environment: string, hoursAgo: number, statuses: Record<string, Stored>): StateInput {
  const n = ++counter;
  return {
    teamId: TEAM_ID,
    team: 'payments',
    workload,
    environment,
    snapshotId: `5e1f0c3a-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    observedAt: new Date(AS_OF.getTime() - hoursAgo * HOUR),
    statuses,
  };
}

/** Stored results as the engine writes them: findings for every control, of every status. */
export function storedEvidence(s: StateInput): StoredEvidence {
  const results = Object.entries(s.statuses).map(([controlId, status]) => {
    const findings = [];
    if (status === 'pass') findings.push(finding('pass', `${controlId} holds for the app container`));
    if (status === 'unknown') findings.push(finding('unknown', `no artifact shows whether ${controlId} holds`));
    if (status === 'fail') {
      const count = controlId === '3.11' ? 7 : 1;
      for (let i = 0; i < count; i++) {
        const violated = i === 0 && controlId === '3.11' ? null : { en: `${controlId} is violated (${i + 1})`, de: `${controlId} ist verletzt (${i + 1})` };
        findings.push(violated
          ? { ...finding('fail', violated.en, i + 3), de: { message: violated.de } }
          : { ...finding('fail', '=HYPERLINK("http://x") ADD fetches "remote" content, unchecked → replace with COPY ✓ 中', i + 3), excerpt: EXCERPT });
      }
      findings.push(finding('pass', 'another container is fine'));
    }
    return { controlId, status, findings };
  });
  return { contentHash: `sha256:${'ab'.repeat(31)}${s.workload.length.toString(16).padStart(2, '0')}`, engineVersion: '1.0.0', results };
}

/** The source the engine quotes with the first 3.11 finding (line 3). */
export const EXCERPT = {
  type: 'lines' as const,
  lines: [
    { n: 2, text: 'WORKDIR /srv', hit: false },
    { n: 3, text: 'ADD https://example.com/app.tgz /srv/app.tgz', hit: true },
    { n: 4, text: 'USER app', hit: false },
  ],
};

function finding(status: Stored, message: string, line = 1) {
  return { artifact: 'Dockerfile', kind: 'dockerfile', container: status === 'fail' ? 'app' : null, location: `line ${line}`, message, status };
}

/** The plan and the completed workloads at a level (default L2). */
export function sampleReport(level: Level = 'L2', o: { waivers?: WaiverRule[]; asOf?: Date } = {}): { plan: ReportPlan; workloads: WorkloadReport[] } {
  const plan = planReport({
    scope: { type: 'team', teams: ['payments'] },
    level,
    asOf: o.asOf ?? AS_OF,
    generatedAt: new Date(AS_OF.getTime() + 1000),
    environment: null,
    staleAfterDays: 30,
    fresh: STATES,
    stale: STALE,
    waivers: new Map([[TEAM_ID, o.waivers ?? [WAIVER]]]),
  });
  const bySnapshot = new Map(STATES.map((s) => [s.snapshotId, s]));
  const workloads = plan.workloads.map((p) => {
    const s = bySnapshot.get(p.snapshotId);
    if (!s) throw new Error('sample: unknown snapshot');
    return completeWorkload(p, storedEvidence(s), plan.header.levelControls);
  });
  return { plan, workloads };
}

export async function* inChunks<T>(items: readonly T[], size = 2): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export async function collect(pieces: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const p of pieces) out += p;
  return out;
}

/** A strict RFC 4180 reader: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') {
      if (cell !== '') throw new Error(`stray quote at ${i}`);
      quoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else if (ch === '\n' || ch === '\r') throw new Error(`bare line break at ${i}`);
    else cell += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  if (cell !== '' || row.length > 0) throw new Error('the last line has no CRLF');
  return rows;
}
