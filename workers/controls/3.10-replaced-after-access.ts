/**
 * 3.10: after active access (an exec session, a debug container) a container is deleted and
 * replaced by a new instance of its image. What a person changed inside an accessed container
 * stays in it; only a new instance is known to be what the image says.
 *
 * Docker's `ExecIDs` lists only the sessions running now, so a snapshot proves little on its
 * own; the exec events of `docker events` and earlier snapshots (context.history) show access
 * that has ended, and the instance's start time shows whether it was replaced since.
 */
import type { Container, ContainerEvent, EventLog, Evidence, PodInfo } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { EMPTY, type Text, defineTexts, tx } from '../model/text.ts';
import { type Control, type EvaluationContext, containerFinding, finding } from './control.ts';

const EXEC_ACTION = /^exec_(?:start|create)\b/;

const T = defineTexts('3.10', {
  fixDocker: {
    en: 'Remove the accessed container and start a new one from the image: `docker rm -f {name}` and `docker run …` (Compose: `docker compose up -d --force-recreate SERVICE`). A restart keeps the old instance.',
    de: 'Entfernen Sie den Container, auf den zugegriffen wurde, und starten Sie einen neuen aus dem Image: `docker rm -f {name}` und `docker run …` (Compose: `docker compose up -d --force-recreate SERVICE`). Ein Neustart behält die alte Instanz.',
  },
  unknownTime: { en: 'an unknown time', de: 'unbekannter Zeit' },
  noExec: {
    en: 'no exec session running at the time of this snapshot (ExecIDs empty); Docker lists only running sessions, so access that has ended does not show here: docker-events or periodic snapshots make this stronger',
    de: 'zum Zeitpunkt dieses Snapshots läuft keine Exec-Sitzung (ExecIDs leer); Docker nennt nur laufende Sitzungen, beendete Zugriffe zeigen sich hier also nicht: docker-events oder regelmäßige Snapshots machen das belastbarer',
  },
  execRunning: {
    en: '{count} exec session(s) running now (ExecIDs: {ids}): the container is being accessed and must be replaced by a new instance afterwards',
    de: '{count} Exec-Sitzung(en) laufen gerade (ExecIDs: {ids}): auf den Container wird zugegriffen, er muss danach durch eine neue Instanz ersetzt werden',
  },
  replacedBy: { en: '; replaced by {id}, started {at}', de: '; ersetzt durch {id}, gestartet {at}' },
  sessions: { en: '{count} exec session(s), the last at {at}', de: '{count} Exec-Sitzung(en), die letzte um {at}' },
  restartedNotReplaced: {
    en: '{what}; the container was restarted at {at} but never replaced: a restart keeps the instance and everything changed in it ({where})',
    de: '{what}; der Container wurde um {at} neu gestartet, aber nie ersetzt: ein Neustart behält die Instanz und alles, was darin geändert wurde ({where})',
  },
  stillExists: { en: 'still exists (stopped, not removed)', de: 'besteht noch (gestoppt, nicht entfernt)' },
  stillRunning: { en: 'is still the running instance', de: 'ist noch die laufende Instanz' },
  startedBefore: { en: ', started {at}, before the access', de: ', gestartet {at}, vor dem Zugriff' },
  stillThere: { en: '{what}; the container {state}{since} ({where})', de: '{what}; der Container {state}{since} ({where})' },
  removed: { en: '{what}; the container was removed at {at}{replacement}', de: '{what}; der Container wurde um {at} entfernt{replacement}' },
  startedAgain: {
    en: '{what}; the container stopped at {stopped} and was started again at {started}: the same instance, not a new one',
    de: '{what}; der Container stoppte um {stopped} und wurde um {started} wieder gestartet: dieselbe Instanz, keine neue',
  },
  stopped: {
    en: '{what}; the container stopped at {at} and was not started again in the log{replacement}',
    de: '{what}; der Container stoppte um {at} und wurde im Protokoll nicht wieder gestartet{replacement}',
  },
  noDieOrDestroy: {
    en: '{what}; no later die or destroy of this container in the log: it is still the running instance as far as the log shows',
    de: '{what}; kein späteres die oder destroy dieses Containers im Protokoll: soweit das Protokoll zeigt, ist er noch die laufende Instanz',
  },
  between: { en: ' between {from} and {to}', de: ' zwischen {from} und {to}' },
  probes: { en: ' ({count} health-check probe(s) left out)', de: ' ({count} Health-Check-Aufruf(e) nicht mitgezählt)' },
  noExecEvents: {
    en: 'no exec session in {count} event(s){span}{probes}: no container was accessed',
    de: 'keine Exec-Sitzung in {count} Ereignis(sen){span}{probes}: auf keinen Container wurde zugegriffen',
  },
  inNamespace: { en: '{owner} in {namespace}', de: '{owner} im Namespace `{namespace}`' },
  noDebug: {
    en: '{where} has no ephemeral (debug) containers: nobody attached one with kubectl debug',
    de: '{where} hat keine Ephemeral-Container (Debug): niemand hat mit kubectl debug einen angehängt',
  },
  fixPod: {
    en: 'Delete the pod so its controller creates a new one (`kubectl delete pod {pod}{ns}`); ephemeral containers cannot be removed from a pod.',
    de: 'Löschen Sie den Pod, damit sein Controller einen neuen erstellt (`kubectl delete pod {pod}{ns}`); Ephemeral-Container lassen sich nicht aus einem Pod entfernen.',
  },
  debugged: {
    en: '{where} was accessed: ephemeral debug container "{name}" (kubectl debug) was added, and the pod was not replaced since',
    de: 'auf {where} wurde zugegriffen: der Debug-Container „{name}“ (kubectl debug) wurde hinzugefügt, und der Pod wurde seither nicht ersetzt',
  },
  restartedAt: { en: ', restarted at {at} but not replaced', de: ', um {at} neu gestartet, aber nicht ersetzt' },
  history: {
    en: 'had exec sessions at {at} (snapshot {snapshot}) and {state}{restarted}',
    de: 'hatte um {at} Exec-Sitzungen (Snapshot {snapshot}) und {state}{restarted}',
  },
  remediation: {
    en: 'After every exec session or debug container, delete the container and start a new one from the image (`docker rm -f` + `docker run`, `docker compose up -d --force-recreate`, `kubectl delete pod`). Upload `docker events --filter event=exec_start` with each snapshot so ended sessions are seen too.',
    de: 'Löschen Sie nach jeder Exec-Sitzung und jedem Debug-Container den Container und starten Sie einen neuen aus dem Image (`docker rm -f` + `docker run`, `docker compose up -d --force-recreate`, `kubectl delete pod`). Laden Sie `docker events --filter event=exec_start` mit jedem Snapshot hoch, damit auch beendete Sitzungen sichtbar werden.',
  },
});

