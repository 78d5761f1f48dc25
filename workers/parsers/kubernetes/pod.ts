import type { Container, EnvVar, Fact, Mount, PodInfo, Port, Source } from '../../model/evidence.ts';
import { arr, bool, get, isRecord, num, protocol, rec, scalarStr, str, strArr, strRecord, type JsonRecord } from '../util.ts';
import { at } from './paths.ts';
import { containerFlag, effectiveSeccomp, effectiveUser, noNewPrivileges, optionalContainerFlag, type SecurityScope } from './security.ts';

/** One pod spec found in an artifact: a Pod object's `spec`, or a workload's pod template. */
export interface PodSource {
  source: Source;
  owner: PodInfo['owner'];
  isPodObject: boolean;
  spec: JsonRecord;
  specPath: string;
  /** The pod's metadata (the template's, for workloads): labels and annotations. */
  metadata: JsonRecord | null;
  metadataPath: string;
  /** A Pod object's `status`, for which containers run and since when. */
  status: JsonRecord | null;
}

const CONTAINER_LISTS = [
  { field: 'containers', statuses: 'containerStatuses' },
  { field: 'initContainers', statuses: 'initContainerStatuses' },
  { field: 'ephemeralContainers', statuses: 'ephemeralContainerStatuses' },
] as const;
type ListField = (typeof CONTAINER_LISTS)[number]['field'];

interface Entry {
  field: ListField;
  statuses: string;
  index: number;
  container: JsonRecord;
  name: string;
  path: string;
}

interface Volume {
  index: number;
  hostPath: string | null;
}

/** The pod and its containers (app, init and ephemeral), with the pod's defaults applied. */
export function readPod(p: PodSource): { pod: PodInfo; containers: Container[] } {
  const entries = containerEntries(p);
  const volumes = volumesByName(p.spec);
  const labels = strRecord(get(p.metadata, 'labels'));
  const pod: PodInfo = {
    source: p.source,
    owner: p.owner,
    isPodObject: p.isPodObject,
    path: p.specPath,
    hostUsers: { value: bool(get(p.spec, 'hostUsers')), path: at(p.specPath, 'hostUsers') },
    hostNetwork: { value: bool(get(p.spec, 'hostNetwork')) ?? false, path: at(p.specPath, 'hostNetwork') },
    hostPathVolumes: hostPathVolumes(p, volumes, entries),
    ephemeralContainers: {
      value: entries.filter((e) => e.field === 'ephemeralContainers').map((e) => e.name),
      path: at(p.specPath, 'ephemeralContainers'),
    },
    labels,
  };
  const states = p.isPodObject ? statusesByContainer(p.status) : new Map<string, RunState>();
  const containers = entries.map((e) => readContainer(p, pod, e, volumes, states.get(`${e.statuses}/${e.name}`)));
  return { pod, containers };
}

function containerEntries(p: PodSource): Entry[] {
  const out: Entry[] = [];
  for (const { field, statuses } of CONTAINER_LISTS) {
    arr(get(p.spec, field)).forEach((container, index) => {
      if (!isRecord(container)) return;
      const name = scalarStr(get(container, 'name')) ?? `${field}[${index}]`;
      out.push({ field, statuses, index, container, name, path: at(p.specPath, field, index) });
    });
  }
  return out;
}

function volumesByName(spec: JsonRecord): Map<string, Volume> {
  const out = new Map<string, Volume>();
  arr(get(spec, 'volumes')).forEach((v, index) => {
    const name = scalarStr(get(v, 'name'));
    if (name === null || out.has(name)) return;
    out.set(name, { index, hostPath: str(get(get(v, 'hostPath'), 'path')) });
  });
  return out;
}

/** Which containers mount each volume, computed once (pods may be large and hostile). */
function mountersByVolume(entries: Entry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    for (const m of arr(get(e.container, 'volumeMounts'))) {
      const name = scalarStr(get(m, 'name'));
      if (name === null) continue;
      const list = out.get(name) ?? [];
      if (!list.includes(e.name)) list.push(e.name);
      out.set(name, list);
    }
  }
  return out;
}

