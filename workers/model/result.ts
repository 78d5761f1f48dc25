import type { ArtifactKind } from './evidence.ts';

export const LEVELS = ['L1', 'L2', 'L3'] as const;
export type Level = (typeof LEVELS)[number];

export type FindingStatus = 'pass' | 'fail' | 'unknown';
/** `waived` is applied by the service when an active waiver covers a `fail`; the engine never returns it. */
export type ControlStatus = FindingStatus | 'waived';

/** A requirement of chapter V3 (`3.1`); the controls that exist are those the registry lists (`CONTROL_IDS`). */
export type ControlId = `3.${number}`;

/**
 * The source behind a finding, as it was when the finding was made (after secret redaction):
 * the lines around a Dockerfile line or the line a YAML path names (that line marked `hit`), or the
 * value a JSON pointer names. Each line or value is capped (workers/engine/excerpts.ts).
 */
export type Excerpt =
  | { type: 'lines'; lines: { n: number; text: string; hit: boolean }[] }
  | { type: 'value'; key: string; value: string };

/** One observation behind a control's status. */
export interface Finding {
  artifact: string;
  kind: ArtifactKind;
  /** The container the finding is about, or null for image/daemon/file-wide facts. */
  container: string | null;
  /** `line 12`, a JSON pointer or a YAML path. */
  location: string;
  message: string;
  status: FindingStatus;
  /** How to fix it; set on failing findings. */
  remediation?: string;
  /**
   * The same observation and remediation in German, made with the English where the rule
   * decided (workers/model/text.ts). Absent on findings stored before German was added.
   */
  de?: { message: string; remediation?: string };
  /**
   * The offending source, stored with the finding so that it outlives the artifact's text
   * (RETAIN_ARTIFACTS_DAYS). Set on failing and unknown findings that name a place in a text
   * artifact; absent on passing ones, on findings stored before excerpts were kept, and where the
   * place cannot be shown.
   */
  excerpt?: Excerpt;
}

export interface ControlResult {
  id: ControlId;
  status: ControlStatus;
  levels: Level[];
  title: string;
  findings: Finding[];
  remediation: string;
  /** For `unknown`: the artifact kinds that would decide this control. */
  decidedBy?: ArtifactKind[];
}

export interface LevelSummary {
  compliant: boolean;
  pass: number;
  fail: number;
  unknown: number;
  waived: number;
}

export interface EvaluationResult {
  engineVersion: string;
  controls: ControlResult[];
  levels: Record<Level, LevelSummary>;
}
