/**
 * 3.15: the Docker socket is not mounted into a container unless it monitors or manages, and
 * then with access limited to what it needs. Connecting to a runtime socket is not a write,
 * so `:ro` limits nothing: only a filtering proxy (or an equivalent declared limit) does.
 */
import type { Container, Evidence, Mount, PodInfo } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';
import { type SocketExposure, imageRepository, isSocketProxyImage, socketExposure } from './shared/sockets.ts';

/** Declares the container's purpose: `monitoring` or `management`. */
export const ROLE_LABEL = 'org.owasp.csvs.docker-socket';
/** Declares that its access to the socket is limited by other means: `filtered`. */
export const ACCESS_LABEL = 'org.owasp.csvs.docker-socket-access';
const ROLES = ['monitoring', 'management'];

const FIX_REMOVE =
  'Remove the socket mount. If the container really monitors or manages containers, give the socket only to a ' +
  'filtering proxy (e.g. `tecnativa/docker-socket-proxy`, allowing only the API sections it needs), mount it `:ro` ' +
  `there, label that proxy \`${ROLE_LABEL}=monitoring\` (or \`management\`) and point the container at the proxy ` +
  '(`DOCKER_HOST=tcp://socket-proxy:2375`) instead of the socket.';

function describe(m: Mount, exposure: SocketExposure): string {
  const host = m.hostPath ?? '';
  if (exposure.kind === 'socket') return `the runtime socket ${host}`;
  const shown = exposure.holds.slice(0, 3).join(', ');
  const more = exposure.holds.length > 3 ? ` and ${exposure.holds.length - 3} more` : '';
  return `${host}, a folder holding runtime sockets (${shown}${more})`;
}

function labelsOf(c: Container): Record<string, string> {
  return { ...(c.pod?.labels ?? {}), ...c.labels };
}

function checkMount(c: Container, m: Mount, exposure: SocketExposure): Finding {
  const what = describe(m, exposure);
  if (!m.readOnly) {
    return containerFinding(c, 'fail', m.path,
      `${what} is mounted read-write at ${m.target}: whoever runs code in this container controls the container ` +
        'runtime, which is root on the host', FIX_REMOVE);
  }
  const labels = labelsOf(c);
  const role = (labels[ROLE_LABEL] ?? '').trim().toLowerCase();
  const declared = ROLES.includes(role);
  const image = c.image?.value ?? null;
  const proxy = image !== null && isSocketProxyImage(image);
  const filtered = (labels[ACCESS_LABEL] ?? '').trim().toLowerCase() === 'filtered';
  const roNote = `${what} is mounted read-only at ${m.target}, but :ro does not limit the Docker API ` +
    '(connecting to a socket is not a write; the container can still start privileged containers)';
  if (declared && (proxy || filtered)) {
    const limit = proxy
      ? `its image ${imageRepository(image ?? '')} is a filtering socket proxy`
      : `its access is declared filtered (${ACCESS_LABEL}=filtered)`;
    return containerFinding(c, 'pass',
      m.path, `${what} is mounted read-only by a declared ${role} container (${ROLE_LABEL}=${role}), and ${limit}`);
  }
  const why = declared
    ? `; it is declared a ${role} container, but nothing limits its access (no filtering socket proxy image, no ${ACCESS_LABEL}=filtered)`
    : `; the container is not declared a monitoring or management container (${ROLE_LABEL})`;
  return containerFinding(c, 'fail', m.path, roNote + why, FIX_REMOVE);
}

function checkContainer(c: Container): Finding[] {
  if (c.mounts === null) return [notCarried(c, 'the mounts (with their type and mode)')];
  const findings: Finding[] = [];
  for (const m of c.mounts) {
    if (m.hostPath === null) continue;
    const exposure = socketExposure(m.hostPath);
    if (exposure) findings.push(checkMount(c, m, exposure));
  }
  if (findings.length > 0) return findings;
  return [containerFinding(c, 'pass', c.path,
    'mounts no container runtime socket (docker.sock, containerd.sock, crio.sock, podman.sock) and no folder holding one')];
}