const DOCKER_FIX = (name: string): Text => tx(T.fixDocker, { name });

/** Docker ids are compared by prefix both ways: events and `docker ps` often carry the 12-character short id. */
export function sameContainerId(a: string, b: string): boolean {
  const x = a.trim().toLowerCase();
  const y = b.trim().toLowerCase();
  if (x === '' || y === '') return false;
  if (x === y) return true;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.length >= 12 && long.startsWith(short);
}

/**
 * The bucket of an id: ids that match by prefix (12+ characters) share their first 12, and
 * shorter ones match only themselves. Lookups go through buckets, so a log of 100,000 events
 * about thousands of containers is not compared all against all.
 */
function idKey(id: string): string {
  const x = id.trim().toLowerCase();
  return x.length >= 12 ? x.slice(0, 12) : x;
}

/** Items by idKey, each bucket in the original order (so "the first match" stays the same). */
function indexBy<T>(items: readonly T[], keyOf: (t: T) => string | null): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  }
  return map;
}

/** The docker-inspect containers of the snapshot, indexed by id. */
interface DockerContainers {
  byId: Map<string, Container[]>;
}

function iso(ms: number): Text | string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : T.unknownTime;
}

function startedMs(c: Container): number | null {
  if (!c.startedAt) return null;
  const ms = Date.parse(c.startedAt);
  return Number.isNaN(ms) ? null : ms;
}

