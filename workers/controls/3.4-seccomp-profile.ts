/**
 * 3.4: every container gets a specific seccomp profile, fitted to its needs. The runtimes'
 * generic defaults (Docker's `builtin`, Kubernetes `RuntimeDefault`) are exactly what the
 * standard calls non-specific, and "unconfined" is no filter at all.
 */
import type { Container, DaemonInfo, Evidence } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Text, defineTexts, lit, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, notCarried, roleText } from './control.ts';

const T = defineTexts('3.4', {
  fixDocker: {
    en: 'Write a profile for this container\'s syscalls and run it with `--security-opt seccomp=/etc/docker/seccomp/<app>.json`.',
    de: 'Schreiben Sie ein Profil für die Systemaufrufe dieses Containers und starten Sie ihn mit `--security-opt seccomp=/etc/docker/seccomp/<app>.json`.',
  },
  fixKubernetes: {
    en: 'Install a profile for this container on the nodes and set `securityContext.seccompProfile: {type: Localhost, localhostProfile: profiles/<app>.json}` on the container or pod.',
    de: 'Installieren Sie ein Profil für diesen Container auf den Nodes und setzen Sie `securityContext.seccompProfile: {type: Localhost, localhostProfile: profiles/<app>.json}` am Container oder Pod.',
  },
  fixCompose: {
    en: 'Write a profile for this service\'s syscalls and set `security_opt: ["seccomp=./seccomp/<app>.json"]`.',
    de: 'Schreiben Sie ein Profil für die Systemaufrufe dieses Services und setzen Sie `security_opt: ["seccomp=./seccomp/<app>.json"]`.',
  },
  privileged: {
    en: '{role} is privileged, which disables seccomp filtering whatever profile is set',
    de: '{role} ist privilegiert, was die seccomp-Filterung abschaltet, welches Profil auch gesetzt ist',
  },
  fixPrivileged: {
    en: 'Drop privileged mode and grant only the capabilities needed; then: {fix}',
    de: 'Verzichten Sie auf den privilegierten Modus und gewähren Sie nur die nötigen Capabilities; dann: {fix}',
  },
  seccompSetting: { en: 'the seccomp profile (HostConfig.SecurityOpt)', de: 'das seccomp-Profil (HostConfig.SecurityOpt)' },
  custom: { en: '{role} runs with its own seccomp profile ({profile})', de: '{role} läuft mit eigenem seccomp-Profil ({profile})' },
  unconfined: { en: '{role} runs seccomp unconfined: no syscall filter at all', de: '{role} läuft mit seccomp unconfined: überhaupt kein Filter für Systemaufrufe' },
  runtimeDefault: {
    en: '{role} uses the runtime\'s default seccomp profile, a generic one, not one based on this container\'s needs',
    de: '{role} nutzt das seccomp-Standardprofil der Laufzeit, ein allgemeines, nicht eines nach dem Bedarf dieses Containers',
  },
  unset: { en: '{role} sets no seccomp profile: {meaning}', de: '{role} setzt kein seccomp-Profil: {meaning}' },
  unsetKubernetes: {
    en: 'it runs unconfined, or under RuntimeDefault where the kubelet enables seccompDefault; neither is specific',
    de: 'er läuft unconfined oder, wo das Kubelet seccompDefault einschaltet, unter RuntimeDefault; beides ist nicht spezifisch',
  },
  unsetDocker: {
    en: 'the daemon\'s default profile applies, which is generic, not specific to it',
    de: 'es gilt das Standardprofil des Daemons, ein allgemeines, nicht auf ihn zugeschnittenes',
  },
  inlineProfile: { en: 'inline profile JSON', de: 'eingebettetes Profil-JSON' },
  daemonUnconfined: {
    en: 'the daemon\'s default seccomp profile is unconfined: every container without its own profile runs without a syscall filter',
    de: 'das seccomp-Standardprofil des Daemons ist unconfined: jeder Container ohne eigenes Profil läuft ohne Filter für Systemaufrufe',
  },
  fixDaemon: {
    en: 'Remove `"seccomp-profile": "unconfined"` from /etc/docker/daemon.json (or the `--seccomp-profile` flag) and give each container its own profile.',
    de: 'Entfernen Sie `"seccomp-profile": "unconfined"` aus /etc/docker/daemon.json (oder den Schalter `--seccomp-profile`) und geben Sie jedem Container sein eigenes Profil.',
  },
  daemonDefault: {
    en: 'the daemon\'s default seccomp profile is {profile}: a generic default; each container\'s own setting decides',
    de: 'das seccomp-Standardprofil des Daemons ist {profile}: eine allgemeine Vorgabe; die Einstellung jedes Containers entscheidet',
  },
  remediation: {
    en: 'Record the syscalls each container needs (e.g. with an OCI seccomp tracer), write a profile from them, and apply it: `--security-opt seccomp=<file>` (Docker, Compose `security_opt`) or `seccompProfile.type: Localhost` (Kubernetes).',
    de: 'Zeichnen Sie auf, welche Systemaufrufe jeder Container braucht (z. B. mit einem OCI-seccomp-Tracer), schreiben Sie daraus ein Profil und wenden Sie es an: `--security-opt seccomp=<Datei>` (Docker, Compose `security_opt`) oder `seccompProfile.type: Localhost` (Kubernetes).',
  },
});

