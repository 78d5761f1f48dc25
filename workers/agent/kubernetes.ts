/**
 * Live Pods (`kubectl get pods -A -o json`) become one snapshot per workload: the pods of a
 * Deployment, StatefulSet, DaemonSet or Job together, each snapshot carrying the Pod objects
 * themselves (with ephemeral containers and status, which 3.10 reads) as a `kubernetes`
 * artifact. Input is untrusted text: anything that is not a Pod is skipped with a note.
 */
import { ArtifactError, arr, get, isRecord, type JsonRecord, str, strRecord } from '../parsers/util.ts';
import { loadYamlDocuments } from '../parsers/yaml.ts';
import { RedactionError } from '../redact/index.ts';
import { ownerOfPod, sanitizeWorkload } from './grouping.ts';
import { idempotencyKey, type PreparedSnapshot, redactForUpload, type SnapshotArtifact } from './snapshot.ts';

export interface PodSnapshotOptions {
  environment: string | null;
  observedAt: string;
  agentVersion: string;
  /** Names the source in the Idempotency-Key (a cluster name); `kubernetes` by default. */
  cluster?: string;
}

const MAX_PODS = 100_000;

/** Pod objects of a `List`/`PodList`, a single Pod, or several documents; everything else is noted and skipped. */
export function readPods(text: string): { pods: JsonRecord[]; notes: string[] } {
  const docs = documents(text);
  const pods: JsonRecord[] = [];
  const notes: string[] = [];
  let skipped = 0;
  const visit = (obj: unknown, depth: number) => {
    if (pods.length >= MAX_PODS) return;
    const kind = str(get(obj, 'kind'));
    const items = get(obj, 'items');
    if (kind !== null && kind.endsWith('List') && Array.isArray(items) && depth < 2) {
      for (const item of items) visit(item, depth + 1);
      return;
    }
    if (kind === 'Pod' && isRecord(obj) && isRecord(get(obj, 'spec'))) pods.push(obj);
    else skipped++;
  };
  for (const doc of docs) visit(doc, 0);
  if (skipped > 0) notes.push(`${skipped} object(s) that are not Pods were skipped`);
  if (pods.length >= MAX_PODS) notes.push(`only the first ${MAX_PODS} pods were read`);
  return { pods, notes };
}

function documents(text: string): unknown[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new ArtifactError('no input: expected `kubectl get pods -A -o json` output');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      return Array.isArray(value) ? value : [value];
    } catch {
      // Not JSON after all: YAML (`-o yaml`) below.
    }
  }
  return loadYamlDocuments(trimmed, 'the pod list');
}

/** The workload a Pod belongs to: `namespace/owner`. */
export function podWorkload(pod: JsonRecord): string {
  const metadata = get(pod, 'metadata');
  const name = str(get(metadata, 'name')) ?? str(get(metadata, 'generateName')) ?? 'unnamed';
  const namespace = str(get(metadata, 'namespace')) ?? 'default';
  const refs = arr(get(metadata, 'ownerReferences')).filter(isRecord);
  const ref = refs.find((r) => get(r, 'controller') === true) ?? refs[0];
  const owner = ref ? { kind: str(get(ref, 'kind')) ?? 'Unknown', name: str(get(ref, 'name')) ?? name } : null;
  const { name: ownerName } = ownerOfPod({
    name,
    labels: strRecord(get(metadata, 'labels')),
    owner,
    nodeName: str(get(get(pod, 'spec'), 'nodeName')),
  });
  return sanitizeWorkload(`${namespace}/${ownerName}`);
}

/**
 * One snapshot per workload, ordered by workload; the pods keep their order within one. Throws
 * ArtifactError when a workload's pods cannot be redacted safely: nothing unredacted is uploaded.
 */
export function podSnapshots(pods: readonly JsonRecord[], options: PodSnapshotOptions): PreparedSnapshot[] {
  const groups = new Map<string, JsonRecord[]>();
  for (const pod of pods) {
    const workload = podWorkload(pod);
    const list = groups.get(workload) ?? [];
    list.push(pod);
    groups.set(workload, list);
  }
  const cluster = options.cluster ?? 'kubernetes';
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workload, group]): PreparedSnapshot => {
      const key = idempotencyKey(cluster, options.observedAt, workload);
      return {
        workload,
        idempotencyKey: key,
        containers: group.map((p) => str(get(get(p, 'metadata'), 'name')) ?? '?'),
        body: {
          workload,
          ...(options.environment ? { environment: options.environment } : {}),
          observedAt: options.observedAt,
          ci: { agent: `csvs-agent/${options.agentVersion}`, host: cluster, round: options.observedAt, idempotencyId: key },
          artifacts: [redactedPods(workload, { kind: 'kubernetes', name: 'pods', content: { apiVersion: 'v1', kind: 'List', items: group.map(cleanPod) } })],
        },
      };
    });
}

function redactedPods(workload: string, artifact: SnapshotArtifact): SnapshotArtifact {
  try {
    return redactForUpload(artifact);
  } catch (e) {
    if (e instanceof RedactionError) throw new ArtifactError(`the pods of ${workload} cannot be redacted safely: ${e.message}`);
    throw e;
  }
}

/** `managedFields` say nothing about any control and are often most of a Pod's size. */
function cleanPod(pod: JsonRecord): JsonRecord {
  const metadata = get(pod, 'metadata');
  if (!isRecord(metadata)) return pod;
  return { ...pod, metadata: Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== 'managedFields')) };
}