/** The command of an exec event: Docker writes `exec_start: /bin/sh -c …` as the action. */
function execCommand(e: ContainerEvent): string {
  if (e.command) return e.command.trim();
  const colon = e.action.indexOf(':');
  return colon === -1 ? '' : e.action.slice(colon + 1).trim();
}

/** Health checks run as exec sessions too; Docker names their command exactly as the HEALTHCHECK gives it. */
function isHealthProbe(e: ContainerEvent, c: Container | undefined): boolean {
  const test = c?.healthcheck?.value;
  if (!test || test.length === 0) return false;
  return execCommand(e) === test.join(' ').trim();
}

function dockerContainers(evidence: Evidence): DockerContainers {
  const list = evidence.containers.filter((c) => c.source.kind === 'docker-inspect' && c.id !== null);
  return { byId: indexBy(list, (c) => (c.id === null ? null : idKey(c.id))) };
}

function findContainer(containers: DockerContainers, id: string): Container | undefined {
  return containers.byId.get(idKey(id))?.find((c) => c.id !== null && sameContainerId(c.id, id));
}

// ---------------------------------------------------------------- docker inspect: ExecIDs

function checkExecIds(c: Container): Finding[] {
  if (c.source.kind !== 'docker-inspect' || c.execIds === null) return [];
  const ids = c.execIds.value;
  if (ids.length === 0) {
    return [containerFinding(c, 'pass', c.execIds.path, T.noExec)];
  }
  const shown = ids.slice(0, 3).map((id) => id.slice(0, 12)).join(', ');
  return [containerFinding(c, 'fail', c.execIds.path,
    tx(T.execRunning, { count: ids.length, ids: `${shown}${ids.length > 3 ? ', …' : ''}` }), DOCKER_FIX(c.name))];
}

// ---------------------------------------------------------------- docker events

interface ExecGroup {
  id: string;
  name: string | null;
  last: ContainerEvent;
  /** Session ids seen (Docker names each `docker exec` in its events' `execID`). */
  sessionIds: Set<string>;
  /** Events without a session id, by action: one session sends one `exec_create` and one `exec_start`. */
  anonymous: { create: number; start: number };
}

/**
 * How many sessions a container's exec events are: one `docker exec` sends `exec_create`,
 * `exec_start` and `exec_die`, so events are not sessions. Distinct `execID`s where the daemon
 * names them; otherwise the larger of the `exec_create` and `exec_start` counts (a session
 * created but never started is still one).
 */
function sessionCount(g: ExecGroup): number {
  return g.sessionIds.size + Math.max(g.anonymous.create, g.anonymous.start);
}

/** Exec events per container (ids merged by prefix), health probes of a known HEALTHCHECK left out. */
function execGroups(log: EventLog, containers: DockerContainers): { groups: ExecGroup[]; probes: number } {
  const groups: ExecGroup[] = [];
  const byId = new Map<string, ExecGroup[]>();
  const probeSessions = new Set<string>();
  const anonymousProbes = { create: 0, start: 0 };
  for (const e of log.events) {
    if (!EXEC_ACTION.test(e.action)) continue;
    if (isHealthProbe(e, findContainer(containers, e.containerId))) {
      if (e.execId) probeSessions.add(e.execId);
      else if (e.action.startsWith('exec_start')) anonymousProbes.start++;
      else anonymousProbes.create++;
      continue;
    }
    const key = idKey(e.containerId);
    const bucket = byId.get(key);
    let group = bucket?.find((g) => sameContainerId(g.id, e.containerId));
    if (!group) {
      group = { id: e.containerId, name: e.containerName, last: e, sessionIds: new Set(), anonymous: { create: 0, start: 0 } };
      groups.push(group);
      if (bucket) bucket.push(group);
      else byId.set(key, [group]);
    } else {
      if (e.containerId.length > group.id.length) group.id = e.containerId;
      group.name ??= e.containerName;
      if (e.time >= group.last.time) group.last = e;
    }
    if (e.execId) group.sessionIds.add(e.execId);
    else if (e.action.startsWith('exec_start')) group.anonymous.start++;
    else group.anonymous.create++;
  }
  return { groups, probes: probeSessions.size + Math.max(anonymousProbes.create, anonymousProbes.start) };
}

