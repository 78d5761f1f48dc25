import type { ArtifactKind, Container, Evidence, Source } from '../model/evidence.ts';
import type { ControlId, Finding, FindingStatus, Level } from '../model/result.ts';
import type { EvaluationContext } from '../model/context.ts';

export type { EvaluationContext };

export interface Control {
  id: ControlId;
  levels: readonly Level[];
  title: { en: string; de: string };
  /** The requirement's full text: English rendering and the German original. */
  text: { en: string; de: string };
  /** The general fix, shown on the control. Findings carry a specific one. */
  remediation: string;
  /**
   * How each kind of evidence decides this control, as Markdown bullets for auditors.
   * `docs/controls.md` is generated from these, so the rule and its documentation cannot drift.
   */
  rules: string;
  /** The artifact kinds that can decide this control (named when it stays `unknown`). */
  decidedBy: readonly ArtifactKind[];
  evaluate(evidence: Evidence, context: EvaluationContext): Finding[];
}

/** Small constructors so control modules read as rules, not object literals. */
export function finding(
  source: Source,
  status: FindingStatus,
  location: string,
  message: string,
  options: { container?: string | null; remediation?: string } = {},
): Finding {
  const f: Finding = {
    artifact: source.artifact,
    kind: source.kind,
    container: options.container ?? null,
    location,
    message,
    status,
  };
  if (status === 'fail' && options.remediation) f.remediation = options.remediation;
  return f;
}

/** A finding about one container. */
export function containerFinding(
  c: Container,
  status: FindingStatus,
  location: string,
  message: string,
  remediation?: string,
): Finding {
  return finding(c.source, status, location, message, { container: c.name, ...(remediation ? { remediation } : {}) });
}
