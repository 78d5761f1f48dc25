/**
 * Helpers for the control specs: run the whole engine (parsers included) on realistic
 * artifacts and look at one control, the way hadolint's `ruleCatches` reads.
 */
import type { ArtifactKind } from '../model/evidence.ts';
import { evaluate, type SnapshotInput } from '../engine/evaluate.ts';
import type { ControlId, ControlResult } from '../model/result.ts';

export type TestArtifact = { kind: ArtifactKind; content: unknown; name?: string };

export function check(
  id: ControlId,
  artifacts: TestArtifact | TestArtifact[],
  context: Omit<SnapshotInput, 'artifacts'> = {},
): ControlResult {
  const list = Array.isArray(artifacts) ? artifacts : [artifacts];
  const result = evaluate({ artifacts: list, ...context });
  const control = result.controls.find((c) => c.id === id);
  if (!control) throw new Error(`no result for control ${id}`);
  return control;
}

/** Dedent a template literal so fixtures can be indented with the test code. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}