/** A log's events by container id and by name, built once per log. */
interface IndexedLog {
  log: EventLog;
  byId: Map<string, ContainerEvent[]>;
  byName: Map<string, ContainerEvent[]>;
}

function indexLog(log: EventLog): IndexedLog {
  return {
    log,
    byId: indexBy(log.events, (e) => idKey(e.containerId)),
    byName: indexBy(log.events, (e) => e.containerName),
  };
}

function laterEvents(ix: IndexedLog, id: string, after: number, actions: readonly string[]): ContainerEvent[] {
  return (ix.byId.get(idKey(id)) ?? []).filter((e) => e.time > after && sameContainerId(e.containerId, id) &&
    actions.includes(e.action.split(':')[0]?.trim() ?? ''));
}

/** A new container of the same name started after the old one went: the replacement. */
function replacementNote(ix: IndexedLog, g: ExecGroup, after: number): Text {
  if (!g.name) return EMPTY;
  const next = (ix.byName.get(g.name) ?? []).find((e) => e.time >= after && e.containerName === g.name &&
    !sameContainerId(e.containerId, g.id) && /^(?:start|create)\b/.test(e.action));
  return next ? tx(T.replacedBy, { id: next.containerId.slice(0, 12), at: iso(next.time) }) : EMPTY;
}

function checkGroup(ix: IndexedLog, g: ExecGroup, containers: DockerContainers): Finding {
  const log = ix.log;
  const execAt = g.last.time;
  // The exec's command is not repeated: command lines can carry secrets (`mysql -p…`).
  const what = tx(T.sessions, { count: sessionCount(g), at: iso(execAt) });
  const current = findContainer(containers, g.id);
  const name = current?.name ?? g.name ?? g.id.slice(0, 12);
  const opts = { container: name, remediation: DOCKER_FIX(name) };
  if (current) {
    const started = startedMs(current);
    const state = current.running === false ? T.stillExists : T.stillRunning;
    const where = `${current.source.artifact} ${current.path || '/'}`;
    if (started !== null && started > execAt) {
      return finding(log.source, 'fail', g.last.path, tx(T.restartedNotReplaced, { what, at: iso(started), where }), opts);
    }
    const since = started !== null ? tx(T.startedBefore, { at: iso(started) }) : EMPTY;
    return finding(log.source, 'fail', g.last.path, tx(T.stillThere, { what, state, since, where }), opts);
  }
  const destroyed = laterEvents(ix, g.id, execAt, ['destroy'])[0];
  if (destroyed) {
    return finding(log.source, 'pass', destroyed.path,
      tx(T.removed, { what, at: iso(destroyed.time), replacement: replacementNote(ix, g, destroyed.time) }), { container: name });
  }
  const died = laterEvents(ix, g.id, execAt, ['die'])[0];
  if (died) {
    const restarted = laterEvents(ix, g.id, died.time, ['start', 'restart', 'unpause'])[0];
    if (restarted) {
      return finding(log.source, 'fail', restarted.path,
        tx(T.startedAgain, { what, stopped: iso(died.time), started: iso(restarted.time) }), opts);
    }
    return finding(log.source, 'pass', died.path,
      tx(T.stopped, { what, at: iso(died.time), replacement: replacementNote(ix, g, died.time) }), { container: name });
  }
  return finding(log.source, 'fail', g.last.path, tx(T.noDieOrDestroy, { what }), opts);
}

