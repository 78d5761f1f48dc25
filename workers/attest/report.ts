/**
 * The attestation report every format renders: what was decided for a scope at a level as of a
 * moment. Built in two steps so large scopes stay bounded in memory: `planReport` settles every
 * workload's verdict from the stored statuses (small rows), then `completeWorkload` adds the
 * evidence (content hash, deciding findings) one chunk of workloads at a time.
 */
import { controlById, CONTROL_IDS } from '../controls/index.ts';
import type { ArtifactKind } from '../model/evidence.ts';
import type { ControlId, ControlStatus, Excerpt, Finding, Level } from '../model/result.ts';
import { EXCERPT_MAX_CHARS } from '../engine/excerpts.ts';
import { ENGINE_VERSION } from '../engine/version.ts';
import { applyWaivers, type WaiverRule, type WaiverTerms, waiverTerms } from '../model/waivers.ts';

/** Deciding findings kept per control; the rest are counted in `findingsOmitted`. */
export const MAX_FINDINGS_PER_CONTROL = 5;
/** Longer finding messages are cut (with an ellipsis) so one odd artifact cannot bloat a report. */
export const MAX_MESSAGE_CHARS = 500;

export const ENGINE_NAME = 'csvs-compliance';

export interface ReportScope {
  type: 'team' | 'org';
  /** Team slugs covered (for `org`, every team at the time). */
  teams: string[];
}

export interface ReliedWaiver extends WaiverTerms {
  team: string;
  /** Subjects (`team/workload@environment`) whose `fail` of the control this waiver turned into `waived`. */
  covers: string[];
}

export interface ControlSummary {
  id: ControlId;
  inLevel: boolean;
  pass: number;
  fail: number;
  waived: number;
  unknown: number;
}

export interface ReportHeader {
  scope: ReportScope;
  level: Level;
  /** The controls the level requires, in the standard's order. */
  levelControls: ControlId[];
  asOf: string;
  generatedAt: string;
  environment: string | null;
  engine: { name: string; version: string };
  /** How the verdict was reached, in words, so the statement explains itself. */
  rules: string[];
  /** N of M workloads meet the level; PASSED only when all do and there is at least one. */
  verdict: { compliant: number; total: number; result: 'PASSED' | 'FAILED' };
  /** Workloads whose latest snapshot is older than `afterDays` at `asOf`: left out of everything else. */
  stale: { afterDays: number; workloads: { team: string; workload: string; environment: string; observedAt: string; snapshotId: string }[] };
  controls: ControlSummary[];
  waivers: ReliedWaiver[];
}

export interface DecidingFinding {
  artifact: string;
  kind: string;
  container: string | null;
  location: string;
  message: string;
  /** The message in German, where the stored finding carries it. */
  de?: string;
  status: 'fail' | 'unknown';
  /** The source quoted when the finding was made (absent on findings stored before excerpts were kept). */
  excerpt?: Excerpt;
}

export interface ControlVerdict {
  id: ControlId;
  status: ControlStatus;
  /** The waiver that turned this `fail` into `waived`. */
  waiver?: string;
  /** For fail / waived / unknown: the findings that decided it (at most MAX_FINDINGS_PER_CONTROL). */
  findings?: DecidingFinding[];
  findingsOmitted?: number;
  /** For unknown: the artifact kinds that would decide it. */
  decidedBy?: ArtifactKind[];
}

/** A workload whose verdict is settled; the evidence is added by completeWorkload. */
export interface PlannedWorkload {
  teamId: string;
  team: string;
  workload: string;
  environment: string;
  subject: string;
  snapshotId: string;
  observedAt: Date;
  compliant: boolean;
  controls: { id: ControlId; status: ControlStatus; stored: 'pass' | 'fail' | 'unknown'; waiver?: string }[];
}

export interface WorkloadReport {
  subject: string;
  team: string;
  workload: string;
  environment: string;
  snapshotId: string;
  observedAt: string;
  /** The snapshot's content hash as stored (`sha256:<hex>`). */
  contentHash: string;
  /** The engine version that evaluated the snapshot. */
  engineVersion: string | null;
  compliant: boolean;
  /** All fifteen controls in order; `findings` only where they decided something. */
  controls: ControlVerdict[];
  /** Controls of the level without evidence: they alone keep the workload from the level when nothing fails. */
  unknowns: ControlId[];
}

export interface ReportPlan {
  header: ReportHeader;
  workloads: PlannedWorkload[];
}

export interface StateInput {
  teamId: string;
  team: string;
  workload: string;
  environment: string;
  snapshotId: string;
  observedAt: Date;
  statuses: Readonly<Record<string, 'pass' | 'fail' | 'unknown'>>;
}

