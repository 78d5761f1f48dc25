/**
 * 3.2: user namespaces are enabled. On Docker the daemon decides (`userns-remap`, or a rootless
 * daemon), so `docker info` shows it and a container can only opt out (`--userns=host`). On
 * Kubernetes each pod opts in with `hostUsers: false`; the default shares the host's users.
 */
import type { Container, DaemonInfo, Evidence, PodInfo } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding } from './control.ts';

function hasOption(options: readonly string[], name: string): boolean {
  return options.some((o) => o.split(',').some((part) => part.trim() === `name=${name}`));
}

/** The daemon's setting governs every container it runs: those of docker inspect and Compose. */
function checkDaemon(d: DaemonInfo, dockerContainers: readonly Container[]): Finding {
  const opts = d.securityOptions.value;
  const at = d.securityOptions.path;
  const covers = dockerContainers.filter((c) => c.usernsMode?.value !== 'host');
  if (d.rootless || hasOption(opts, 'rootless')) {
    return finding(d.source, 'pass', at, 'the daemon runs rootless (name=rootless): container root maps to an unprivileged host user', { covers });
  }
  if (d.userns || hasOption(opts, 'userns')) {
    return finding(d.source, 'pass', at, 'the daemon remaps users into a user namespace (name=userns)', { covers });
  }
  return finding(d.source, 'fail', at,
    `SecurityOptions (${opts.join(', ') || 'none'}) show neither name=userns nor name=rootless: container root is host root`,
    { remediation: 'Enable user-namespace remapping in /etc/docker/daemon.json (`"userns-remap": "default"`) and restart dockerd, or run Docker rootless.' });
}

function checkContainer(c: Container): Finding | null {
  const mode = c.usernsMode;
  // Kubernetes has no such switch per container; its pods decide (hostUsers).
  if (!mode || c.runtime === 'kubernetes') return null;
  if (mode.value === 'host') {
    const fix = c.runtime === 'compose'
      ? 'Remove `userns_mode: host` from the service so the daemon\'s user namespace applies.'
      : 'Recreate the container without `--userns=host` so the daemon\'s user namespace applies.';
    return containerFinding(c, 'fail', mode.path, 'user namespace mode is host: the container opts out of the daemon\'s user-namespace remapping', fix);
  }
  const said = mode.value === null || mode.value === '' ? 'not set' : mode.value;
  return containerFinding(c, 'unknown', mode.path, `user namespace mode ${said}: the daemon decides (docker info shows whether remapping is on)`);
}

function checkPod(p: PodInfo, containers: readonly Container[]): Finding {
  const owner = `${p.owner.kind}/${p.owner.name}`;
  const v = p.hostUsers.value;
  if (v === false) {
    const covers = containers.filter((c) => c.pod !== null && c.pod.source.artifact === p.source.artifact && c.pod.path === p.path);
    return finding(p.source, 'pass', p.hostUsers.path, `${owner} sets hostUsers: false: its containers run in a user namespace`, { covers });
  }
  return finding(p.source, 'fail', p.hostUsers.path,
    `${owner} ${v === true ? 'sets hostUsers: true' : 'does not set hostUsers (the default is true)'}: its containers share the host's users`,
    { remediation: `Set \`hostUsers: false\` in the pod spec of ${owner} (Kubernetes 1.33+, or 1.25+ with the UserNamespacesSupport feature gate).` });
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
  remediation:
    'Docker: enable `userns-remap` in daemon.json or run the daemon rootless, and do not start containers with `--userns=host`. ' +
    'Kubernetes: set `hostUsers: false` in every pod spec.',
  rules: [
    '- **docker-info**: `SecurityOptions` containing `name=userns` (userns-remap) or `name=rootless` passes: container root ' +
      'is then an unprivileged host user. Anything else fails, because Docker\'s default maps container root to host root.',
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
