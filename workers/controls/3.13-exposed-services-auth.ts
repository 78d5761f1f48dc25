/**
 * 3.13: exposed services such as etcd are reachable only from fully trusted systems, or
 * require authentication. A sensitive service (by its container port) that is published on
 * all interfaces, runs in the host network, or sits behind a NodePort/LoadBalancer Service
 * must show authentication; bound to loopback or not published at all, it is not exposed.
 */
import type { Container, Evidence, Port, Protocol, ServiceExposure, Source } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, finding } from './control.ts';
import {
  type DebuggerListener,
  SENSITIVE_SERVICES,
  type SensitiveService,
  authVerdict,
  debuggerListeners,
  serviceAtPort,
} from './shared/sensitive-services.ts';
import { imageRepository } from './shared/sockets.ts';

/** How far a port reaches, from least to most. */
const REACH = ['internal', 'loopback', 'interface', 'all'] as const;
type Reach = (typeof REACH)[number];

interface Exposure {
  service: SensitiveService;
  port: number;
  protocol: Protocol;
  reach: Reach;
  /** How it is reachable, for the message. */
  how: string;
  /** What to change to stop the exposure, for the remediation. */
  unexpose: string;
  source: Source;
  path: string;
  /** The containers whose settings can show authentication (none: the target is not in the evidence). */
  containers: Container[];
}

const EXPOSED_TYPES = ['NodePort', 'LoadBalancer'];

function isLoopback(ip: string): boolean {
  const a = ip.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return a.startsWith('127.') || a === '::1' || a === 'localhost' || a === '::ffff:127.0.0.1';
}

function isAllInterfaces(ip: string | null): boolean {
  const a = (ip ?? '').trim().replace(/^\[|\]$/g, '');
  return a === '' || a === '0.0.0.0' || a === '::';
}

function hostNetwork(c: Container): { path: string } | null {
  if (c.pod?.hostNetwork.value === true) return { path: c.pod.hostNetwork.path };
  if (c.networkMode?.value === 'host') return { path: c.networkMode.path };
  return null;
}

function publishFix(c: Container, port: number): string {
  switch (c.runtime) {
    case 'compose':
      return `publish it on loopback only (\`"127.0.0.1:${port}:${port}"\` under \`ports:\` of service "${c.name}") or not at all`;
    case 'docker':
      return `publish it on loopback only (\`-p 127.0.0.1:${port}:${port}\`) or not at all`;
    case 'kubernetes':
      return `drop the \`hostPort\` of container "${c.name}" (reach it through a ClusterIP Service)`;
  }
}

function portReach(c: Container, p: Port, service: SensitiveService): Exposure {
  const base = { service, port: p.containerPort, protocol: p.protocol, source: c.source, path: p.path, containers: [c] };
  const host = hostNetwork(c);
  if (host) {
    return { ...base, reach: 'all', path: host.path, how: 'listening on the host network, on all host interfaces',
      unexpose: `take container "${c.name}" out of the host network` };
  }
  if (!p.published) {
    return { ...base, reach: 'internal', how: 'not published outside the container network', unexpose: '' };
  }
  const ip = p.hostIp ?? '';
  const at = `${isAllInterfaces(ip) ? '0.0.0.0' : ip}${p.hostPort !== null ? `:${p.hostPort}` : ''}`;
  if (isAllInterfaces(ip)) {
    return { ...base, reach: 'all', how: `published on all interfaces (${at})`, unexpose: publishFix(c, p.containerPort) };
  }
  if (isLoopback(ip)) return { ...base, reach: 'loopback', how: `bound to loopback only (${at})`, unexpose: '' };
  return { ...base, reach: 'interface', how: `bound to ${ip} only`, unexpose: publishFix(c, p.containerPort) };
}

/** Host-network containers may list no ports at all; their image then names the service at its default port. */
function imageExposures(c: Container, known: readonly Exposure[]): Exposure[] {
  const host = hostNetwork(c);
  if (!host || !c.image) return [];
  const repo = imageRepository(c.image.value);
  return SENSITIVE_SERVICES.filter((s) => s.images.includes(repo) && !known.some((e) => e.service === s))
    .flatMap((s) => s.ports.slice(0, 1).map((port): Exposure => ({
      service: s, port, protocol: 'tcp', reach: 'all', source: c.source, path: host.path, containers: [c],
      how: `listening on the host network (image ${repo}, default port ${port})`,
      unexpose: `take container "${c.name}" out of the host network`,
    })));
}

