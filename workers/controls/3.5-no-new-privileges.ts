/**
 * 3.5: containers gain no privileges at run time (`no-new-privileges`). Without that bit a
 * setuid binary or file capability inside the container lifts a process's privileges again;
 * a privileged container has every privilege to begin with, whatever else it sets.
 */
import type { Container, DaemonInfo, Evidence, Fact } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Text, defineTexts, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, notCarried, roleText } from './control.ts';

const T = defineTexts('3.5', {
  fixDocker: {
    en: 'Recreate the container with `--security-opt no-new-privileges:true` (or set `"no-new-privileges": true` in daemon.json).',
    de: 'Erstellen Sie den Container mit `--security-opt no-new-privileges:true` neu (oder setzen Sie `"no-new-privileges": true` in daemon.json).',
  },
  fixKubernetes: {
    en: 'Set `securityContext.allowPrivilegeEscalation: false` on this container.',
    de: 'Setzen Sie `securityContext.allowPrivilegeEscalation: false` an diesem Container.',
  },
  fixCompose: {
    en: 'Add `security_opt: ["no-new-privileges:true"]` to the service.',
    de: 'Ergänzen Sie `security_opt: ["no-new-privileges:true"]` am Service.',
  },
  capSysAdmin: {
    en: 'adds CAP_SYS_ADMIN, with which escalation is always allowed',
    de: 'fügt CAP_SYS_ADMIN hinzu, womit eine Rechteausweitung immer möglich ist',
  },
  escalationTrue: { en: 'sets allowPrivilegeEscalation: true', de: 'setzt allowPrivilegeEscalation: true' },
  escalationUnset: {
    en: 'does not set allowPrivilegeEscalation: false (the default allows escalation)',
    de: 'setzt allowPrivilegeEscalation: false nicht (die Vorgabe erlaubt eine Rechteausweitung)',
  },
  off: { en: 'turns no-new-privileges off', de: 'schaltet no-new-privileges ab' },
  unset: {
    en: 'does not set no-new-privileges (by default setuid binaries can gain privileges)',
    de: 'setzt no-new-privileges nicht (standardmäßig können setuid-Programme Rechte erlangen)',
  },
  privileged: {
    en: '{role} is privileged: it holds every privilege, so no-new-privileges cannot contain it',
    de: '{role} ist privilegiert: er hat alle Rechte, no-new-privileges kann ihn also nicht begrenzen',
  },
  fixPrivilegedKubernetes: {
    en: 'Remove `securityContext.privileged: true`, add only the capabilities needed, and set `allowPrivilegeEscalation: false`.',
    de: 'Entfernen Sie `securityContext.privileged: true`, fügen Sie nur die nötigen Capabilities hinzu und setzen Sie `allowPrivilegeEscalation: false`.',
  },
  fixPrivileged: {
    en: 'Drop privileged mode and add only the capabilities needed; then: {fix}',
    de: 'Verzichten Sie auf den privilegierten Modus und fügen Sie nur die nötigen Capabilities hinzu; dann: {fix}',
  },
  setting: { en: 'no-new-privileges (HostConfig.SecurityOpt)', de: 'no-new-privileges (HostConfig.SecurityOpt)' },
  sets: { en: '{role} sets {how}', de: '{role} setzt {how}' },
  daemonDefault: {
    en: '{role} does not set no-new-privileges itself, but the daemon applies it by default (docker info: name=no-new-privileges)',
    de: '{role} setzt no-new-privileges nicht selbst, aber der Daemon wendet es standardmäßig an (docker info: name=no-new-privileges)',
  },
  fails: { en: '{role} {why}', de: '{role} {why}' },
  daemonNote: {
    en: 'the daemon sets no-new-privileges by default for containers that do not turn it off',
    de: 'der Daemon setzt no-new-privileges standardmäßig für Container, die es nicht abschalten',
  },
  remediation: {
    en: 'Docker: `--security-opt no-new-privileges:true` (or `"no-new-privileges": true` in daemon.json); Compose: `security_opt: ["no-new-privileges:true"]`; Kubernetes: `allowPrivilegeEscalation: false` on every container. Never run privileged.',
    de: 'Docker: `--security-opt no-new-privileges:true` (oder `"no-new-privileges": true` in daemon.json); Compose: `security_opt: ["no-new-privileges:true"]`; Kubernetes: `allowPrivilegeEscalation: false` an jedem Container. Nie privilegiert betreiben.',
  },
});

const FIX: Record<Container['runtime'], Text> = {
  docker: T.fixDocker,
  kubernetes: T.fixKubernetes,
  compose: T.fixCompose,
};

/** `dockerd --no-new-privileges` shows as `name=no-new-privileges` in `docker info`. */
function daemonSetsNoNewPrivileges(d: DaemonInfo): boolean {
  return (d.securityOptions.value ?? []).some((o) => o.split(',').some((p) => p.trim() === 'name=no-new-privileges'));
}

/**
 * Whether the setting was written down. A fact's path points at the entry that set it, or, when
 * nothing did, at the place where it would have to be written (the SecurityOpt list itself).
 */
function saidExplicitly(setting: Fact<boolean | null>): boolean {
  return setting.value !== null && /(\/\d+|\]|allowPrivilegeEscalation)$/.test(setting.path);
}

function whyNot(c: Container, setting: Fact<boolean | null>): Text {
  const path = setting.path;
  if (c.runtime === 'kubernetes') {
    if (path.includes('capabilities')) return T.capSysAdmin;
    if (path.endsWith('allowPrivilegeEscalation')) return T.escalationTrue;
    return T.escalationUnset;
  }
  return saidExplicitly(setting) ? T.off : T.unset;
}

function checkContainer(c: Container, daemonDefault: DaemonInfo | null): Finding {
  const role = roleText(c);
  if (c.privileged?.value) {
    return containerFinding(c, 'fail', c.privileged.path, tx(T.privileged, { role }),
      c.runtime === 'kubernetes' ? T.fixPrivilegedKubernetes : tx(T.fixPrivileged, { fix: FIX[c.runtime] }));
  }
  const setting = c.noNewPrivileges;
  if (setting === null) return notCarried(c, T.setting);
  const at = setting.path;
  if (setting.value === true) {
    const how = c.runtime === 'kubernetes' ? 'allowPrivilegeEscalation: false' : 'no-new-privileges';
    return containerFinding(c, 'pass', at, tx(T.sets, { role, how }));
  }
  if (daemonDefault && c.runtime !== 'kubernetes' && !saidExplicitly(setting)) {
    return containerFinding(c, 'pass', at, tx(T.daemonDefault, { role }));
  }
  return containerFinding(c, 'fail', at, tx(T.fails, { role, why: whyNot(c, setting) }), FIX[c.runtime]);
}

export const control: Control = {
  id: '3.5',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'No new privileges at run time', de: 'Keine zusätzlichen Berechtigungen zur Laufzeit' },
  text: {
    en: 'Containers gain no additional privileges at run time (`--no-new-privileges`).',
    de: 'Stellen Sie sicher, dass Containern während ihrer Laufzeit keine zusätzlichen Berechtigungen gewährt werden (`--no-new-privileges` flag).',
  },
  remediation: T.remediation,
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
      findings.push(finding(daemonDefault.source, 'unknown', daemonDefault.securityOptions.path, T.daemonNote));
    }
    return findings;
  },
};