const FIX: Record<Container['runtime'], Text> = {
  docker: T.fixDocker,
  kubernetes: T.fixKubernetes,
  compose: T.fixCompose,
};

function checkContainer(c: Container): Finding {
  // Docker and containerd apply no seccomp filter at all to a privileged container, whatever it names.
  const fix = FIX[c.runtime];
  const role = roleText(c);
  if (c.privileged?.value) {
    return containerFinding(c, 'fail', c.privileged.path, tx(T.privileged, { role }), tx(T.fixPrivileged, { fix }));
  }
  if (c.seccomp === null) return notCarried(c, T.seccompSetting);
  const s = c.seccomp.value;
  const at = c.seccomp.path;
  switch (s.kind) {
    case 'custom':
      return containerFinding(c, 'pass', at, tx(T.custom, { role, profile: describeProfile(s.profile) }));
    case 'unconfined':
      return containerFinding(c, 'fail', at, tx(T.unconfined, { role }), fix);
    case 'runtime-default':
      return containerFinding(c, 'fail', at, tx(T.runtimeDefault, { role }), fix);
    case 'unset':
      return containerFinding(c, 'fail', at, tx(T.unset, { role, meaning: c.runtime === 'kubernetes' ? T.unsetKubernetes : T.unsetDocker }), fix);
  }
}

/** Docker stores the whole profile JSON; show a short hint, never the document. */
function describeProfile(profile: string): Text {
  const t = profile.trim();
  if (t.startsWith('{')) return T.inlineProfile;
  return lit(t.length > 80 ? `${t.slice(0, 77)}…` : t);
}

/** The daemon's default profile, from `name=seccomp,profile=…` or the parsed field. */
function daemonProfile(d: DaemonInfo): string | null {
  if (d.seccompProfile !== null) return d.seccompProfile;
  for (const opt of d.securityOptions.value ?? []) {
    const parts = opt.split(',').map((p) => p.trim());
    if (!parts.includes('name=seccomp')) continue;
    const profile = parts.find((p) => p.startsWith('profile='));
    return profile ? profile.slice('profile='.length) : null;
  }
  return null;
}

function checkDaemon(d: DaemonInfo): Finding | null {
  const profile = daemonProfile(d);
  const at = d.securityOptions.path;
  if (profile === 'unconfined') return finding(d.source, 'fail', at, T.daemonUnconfined, { remediation: T.fixDaemon });
  if (profile === null) return null;
  return finding(d.source, 'unknown', at, tx(T.daemonDefault, { profile }));
}

export const control: Control = {
  id: '3.4',
  levels: ['L3'],
  title: { en: 'Specific seccomp profile', de: 'Spezifisches seccomp-Profil' },
  text: {
    en: 'Every container gets a specific (non-default) seccomp profile, based on that container\'s needs.',
    de: 'Stellen Sie sicher, dass für jeden Container ein bestimmtes (nicht standardmäßiges) _seccomp_-Profil angewendet wird, das auf den Anforderungen des Containers basiert.',
  },
  remediation: T.remediation,
  rules: [
    '- **docker-inspect**: `HostConfig.SecurityOpt` with `seccomp=<profile>` passes (Docker stores the whole profile JSON ' +
      'there, not the file\'s path). `seccomp=unconfined` or `seccomp:unconfined` fails; no seccomp entry fails, because ' +
      'then Docker\'s default profile (`builtin`) applies, which is generic, not specific to the container.',
    '- **kubernetes**: the effective `seccompProfile.type` (container overrides pod), for every container including init ' +
      'and ephemeral ones: `Localhost` passes; `RuntimeDefault`, `Unconfined` or absent fails.',
    '- **compose**: `security_opt` `seccomp:<file>` / `seccomp=<file>` passes; `unconfined` or absent fails.',
    '- **privileged** containers fail whatever profile they name: Docker and containerd apply no seccomp filter to them.',
    '- **docker-info**: the daemon\'s default (`name=seccomp,profile=builtin`) is not a specific profile, and a container\'s ' +
      'own setting outranks it, so it alone decides nothing; `profile=unconfined` fails, because every container without ' +
      'its own profile then runs without any filter.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'kubernetes', 'compose', 'docker-info'],
  evaluate(evidence: Evidence): Finding[] {
    return [
      ...evidence.containers.map(checkContainer),
      ...evidence.daemons.map(checkDaemon).filter((f): f is Finding => f !== null),
    ];
  },
};
