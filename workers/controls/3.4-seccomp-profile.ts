/**
 * 3.4: every container gets a specific seccomp profile, fitted to its needs. The runtimes'
 * generic defaults (Docker's `builtin`, Kubernetes `RuntimeDefault`) are exactly what the
 * standard calls non-specific, and "unconfined" is no filter at all.
 */
import type { Container, DaemonInfo, Evidence } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';

const FIX: Record<Container['runtime'], string> = {
  docker: 'Write a profile for this container\'s syscalls and run it with `--security-opt seccomp=/etc/docker/seccomp/<app>.json`.',
  kubernetes:
    'Install a profile for this container on the nodes and set `securityContext.seccompProfile: {type: Localhost, ' +
    'localhostProfile: profiles/<app>.json}` on the container or pod.',
  compose: 'Write a profile for this service\'s syscalls and set `security_opt: ["seccomp=./seccomp/<app>.json"]`.',
};

function roleText(c: Container): string {
  return c.role === 'app' ? 'container' : `${c.role} container`;
}

function checkContainer(c: Container): Finding {
  // Docker and containerd apply no seccomp filter at all to a privileged container, whatever it names.
  const fix = FIX[c.runtime];
  if (c.privileged?.value) {
    return containerFinding(c, 'fail', c.privileged.path,
      `${roleText(c)} is privileged, which disables seccomp filtering whatever profile is set`,
      `Drop privileged mode and grant only the capabilities needed; then: ${fix}`);
  }
  if (c.seccomp === null) return notCarried(c, 'the seccomp profile (HostConfig.SecurityOpt)');
  const s = c.seccomp.value;
  const at = c.seccomp.path;
  switch (s.kind) {
    case 'custom':
      return containerFinding(c, 'pass', at, `${roleText(c)} runs with its own seccomp profile (${describeProfile(s.profile)})`);
    case 'unconfined':
      return containerFinding(c, 'fail', at, `${roleText(c)} runs seccomp unconfined: no syscall filter at all`, fix);
    case 'runtime-default':
      return containerFinding(c, 'fail', at,
        `${roleText(c)} uses the runtime's default seccomp profile, a generic one, not one based on this container's needs`, fix);
    case 'unset':
      return containerFinding(c, 'fail', at, `${roleText(c)} sets no seccomp profile: ${unsetMeaning(c)}`, fix);
  }
}

function unsetMeaning(c: Container): string {
  return c.runtime === 'kubernetes'
    ? 'it runs unconfined, or under RuntimeDefault where the kubelet enables seccompDefault; neither is specific'
    : 'the daemon\'s default profile applies, which is generic, not specific to it';
}

/** Docker stores the whole profile JSON; show a short hint, never the document. */
function describeProfile(profile: string): string {
  const t = profile.trim();
  if (t.startsWith('{')) return 'inline profile JSON';
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

/** The daemon's default profile, from `name=seccomp,profile=…` or the parsed field. */
function daemonProfile(d: DaemonInfo): string | null {
  if (d.seccompProfile !== null) return d.seccompProfile;
  for (const opt of d.securityOptions.value) {
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
  if (profile === 'unconfined') {
    return finding(d.source, 'fail', at,
      'the daemon\'s default seccomp profile is unconfined: every container without its own profile runs without a syscall filter',
      { remediation: 'Remove `"seccomp-profile": "unconfined"` from /etc/docker/daemon.json (or the `--seccomp-profile` flag) and give each container its own profile.' });
  }
  if (profile === null) return null;
  return finding(d.source, 'unknown', at,
    `the daemon's default seccomp profile is ${profile}: a generic default; each container's own setting decides`);
}

export const control: Control = {
  id: '3.4',
  levels: ['L3'],
  title: { en: 'Specific seccomp profile', de: 'Spezifisches seccomp-Profil' },
  text: {
    en: 'Every container gets a specific (non-default) seccomp profile, based on that container\'s needs.',
    de: 'Stellen Sie sicher, dass für jeden Container ein bestimmtes (nicht standardmäßiges) _seccomp_-Profil angewendet wird, das auf den Anforderungen des Containers basiert.',
  },
  remediation:
    'Record the syscalls each container needs (e.g. with an OCI seccomp tracer), write a profile from them, and apply it: ' +
    '`--security-opt seccomp=<file>` (Docker, Compose `security_opt`) or `seccompProfile.type: Localhost` (Kubernetes).',
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