/** A daemon's event log speaks for every container that daemon runs: those of docker inspect and Compose. */
function checkEventLog(log: EventLog, containers: DockerContainers, onDaemon: readonly Container[]): Finding[] {
  const { groups, probes } = execGroups(log, containers);
  if (groups.length > 0) {
    const ix = indexLog(log);
    return groups.map((g) => checkGroup(ix, g, containers));
  }
  // A loop, not Math.min(...times): spreading 100,000+ arguments overflows the stack.
  let first = Infinity;
  let last = -Infinity;
  for (const e of log.events) {
    if (!Number.isFinite(e.time)) continue;
    if (e.time < first) first = e.time;
    if (e.time > last) last = e.time;
  }
  const span = first <= last ? tx(T.between, { from: iso(first), to: iso(last) }) : EMPTY;
  const probeNote = probes > 0 ? tx(T.probes, { count: probes }) : EMPTY;
  return [finding(log.source, 'pass', log.events[0]?.path ?? '',
    tx(T.noExecEvents, { count: log.events.length, span, probes: probeNote }), { covers: onDaemon })];
}

// ---------------------------------------------------------------- kubernetes: debug containers

function checkPod(pod: PodInfo, containers: readonly Container[]): Finding[] {
  if (!pod.isPodObject) return [];
  const names = pod.ephemeralContainers.value;
  const owner = `${pod.owner.kind}/${pod.owner.name}`;
  const where = pod.owner.namespace ? tx(T.inNamespace, { owner, namespace: pod.owner.namespace }) : owner;
  if (names.length === 0) {
    const covers = containers.filter((c) => c.pod !== null && c.pod.source.artifact === pod.source.artifact && c.pod.path === pod.path);
    return [finding(pod.source, 'pass', pod.ephemeralContainers.path, tx(T.noDebug, { where }), { covers })];
  }
  const fix = tx(T.fixPod, { pod: pod.owner.name, ns: pod.owner.namespace ? ` -n ${pod.owner.namespace}` : '' });
  return names.map((n) => finding(pod.source, 'fail', pod.ephemeralContainers.path, tx(T.debugged, { where, name: n }),
    { container: n, remediation: fix }));
}

// ---------------------------------------------------------------- earlier snapshots

/** Earlier snapshots can matter only to a snapshot that shows Docker containers by id. */
export function needsHistory(evidence: Evidence): boolean {
  return evidence.containers.some((c) => c.source.kind === 'docker-inspect' && c.id !== null);
}

/**
 * The containers this snapshot shows were accessed, for later snapshots of the workload to check
 * (they come back as `context.history`): docker-inspect containers with exec sessions running,
 * at `observedAt`, and containers with exec events that are not health probes, at the last exec.
 */
export function accessedContainers(evidence: Evidence, observedAt: Date): { containerId: string; at: string }[] {
  const docker = dockerContainers(evidence);
  const seen: { containerId: string; at: string }[] = [];
  for (const c of evidence.containers) {
    if (c.source.kind === 'docker-inspect' && c.id && (c.execIds?.value.length ?? 0) > 0) {
      seen.push({ containerId: c.id, at: observedAt.toISOString() });
    }
  }
  for (const log of evidence.events) {
    for (const g of execGroups(log, docker).groups) {
      seen.push({ containerId: g.id, at: Number.isFinite(g.last.time) ? new Date(g.last.time).toISOString() : observedAt.toISOString() });
    }
  }
  return seen;
}

