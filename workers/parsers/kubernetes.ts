import type {
  Container,
  EvidencePart,
  ImagePolicy,
  KubeletConfig,
  PodInfo,
  ServiceExposure,
  Source,
} from '../model/evidence.ts';
import { at } from './kubernetes/paths.ts';
import { readPod } from './kubernetes/pod.ts';
import { kyvernoPolicies, sigstorePolicy } from './kubernetes/policies.ts';
import { ArtifactError, arr, get, isRecord, num, protocol, rec, scalarStr, str, strRecord, type JsonRecord } from './util.ts';
import { loadYamlDocuments } from './yaml.ts';

// Paths: see kubernetes/paths.ts. `[2].spec.template.spec…` for the third of several documents,
// `items[3].spec…` for List items.

/** Where the pod template sits in each workload kind; [] is the object itself (a Pod). */
const POD_TEMPLATES = new Map<string, readonly string[]>([
  ['Pod', []],
  ['Deployment', ['spec', 'template']],
  ['StatefulSet', ['spec', 'template']],
  ['DaemonSet', ['spec', 'template']],
  ['ReplicaSet', ['spec', 'template']],
  ['ReplicationController', ['spec', 'template']],
  ['Job', ['spec', 'template']],
  ['CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
  ['PodTemplate', ['template']],
]);

/** Lists inside lists are legal but rare; deeper nesting is refused rather than walked. */
const MAX_LIST_DEPTH = 4;

interface Collected {
  source: Source;
  containers: Container[];
  pods: PodInfo[];
  kubelets: KubeletConfig[];
  imagePolicies: ImagePolicy[];
  services: ServiceExposure[];
  notes: string[];
  objects: number;
}

/**
 * Reads Kubernetes manifests (YAML with several documents, JSON, `kind: List`, `kubectl get -o yaml`
 * output) into pods and containers with their effective security settings, Services, kubelet
 * configuration and image-signature admission policies. Kinds that say nothing about the
 * controls are recorded in the notes.
 */
export function parseKubernetes(content: unknown, source: Source): EvidencePart {
  const docs = documents(content);
  const c: Collected = {
    source,
    containers: [],
    pods: [],
    kubelets: [],
    imagePolicies: [],
    services: [],
    notes: [],
    objects: 0,
  };
  docs.forEach((doc, i) => visit(c, doc, docs.length > 1 ? `[${i}]` : '', 0));
  if (c.objects === 0) {
    throw new ArtifactError('the artifact holds no Kubernetes object (no document is a mapping with a `kind`)');
  }
  const { containers, pods, kubelets, imagePolicies, services, notes } = c;
  return { containers, pods, kubelets, imagePolicies, services, notes };
}

function documents(content: unknown): unknown[] {
  if (Array.isArray(content)) return content;
  if (isRecord(content)) return [content];
  if (typeof content !== 'string') throw new ArtifactError('Kubernetes manifests must be YAML or JSON text, or parsed JSON');
  const docs = loadYamlDocuments(content, 'the Kubernetes manifest');
  if (docs.length === 0) throw new ArtifactError('the Kubernetes manifest is empty');
  // A JSON array of objects is the same as one document per object.
  const [only] = docs;
  return docs.length === 1 && Array.isArray(only) ? only : docs;
}

function describe(prefix: string): string {
  return prefix === '' ? 'the document' : prefix;
}

function visit(c: Collected, obj: unknown, prefix: string, depth: number): void {
  const kind = isRecord(obj) ? str(get(obj, 'kind'))?.trim() : null;
  if (!isRecord(obj) || !kind) {
    c.notes.push(`${describe(prefix)}: not a Kubernetes object (no \`kind\`), skipped`);
    return;
  }
  c.objects++;
  const metadata = get(obj, 'metadata');
  const name = scalarStr(get(metadata, 'name')) ?? scalarStr(get(metadata, 'generateName')) ?? '(unnamed)';
  const label = `${describe(prefix)} ${kind}/${name}`;
  const items = get(obj, 'items');
  if (kind.endsWith('List') && Array.isArray(items)) {
    if (depth >= MAX_LIST_DEPTH) {
      c.notes.push(`${label}: lists nested deeper than ${MAX_LIST_DEPTH} levels are not read`);
      return;
    }
    items.forEach((item, i) => visit(c, item, at(prefix, 'items', i), depth + 1));
    return;
  }
  const template = POD_TEMPLATES.get(kind);
  if (template) return workload(c, obj, kind, name, prefix, template);
  const group = (str(get(obj, 'apiVersion')) ?? '').split('/')[0] ?? '';
  if (kind === 'Service' && (group === 'v1' || group === '')) return service(c, obj, name, prefix);
  if (kind === 'KubeletConfiguration' && group === 'kubelet.config.k8s.io') return kubelet(c, obj, prefix);
  if ((kind === 'ClusterPolicy' || kind === 'Policy') && group === 'kyverno.io') {
    const policies = kyvernoPolicies(obj, prefix, c.source, name);
    if (policies.length === 0) c.notes.push(`${label}: a Kyverno policy without verifyImages rules, not evaluated`);
    c.imagePolicies.push(...policies);
    return;
  }
  if (kind === 'ClusterImagePolicy' && group === 'policy.sigstore.dev') {
    c.imagePolicies.push(sigstorePolicy(obj, prefix, c.source, name));
    return;
  }
  c.notes.push(`${label}${group ? ` (${group})` : ''}: kind not evaluated`);
}

function workload(c: Collected, obj: JsonRecord, kind: string, name: string, prefix: string, template: readonly string[]): void {
  let node: unknown = obj;
  for (const key of template) node = get(node, key);
  const templatePath = at(prefix, ...template);
  const spec = rec(get(node, 'spec'));
  const specPath = at(templatePath, 'spec');
  if (!spec) {
    c.notes.push(`${describe(prefix)} ${kind}/${name}: no pod spec at ${specPath}, skipped`);
    return;
  }
  const isPodObject = kind === 'Pod';
  const { pod, containers } = readPod({
    source: c.source,
    owner: { kind, name, namespace: scalarStr(get(get(obj, 'metadata'), 'namespace')) },
    isPodObject,
    spec,
    specPath,
    metadata: rec(get(node, 'metadata')),
    metadataPath: at(templatePath, 'metadata'),
    status: isPodObject ? rec(get(obj, 'status')) : null,
  });
  c.pods.push(pod);
  c.containers.push(...containers);
}

function service(c: Collected, obj: JsonRecord, name: string, prefix: string): void {
  const spec = get(obj, 'spec');
  const specPath = at(prefix, 'spec');
  const ports: ServiceExposure['ports'] = [];
  arr(get(spec, 'ports')).forEach((p, i) => {
    const port = num(get(p, 'port'));
    if (port === null) return;
    const target = get(p, 'targetPort');
    // targetPort may name a container port (`http`); absent, it equals `port`.
    const targetPort = num(target) ?? str(target) ?? null;
    ports.push({
      port,
      targetPort,
      nodePort: num(get(p, 'nodePort')),
      protocol: protocol(get(p, 'protocol')),
      path: at(specPath, 'ports', i),
    });
  });
  c.services.push({
    source: c.source,
    name,
    type: str(get(spec, 'type'))?.trim() || 'ClusterIP',
    path: specPath,
    selector: strRecord(get(spec, 'selector')),
    ports,
  });
}

function kubelet(c: Collected, obj: JsonRecord, prefix: string): void {
  const path = at(prefix, 'podPidsLimit');
  c.kubelets.push({ source: c.source, path, podPidsLimit: { value: num(get(obj, 'podPidsLimit')), path } });
}
