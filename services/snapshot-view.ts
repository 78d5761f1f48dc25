import type { ArtifactSetRow } from '../db/queries/artifact-sets.ts';
import type { ControlResultRow, SnapshotRow } from '../db/queries/snapshots.ts';
import { controlById, CONTROL_IDS } from '../workers/controls/index.ts';
import type { Finding } from '../workers/model/result.ts';
import { applyWaivers, type WaiverRule } from '../workers/model/waivers.ts';
import type { Snapshot } from './schemas/snapshot.ts';

/**
 * The evaluated snapshot as the API shows it: stored engine verdicts in the standard's order,
 * with waivers active at `at` applied. Metadata (titles, levels) comes from the current registry.
 */
export function snapshotView(
  row: SnapshotRow,
  teamSlug: string,
  results: readonly ControlResultRow[],
  set: Pick<ArtifactSetRow, 'artifacts' | 'redactions'> | null,
  waivers: readonly WaiverRule[],
  at: Date,
): Snapshot {
  const base = {
    id: row.id,
    team: teamSlug,
    workload: row.workload,
    environment: row.environment,
    observedAt: row.observedAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    status: row.status,
    engineVersion: row.engineVersion,
    contentHash: row.contentHash,
    ci: row.ci ?? null,
    artifacts: (set?.artifacts ?? []).map((f) => ({ kind: f.kind as Snapshot['artifacts'][number]['kind'], name: f.name, size: f.size })),
    error: row.error,
    // On the row only where this upload's record differs from the one its artifact set keeps.
    redactions: row.redactions ?? set?.redactions ?? null,
  };
  if (row.status !== 'evaluated') return { ...base, controls: [], levels: null };
  const byId = new Map(results.map((r) => [r.controlId, r]));
  const controls = CONTROL_IDS.flatMap((id) => {
    const meta = controlById(id);
    const r = byId.get(id);
    if (!meta || !r) return [];
    const c: Snapshot['controls'][number] = {
      id,
      status: r.status,
      levels: [...meta.levels],
      title: meta.title.en,
      findings: r.findings as Finding[],
      remediation: meta.remediation.en,
    };
    if (r.status === 'unknown') c.decidedBy = [...meta.decidedBy];
    return [c];
  });
  const waived = applyWaivers(controls, waivers, row.workload, row.environment, at);
  return { ...base, controls: waived.controls, levels: waived.levels };
}
