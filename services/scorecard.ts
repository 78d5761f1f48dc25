/**
 * Scorecards: a team's workloads counted by their latest snapshot as of a moment, waivers in
 * force at that moment applied. Pure functions over rows the caller loaded, so the team view,
 * the org-wide view and the trend count exactly alike.
 */
import type { StoredStatus, WorkloadStateAt } from '../db/queries/states.ts';
import { controlById, CONTROL_IDS } from '../workers/controls/index.ts';
import type { ArtifactKind } from '../workers/model/evidence.ts';
import { type ControlId, type ControlStatus, type Level, LEVELS } from '../workers/model/result.ts';
import { applyWaivers, globMatches, type WaiverRule } from '../workers/model/waivers.ts';
import type { WaiverTerms } from './schemas/waiver.ts';
import { waiverTerms } from '../workers/model/waivers.ts';
import { DAY_MS } from './time.ts';

interface ControlMeta {
  id: ControlId;
  title: string;
  levels: Level[];
  decidedBy: ArtifactKind[];
}

/** The fifteen controls in the standard's order, with what the registry says about each. */
export const CONTROL_META: readonly ControlMeta[] = CONTROL_IDS.flatMap((id) => {
  const c = controlById(id);
  return c ? [{ id, title: c.title.en, levels: [...c.levels], decidedBy: [...c.decidedBy] }] : [];
});

export interface WorkloadVerdict {
  /** Per control, in CONTROL_META's order, waivers applied. */
  statuses: ControlStatus[];
  compliant: Record<Level, boolean>;
  waiversUsed: WaiverRule[];
}

/**
 * Stored statuses (`{ "3.1": "pass", … }`, a snapshot's or a workload state's) as the fifteen
 * controls in the standard's order, ready for applyWaivers. A control missing from them (a
 * snapshot from an engine that did not know it yet) counts as unknown: no evidence was judged, so
 * no level is met. Ids the registry no longer knows are left out.
 */
export function storedControls(statuses: Readonly<Record<string, StoredStatus>>): { id: ControlId; levels: Level[]; status: ControlStatus }[] {
  return CONTROL_META.map((m) => ({ id: m.id, levels: m.levels, status: statuses[m.id] ?? 'unknown' }));
}

/** One workload's verdict at `at`, from its stored statuses (storedControls). */
export function workloadVerdict(
  statuses: Readonly<Record<string, StoredStatus>>,
  waivers: readonly WaiverRule[],
  workload: string,
  environment: string,
  at: Date,
): WorkloadVerdict {
  const r = applyWaivers(storedControls(statuses), waivers, workload, environment, at);
  return {
    statuses: r.controls.map((c) => c.status),
    compliant: { L1: r.levels.L1.compliant, L2: r.levels.L2.compliant, L3: r.levels.L3.compliant },
    waiversUsed: r.waiversUsed,
  };
}

/**
 * workloadVerdict for many workloads at one moment under one set of waivers, computed once per
 * distinct case. A verdict depends only on the statuses and on which of the waivers can reach the
 * workload (its name and environment), and a team's workloads share a handful of status patterns
 * (statesAsOf hands out one statuses object per pattern), so an org-wide scorecard or a year of
 * trend points repeats the same few verdicts thousands of times. Keyed by the statuses object
 * itself: equal statuses in different objects are merely computed again. The verdicts returned
 * are shared: read them, never change them.
 */
export function verdictMemo(
  waivers: readonly WaiverRule[],
  at: Date,
): (statuses: Readonly<Record<string, StoredStatus>>, workload: string, environment: string) => WorkloadVerdict {
  const reaching = new Map<string, string>();
  const verdicts = new Map<Readonly<Record<string, StoredStatus>>, Map<string, WorkloadVerdict>>();
  return (statuses, workload, environment) => {
    let ids = '';
    if (waivers.length > 0) {
      const place = `${workload}\u0000${environment}`;
      const known = reaching.get(place);
      if (known === undefined) {
        ids = waivers
          .filter((w) => (w.environment === null || w.environment === environment) && globMatches(w.workloads, workload))
          .map((w) => w.id)
          .join(',');
        reaching.set(place, ids);
      } else ids = known;
    }
    let byWaivers = verdicts.get(statuses);
    if (!byWaivers) {
      byWaivers = new Map();
      verdicts.set(statuses, byWaivers);
    }
    let v = byWaivers.get(ids);
    if (!v) {
      v = workloadVerdict(statuses, waivers, workload, environment, at);
      byWaivers.set(ids, v);
    }
    return v;
  };
}

export interface WorkloadRef {
  workload: string;
  environment: string;
}

export interface ControlCounts {
  pass: number;
  fail: number;
  waived: number;
  unknown: number;
}

export interface ScorecardControl extends ControlCounts {
  id: ControlId;
  title: string;
  levels: Level[];
  /** Present when some workload is unknown here: the artifact kinds that would decide it, and who lacks them. */
  missingEvidence?: { decidedBy: ArtifactKind[]; workloads: WorkloadRef[] };
}

export interface ScorecardWaiver extends WaiverTerms {
  /** The workloads whose `fail` this waiver turned into `waived`. */
  covers: WorkloadRef[];
}

export interface Scorecard {
  team: string;
  environment: string | null;
  asOf: string;
  staleAfterDays: number;
  workloads: { total: number; stale: number };
  levels: Record<Level, { compliant: number; total: number }>;
  controls: ScorecardControl[];
  failing: (WorkloadRef & { controls: string[] })[];
  waivers: ScorecardWaiver[];
  staleWorkloads: (WorkloadRef & { observedAt: string; snapshotId: string })[];
}

