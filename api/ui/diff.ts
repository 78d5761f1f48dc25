/** What changed between two evaluated snapshots: control statuses and findings. */
import type { Snapshot } from '../../services/schemas/snapshot.ts';

type Control = Snapshot['controls'][number];
type Finding = Control['findings'][number];

export interface StatusChange {
  id: string;
  from: Control['status'];
  to: Control['status'];
}

export interface FindingChange {
  control: string;
  finding: Finding;
}

export interface SnapshotDiff {
  statuses: StatusChange[];
  added: FindingChange[];
  removed: FindingChange[];
}

/**
 * A finding is the same in both when its control, status, artifact, container, location and
 * message agree; anything else shows up as one removed and one added (a moved line, a new message).
 */
function findingKey(control: string, f: Finding): string {
  return JSON.stringify([control, f.status, f.kind, f.artifact, f.container, f.location, f.message]);
}

function keyed(s: Snapshot): Map<string, FindingChange> {
  const out = new Map<string, FindingChange>();
  for (const c of s.controls) for (const f of c.findings) out.set(findingKey(c.id, f), { control: c.id, finding: f });
  return out;
}

/** The changes from `before` to `after`, in the standard's control order. */
export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const old = new Map(before.controls.map((c) => [c.id, c.status]));
  const statuses: StatusChange[] = [];
  for (const c of after.controls) {
    const from = old.get(c.id);
    if (from !== undefined && from !== c.status) statuses.push({ id: c.id, from, to: c.status });
  }
  const a = keyed(before);
  const b = keyed(after);
  const order = new Map<string, number>(after.controls.map((c, i) => [c.id, i]));
  const byControl = (x: FindingChange, y: FindingChange) => (order.get(x.control) ?? 99) - (order.get(y.control) ?? 99);
  return {
    statuses,
    added: [...b].filter(([k]) => !a.has(k)).map(([, v]) => v).sort(byControl),
    removed: [...a].filter(([k]) => !b.has(k)).map(([, v]) => v).sort(byControl),
  };
}
