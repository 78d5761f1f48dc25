/**
 * OSCAL assessment-results (1.1.2) for a report, streamed as JSON text: one result whose reviewed
 * controls are the level's, one inventory item per workload, one observation and one finding per
 * workload × control of the level (target: the control's assessment objective in our catalog,
 * `satisfied` or `not-satisfied`), and one risk per waiver relied on (`deviation-approved`).
 * Findings come from the settled plan, observations (with the deciding evidence) chunk by chunk.
 */
import type { ControlStatus } from '../model/result.ts';
import { controlTitle } from './labels.ts';
import { CATALOG_FILE, CSVS_NS, OSCAL_VERSION, objectiveId, oscalControlId, PLAN_FILE } from './oscal-documents.ts';
import type { ControlVerdict, PlannedWorkload, ReportHeader, WorkloadReport } from './report.ts';

export interface OscalOptions {
  /** Where the service answers (`https://csvs.example.com`), so that references resolve. */
  baseUrl: string;
  /** A random source for the document's identifiers; tests may fix it. */
  random?: (bytes: Uint8Array) => Uint8Array;
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * UUIDs of one document: random version-4 ones for single objects, and for the many
 * observations and findings a random 74-bit stem per kind plus a counter, so that a finding
 * can name its observation before the observation is written (one pass, nothing kept).
 */
export function uuidSource(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b as Uint8Array<ArrayBuffer>)) {
  const v4 = (): string => {
    const b = random(new Uint8Array(16));
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = hex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const series = (): ((n: number) => string) => {
    const stem = v4().slice(0, 24);
    return (n: number) => `${stem}${n.toString(16).padStart(12, '0')}`;
  };
  return { v4, series };
}

const STATE: Record<ControlStatus, { state: 'satisfied' | 'not-satisfied'; reason: 'pass' | 'fail' | 'other' }> = {
  pass: { state: 'satisfied', reason: 'pass' },
  fail: { state: 'not-satisfied', reason: 'fail' },
  waived: { state: 'not-satisfied', reason: 'fail' },
  unknown: { state: 'not-satisfied', reason: 'other' },
};

const STATUS_TEXT: Record<ControlStatus, string> = {
  pass: 'The control passed: every finding of the snapshot satisfies it.',
  fail: 'The control failed.',
  waived: 'The control failed; an approved waiver (a deviation, see the related risk) lets it count toward the level.',
  unknown: 'No uploaded artifact could decide the control: evidence is missing, so the objective is not shown to be satisfied.',
};

/** OSCAL strings must not start or end with whitespace; an empty value is not allowed either. */
const str = (s: string): string => s.trim() || '-';
const prop = (name: string, value: string, ns?: string) => (ns ? { name, ns, value: str(value) } : { name, value: str(value) });
const json = (v: unknown): string => JSON.stringify(v);

/** The document as a stream of JSON text pieces. */
export async function* oscalAssessmentResults(
  header: ReportHeader,
  planned: readonly PlannedWorkload[],
  chunks: AsyncIterable<readonly WorkloadReport[]>,
  options: OscalOptions,
): AsyncGenerator<string> {
  const ids = uuidSource(options.random);
  const base = options.baseUrl.replace(/\/+$/, '');
  const level = new Set<string>(header.levelControls);
  const observationId = ids.series();
  const findingId = ids.series();
  const itemId = ids.series();
  const toolId = ids.v4();
  const riskIds = new Map(header.waivers.map((w) => [w.id, ids.v4()]));
  const index = new Map(planned.map((p, i) => [p.subject, i]));
  const slot = (workload: number, control: number) => workload * 16 + control;
  const scope = header.scope.type === 'team' ? `team ${header.scope.teams.join(', ')}` : `the organisation (${header.scope.teams.length} teams)`;
  const start = planned.reduce((min, p) => (p.observedAt.toISOString() < min ? p.observedAt.toISOString() : min), header.asOf);

  const head = {
    uuid: ids.v4(),
    metadata: {
      title: `CSVS V3 ${header.level} assessment results for ${scope} as of ${header.asOf}`,
      'last-modified': header.generatedAt,
      version: header.asOf,
      'oscal-version': OSCAL_VERSION,
      props: [prop('scope', header.scope.type, CSVS_NS), prop('level', header.level, CSVS_NS)],
    },
    'import-ap': { href: `${base}/oscal/${PLAN_FILE}` },
  };
  const localDefinitions: Record<string, unknown> = {
    components: [
      {
        uuid: toolId,
        type: 'software',
        title: `${header.engine.name} ${header.engine.version}`,
        description: 'The automated engine that evaluated each snapshot against CSVS V3.',
        props: [prop('version', header.engine.version)],
        status: { state: 'operational' },
      },
    ],
  };
  if (planned.length > 0) {
    localDefinitions['inventory-items'] = planned.map((p, i) => ({
      uuid: itemId(i),
      description: `Workload ${p.workload} of team ${p.team} in environment ${p.environment}`,
      props: [prop('asset-id', p.subject), prop('team', p.team, CSVS_NS), prop('environment', p.environment, CSVS_NS)],
    }));
  }
  const result: Record<string, unknown> = {
    uuid: ids.v4(),
    title: `CSVS V3 ${header.level}: ${header.verdict.compliant} of ${header.verdict.total} workloads meet the level`,
    description:
      `Each workload of ${scope}${header.environment ? ` in environment ${header.environment}` : ''} counted by its latest ` +
      `evaluated snapshot as of ${header.asOf}, with the waivers in force then. ${header.stale.workloads.length} workload(s) ` +
      `without a snapshot for more than ${header.stale.afterDays} days are left out.`,
    start,
    end: header.asOf,
    props: [
      prop('level', header.level, CSVS_NS),
      prop('compliant', String(header.verdict.compliant), CSVS_NS),
      prop('total', String(header.verdict.total), CSVS_NS),
      prop('result', header.verdict.result, CSVS_NS),
      prop('stale', String(header.stale.workloads.length), CSVS_NS),
    ],
    'local-definitions': localDefinitions,
    'reviewed-controls': {
      'control-selections': [{ 'include-controls': header.levelControls.map((id) => ({ 'control-id': oscalControlId(id) })) }],
    },
  };
  if (header.waivers.length > 0) {
    result.risks = header.waivers.map((w) => ({
      uuid: riskIds.get(w.id),
      title: `Waiver for ${w.control} (${w.team}/${w.workloads}${w.environment ? `@${w.environment}` : ''})`,
      description: str(w.justification),
      statement: `Control ${oscalControlId(w.control)} fails for ${w.covers.join(', ')}; the failure was accepted until ${w.expiresAt}.`,
      props: [prop('waiver-id', w.id, CSVS_NS), prop('approved-by', w.approvedBy, CSVS_NS)],
      status: 'deviation-approved',
      deadline: w.expiresAt,
    }));
  }

  // Everything up to the findings, written by hand so the arrays after it can stream.
  const resultHead = json(result);
  yield `{"assessment-results":${json(head).slice(0, -1)},"results":[${resultHead.slice(0, -1)}`;

  if (planned.length > 0 && header.levelControls.length > 0) {
    yield ',"findings":[';
    let first = true;
    for (let i = 0; i < planned.length; i++) {
      const p = planned[i];
      if (!p) continue;
      const pieces: string[] = [];
      p.controls.forEach((c, ci) => {
        if (!level.has(c.id)) return;
        const finding: Record<string, unknown> = {
          uuid: findingId(slot(i, ci)),
          title: `${c.id} ${controlTitle(c.id, 'en')}: ${p.subject}`,
          description: STATUS_TEXT[c.status],
          target: { type: 'objective-id', 'target-id': objectiveId(c.id), status: STATE[c.status] },
          'related-observations': [{ 'observation-uuid': observationId(slot(i, ci)) }],
        };
        const risk = c.waiver ? riskIds.get(c.waiver) : undefined;
        if (risk) finding['related-risks'] = [{ 'risk-uuid': risk }];
        pieces.push(json(finding));
      });
      if (pieces.length > 0) {
        yield `${first ? '' : ','}${pieces.join(',')}`;
        first = false;
      }
    }
    yield '],"observations":[';
    first = true;
    for await (const chunk of chunks) {
      const pieces: string[] = [];
      for (const w of chunk) {
        const i = index.get(w.subject);
        if (i === undefined) continue;
        w.controls.forEach((c, ci) => {
          if (level.has(c.id)) pieces.push(json(observation(w, c, observationId(slot(i, ci)), itemId(i), toolId, base)));
        });
      }
      if (pieces.length > 0) {
        yield `${first ? '' : ','}${pieces.join(',')}`;
        first = false;
      }
    }
    yield ']';
  }

  const backMatter = {
    resources: [
      {
        uuid: ids.v4(),
        title: 'CSVS V3 catalog',
        rlinks: [{ href: `${base}/oscal/${CATALOG_FILE}`, 'media-type': 'application/json' }],
      },
    ],
  };
  yield `}],"back-matter":${json(backMatter)}}}`;
}

function observation(w: WorkloadReport, c: ControlVerdict, uuid: string, item: string, tool: string, base: string) {
  const lines = (c.findings ?? []).map((f) => `- ${f.artifact} ${f.location}${f.container ? ` [${f.container}]` : ''}: ${f.message}`);
  if (c.findingsOmitted) lines.push(`- … and ${c.findingsOmitted} more`);
  if (c.decidedBy) lines.push(`Would be decided by: ${c.decidedBy.join(', ')}`);
  const o: Record<string, unknown> = {
    uuid,
    title: `${c.id} ${controlTitle(c.id, 'en')} on ${w.subject}`,
    description: `${STATUS_TEXT[c.status]} Status: ${c.status}.`,
    props: [prop('status', c.status, CSVS_NS), prop('control', oscalControlId(c.id), CSVS_NS)],
    methods: ['EXAMINE'],
    types: ['control-objective'],
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': tool }] }],
    subjects: [{ 'subject-uuid': item, type: 'inventory-item', title: w.subject }],
    'relevant-evidence': [
      {
        href: `${base}/v1/snapshots/${w.snapshotId}`,
        description: `Snapshot ${w.snapshotId} (content hash ${w.contentHash}), evaluated by engine ${w.engineVersion ?? 'unknown'}`,
      },
    ],
    collected: w.observedAt,
  };
  if (c.waiver) (o.props as unknown[]).push(prop('waiver-id', c.waiver, CSVS_NS));
  if (lines.length > 0) o.remarks = lines.join('\n');
  return o;
}
