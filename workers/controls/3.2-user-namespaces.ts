/**
 * 3.2: user namespaces are enabled. On Docker the daemon decides (`userns-remap`, or a rootless
 * daemon), so `docker info` shows it and a container can only opt out (`--userns=host`). On
 * Kubernetes each pod opts in with `hostUsers: false`; the default shares the host's users.
 */
import type { Container, DaemonInfo, Evidence, PodInfo } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { defineTexts, tx } from '../model/text.ts';
import { type Control, containerFinding, finding } from './control.ts';

const T = defineTexts('3.2', {
  rootless: {
    en: 'the daemon runs rootless (name=rootless): container root maps to an unprivileged host user',
    de: 'der Daemon läuft rootless (name=rootless): root im Container entspricht einem Benutzer ohne Rechte auf dem Host',
  },
  userns: {
    en: 'the daemon remaps users into a user namespace (name=userns)',
    de: 'der Daemon bildet die Benutzer in einem Benutzer-Namespace ab (name=userns)',
  },
  none: { en: 'none', de: 'keine' },
  notCarried: {
    en: 'this docker info output has no SecurityOptions list, so it does not show whether user namespaces (name=userns) or rootless mode are on; upload the full `docker info --format \'{{json .}}\'`',
    de: 'diese docker-info-Ausgabe hat keine Liste SecurityOptions und zeigt daher nicht, ob Benutzer-Namespaces (name=userns) oder der Rootless-Modus eingeschaltet sind; laden Sie die vollständige Ausgabe von `docker info --format \'{{json .}}\'` hoch',
  },
  neither: {
    en: 'SecurityOptions ({options}) show neither name=userns nor name=rootless: container root is host root',
    de: 'SecurityOptions ({options}) zeigen weder name=userns noch name=rootless: root im Container ist root auf dem Host',
  },
  fixDaemon: {
    en: 'Enable user-namespace remapping in /etc/docker/daemon.json (`"userns-remap": "default"`) and restart dockerd, or run Docker rootless.',
    de: 'Schalten Sie die Abbildung in Benutzer-Namespaces in /etc/docker/daemon.json ein (`"userns-remap": "default"`) und starten Sie dockerd neu, oder betreiben Sie Docker rootless.',
  },
  fixCompose: {
    en: 'Remove `userns_mode: host` from the service so the daemon\'s user namespace applies.',
    de: 'Entfernen Sie `userns_mode: host` vom Service, damit der Benutzer-Namespace des Daemons gilt.',
  },
  fixDocker: {
    en: 'Recreate the container without `--userns=host` so the daemon\'s user namespace applies.',
    de: 'Erstellen Sie den Container ohne `--userns=host` neu, damit der Benutzer-Namespace des Daemons gilt.',
  },
  host: {
    en: 'user namespace mode is host: the container opts out of the daemon\'s user-namespace remapping',
    de: 'der Benutzer-Namespace-Modus ist host: der Container nimmt sich von der Abbildung des Daemons aus',
  },
  notSet: { en: 'not set', de: 'nicht gesetzt' },
  daemonDecides: {
    en: 'user namespace mode {mode}: the daemon decides (docker info shows whether remapping is on)',
    de: 'Benutzer-Namespace-Modus {mode}: der Daemon entscheidet (docker info zeigt, ob die Abbildung eingeschaltet ist)',
  },
  podPass: {
    en: '{owner} sets hostUsers: false: its containers run in a user namespace',
    de: '{owner} setzt hostUsers: false: seine Container laufen in einem Benutzer-Namespace',
  },
  setsTrue: { en: 'sets hostUsers: true', de: 'setzt hostUsers: true' },
  notSetDefault: { en: 'does not set hostUsers (the default is true)', de: 'setzt hostUsers nicht (die Vorgabe ist true)' },
  podFail: {
    en: '{owner} {what}: its containers share the host\'s users',
    de: '{owner} {what}: seine Container teilen die Benutzer des Hosts',
  },
  fixPod: {
    en: 'Set `hostUsers: false` in the pod spec of {owner} (Kubernetes 1.33+, or 1.25+ with the UserNamespacesSupport feature gate).',
    de: 'Setzen Sie `hostUsers: false` in der Pod-Spec von {owner} (Kubernetes 1.33+, oder 1.25+ mit dem Feature-Gate UserNamespacesSupport).',
  },
  remediation: {
    en: 'Docker: enable `userns-remap` in daemon.json or run the daemon rootless, and do not start containers with `--userns=host`. Kubernetes: set `hostUsers: false` in every pod spec.',
    de: 'Docker: schalten Sie `userns-remap` in daemon.json ein oder betreiben Sie den Daemon rootless, und starten Sie keine Container mit `--userns=host`. Kubernetes: setzen Sie `hostUsers: false` in jeder Pod-Spec.',
  },
});