/** The sensitive service a container serves on a port: a debugger it starts there, else the port's own service. */
function serviceFor(listeners: readonly DebuggerListener[], port: number): { service: SensitiveService; listener: DebuggerListener | null } | null {
  const listener = listeners.find((l) => l.port === port) ?? null;
  if (listener) return { service: listener.service, listener };
  const service = serviceAtPort(port);
  return service ? { service, listener: null } : null;
}

/** A debugger bound to loopback inside the container is out of reach, whatever is published. */
function loopbackListener(c: Container, l: DebuggerListener, path: string): Exposure {
  return {
    service: l.service, port: l.port, protocol: 'tcp', reach: 'loopback', source: c.source, path: l.path || path, containers: [c],
    how: `listening on loopback inside the container (\`${l.what}\`), so out of reach even where the port is published`, unexpose: '',
  };
}

function containerExposures(c: Container): Exposure[] {
  const byPort = new Map<string, Exposure>();
  const listeners = debuggerListeners(c);
  for (const p of c.ports) {
    const found = serviceFor(listeners, p.containerPort);
    if (!found) continue;
    const { service, listener } = found;
    const e = listener?.loopback ? loopbackListener(c, listener, p.path) : portReach(c, p, service);
    if (listener && !listener.loopback) e.how += ` (\`${listener.what}\`)`;
    const key = `${p.containerPort}/${p.protocol}`;
    const prev = byPort.get(key);
    // Docker lists one binding per address family; the widest one counts.
    if (!prev || REACH.indexOf(e.reach) > REACH.indexOf(prev.reach)) byPort.set(key, e);
  }
  // A debugger whose port the container does not list: reachable only through the host network.
  for (const l of listeners) {
    if ([...byPort.values()].some((e) => e.port === l.port)) continue;
    const host = hostNetwork(c);
    const e: Exposure = l.loopback ? loopbackListener(c, l, c.path) : {
      service: l.service, port: l.port, protocol: 'tcp', source: c.source, path: host?.path ?? l.path, containers: [c],
      reach: host ? 'all' : 'internal',
      how: host ? `listening on the host network, on all host interfaces (\`${l.what}\`)` : `started (\`${l.what}\`) but not published`,
      unexpose: host ? `take container "${c.name}" out of the host network` : '',
    };
    byPort.set(`${l.port}/tcp`, e);
  }
  const list = [...byPort.values()];
  return [...list, ...imageExposures(c, list)];
}