export interface PlanInput {
  scope: ReportScope;
  level: Level;
  asOf: Date;
  generatedAt: Date;
  environment: string | null;
  staleAfterDays: number;
  /** Workloads counted (the caller has left out the stale ones). */
  fresh: readonly StateInput[];
  stale: readonly StateInput[];
  /** Each team's waivers in force at `asOf`, by team id. */
  waivers: ReadonlyMap<string, readonly WaiverRule[]>;
}

const LEVEL_CONTROLS = (level: Level): ControlId[] => CONTROL_IDS.filter((id) => controlById(id)?.levels.includes(level));

/** `team/workload@environment`: the subject name in statements and reports. */
export function subjectName(team: string, workload: string, environment: string): string {
  return `${team}/${workload}@${environment}`;
}

const byKey = (a: { team: string; workload: string; environment: string }, b: typeof a): number =>
  a.team < b.team ? -1 : a.team > b.team ? 1 : a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0;

/**
 * Settles every workload's verdict: stored statuses, waivers in force at `asOf` applied, the level
 * met when each of its controls passes or is waived. A control missing from the stored statuses
 * counts as unknown (no evidence was judged). Linear in workloads × controls.
 */
export function planReport(input: PlanInput): ReportPlan {
  const levelControls = LEVEL_CONTROLS(input.level);
  const inLevel = new Set<string>(levelControls);
  const summary: ControlSummary[] = CONTROL_IDS.map((id) => ({ id, inLevel: inLevel.has(id), pass: 0, fail: 0, waived: 0, unknown: 0 }));
  const relied = new Map<string, ReliedWaiver>();
  const workloads: PlannedWorkload[] = [];
  for (const s of [...input.fresh].sort(byKey)) {
    const stored = CONTROL_IDS.map((id) => ({ id, levels: [...(controlById(id)?.levels ?? [])], status: s.statuses[id] ?? 'unknown' }));
    const applied = applyWaivers(stored, input.waivers.get(s.teamId) ?? [], s.workload, s.environment, input.asOf);
    const subject = subjectName(s.team, s.workload, s.environment);
    const controls = applied.controls.map((c, i) => {
      const entry: PlannedWorkload['controls'][number] = { id: c.id, status: c.status, stored: stored[i]?.status ?? 'unknown' };
      if (c.waiver) entry.waiver = c.waiver.id;
      const counts = summary[i];
      if (counts) counts[c.status]++;
      return entry;
    });
    for (const w of applied.waiversUsed) {
      const entry = relied.get(w.id) ?? waiverEntry(w, s.team);
      entry.covers.push(subject);
      relied.set(w.id, entry);
    }
    workloads.push({
      teamId: s.teamId,
      team: s.team,
      workload: s.workload,
      environment: s.environment,
      subject,
      snapshotId: s.snapshotId,
      observedAt: s.observedAt,
      compliant: applied.levels[input.level].compliant,
      controls,
    });
  }
  const compliant = workloads.filter((w) => w.compliant).length;
  const header: ReportHeader = {
    scope: input.scope,
    level: input.level,
    levelControls,
    asOf: input.asOf.toISOString(),
    generatedAt: input.generatedAt.toISOString(),
    environment: input.environment,
    engine: { name: ENGINE_NAME, version: ENGINE_VERSION },
    rules: reportRules(input.level, input.staleAfterDays),
    verdict: { compliant, total: workloads.length, result: workloads.length > 0 && compliant === workloads.length ? 'PASSED' : 'FAILED' },
    stale: {
      afterDays: input.staleAfterDays,
      workloads: [...input.stale].sort(byKey).map((s) => ({
        team: s.team,
        workload: s.workload,
        environment: s.environment,
        observedAt: s.observedAt.toISOString(),
        snapshotId: s.snapshotId,
      })),
    },
    controls: summary,
    waivers: [...relied.values()].sort((a, b) => a.control.localeCompare(b.control, 'en', { numeric: true }) || (a.id < b.id ? -1 : 1)),
  };
  return { header, workloads };
}

/** The counting rules, as the predicate states them (English; the renderers have their own words). */
export function reportRules(level: Level, staleAfterDays: number): string[] {
  return [
    'Each workload (team, workload, environment) counts by its latest evaluated snapshot observed at or before asOf.',
    `Workloads without a snapshot in the ${staleAfterDays} days before asOf are stale: listed under stale and left out of the verdict.`,
    'Waivers in force at asOf turn a fail of their control into waived, which counts toward the level; missing evidence (unknown) is never waived.',
    `A workload meets ${level} when every control of ${level} is pass or waived; the result is PASSED only when every counted workload meets it and there is at least one.`,
  ];
}

function waiverEntry(w: WaiverRule, team: string): ReliedWaiver {
  const { id, ...terms } = waiverTerms(w);
  return { id, team, ...terms, covers: [] };
}