/** A hostPath volume nobody mounts gives no access, but it is one `volumeMounts` entry away from it. */
function unmountedVolumes(pod: PodInfo): Finding[] {
  return pod.hostPathVolumes
    .filter((v) => v.mountedBy.length === 0)
    .flatMap((v) => {
      const exposure = socketExposure(v.hostPath);
      if (!exposure) return [];
      const what = exposure.kind === 'socket' ? `the runtime socket ${v.hostPath}` : `${v.hostPath} (holds runtime sockets)`;
      return [finding(pod.source, 'unknown', v.path,
        `${pod.owner.kind}/${pod.owner.name} declares hostPath volume "${v.name}" for ${what}, but no container ` +
          'mounts it, so it gives no access; remove the volume so that no container mounts it later')];
    });
}

export const control: Control = {
  id: '3.15',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'Docker socket not mounted', de: 'Docker-Socket nicht gemountet' },
  text: {
    en: 'The Docker socket is not mounted into a container unless the container monitors or manages; where access ' +
      'is needed, read-only access is checked to suffice and access is limited accordingly.',
    de: 'Stellen Sie sicher, dass der Docker-Socket nicht in einem Container gemountet ist, es sei denn, er wird zur ' +
      'Überwachung oder Verwaltung verwendet. Wenn der Zugriff auf den Docker-Socket erforderlich ist, Stellen Sie ' +
      'sicher, ob der schreibgeschützte Zugriff ausreicht, und begrenzen Sie den Zugriff auf den Container entsprechend.',
  },
  remediation: FIX_REMOVE,
  rules: [
    '- **What counts as the socket**: a bind mount or Kubernetes hostPath of `docker.sock`, `containerd.sock`, ' +
      '`crio.sock` or `podman.sock` (`/var/run/…` and `/run/…` are the same folder on current hosts; rootless ' +
      'sockets under `/run/user/<uid>/` too; a file of that name elsewhere, such as Docker Desktop\'s ' +
      '`~/.docker/run/docker.sock`, is the same API; Windows `\\\\.\\pipe\\docker_engine`), or of any folder that holds one ' +
      '(`/`, `/var`, `/run`, `/var/run`, `/run/containerd`, `/var/run/docker`, …). Host paths are normalised first ' +
      '(`//`, `/./`, `..`, trailing slashes), so spelling a path differently does not hide it. Whoever can talk to ' +
      'one of these sockets can start a privileged container with the host mounted: that is root on the host.',
    '- **docker-inspect / compose / kubernetes, read-write** (`Mounts[].RW`, `volumes:` without `:ro`, ' +
      '`volumeMounts` without `readOnly: true`) → fail.',
    '- **Read-only** → fail as well, with the reason: `:ro` does not limit the Docker API, because connecting to a ' +
      'socket is not a write. It passes only for a container that is declared a monitoring or management container ' +
      `(label \`${ROLE_LABEL}=monitoring\` or \`management\`, on the container or the pod) **and** whose access is ` +
      'limited: its image is a known filtering socket proxy (`tecnativa/docker-socket-proxy`, ' +
      `\`linuxserver/socket-proxy\`, \`wollomatic/socket-proxy\`) or it carries \`${ACCESS_LABEL}=filtered\`. ` +
      'The finding names both. This is how the standard\'s "read-only access suffices and access is limited" reads ' +
      'for an API socket.',
    '- **No such mount** → pass, per container (init and ephemeral containers included).',
    '- **kubernetes, a hostPath volume of a socket that no container mounts** → `unknown`: it is not a mount and ' +
      'gives no access, so it does not fail, but the finding names it.',
    '- **dockerfile** says nothing: a Dockerfile cannot mount anything from the host.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'compose', 'kubernetes'],
  evaluate(evidence: Evidence): Finding[] {
    return [...evidence.containers.flatMap(checkContainer), ...evidence.pods.flatMap(unmountedVolumes)];
  },
};
