import { CONTROLS } from '../controls/index.ts';
import type { Control } from '../controls/control.ts';
import type { EvaluationContext } from '../model/context.ts';
import type { Evidence } from '../model/evidence.ts';
import { summarizeLevels } from '../model/levels.ts';
import type { ArtifactInput } from '../model/artifacts.ts';
import { coverage } from './coverage.ts';
import { attachExcerpts } from './excerpts.ts';
import { buildEvidence } from './parse.ts';
import type { ControlResult, EvaluationResult, Finding, FindingStatus } from '../model/result.ts';
import { defineTexts, tx } from '../model/text.ts';
import { ENGINE_VERSION } from './version.ts';

const T = defineTexts('engine', {
  internalError: {
    en: 'internal error while evaluating {control}: {error}',
    de: 'interner Fehler bei der Bewertung von {control}: „{error}“',
  },
  unreadable: {
    en: 'could not be read, so it is no evidence: {error}',
    // The reader's own words are quoted as it gave them.
    de: 'ließ sich nicht lesen und ist daher kein Nachweis; der Leser meldet: „{error}“',
  },
});

export interface SnapshotInput {
  artifacts: readonly ArtifactInput[];
  workload?: string | null;
  history?: EvaluationContext['history'];
}

/**
 * Evaluates one snapshot against CSVS V3 3.1–3.15. Pure: no I/O, nothing Node-only, so the
 * Node server, the Worker and the CLI run the same code. Never throws.
 */
export function evaluate(input: SnapshotInput): EvaluationResult {
  const evidence = buildEvidence(input.artifacts);
  return evaluateEvidence(evidence, { workload: input.workload ?? null, history: input.history ?? [] });
}

export function evaluateEvidence(evidence: Evidence, context: EvaluationContext): EvaluationResult {
  const controls = CONTROLS.map((control) => evaluateControl(control, evidence, context));
  // The sources of what fails or is unknown, quoted now, so they outlive the artifacts' texts.
  attachExcerpts(controls, evidence.artifacts);
  return { engineVersion: ENGINE_VERSION, controls, levels: summarizeLevels(controls) };
}

/** Worst of: any failing finding fails the control; else any passing one passes it; else unknown. */
export function statusOf(findings: readonly Finding[]): FindingStatus {
  if (findings.some((f) => f.status === 'fail')) return 'fail';
  if (findings.some((f) => f.status === 'pass')) return 'pass';
  return 'unknown';
}

function evaluateControl(control: Control, evidence: Evidence, context: EvaluationContext): ControlResult {
  let findings: Finding[];
  try {
    findings = control.evaluate(evidence, context);
  } catch (e) {
    // A rule bug must not take the whole verdict down; it shows as missing evidence, loudly.
    const text = tx(T.internalError, { control: control.id, error: e instanceof Error ? e.message : String(e) });
    findings = [
      {
        artifact: '(engine)',
        kind: evidence.artifacts[0]?.source.kind ?? 'dockerfile',
        container: null,
        location: '',
        message: text.en,
        status: 'unknown',
        de: { message: text.de },
      },
    ];
  }
  findings.push(...unreadableArtifacts(control, evidence));
  let status = statusOf(findings);
  if (status === 'pass') {
    // Passing findings pass the control only when they cover every container of the snapshot.
    const covered = coverage(control, evidence, findings);
    if (!covered.complete) {
      status = 'unknown';
      findings.push(...covered.gaps);
    }
  }
  const result: ControlResult = {
    id: control.id,
    status,
    levels: [...control.levels],
    title: control.title.en,
    findings,
    remediation: control.remediation.en,
  };
  if (status === 'unknown') result.decidedBy = [...control.decidedBy];
  return result;
}

/** An artifact that could not be read is shown on every control its kind could have decided. */
function unreadableArtifacts(control: Control, evidence: Evidence): Finding[] {
  return evidence.artifacts
    .filter((a) => a.error !== null && control.decidedBy.includes(a.source.kind))
    .map((a) => {
      const text = tx(T.unreadable, { error: a.error ?? '' });
      return {
        artifact: a.source.artifact,
        kind: a.source.kind,
        container: null,
        location: '',
        message: text.en,
        status: 'unknown' as const,
        de: { message: text.de },
      };
    });
}
