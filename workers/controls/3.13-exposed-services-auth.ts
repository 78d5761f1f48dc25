/**
 * 3.13: exposed services such as etcd are reachable only from fully trusted systems, or
 * require authentication. A sensitive service (by its container port) that is published on
 * all interfaces, runs in the host network, or sits behind a NodePort/LoadBalancer Service
 * must show authentication; bound to loopback or not published at all, it is not exposed.
 */
import type { Container, Evidence, Port, Protocol, ServiceExposure, Source } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { EMPTY, type Text, capitalised, defineTexts, tx } from '../model/text.ts';
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

const T = defineTexts('3.13', {
  publishCompose: {
    en: 'publish it on loopback only (`"127.0.0.1:{port}:{port}"` under `ports:` of service "{name}") or not at all',
    de: 'veröffentlichen Sie ihn nur auf Loopback (`"127.0.0.1:{port}:{port}"` unter `ports:` des Service „{name}“) oder gar nicht',
  },
  publishDocker: {
    en: 'publish it on loopback only (`-p 127.0.0.1:{port}:{port}`) or not at all',
    de: 'veröffentlichen Sie ihn nur auf Loopback (`-p 127.0.0.1:{port}:{port}`) oder gar nicht',
  },
  dropHostPort: {
    en: 'drop the `hostPort` of container "{name}" (reach it through a ClusterIP Service)',
    de: 'entfernen Sie den `hostPort` des Containers „{name}“ (erreichen Sie ihn über einen ClusterIP-Service)',
  },
  hostNetwork: { en: 'listening on the host network, on all host interfaces', de: 'im Host-Netzwerk erreichbar, auf allen Schnittstellen des Hosts' },
  leaveHostNetwork: { en: 'take container "{name}" out of the host network', de: 'nehmen Sie den Container „{name}“ aus dem Host-Netzwerk' },
  notPublished: { en: 'not published outside the container network', de: 'außerhalb des Container-Netzwerks nicht veröffentlicht' },
  allInterfaces: { en: 'published on all interfaces ({at})', de: 'auf allen Schnittstellen veröffentlicht ({at})' },
  loopbackOnly: { en: 'bound to loopback only ({at})', de: 'nur an Loopback gebunden ({at})' },
  boundTo: { en: 'bound to {ip} only', de: 'nur an {ip} gebunden' },
  hostNetworkImage: {
    en: 'listening on the host network (image {repo}, default port {port})',
    de: 'im Host-Netzwerk erreichbar (Image {repo}, Standardport {port})',
  },
  loopbackInside: {
    en: 'listening on loopback inside the container (`{flag}`), so out of reach even where the port is published',
    de: 'im Container nur an Loopback gebunden (`{flag}`), also unerreichbar, auch wo der Port veröffentlicht ist',
  },
  flag: { en: '{how} (`{flag}`)', de: '{how} (`{flag}`)' },
  hostNetworkFlag: {
    en: 'listening on the host network, on all host interfaces (`{flag}`)',
    de: 'im Host-Netzwerk erreichbar, auf allen Schnittstellen des Hosts (`{flag}`)',
  },
  startedNotPublished: { en: 'started (`{flag}`) but not published', de: 'gestartet (`{flag}`), aber nicht veröffentlicht' },
  nodePort: { en: ', node port {port}', de: ', Node-Port {port}' },
  viaService: {
    en: 'exposed outside the cluster by Service/{name} ({type}, port {port}{nodePort})',
    de: 'außerhalb des Clusters erreichbar über Service/{name} ({type}, Port {port}{nodePort})',
  },
  makeClusterIp: {
    en: 'make Service/{name} a ClusterIP Service (or restrict who reaches it)',
    de: 'machen Sie Service/{name} zu einem ClusterIP-Service (oder beschränken Sie, wer ihn erreicht)',
  },
  namedPort: {
    en: 'Service/{name} ({type}) targets the named port "{target}" of pods that are not in the evidence: which service listens there is not visible',
    de: 'Service/{name} ({type}) zielt auf den benannten Port „{target}“ von Pods, die nicht im Nachweis sind: welcher Dienst dort lauscht, ist nicht sichtbar',
  },
  notSensitive: {
    en: 'Service/{name} ({type}) exposes port {port}, which is no sensitive service',
    de: 'Service/{name} ({type}) gibt Port {port} frei, hinter dem kein sensibler Dienst steht',
  },
  what: { en: '{service} ({port}/{protocol}) is {how}', de: '{service} ({port}/{protocol}) ist {how}' },
  notExposed: { en: '{what}: not exposed', de: '{what}: nicht offengelegt' },
  thisHostAlone: { en: '{what}: reachable from this host alone', de: '{what}: nur von diesem Host aus erreichbar' },
  requiresAuth: { en: '{what}, and requires authentication ({setting}, {path})', de: '{what} und verlangt Authentifizierung ({setting}, {path})' },
  fixAuth: { en: '{unexpose}, or {authFix}.', de: '{unexpose}, oder {authFix}.' },
  noEvidence: { en: 'with no authentication evidence', de: 'ohne Nachweis einer Authentifizierung' },
  authOff: { en: 'with authentication off ({setting})', de: 'mit abgeschalteter Authentifizierung ({setting})' },
  interfaceOnly: {
    en: '{what}, {auth}: whether only trusted systems reach that address is not visible here',
    de: '{what}, {auth}: ob nur vertrauenswürdige Systeme diese Adresse erreichen, ist hier nicht sichtbar',
  },
  noEnvironment: {
    en: '{what}; whether it requires authentication is not visible, since this artifact\'s shape (a container list, not `docker inspect`) carries no environment',
    de: '{what}; ob er Authentifizierung verlangt, ist nicht sichtbar, da die Form dieses Artefakts (eine Containerliste, nicht `docker inspect`) keine Umgebung enthält',
  },
  podsMissing: { en: ' of pods that are not in the evidence', de: ' zu Pods, die nicht im Nachweis sind' },
  note: { en: ' ({note})', de: ' ({note})' },
  unauthenticated: {
    en: '{what}{target}, with no authentication evidence{note}: anyone who reaches it can use it',
    de: '{what}{target}, ohne Nachweis einer Authentifizierung{note}: wer ihn erreicht, kann ihn nutzen',
  },
  explicitlyOff: {
    en: '{what}, and authentication is explicitly off ({setting}, {path}): anyone who reaches it can use it',
    de: '{what}, und die Authentifizierung ist ausdrücklich abgeschaltet ({setting}, {path}): wer ihn erreicht, kann ihn nutzen',
  },
  fixOff: { en: 'Remove {setting}; {authFix}. Until then, {unexpose}.', de: 'Entfernen Sie {setting}; {authFix}. Bis dahin: {unexpose}.' },
  noneExposed: {
    en: 'no sensitive service exposed (etcd, Docker API, kubelet, Redis, MongoDB, …)',
    de: 'kein sensibler Dienst offengelegt (etcd, Docker-API, Kubelet, Redis, MongoDB, …)',
  },
  remediation: {
    en: 'Publish sensitive services (etcd, the Docker API, the kubelet, Redis, MongoDB, Elasticsearch, Memcached, CouchDB, …) on loopback or an internal network only, or require authentication (client certificates, passwords).',
    de: 'Veröffentlichen Sie sensible Dienste (etcd, die Docker-API, das Kubelet, Redis, MongoDB, Elasticsearch, Memcached, CouchDB, …) nur auf Loopback oder in einem internen Netz, oder verlangen Sie Authentifizierung (Client-Zertifikate, Passwörter).',
  },
});