function selects(svc: ServiceExposure, c: Container): boolean {
  const labels = c.pod?.labels ?? {};
  const entries = Object.entries(svc.selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/**
 * A NodePort/LoadBalancer Service port: the containers it reaches (by selector and target
 * port), or, when its pods are not in the evidence, the target port number alone.
 */
function serviceExposures(
  svc: ServiceExposure,
  containers: readonly Container[],
  own: Map<Container, Exposure[]>,
  covered: Set<Container>,
): Finding[] {
  const findings: Finding[] = [];
  const pods = containers.filter((c) => c.runtime === 'kubernetes' && selects(svc, c));
  for (const sp of svc.ports) {
    const target = sp.targetPort ?? sp.port;
    const how = `exposed outside the cluster by Service/${svc.name} (${svc.type}, port ${sp.port}` +
      `${sp.nodePort !== null ? `, node port ${sp.nodePort}` : ''})`;
    const unexpose = `make Service/${svc.name} a ClusterIP Service (or restrict who reaches it)`;
    const declaring = pods.flatMap((c) => c.ports.filter((p) =>
      typeof target === 'number' ? p.containerPort === target : p.name === target).map((p) => ({ c, p })));
    if (declaring.length > 0) {
      for (const { c, p } of declaring) {
        const found = serviceFor(debuggerListeners(c), p.containerPort);
        if (!found || found.listener?.loopback) continue;
        const service = found.service;
        const e: Exposure = { service, port: p.containerPort, protocol: p.protocol, reach: 'all', how, unexpose,
          source: svc.source, path: sp.path, containers: [c] };
        const list = own.get(c) ?? [];
        const i = list.findIndex((x) => x.port === e.port && x.protocol === e.protocol);
        if (i === -1) list.push(e);
        else if (REACH.indexOf(e.reach) > REACH.indexOf(list[i]?.reach ?? 'internal')) list[i] = e;
        own.set(c, list);
      }
      continue;
    }
    if (typeof target !== 'number') {
      if (pods.length === 0) {
        findings.push(finding(svc.source, 'unknown', sp.path,
          `Service/${svc.name} (${svc.type}) targets the named port "${target}" of pods that are not in the evidence: ` +
            'which service listens there is not visible'));
      }
      continue;
    }
    const service = serviceAtPort(target);
    if (!service) {
      if (pods.length === 0) {
        findings.push(finding(svc.source, 'pass', sp.path,
          `Service/${svc.name} (${svc.type}) exposes port ${target}, which is no sensitive service`));
      }
      continue;
    }
    // Pods not declaring the port still receive its traffic; any of their containers may be the listener.
    for (const c of pods) covered.add(c);
    findings.push(...judge({ service, port: target, protocol: sp.protocol, reach: 'all', how, unexpose,
      source: svc.source, path: sp.path, containers: pods }));
  }
  return findings;
}

function judge(e: Exposure): Finding[] {
  const verdict = authVerdict(e.service, e.containers);
  if (e.service.onlyWithNoAuth && verdict.kind !== 'disabled' && verdict.kind !== 'allows-none') return [];
  const container = e.containers.length > 0 ? e.containers.map((c) => c.name).join(', ') : null;
  const what = `${e.service.name} (${e.port}/${e.protocol}) is ${e.how}`;
  const pass = (message: string): Finding[] => [finding(e.source, 'pass', e.path, message, { container, covers: e.containers })];
  if (e.reach === 'internal') return pass(`${what}: not exposed`);
  if (e.reach === 'loopback') return pass(`${what}: reachable from this host alone`);
  if (verdict.kind === 'auth') return pass(`${what}, and requires authentication (${verdict.what}, ${verdict.path})`);
  const fixAuth = `${e.unexpose.charAt(0).toUpperCase()}${e.unexpose.slice(1)}, or ${e.service.authFix}.`;
  if (e.reach === 'interface') {
    return [finding(e.source, 'unknown', e.path,
      `${what}, with ${verdict.kind === 'none' ? 'no authentication evidence' : `authentication off (${verdict.what})`}: ` +
        'whether only trusted systems reach that address is not visible here', { container })];
  }
  if (verdict.kind === 'none' && !e.service.debugger && e.containers.some((c) => c.env === null)) {
    // The container list carries neither environment nor full configuration: absence of a password is no evidence.
    return [finding(e.source, 'unknown', e.path,
      `${what}; whether it requires authentication is not visible, since this artifact's shape (a container list, not ` +
        '`docker inspect`) carries no environment', { container })];
  }
  if (verdict.kind === 'none') {
    const note = e.service.note ? ` (${e.service.note})` : '';
    const target = e.containers.length === 0 ? ' of pods that are not in the evidence' : '';
    return [finding(e.source, 'fail', e.path,
      `${what}${target}, with no authentication evidence${note}: anyone who reaches it can use it`,
      { container, remediation: fixAuth })];
  }
  return [finding(e.source, 'fail', e.path,
    `${what}, and authentication is explicitly off (${verdict.what}, ${verdict.path}): anyone who reaches it can use it`,
    { container, remediation: `Remove ${verdict.what}; ${e.service.authFix}. Until then, ${e.unexpose}.` })];
}

export const control: Control = {
  id: '3.13',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'Exposed services authenticated', de: 'Offengelegte Dienste authentifiziert' },
  text: {
    en: 'Exposed services such as etcd are reachable only from fully trusted systems, or require authentication.',
    de: 'Stellen Sie sicher, dass offen gelegte Dienste wie _etcd_ entweder nur für vollständig vertrauenswürdige ' +
      'Systeme verfügbar sind oder eine Authentifizierung erfordern.',
  },
  remediation:
    'Publish sensitive services (etcd, the Docker API, the kubelet, Redis, MongoDB, Elasticsearch, Memcached, ' +
    'CouchDB, …) on loopback or an internal network only, or require authentication (client certificates, passwords).',
  rules: [
    '- **Sensitive services**, by container port: etcd 2379 (client) and 2380 (peer), the Docker API 2375 (2376 is ' +
      'its TLS port), the kubelet 10250 and its read-only port 10255, Redis 6379, MongoDB 27017, Elasticsearch ' +
      '9200/9300, Memcached 11211, CouchDB 5984; PostgreSQL 5432 and MySQL/MariaDB 3306 only when an explicit no-auth ' +
      'setting is present (`POSTGRES_HOST_AUTH_METHOD=trust`, `MYSQL_ALLOW_EMPTY_PASSWORD`), since their images ' +
      'require a password otherwise.',
    '- **Debuggers**, which never authenticate (whoever reaches one runs code in the process): the Node inspector ' +
      '(`--inspect[-brk|-wait][=[host:]port]`, also in `NODE_OPTIONS`; its port 9229 alone counts too), Java JDWP ' +
      '(`-agentlib:jdwp=…server=y,address=…`, also in `JAVA_TOOL_OPTIONS`/`JDK_JAVA_OPTIONS`/`JAVA_OPTS`), Delve ' +
      '(`dlv --headless --listen=[host]:port`) and debugpy (`--listen [host:]port`), recognised by the flags that start ' +
      'them (5005, 2345 and 5678 are other services\' ports as well). Bound to loopback inside the container (Node\'s and ' +
      'debugpy\'s default, a bare JDWP port since JDK 9, `127.0.0.1:`) → pass: out of reach even where the port is ' +
      'published. Bound to every interface (`0.0.0.0`, `*`, `:port`) and exposed as below → fail.',
    '- **Exposed** means published on all interfaces (docker-inspect `HostIp` empty, `0.0.0.0` or `::`; compose ' +
      '`"6379:6379"`; a Kubernetes `hostPort`), running in the host network (`NetworkMode: host`, ' +
      '`hostNetwork: true`, where an image of the service counts even without listed ports), or the target of a ' +
      'Kubernetes Service of type NodePort or LoadBalancer (its selector matched against the pods\' labels when the ' +
      'pods are in the evidence; `targetPort` absent means `port`; a named `targetPort` is resolved through the ' +
      'container\'s port names). Exposed without authentication evidence → fail; with an explicit no-auth setting ' +
      '(`ALLOW_NONE_AUTHENTICATION=yes`, `ALLOW_EMPTY_PASSWORD=yes`, Redis `--protected-mode no` without a password, ' +
      'MongoDB `--noauth`, `xpack.security.enabled=false`, dockerd `-H tcp://0.0.0.0:2375` without `--tlsverify`) → ' +
      'fail, saying so. A setting that switches authentication off wins over a password that is also set.',
    '- **Authentication evidence**, per service: Redis `--requirepass`/`REDIS_PASSWORD`; MongoDB `--auth`/' +
      '`MONGO_INITDB_ROOT_PASSWORD`; etcd `--client-cert-auth`/`ETCD_CLIENT_CERT_AUTH=true` (peer port: ' +
      '`--peer-client-cert-auth`); Docker `--tlsverify`; kubelet `--anonymous-auth=false`; Elasticsearch ' +
      '`xpack.security.enabled=true`/`ELASTIC_PASSWORD`; CouchDB `COUCHDB_PASSWORD`; Memcached `-S`. Environment ' +
      'values may be redacted, so a secret counts when its variable is present and non-empty; its value is never ' +
      'shown. → pass, naming the evidence.',
    '- **Bound to loopback** (`127.0.0.1`, `::1`) or **not published** → pass. Bound to one specific other address ' +
      'without authentication → `unknown`: whether only trusted systems reach that network is not visible.',
    '- **No sensitive service** in a container of docker-inspect, compose or kubernetes → pass ("no sensitive ' +
      'service exposed").',
    '- **dockerfile**: `EXPOSE` documents a port, it does not publish one, so it says nothing.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'compose', 'kubernetes'],
  evaluate(evidence: Evidence): Finding[] {
    const own = new Map<Container, Exposure[]>();
    const covered = new Set<Container>();
    for (const c of evidence.containers) own.set(c, containerExposures(c));
    const findings: Finding[] = [];
    for (const svc of evidence.services) {
      if (EXPOSED_TYPES.includes(svc.type)) findings.push(...serviceExposures(svc, evidence.containers, own, covered));
    }
    for (const c of evidence.containers) {
      const judged = (own.get(c) ?? []).flatMap(judge);
      findings.push(...(judged.length > 0 || covered.has(c) ? judged
        : [finding(c.source, 'pass', c.path, 'no sensitive service exposed (etcd, Docker API, kubelet, Redis, MongoDB, …)',
          { container: c.name, covers: [c] })]));
    }
    return findings;
  },
};