function hostPathVolumes(p: PodSource, volumes: Map<string, Volume>, entries: Entry[]): PodInfo['hostPathVolumes'] {
  const mounters = mountersByVolume(entries);
  const out: PodInfo['hostPathVolumes'] = [];
  for (const [name, v] of volumes) {
    if (v.hostPath === null) continue;
    const mountedBy = mounters.get(name) ?? [];
    out.push({ name, hostPath: v.hostPath, path: at(p.specPath, 'volumes', v.index, 'hostPath'), mountedBy });
  }
  return out;
}

function role(e: Entry): Container['role'] {
  if (e.field === 'ephemeralContainers') return 'ephemeral';
  // A native sidecar (an init container with restartPolicy Always) keeps running beside the app.
  if (e.field === 'initContainers') return str(get(e.container, 'restartPolicy')) === 'Always' ? 'app' : 'init';
  return 'app';
}

function readContainer(p: PodSource, pod: PodInfo, e: Entry, volumes: Map<string, Volume>, state: RunState | undefined): Container {
  const scope: SecurityScope = {
    container: e.container,
    containerName: e.name,
    containerPath: e.path,
    podSpec: p.spec,
    podSpecPath: p.specPath,
    annotations: rec(get(p.metadata, 'annotations')),
    annotationsPath: at(p.metadataPath, 'annotations'),
  };
  const image = scalarStr(get(e.container, 'image'));
  return {
    source: p.source,
    runtime: 'kubernetes',
    name: e.name,
    id: null,
    role: role(e),
    path: e.path,
    pod,
    labels: pod.labels,
    image: image === null ? null : { value: image, path: at(e.path, 'image') },
    user: effectiveUser(scope),
    seccomp: effectiveSeccomp(scope),
    noNewPrivileges: noNewPrivileges(scope),
    privileged: containerFlag(scope, 'privileged'),
    readOnlyRootfs: optionalContainerFlag(scope, 'readOnlyRootFilesystem'),
    // A pod spec cannot say either; user namespaces are `hostUsers` on the pod, pids limits are the kubelet's.
    usernsMode: null,
    pidsLimit: null,
    mounts: mounts(e, volumes),
    ports: ports(e),
    command: command(e),
    args: argsOnly(e),
    env: env(e),
    networkMode: { value: pod.hostNetwork.value ? 'host' : null, path: pod.hostNetwork.path },
    execIds: null,
    // Templates have no status; a Pod's container without a status entry has not been reported on.
    startedAt: state?.startedAt ?? null,
    running: state?.running ?? null,
  };
}

/** `subPath` narrows a hostPath mount to one entry below it (`/var/run` + `docker.sock`). */
function joinSubPath(hostPath: string, subPath: string | null): string {
  if (subPath === null || subPath === '') return hostPath;
  const parts = subPath.split('/').filter((s) => s !== '' && s !== '.');
  // The API server rejects absolute and `..` sub paths; such a mount exposes at most the volume itself.
  if (subPath.startsWith('/') || parts.includes('..')) return hostPath;
  let end = hostPath.length;
  while (end > 0 && hostPath.charAt(end - 1) === '/') end--;
  return `${hostPath.slice(0, end)}/${parts.join('/')}`;
}

function mounts(e: Entry, volumes: Map<string, Volume>): Mount[] {
  const out: Mount[] = [];
  arr(get(e.container, 'volumeMounts')).forEach((m, i) => {
    const target = str(get(m, 'mountPath'));
    const name = scalarStr(get(m, 'name'));
    if (target === null || name === null) return;
    const volume = volumes.get(name);
    const readOnly = bool(get(m, 'readOnly')) ?? false;
    const path = at(e.path, 'volumeMounts', i);
    if (volume && volume.hostPath !== null) {
      const hostPath = joinSubPath(volume.hostPath, str(get(m, 'subPath')));
      out.push({ type: 'hostPath', hostPath, target, readOnly, path });
    } else {
      // Any other volume (a StatefulSet's claim templates are not in `volumes`) keeps the host's paths out.
      out.push({ type: 'volume', hostPath: null, target, readOnly, path });
    }
  });
  return out;
}

