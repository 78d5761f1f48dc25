import type { ArtifactKind, Container, Evidence, Source } from '../model/evidence.ts';
import type { ControlId, Finding, FindingStatus, Level } from '../model/result.ts';
import { defineTexts, type Text, tx } from '../model/text.ts';
import type { EvaluationContext } from '../model/context.ts';

export type { EvaluationContext };

export interface Control {
  id: ControlId;
  levels: readonly Level[];
  title: { en: string; de: string };
  /** The requirement's full text: English rendering and the German original. */
  text: { en: string; de: string };
  /** The general fix, shown on the control, in both languages. Findings carry a specific one. */
  remediation: Text;
  /**
   * How each kind of evidence decides this control, as Markdown bullets for auditors.
   * `docs/controls.md` is generated from these, so the rule and its documentation cannot drift.
   */
  rules: string;
  /** The artifact kinds that can decide this control (named when it stays `unknown`). */
  decidedBy: readonly ArtifactKind[];
  evaluate(evidence: Evidence, context: EvaluationContext): Finding[];
}

/**
 * Which containers a finding speaks for, beyond what its artifact says by itself. A control passes
 * only when every container of the snapshot is shown compliant (or exempt), so the engine must know
 * whom each passing finding covers: a container finding covers its container; a daemon's or a
 * pod's finding covers the containers it governs; image-level findings (Dockerfile, image inspect,
 * SBOM, packages) are matched to containers by image in the engine. Kept beside the finding, not in
 * it, so stored findings keep their shape.
 */
export interface Coverage {
  containers: readonly Container[];
  /** Exempt rather than shown compliant (an init container may run as root: that is initialisation). */
  exempt: boolean;
}

const coverage = new WeakMap<Finding, Coverage>();

/** The containers a finding was made to cover, if its control said so. */
export function coverageOf(f: Finding): Coverage | undefined {
  return coverage.get(f);
}

export interface FindingOptions {
  container?: string | null;
  remediation?: Text;
  /** The containers this finding shows compliant (pass) or exempt; see {@link Coverage}. */
  covers?: readonly Container[];
  exempt?: boolean;
}

/** Small constructors so control modules read as rules, not object literals. */
export function finding(
  source: Source,
  status: FindingStatus,
  location: string,
  message: Text,
  options: FindingOptions = {},
): Finding {
  const f: Finding = {
    artifact: source.artifact,
    kind: source.kind,
    container: options.container ?? null,
    location,
    message: message.en,
    status,
  };
  const fix = status === 'fail' ? options.remediation : undefined;
  if (fix) f.remediation = fix.en;
  f.de = fix ? { message: message.de, remediation: fix.de } : { message: message.de };
  if (options.covers && options.covers.length > 0) coverage.set(f, { containers: options.covers, exempt: options.exempt === true });
  return f;
}

/**
 * The container's artifact has a shape that does not carry the setting at all (the Engine API's
 * container list has no `Config` or `HostConfig`): no default applies, and it is no evidence.
 */
export function notCarried(c: Container, setting: Text): Finding {
  return finding(c.source, 'unknown', c.path, tx(T.notCarried, { setting }), { container: c.name });
}

const T = defineTexts('control', {
  notCarried: {
    en: '{setting} is not part of this artifact\'s shape (a container list, not `docker inspect`): no evidence either way; `docker inspect` of the container shows it',
    de: '{setting} ist in der Form dieses Artefakts nicht enthalten (eine Containerliste, nicht `docker inspect`): kein Nachweis, weder dafür noch dagegen; `docker inspect` des Containers zeigt es',
  },
  container: { en: 'container', de: 'der Container' },
  initContainer: { en: 'init container', de: 'der Init-Container' },
  ephemeralContainer: { en: 'ephemeral container', de: 'der Ephemeral-Container' },
});

/** How a finding names the kind of container: "container", "init container", "ephemeral container". */
export function roleText(c: Container): Text {
  return c.role === 'init' ? T.initContainer : c.role === 'ephemeral' ? T.ephemeralContainer : T.container;
}

/** A finding about one container; it covers that container (exempt when `exempt` is given). */
export function containerFinding(
  c: Container,
  status: FindingStatus,
  location: string,
  message: Text,
  remediation?: Text,
  exempt = false,
): Finding {
  return finding(c.source, status, location, message, {
    container: c.name,
    covers: [c],
    exempt,
    ...(remediation ? { remediation } : {}),
  });
}
