/**
 * 3.5: containers gain no privileges at run time (`no-new-privileges`). Without that bit a
 * setuid binary or file capability inside the container lifts a process's privileges again;
 * a privileged container has every privilege to begin with, whatever else it sets.
 */
import type { Container, DaemonInfo, Evidence, Fact } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';

const FIX: Record<Container['runtime'], string> = {
  docker: 'Recreate the container with `--security-opt no-new-privileges:true` (or set `"no-new-privileges": true` in daemon.json).',
  kubernetes: 'Set `securityContext.allowPrivilegeEscalation: false` on this container.',
  compose: 'Add `security_opt: ["no-new-privileges:true"]` to the service.',
};

function roleText(c: Container): string {
  return c.role === 'app' ? 'container' : `${c.role} container`;
}

/** `dockerd --no-new-privileges` shows as `name=no-new-privileges` in `docker info`. */
function daemonSetsNoNewPrivileges(d: DaemonInfo): boolean {
  return d.securityOptions.value.some((o) => o.split(',').some((p) => p.trim() === 'name=no-new-privileges'));
}

/**
 * Whether the setting was written down. A fact's path points at the entry that set it, or, when
 * nothing did, at the place where it would have to be written (the SecurityOpt list itself).
 */
function saidExplicitly(setting: Fact<boolean | null>): boolean {
  return setting.value !== null && /(\/\d+|\]|allowPrivilegeEscalation)$/.test(setting.path);
}

function whyNot(c: Container, setting: Fact<boolean | null>): string {
  const path = setting.path;
  if (c.runtime === 'kubernetes') {
    if (path.includes('capabilities')) return 'adds CAP_SYS_ADMIN, with which escalation is always allowed';
    if (path.endsWith('allowPrivilegeEscalation')) return 'sets allowPrivilegeEscalation: true';
    return 'does not set allowPrivilegeEscalation: false (the default allows escalation)';
  }
  return saidExplicitly(setting)
    ? 'turns no-new-privileges off'
    : 'does not set no-new-privileges (by default setuid binaries can gain privileges)';
}

function checkContainer(c: Container, daemonDefault: DaemonInfo | null): Finding {
  if (c.privileged?.value) {
    return containerFinding(c, 'fail', c.privileged.path,
      `${roleText(c)} is privileged: it holds every privilege, so no-new-privileges cannot contain it`,
      c.runtime === 'kubernetes'
        ? 'Remove `securityContext.privileged: true`, add only the capabilities needed, and set `allowPrivilegeEscalation: false`.'
        : `Drop privileged mode and add only the capabilities needed; then: ${FIX[c.runtime]}`);
  }
  const setting = c.noNewPrivileges;
  if (setting === null) return notCarried(c, 'no-new-privileges (HostConfig.SecurityOpt)');
  const at = setting.path;
  if (setting.value === true) {
    const how = c.runtime === 'kubernetes' ? 'allowPrivilegeEscalation: false' : 'no-new-privileges';
    return containerFinding(c, 'pass', at, `${roleText(c)} sets ${how}`);
  }
  if (daemonDefault && c.runtime !== 'kubernetes' && !saidExplicitly(setting)) {
    return containerFinding(c, 'pass', at,
      `${roleText(c)} does not set no-new-privileges itself, but the daemon applies it by default (docker info: name=no-new-privileges)`);
  }
  return containerFinding(c, 'fail', at, `${roleText(c)} ${whyNot(c, setting)}`, FIX[c.runtime]);
}

export const control: Control = {
  id: '3.5',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'No new privileges at run time', de: 'Keine zusätzlichen Berechtigungen zur Laufzeit' },
  text: {
    en: 'Containers gain no additional privileges at run time (`--no-new-privileges`).',
    de: 'Stellen Sie sicher, dass Containern während ihrer Laufzeit keine zusätzlichen Berechtigungen gewährt werden (`--no-new-privileges` flag).',
  },
  remediation:
    'Docker: `--security-opt no-new-privileges:true` (or `"no-new-privileges": true` in daemon.json); Compose: ' +
    '`security_opt: ["no-new-privileges:true"]`; Kubernetes: `allowPrivilegeEscalation: false` on every container. Never run privileged.',
  rules: [
    '- **docker-inspect**: `HostConfig.SecurityOpt` with `no-new-privileges`, `no-new-privileges:true` or ' +
      '`no-new-privileges=true` passes; `:false` fails; absent fails, because by default a setuid binary can raise a ' +
      'process\'s privileges. When a `docker info` of the same daemon lists `name=no-new-privileges` (the daemon sets it by ' +
      'default), an absent setting passes; an explicit `:false` still fails.',
    '- **kubernetes**: every container, init and ephemeral ones included, needs `allowPrivilegeEscalation: false`; absent ' +
      'or `true` fails (the default allows escalation).',
    '- **compose**: the same via `security_opt`.',
    '- **privileged** (`Privileged: true`, `privileged: true`) fails regardless: such a container already holds every privilege.',
    '- **docker-info** alone decides nothing: it only tells whether containers that say nothing get the bit by default.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'kubernetes', 'compose'],
  evaluate(evidence: Evidence): Finding[] {
    // Only a default every daemon in the snapshot agrees on can stand in for a container's own setting.
    const daemons = evidence.daemons;
    const daemonDefault = daemons.length > 0 && daemons.every(daemonSetsNoNewPrivileges) ? (daemons[0] ?? null) : null;
    const findings = evidence.containers.map((c) => checkContainer(c, daemonDefault));
    if (daemonDefault) {
      findings.push(finding(daemonDefault.source, 'unknown', daemonDefault.securityOptions.path,
        'the daemon sets no-new-privileges by default for containers that do not turn it off'));
    }
    return findings;
  },
};