export interface StoredEvidence {
  contentHash: string;
  engineVersion: string | null;
  /** The snapshot's stored results; only fail/unknown ones are needed (pass findings decide nothing here). */
  results: readonly { controlId: string; status: string; findings: unknown }[];
}

/** Adds a workload's evidence: content hash, engine version and, per control, what decided it. */
export function completeWorkload(p: PlannedWorkload, evidence: StoredEvidence, levelControls: readonly ControlId[]): WorkloadReport {
  const results = new Map(evidence.results.map((r) => [r.controlId, r]));
  const inLevel = new Set<string>(levelControls);
  const unknowns: ControlId[] = [];
  const controls = p.controls.map((c): ControlVerdict => {
    const v: ControlVerdict = { id: c.id, status: c.status };
    if (c.waiver) v.waiver = c.waiver;
    if (c.status === 'pass') return v;
    const wanted = c.stored === 'unknown' ? 'unknown' : 'fail';
    const all = decidingFindings(results.get(c.id)?.findings, wanted);
    if (all.length > 0) v.findings = all.slice(0, MAX_FINDINGS_PER_CONTROL);
    if (all.length > MAX_FINDINGS_PER_CONTROL) v.findingsOmitted = all.length - MAX_FINDINGS_PER_CONTROL;
    if (c.status === 'unknown') {
      v.decidedBy = [...(controlById(c.id)?.decidedBy ?? [])];
      if (inLevel.has(c.id)) unknowns.push(c.id);
    }
    return v;
  });
  return {
    subject: p.subject,
    team: p.team,
    workload: p.workload,
    environment: p.environment,
    snapshotId: p.snapshotId,
    observedAt: p.observedAt.toISOString(),
    contentHash: evidence.contentHash,
    engineVersion: evidence.engineVersion,
    compliant: p.compliant,
    controls,
    unknowns,
  };
}

/** Findings with the wanted status from stored jsonb, read defensively (rows may predate today's shape). */
function decidingFindings(stored: unknown, wanted: 'fail' | 'unknown'): DecidingFinding[] {
  if (!Array.isArray(stored)) return [];
  const out: DecidingFinding[] = [];
  for (const raw of stored as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const f = raw as Partial<Record<keyof Finding, unknown>>;
    if (f.status !== wanted) continue;
    const d: DecidingFinding = {
      artifact: text(f.artifact),
      kind: text(f.kind),
      container: typeof f.container === 'string' ? f.container : null,
      location: text(f.location),
      message: clip(text(f.message)),
      status: wanted,
    };
    const de = typeof f.de === 'object' && f.de !== null ? (f.de as { message?: unknown }).message : undefined;
    if (typeof de === 'string') d.de = clip(de);
    const excerpt = storedExcerpt(f.excerpt);
    if (excerpt) d.excerpt = excerpt;
    out.push(d);
  }
  return out;
}

/** A stored excerpt, read defensively: only the two shapes the engine writes, strings clipped again. */
function storedExcerpt(raw: unknown): Excerpt | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const e = raw as { type?: unknown; lines?: unknown; key?: unknown; value?: unknown };
  if (e.type === 'value') return { type: 'value', key: clipExcerpt(text(e.key)), value: clipExcerpt(text(e.value)) };
  if (e.type !== 'lines' || !Array.isArray(e.lines)) return null;
  const lines = (e.lines as unknown[]).slice(0, 3).flatMap((l) => {
    const x = (typeof l === 'object' && l !== null ? l : {}) as { n?: unknown; text?: unknown; hit?: unknown };
    return typeof x.n === 'number' && Number.isInteger(x.n) ? [{ n: x.n, text: clipExcerpt(text(x.text)), hit: x.hit === true }] : [];
  });
  return lines.length > 0 ? { type: 'lines', lines } : null;
}

const clipExcerpt = (s: string): string => (s.length > EXCERPT_MAX_CHARS ? `${s.slice(0, EXCERPT_MAX_CHARS - 1)}…` : s);

/**
 * An excerpt as a report quotes it: the finding's own line, numbered (`> 12  ADD . /app`), or the
 * JSON value. The lines around it stay in the API and the dashboard: a report lists up to five
 * findings for each of fifteen controls of every workload, and must stay a page per workload.
 */
export function excerptText(e: Excerpt): string[] {
  if (e.type === 'value') return [`"${e.key}": ${e.value === '' ? '–' : e.value}`];
  return e.lines.filter((l) => l.hit).map((l) => `> ${l.n}  ${l.text}`);
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const clip = (s: string): string => (s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS - 1)}…` : s);

/** The hex digest of a stored content hash (`sha256:<hex>`), as in-toto subjects want it. */
export function contentDigestHex(contentHash: string): string {
  return contentHash.startsWith('sha256:') ? contentHash.slice('sha256:'.length) : contentHash;
}