function validPort(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n > 0 && n <= 65535 ? n : null;
}

function ports(e: Entry): Port[] {
  const out: Port[] = [];
  arr(get(e.container, 'ports')).forEach((p, i) => {
    const containerPort = validPort(get(p, 'containerPort'));
    if (containerPort === null) return;
    const hostPort = validPort(get(p, 'hostPort'));
    out.push({
      containerPort,
      protocol: protocol(get(p, 'protocol')),
      published: hostPort !== null,
      hostIp: hostPort === null ? null : (str(get(p, 'hostIP')) ?? ''),
      hostPort,
      path: at(e.path, 'ports', i),
      name: scalarStr(get(p, 'name')),
    });
  });
  return out;
}

/** `command` replaces the image's ENTRYPOINT; `args` alone only replaces its CMD, so the image still decides. */
function command(e: Entry): Fact<string[]> | null {
  const cmd = get(e.container, 'command');
  if (!Array.isArray(cmd)) return null;
  return { value: [...strArr(cmd), ...strArr(get(e.container, 'args'))], path: at(e.path, 'command') };
}

/** `args` without `command`: arguments to the image's own entrypoint (flags like `--requirepass` show here). */
function argsOnly(e: Entry): Fact<string[]> | null {
  const args = get(e.container, 'args');
  if (Array.isArray(get(e.container, 'command')) || !Array.isArray(args)) return null;
  return { value: strArr(args), path: at(e.path, 'args') };
}

function env(e: Entry): EnvVar[] {
  const out: EnvVar[] = [];
  arr(get(e.container, 'env')).forEach((v, i) => {
    const name = scalarStr(get(v, 'name'));
    if (name === null) return;
    // valueFrom (secrets, config maps, field refs) is resolved at run time: the manifest holds no value.
    out.push({ name, value: scalarStr(get(v, 'value')) ?? '', path: at(e.path, 'env', i), valueFrom: valueFrom(get(v, 'valueFrom')) });
  });
  return out;
}

/** `secretKeyRef redis/password`, `configMapKeyRef app/mode`, `fieldRef metadata.name`; null for a literal. */
function valueFrom(v: unknown): string | null {
  const source = rec(v);
  if (!source) return null;
  const [kind, ref] = Object.entries(source)[0] ?? [];
  if (kind === undefined) return null;
  const name = scalarStr(get(ref, 'name'));
  const key = scalarStr(get(ref, 'key'));
  const field = scalarStr(get(ref, 'fieldPath')) ?? scalarStr(get(ref, 'resource'));
  const what = name !== null && key !== null ? `${name}/${key}` : (field ?? name ?? key);
  return what === null ? kind : `${kind} ${what}`;
}

interface RunState {
  startedAt: string | null;
  running: boolean;
}

/** `<statuses field>/<container name>` → state, from `status.containerStatuses` and its siblings. */
function statusesByContainer(status: JsonRecord | null): Map<string, RunState> {
  const out = new Map<string, RunState>();
  for (const { statuses } of CONTAINER_LISTS) {
    for (const entry of arr(get(status, statuses))) {
      const name = scalarStr(get(entry, 'name'));
      if (name === null) continue;
      const key = `${statuses}/${name}`;
      if (out.has(key)) continue;
      const running = rec(get(get(entry, 'state'), 'running'));
      out.set(key, { startedAt: running ? str(get(running, 'startedAt')) : null, running: running !== null });
    }
  }
  return out;
}