export interface ScorecardOptions {
  team: string;
  environment: string | null;
  asOf: Date;
  staleAfterDays: number;
}

/** Whether a workload last seen at `observedAt` is stale at `at`. */
export function isStale(observedAt: Date, at: Date, staleAfterDays: number): boolean {
  return observedAt.getTime() < at.getTime() - staleAfterDays * DAY_MS;
}

/**
 * One team's scorecard. Stale workloads are listed and counted in `workloads.stale` only; every
 * other figure is over the fresh ones. Waivers must be the team's own; those in force at `asOf` apply.
 */
export function buildScorecard(states: readonly WorkloadStateAt[], waivers: readonly WaiverRule[], o: ScorecardOptions): Scorecard {
  const controls: ScorecardControl[] = CONTROL_META.map((m) => ({ id: m.id, title: m.title, levels: m.levels, pass: 0, fail: 0, waived: 0, unknown: 0 }));
  const levels = { L1: { compliant: 0, total: 0 }, L2: { compliant: 0, total: 0 }, L3: { compliant: 0, total: 0 } };
  const failing: Scorecard['failing'] = [];
  const staleWorkloads: Scorecard['staleWorkloads'] = [];
  const used = new Map<string, ScorecardWaiver>();
  const verdictOf = verdictMemo(waivers, o.asOf);
  for (const s of states) {
    const ref = { workload: s.workload, environment: s.environment };
    if (isStale(s.observedAt, o.asOf, o.staleAfterDays)) {
      staleWorkloads.push({ ...ref, observedAt: s.observedAt.toISOString(), snapshotId: s.snapshotId });
      continue;
    }
    const v = verdictOf(s.statuses, s.workload, s.environment);
    for (const level of LEVELS) {
      levels[level].total++;
      if (v.compliant[level]) levels[level].compliant++;
    }
    const failed: string[] = [];
    v.statuses.forEach((status, i) => {
      const c = controls[i];
      const meta = CONTROL_META[i];
      if (!c || !meta) return;
      c[status]++;
      if (status === 'fail') failed.push(c.id);
      if (status === 'unknown') {
        c.missingEvidence ??= { decidedBy: meta.decidedBy, workloads: [] };
        c.missingEvidence.workloads.push(ref);
      }
    });
    if (failed.length > 0) failing.push({ ...ref, controls: failed });
    for (const w of v.waiversUsed) {
      const entry = used.get(w.id) ?? { ...waiverTerms(w), covers: [] };
      entry.covers.push(ref);
      used.set(w.id, entry);
    }
  }
  return {
    team: o.team,
    environment: o.environment,
    asOf: o.asOf.toISOString(),
    staleAfterDays: o.staleAfterDays,
    workloads: { total: levels.L1.total, stale: staleWorkloads.length },
    levels,
    controls,
    failing,
    waivers: [...used.values()].sort((a, b) => a.control.localeCompare(b.control, 'en', { numeric: true }) || a.id.localeCompare(b.id)),
    staleWorkloads,
  };
}

/** The share of fresh workloads meeting a level; a team without any counts as 0. */
export function complianceRatio(card: Pick<Scorecard, 'levels'>, level: Level): number {
  const l = card.levels[level];
  return l.total === 0 ? 0 : l.compliant / l.total;
}

/**
 * The org-wide ranking: by the share of workloads meeting L3, then L2, then L1 (each
 * descending: the strictest level decides first), then by more workloads counted, then by slug.
 * Returns new objects with their 1-based `rank`.
 */
export function rankScorecards<T extends Scorecard>(cards: readonly T[]): (T & { rank: number })[] {
  const order: Level[] = ['L3', 'L2', 'L1'];
  return [...cards]
    .sort((a, b) => {
      for (const level of order) {
        const d = complianceRatio(b, level) - complianceRatio(a, level);
        if (d !== 0) return d;
      }
      return b.workloads.total - a.workloads.total || a.team.localeCompare(b.team);
    })
    .map((card, i) => ({ ...card, rank: i + 1 }));
}

export interface OrgTotals {
  teams: number;
  workloads: { total: number; stale: number };
  levels: Record<Level, { compliant: number; total: number }>;
  controls: ({ id: ControlId } & ControlCounts)[];
}

/** Sums over every team's scorecard. */
export function orgTotals(cards: readonly Scorecard[]): OrgTotals {
  const totals: OrgTotals = {
    teams: cards.length,
    workloads: { total: 0, stale: 0 },
    levels: { L1: { compliant: 0, total: 0 }, L2: { compliant: 0, total: 0 }, L3: { compliant: 0, total: 0 } },
    controls: CONTROL_META.map((m) => ({ id: m.id, pass: 0, fail: 0, waived: 0, unknown: 0 })),
  };
  for (const card of cards) {
    totals.workloads.total += card.workloads.total;
    totals.workloads.stale += card.workloads.stale;
    for (const level of LEVELS) {
      totals.levels[level].compliant += card.levels[level].compliant;
      totals.levels[level].total += card.levels[level].total;
    }
    card.controls.forEach((c, i) => {
      const t = totals.controls[i];
      if (!t) return;
      t.pass += c.pass;
      t.fail += c.fail;
      t.waived += c.waived;
      t.unknown += c.unknown;
    });
  }
  return totals;
}
