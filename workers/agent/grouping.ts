/**
 * Which workload a running container belongs to. One snapshot is one workload, so replicas
 * of a Compose service or the containers of a Kubernetes pod are judged together, and a
 * workload keeps its name across replacements (a recreated container must land in the same
 * trend as the one it replaced, or 3.10's "replaced" could never be seen).
 */

export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';
export const K8S_NAMESPACE = 'io.kubernetes.pod.namespace';
export const K8S_POD = 'io.kubernetes.pod.name';

export type GroupedBy = 'label' | 'compose' | 'kubernetes' | 'name';

export interface WorkloadRef {
  workload: string;
  by: GroupedBy;
}

/**
 * The order: the label the operator named (`--group-label`; naming it is a decision that
 * outranks the conventions), the Compose project and service, the Kubernetes namespace and
 * pod owner, else the container's own name.
 */
export function workloadOf(name: string, labels: Readonly<Record<string, string>>, groupLabel: string | null): WorkloadRef {
  const own = groupLabel ? labels[groupLabel]?.trim() : undefined;
  if (own) return { workload: sanitizeWorkload(own), by: 'label' };
  const project = labels[COMPOSE_PROJECT]?.trim();
  const service = labels[COMPOSE_SERVICE]?.trim();
  if (project && service) return { workload: sanitizeWorkload(`${project}/${service}`), by: 'compose' };
  const namespace = labels[K8S_NAMESPACE]?.trim();
  const pod = labels[K8S_POD]?.trim();
  if (namespace && pod) return { workload: sanitizeWorkload(`${namespace}/${podOwnerName(pod, labels)}`), by: 'kubernetes' };
  return { workload: sanitizeWorkload(name.replace(/^\/+/, '') || 'unnamed'), by: 'name' };
}

/** The characters Kubernetes uses for generated name suffixes (k8s.io/apimachinery rand). */
const GENERATED = '[bcdfghjklmnpqrstvwxz2456789]';
const POD_SUFFIX = new RegExp(`^(.+)-${GENERATED}{5}$`);
const TEMPLATE_HASH = new RegExp(`^(.+)-${GENERATED}{6,10}$`);

/**
 * A pod's owner from its name and labels, when only the name is known (Docker labels of
 * cri-dockerd containers): `checkout-api-7d9f8b6c5d-x2k4q` → `checkout-api` (Deployment: the
 * ReplicaSet's template hash and the pod suffix), `web-0` with a StatefulSet label → `web`,
 * a Job's pods → the Job. A name with no generated suffix is its own owner (a bare pod).
 */
export function podOwnerName(pod: string, labels: Readonly<Record<string, string>> = {}): string {
  const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  if (job) return job;
  const hash = labels['pod-template-hash'];
  if (hash && pod.includes(`-${hash}-`)) return pod.slice(0, pod.lastIndexOf(`-${hash}-`));
  if (labels['statefulset.kubernetes.io/pod-name'] === pod) return pod.replace(/-\d+$/, '');
  const suffix = POD_SUFFIX.exec(pod);
  if (!suffix?.[1]) return pod;
  // A Deployment's pod: <deployment>-<template hash>-<suffix>; a DaemonSet's: <daemonset>-<suffix>.
  const template = TEMPLATE_HASH.exec(suffix[1]);
  return template?.[1] && /\d/.test(suffix[1].slice(template[1].length)) ? template[1] : suffix[1];
}

/**
 * The owner of a live Pod object: its controller reference, with a Deployment's ReplicaSet
 * traced back by the `pod-template-hash` it carries. Mirror pods (owned by a Node) lose the
 * node suffix so one static pod is one workload across nodes.
 */
export function ownerOfPod(pod: {
  name: string;
  labels: Readonly<Record<string, string>>;
  owner: { kind: string; name: string } | null;
  nodeName: string | null;
}): { kind: string; name: string } {
  const { owner, labels, name } = pod;
  if (!owner) return { kind: 'Pod', name };
  if (owner.kind === 'ReplicaSet') {
    const hash = labels['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)) };
    return { kind: 'ReplicaSet', name: owner.name };
  }
  if (owner.kind === 'Node') {
    const node = pod.nodeName;
    return { kind: 'Pod', name: node && name.endsWith(`-${node}`) ? name.slice(0, -(node.length + 1)) : name };
  }
  return owner;
}

/** What the API accepts as a workload: letters, digits and `. _ / : -`, 200 at most, starting alphanumeric. */
export function sanitizeWorkload(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._/:-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned || 'unnamed').slice(0, 200);
}
