/**
 * 3.15: the Docker socket is not mounted into a container unless it monitors or manages, and
 * then with access limited to what it needs. Connecting to a runtime socket is not a write,
 * so `:ro` limits nothing: only a filtering proxy (or an equivalent declared limit) does.
 */
import type { Container, Evidence, Mount, PodInfo } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { EMPTY, type Text, defineTexts, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';
import { type SocketExposure, imageRepository, isSocketProxyImage, socketExposure } from './shared/sockets.ts';

/** Declares the container's purpose: `monitoring` or `management`. */
export const ROLE_LABEL = 'org.owasp.csvs.docker-socket';
/** Declares that its access to the socket is limited by other means: `filtered`. */
export const ACCESS_LABEL = 'org.owasp.csvs.docker-socket-access';
const ROLES = ['monitoring', 'management'];

const T = defineTexts('3.15', {
  fixRemove: {
    en: 'Remove the socket mount. If the container really monitors or manages containers, give the socket only to a filtering proxy (e.g. `tecnativa/docker-socket-proxy`, allowing only the API sections it needs), mount it `:ro` there, label that proxy `{label}=monitoring` (or `management`) and point the container at the proxy (`DOCKER_HOST=tcp://socket-proxy:2375`) instead of the socket.',
    de: 'Entfernen Sie die Einbindung des Sockets. Überwacht oder verwaltet der Container wirklich Container, geben Sie den Socket nur einem filternden Proxy (z. B. `tecnativa/docker-socket-proxy`, der nur die nötigen API-Bereiche erlaubt), binden Sie ihn dort `:ro` ein, kennzeichnen Sie diesen Proxy mit `{label}=monitoring` (oder `management`) und lassen Sie den Container statt des Sockets den Proxy nutzen (`DOCKER_HOST=tcp://socket-proxy:2375`).',
  },
  socket: { en: 'the runtime socket {path}', de: 'der Laufzeit-Socket {path}' },
  more: { en: ' and {count} more', de: ' und {count} weitere' },
  folder: { en: '{path}, a folder holding runtime sockets ({shown}{more})', de: '{path}, ein Ordner mit Laufzeit-Sockets ({shown}{more})' },
  readWrite: {
    en: '{what} is mounted read-write at {target}: whoever runs code in this container controls the container runtime, which is root on the host',
    de: '{what} ist beschreibbar unter {target} eingebunden: wer in diesem Container Code ausführt, steuert die Container-Laufzeit, und das ist root auf dem Host',
  },
  readOnly: {
    en: '{what} is mounted read-only at {target}, but :ro does not limit the Docker API (connecting to a socket is not a write; the container can still start privileged containers)',
    de: '{what} ist schreibgeschützt unter {target} eingebunden, aber :ro begrenzt die Docker-API nicht (die Verbindung zu einem Socket ist kein Schreibzugriff; der Container kann weiter privilegierte Container starten)',
  },
  proxy: { en: 'its image {image} is a filtering socket proxy', de: 'sein Image {image} ist ein filternder Socket-Proxy' },
  filtered: { en: 'its access is declared filtered ({label}=filtered)', de: 'sein Zugriff ist als gefiltert angegeben ({label}=filtered)' },
  declaredPass: {
    en: '{what} is mounted read-only by a declared {role} container ({label}={role}), and {limit}',
    de: '{what} ist schreibgeschützt eingebunden, von einem als {role} angegebenen Container ({label}={role}), und {limit}',
  },
  declaredUnlimited: {
    en: '{note}; it is declared a {role} container, but nothing limits its access (no filtering socket proxy image, no {access}=filtered)',
    de: '{note}; er ist als {role}-Container angegeben, aber nichts begrenzt seinen Zugriff (kein Image eines filternden Socket-Proxys, kein {access}=filtered)',
  },
  undeclared: {
    en: '{note}; the container is not declared a monitoring or management container ({label})',
    de: '{note}; der Container ist nicht als Überwachungs- oder Verwaltungscontainer angegeben ({label})',
  },
  setting: { en: 'the mounts (with their type and mode)', de: 'die Einbindungen (mit Art und Modus)' },
  noSocket: {
    en: 'mounts no container runtime socket (docker.sock, containerd.sock, crio.sock, podman.sock) and no folder holding one',
    de: 'bindet keinen Socket einer Container-Laufzeit ein (docker.sock, containerd.sock, crio.sock, podman.sock) und keinen Ordner, der einen enthält',
  },
  volumeSocket: { en: 'the runtime socket {path}', de: 'den Laufzeit-Socket {path}' },
  volumeFolder: { en: '{path} (holds runtime sockets)', de: '{path} (enthält Laufzeit-Sockets)' },
  unmounted: {
    en: '{owner} declares hostPath volume "{name}" for {what}, but no container mounts it, so it gives no access; remove the volume so that no container mounts it later',
    de: '{owner} gibt das hostPath-Volume „{name}“ für {what} an, aber kein Container bindet es ein, es gewährt also keinen Zugriff; entfernen Sie das Volume, damit es später kein Container einbindet',
  },
});

const FIX_REMOVE = tx(T.fixRemove, { label: ROLE_LABEL });

function describe(m: Mount, exposure: SocketExposure): Text {
  const path = m.hostPath ?? '';
  if (exposure.kind === 'socket') return tx(T.socket, { path });
  const shown = exposure.holds.slice(0, 3).join(', ');
  const more = exposure.holds.length > 3 ? tx(T.more, { count: exposure.holds.length - 3 }) : EMPTY;
  return tx(T.folder, { path, shown, more });
}

function labelsOf(c: Container): Record<string, string> {
  return { ...(c.pod?.labels ?? {}), ...c.labels };
}

function checkMount(c: Container, m: Mount, exposure: SocketExposure): Finding {
  const what = describe(m, exposure);
  if (!m.readOnly) {
    return containerFinding(c, 'fail', m.path, tx(T.readWrite, { what, target: m.target }), FIX_REMOVE);
  }
  const labels = labelsOf(c);
  const role = (labels[ROLE_LABEL] ?? '').trim().toLowerCase();
  const declared = ROLES.includes(role);
  const image = c.image?.value ?? null;
  const proxy = image !== null && isSocketProxyImage(image);
  const filtered = (labels[ACCESS_LABEL] ?? '').trim().toLowerCase() === 'filtered';
  const note = tx(T.readOnly, { what, target: m.target });
  if (declared && (proxy || filtered)) {
    const limit = proxy ? tx(T.proxy, { image: imageRepository(image ?? '') }) : tx(T.filtered, { label: ACCESS_LABEL });
    return containerFinding(c, 'pass', m.path, tx(T.declaredPass, { what, role, label: ROLE_LABEL, limit }));
  }
  const message = declared
    ? tx(T.declaredUnlimited, { note, role, access: ACCESS_LABEL })
    : tx(T.undeclared, { note, label: ROLE_LABEL });
  return containerFinding(c, 'fail', m.path, message, FIX_REMOVE);
}

function checkContainer(c: Container): Finding[] {
  if (c.mounts === null) return [notCarried(c, T.setting)];
  const findings: Finding[] = [];
  for (const m of c.mounts) {
    if (m.hostPath === null) continue;
    const exposure = socketExposure(m.hostPath);
    if (exposure) findings.push(checkMount(c, m, exposure));
  }
  if (findings.length > 0) return findings;
  return [containerFinding(c, 'pass', c.path, T.noSocket)];
}

/** A hostPath volume nobody mounts gives no access, but it is one `volumeMounts` entry away from it. */
function unmountedVolumes(pod: PodInfo): Finding[] {
  return pod.hostPathVolumes
    .filter((v) => v.mountedBy.length === 0)
    .flatMap((v) => {
      const exposure = socketExposure(v.hostPath);
      if (!exposure) return [];
      const what = exposure.kind === 'socket' ? tx(T.volumeSocket, { path: v.hostPath }) : tx(T.volumeFolder, { path: v.hostPath });
      return [finding(pod.source, 'unknown', v.path,
        tx(T.unmounted, { owner: `${pod.owner.kind}/${pod.owner.name}`, name: v.name, what }))];
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