/** How far a port reaches, from least to most. */
const REACH = ['internal', 'loopback', 'interface', 'all'] as const;
type Reach = (typeof REACH)[number];

interface Exposure {
  service: SensitiveService;
  port: number;
  protocol: Protocol;
  reach: Reach;
  /** How it is reachable, for the message. */
  how: Text;
  /** What to change to stop the exposure, for the remediation. */
  unexpose: Text;
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

function publishFix(c: Container, port: number): Text {
  switch (c.runtime) {
    case 'compose':
      return tx(T.publishCompose, { port, name: c.name });
    case 'docker':
      return tx(T.publishDocker, { port });
    case 'kubernetes':
      return tx(T.dropHostPort, { name: c.name });
  }
}

function portReach(c: Container, p: Port, service: SensitiveService): Exposure {
  const base = { service, port: p.containerPort, protocol: p.protocol, source: c.source, path: p.path, containers: [c] };
  const host = hostNetwork(c);
  if (host) {
    return { ...base, reach: 'all', path: host.path, how: T.hostNetwork, unexpose: tx(T.leaveHostNetwork, { name: c.name }) };
  }
  if (!p.published) return { ...base, reach: 'internal', how: T.notPublished, unexpose: EMPTY };
  const ip = p.hostIp ?? '';
  const at = `${isAllInterfaces(ip) ? '0.0.0.0' : ip}${p.hostPort !== null ? `:${p.hostPort}` : ''}`;
  if (isAllInterfaces(ip)) return { ...base, reach: 'all', how: tx(T.allInterfaces, { at }), unexpose: publishFix(c, p.containerPort) };
  if (isLoopback(ip)) return { ...base, reach: 'loopback', how: tx(T.loopbackOnly, { at }), unexpose: EMPTY };
  return { ...base, reach: 'interface', how: tx(T.boundTo, { ip }), unexpose: publishFix(c, p.containerPort) };
}

/** Host-network containers may list no ports at all; their image then names the service at its default port. */
function imageExposures(c: Container, known: readonly Exposure[]): Exposure[] {
  const host = hostNetwork(c);
  if (!host || !c.image) return [];
  const repo = imageRepository(c.image.value);
  return SENSITIVE_SERVICES.filter((s) => s.images.includes(repo) && !known.some((e) => e.service === s))
    .flatMap((s) => s.ports.slice(0, 1).map((port): Exposure => ({
      service: s, port, protocol: 'tcp', reach: 'all', source: c.source, path: host.path, containers: [c],
      how: tx(T.hostNetworkImage, { repo, port }),
      unexpose: tx(T.leaveHostNetwork, { name: c.name }),
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
    how: tx(T.loopbackInside, { flag: l.what }), unexpose: EMPTY,
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
    if (listener && !listener.loopback) e.how = tx(T.flag, { how: e.how, flag: listener.what });
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
      how: host ? tx(T.hostNetworkFlag, { flag: l.what }) : tx(T.startedNotPublished, { flag: l.what }),
      unexpose: host ? tx(T.leaveHostNetwork, { name: c.name }) : EMPTY,
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
    const how = tx(T.viaService, { name: svc.name, type: svc.type, port: sp.port, nodePort: sp.nodePort !== null ? tx(T.nodePort, { port: sp.nodePort }) : EMPTY });
    const unexpose = tx(T.makeClusterIp, { name: svc.name });
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
        findings.push(finding(svc.source, 'unknown', sp.path, tx(T.namedPort, { name: svc.name, type: svc.type, target })));
      }
      continue;
    }
    const service = serviceAtPort(target);
    if (!service) {
      if (pods.length === 0) {
        findings.push(finding(svc.source, 'pass', sp.path, tx(T.notSensitive, { name: svc.name, type: svc.type, port: target })));
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
  const what = tx(T.what, { service: e.service.name, port: e.port, protocol: e.protocol, how: e.how });
  const pass = (message: Text): Finding[] => [finding(e.source, 'pass', e.path, message, { container, covers: e.containers })];
  if (e.reach === 'internal') return pass(tx(T.notExposed, { what }));
  if (e.reach === 'loopback') return pass(tx(T.thisHostAlone, { what }));
  if (verdict.kind === 'auth') return pass(tx(T.requiresAuth, { what, setting: verdict.what, path: verdict.path }));
  const fixAuth = tx(T.fixAuth, { unexpose: capitalised(e.unexpose), authFix: e.service.authFix });
  if (e.reach === 'interface') {
    const auth = verdict.kind === 'none' ? T.noEvidence : tx(T.authOff, { setting: verdict.what });
    return [finding(e.source, 'unknown', e.path, tx(T.interfaceOnly, { what, auth }), { container })];
  }
  if (verdict.kind === 'none' && !e.service.debugger && e.containers.some((c) => c.env === null)) {
    // The container list carries neither environment nor full configuration: absence of a password is no evidence.
    return [finding(e.source, 'unknown', e.path, tx(T.noEnvironment, { what }), { container })];
  }
  if (verdict.kind === 'none') {
    const note = e.service.note ? tx(T.note, { note: e.service.note }) : EMPTY;
    const target = e.containers.length === 0 ? T.podsMissing : EMPTY;
    return [finding(e.source, 'fail', e.path, tx(T.unauthenticated, { what, target, note }), { container, remediation: fixAuth })];
  }
  return [finding(e.source, 'fail', e.path, tx(T.explicitlyOff, { what, setting: verdict.what, path: verdict.path }),
    { container, remediation: tx(T.fixOff, { setting: verdict.what, authFix: e.service.authFix, unexpose: e.unexpose }) })];
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
  remediation: T.remediation,
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
        : [finding(c.source, 'pass', c.path, T.noneExposed, { container: c.name, covers: [c] })]));
    }
    return findings;
  },
};