function checkHistory(history: EvaluationContext['history'], containers: DockerContainers): Finding[] {
  const seen = new Map<string, EvaluationContext['history'][number]>();
  const seenIds = new Map<string, string[]>();
  for (const h of history) {
    const key = idKey(h.containerId);
    const bucket = seenIds.get(key) ?? [];
    if (bucket.some((id) => sameContainerId(id, h.containerId))) continue;
    seen.set(h.containerId, h);
    bucket.push(h.containerId);
    seenIds.set(key, bucket);
  }
  const findings: Finding[] = [];
  for (const h of seen.values()) {
    const c = findContainer(containers, h.containerId);
    if (!c) continue;
    const started = startedMs(c);
    const restarted = started !== null && started > Date.parse(h.seenAt) ? tx(T.restartedAt, { at: iso(started) }) : EMPTY;
    const state = c.running === false ? T.stillExists : T.stillRunning;
    findings.push(containerFinding(c, 'fail', c.execIds?.path ?? c.path,
      tx(T.history, { at: h.seenAt, snapshot: h.snapshotId, state, restarted }), DOCKER_FIX(c.name)));
  }
  return findings;
}

export const control: Control = {
  id: '3.10',
  levels: ['L2', 'L3'],
  title: { en: 'Replaced after access', de: 'Nach Zugriff ersetzt' },
  text: {
    en: 'After active access (e.g. for troubleshooting) a container is deleted and replaced by a new instance of the image.',
    de: 'Stellen Sie sicher, dass ein Container nach dem aktiven Zugriff (z. B. zur Fehlerbehebung) gelöscht und durch ' +
      'eine neue Instanz (Container) des Images ersetzt wurde.',
  },
  remediation: T.remediation,
  rules: [
    '- **docker-inspect**: `ExecIDs` lists the exec sessions running *now* (Docker drops ended ones). Non-empty → ' +
      'fail; `null` or empty → pass for that moment, and the finding says that only running sessions show there. An ' +
      'element without `ExecIDs` (the Engine API\'s container list, `docker ps`) says nothing.',
    '- **docker-events**: an `exec_start` or `exec_create` on a container that is still the running instance → ' +
      'fail. "Still the running instance" means: a docker-inspect of the same snapshot shows that container id ' +
      '(whose `State.StartedAt` is older than the exec; a *restart* after the exec does not help either, since it keeps ' +
      'the instance and whatever was changed in it), or, without such an inspect, the log shows no later `die` or ' +
      '`destroy` of it. A later `destroy` (or a `die` not followed by a new `start` of the same id) → pass, naming the ' +
      'replacement when a new container of the same name started. A log without any exec → pass. Ids match by ' +
      'prefix both ways (12-character short ids). Health-check probes (whose command equals the container\'s ' +
      'HEALTHCHECK in a docker-inspect of the same snapshot) are not access and are left out. The finding counts ' +
      'sessions, not events: one `docker exec` sends `exec_create`, `exec_start` and `exec_die` with the same ' +
      '`execID`, so sessions are the distinct `execID`s, or, in a log without them, the larger of the ' +
      '`exec_create` and `exec_start` counts.',
    '- **kubernetes**: a `Pod` object with `ephemeralContainers` (added by `kubectl debug`) → fail: ephemeral ' +
      'containers cannot be removed, so the pod was not replaced. A `Pod` object without → pass. Templates ' +
      '(Deployments, StatefulSets, …) say nothing: they describe pods to come, not accessed ones.',
    '- **Earlier snapshots**: a container id seen with exec sessions in an earlier snapshot of the workload that ' +
      'the current docker-inspect still shows → fail.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'docker-events', 'kubernetes'],
  evaluate(evidence: Evidence, context: EvaluationContext): Finding[] {
    const docker = dockerContainers(evidence);
    return [
      ...evidence.containers.flatMap(checkExecIds),
      ...evidence.events.flatMap((log) => checkEventLog(log, docker, evidence.containers.filter((c) => c.runtime !== 'kubernetes'))),
      ...evidence.pods.flatMap((p) => checkPod(p, evidence.containers)),
      ...checkHistory(context.history, docker),
    ];
  },
};
