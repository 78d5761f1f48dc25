/**
 * Container runtime sockets on a host, and how a mounted host path relates to them (3.15).
 * Whoever can connect to one of these sockets can start a privileged container with the
 * host's root file system mounted: it is root on the host. A folder that holds a socket
 * gives the same access as the socket itself.
 */

/**
 * Socket file names of the runtimes' APIs. They live below `/run` (= `/var/run`), but a file of
 * that name anywhere (Docker Desktop's `~/.docker/run/docker.sock`) is the same API.
 */
export const SOCKET_NAMES: readonly string[] = [
  'docker.sock',
  'containerd.sock',
  'crio.sock',
  'podman.sock',
  'dockershim.sock',
  'cri-dockerd.sock',
];

/**
 * Where the runtimes put their sockets, in the `/run` form (`/var/run` is a symlink to it on
 * modern hosts). `<uid>` stands for a numeric user id (rootless Docker and Podman).
 */
export const SOCKET_LOCATIONS: readonly string[] = [
  '/run/docker.sock',
  '/run/containerd.sock',
  '/run/containerd/containerd.sock',
  '/run/docker/containerd/containerd.sock',
  '/run/k3s/containerd/containerd.sock',
  '/run/crio.sock',
  '/run/crio/crio.sock',
  '/run/podman/podman.sock',
  '/run/dockershim.sock',
  '/run/cri-dockerd.sock',
  '/run/user/<uid>/docker.sock',
  '/run/user/<uid>/podman/podman.sock',
];

/** Images of filtering Docker socket proxies: they allow only the API calls configured. */
export const SOCKET_PROXY_IMAGES: readonly string[] = [
  'tecnativa/docker-socket-proxy',
  'linuxserver/socket-proxy',
  'wollomatic/socket-proxy',
];

/** Windows: the Docker API is a named pipe, mounted as `\\.\pipe\docker_engine`. */
const WINDOWS_PIPE = /^[\\/]{2}\.[\\/]pipe[\\/]docker_engine$/i;

/**
 * Normalises an absolute host path: `//` and `/./` collapse, `..` is resolved, a trailing
 * slash goes. Returns null for a relative or empty path (not a host path we can place).
 */
export function normalizeHostPath(raw: string): string | null {
  const text = raw.trim();
  if (!text.startsWith('/')) return null;
  const out: string[] = [];
  for (const seg of text.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** `/var/run/…` is `/run/…` on every current Linux distribution. */
function runForm(path: string): string {
  if (path === '/var/run') return '/run';
  return path.startsWith('/var/run/') ? '/run' + path.slice('/var/run'.length) : path;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function segmentMatches(pattern: string, seg: string): boolean {
  return pattern === '<uid>' ? /^\d+$/.test(seg) : pattern === seg;
}

/** True when `folder` is a proper ancestor of `location` (a SOCKET_LOCATIONS pattern). */
function isAncestorOf(folder: string[], location: string[]): boolean {
  if (folder.length >= location.length) return false;
  return folder.every((seg, i) => segmentMatches(location[i] ?? '', seg));
}

export type SocketExposure =
  | { kind: 'socket'; socket: string }
  | { kind: 'folder'; holds: string[] };

/**
 * How a mounted host path exposes a runtime socket: the socket itself, a folder holding one
 * (listed by the sockets it holds, in their `/run` form), or not at all (null).
 */
export function socketExposure(hostPath: string): SocketExposure | null {
  if (WINDOWS_PIPE.test(hostPath.trim())) return { kind: 'socket', socket: '\\\\.\\pipe\\docker_engine' };
  const normal = normalizeHostPath(hostPath);
  if (normal === null) return null;
  const run = runForm(normal);
  const name = run.slice(run.lastIndexOf('/') + 1);
  if (SOCKET_NAMES.includes(name)) return { kind: 'socket', socket: run };

  // `/var` holds `/var/run`, so the original form is checked against the `/var/run` locations too.
  const forms = [segments(run), segments(normal)];
  const holds = SOCKET_LOCATIONS.filter((loc) => {
    const locRun = segments(loc);
    const locVar = ['var', ...locRun];
    return forms.some((f) => isAncestorOf(f, locRun) || isAncestorOf(f, locVar));
  });
  return holds.length > 0 ? { kind: 'folder', holds } : null;
}

/** `ghcr.io/tecnativa/docker-socket-proxy:0.3@sha256:…` → `tecnativa/docker-socket-proxy`. */
export function imageRepository(image: string): string {
  let ref = image.trim().toLowerCase();
  const at = ref.indexOf('@');
  if (at !== -1) ref = ref.slice(0, at);
  const parts = ref.split('/');
  const last = parts.pop() ?? '';
  const colon = last.indexOf(':');
  parts.push(colon === -1 ? last : last.slice(0, colon));
  // A first part with a dot or port, or `localhost`, is a registry host, not a namespace.
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) parts.shift();
  if (parts.length > 1 && parts[0] === 'library') parts.shift();
  return parts.join('/');
}

/** The image is one of the known filtering socket proxies. */
export function isSocketProxyImage(image: string): boolean {
  return SOCKET_PROXY_IMAGES.includes(imageRepository(image));
}