function hasOption(options: readonly string[], name: string): boolean {
  return options.some((o) => o.split(',').some((part) => part.trim() === `name=${name}`));
}

/** The daemon's setting governs every container it runs: those of docker inspect and Compose. */
function checkDaemon(d: DaemonInfo, dockerContainers: readonly Container[]): Finding {
  const opts = d.securityOptions.value;
  const at = d.securityOptions.path;
  // An output without SecurityOptions does not say that the daemon lists none: no verdict from it.
  if (opts === null) return finding(d.source, 'unknown', at, T.notCarried);
  const covers = dockerContainers.filter((c) => c.usernsMode?.value !== 'host');
  if (d.rootless || hasOption(opts, 'rootless')) return finding(d.source, 'pass', at, T.rootless, { covers });
  if (d.userns || hasOption(opts, 'userns')) return finding(d.source, 'pass', at, T.userns, { covers });
  return finding(d.source, 'fail', at, tx(T.neither, { options: opts.length > 0 ? opts.join(', ') : T.none }), { remediation: T.fixDaemon });
}

function checkContainer(c: Container): Finding | null {
  const mode = c.usernsMode;
  // Kubernetes has no such switch per container; its pods decide (hostUsers).
  if (!mode || c.runtime === 'kubernetes') return null;
  if (mode.value === 'host') {
    return containerFinding(c, 'fail', mode.path, T.host, c.runtime === 'compose' ? T.fixCompose : T.fixDocker);
  }
  const said = mode.value === null || mode.value === '' ? T.notSet : mode.value;
  return containerFinding(c, 'unknown', mode.path, tx(T.daemonDecides, { mode: said }));
}

function checkPod(p: PodInfo, containers: readonly Container[]): Finding {
  const owner = `${p.owner.kind}/${p.owner.name}`;
  const v = p.hostUsers.value;
  if (v === false) {
    const covers = containers.filter((c) => c.pod !== null && c.pod.source.artifact === p.source.artifact && c.pod.path === p.path);
    return finding(p.source, 'pass', p.hostUsers.path, tx(T.podPass, { owner }), { covers });
  }
  return finding(p.source, 'fail', p.hostUsers.path, tx(T.podFail, { owner, what: v === true ? T.setsTrue : T.notSetDefault }),
    { remediation: tx(T.fixPod, { owner }) });
}

/** Pods listed by the parser, plus any only reachable through their containers, once each. */
function allPods(evidence: Evidence): PodInfo[] {
  const pods = new Set<PodInfo>(evidence.pods);
  const keys = new Set(evidence.pods.map((p) => `${p.source.artifact}\u0000${p.path}`));
  for (const c of evidence.containers) {
    if (!c.pod) continue;
    const key = `${c.pod.source.artifact}\u0000${c.pod.path}`;
    if (!pods.has(c.pod) && !keys.has(key)) {
      pods.add(c.pod);
      keys.add(key);
    }
  }
  return [...pods];
}

export const control: Control = {
  id: '3.2',
  levels: ['L2', 'L3'],
  title: { en: 'User namespaces enabled', de: 'Benutzer-Namespace aktiviert' },
  text: {
    en: 'User namespaces are enabled.',
    de: 'Stellen Sie sicher, dass der Benutzer-Namespace aktiviert ist.',
  },
  remediation: T.remediation,
  rules: [
    '- **docker-info**: `SecurityOptions` containing `name=userns` (userns-remap) or `name=rootless` passes: container root ' +
      'is then an unprivileged host user. Any other list (empty, or `null` as Go writes one) fails, because Docker\'s default ' +
      'maps container root to host root. An output without `SecurityOptions` (a trimmed or foreign shape) says nothing.',
    '- **docker-inspect**: `HostConfig.UsernsMode` `host` fails (the container opts out of remapping). Any other value says ' +
      'nothing: whether remapping is on is the daemon\'s setting, which `docker info` shows.',
    '- **compose**: `userns_mode: host` fails; anything else says nothing, as for docker-inspect.',
    '- **kubernetes**: each pod decides: `hostUsers: false` passes; `true` or absent fails, because the default shares the ' +
      'host\'s user namespace.',
  ].join('\n'),
  decidedBy: ['docker-info', 'kubernetes', 'docker-inspect', 'compose'],
  evaluate(evidence: Evidence): Finding[] {
    return [
      ...evidence.daemons.map((d) => checkDaemon(d, evidence.containers.filter((c) => c.runtime !== 'kubernetes'))),
      ...evidence.containers.map(checkContainer).filter((f): f is Finding => f !== null),
      ...allPods(evidence).map((p) => checkPod(p, evidence.containers)),
    ];
  },
};
