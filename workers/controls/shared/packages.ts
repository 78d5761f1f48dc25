/**
 * Software a running container does not need, by package name, shared by 3.8 (only the packages
 * that are needed) and 3.12 (no remote administration). Data first; the two small functions at
 * the end only normalise names and look them up.
 *
 * Names cover Debian/Ubuntu (apt), Alpine (apk) and Fedora/RHEL/SUSE (rpm). An entry with
 * `versioned` also matches the versioned package names distributions ship (`gcc-12`, `clang15`);
 * `subpackages` also matches `name-…` split packages; `only` restricts a name that means something
 * else elsewhere (Alpine's `openssh` is client and server, RPM's `openssh` only the common files).
 */

import { type Text, defineTexts } from '../../model/text.ts';

export type Ecosystem = 'apk' | 'deb' | 'rpm';

const LABELS = defineTexts('packages', {
  toolchain: { en: 'build toolchain', de: 'Build-Werkzeug' },
  debugger: { en: 'debugger', de: 'Debugger' },
  networkTool: { en: 'network tool for attackers', de: 'Netzwerkwerkzeug für Angreifer' },
  remoteAccess: { en: 'remote-access server', de: 'Fernzugriffsserver' },
});

export interface PackageEntry {
  name: string;
  versioned?: boolean;
  subpackages?: boolean;
  only?: Ecosystem;
}

export type PackageGroupId = 'toolchain' | 'debugger' | 'network-tool' | 'remote-access';

export interface PackageGroup {
  id: PackageGroupId;
  /** How a finding names the group. */
  label: Text;
  packages: readonly PackageEntry[];
}

/**
 * Build toolchains: compilers, linkers, build drivers and the C library headers that exist only
 * to compile. They belong in a build stage; in the final image they let anyone who gets a shell
 * compile exploits on the spot.
 */
const TOOLCHAIN: PackageGroup = {
  id: 'toolchain',
  label: LABELS.toolchain,
  packages: [
    { name: 'build-essential' },
    { name: 'build-base' },
    { name: 'gcc', versioned: true },
    { name: 'g++', versioned: true },
    { name: 'gcc-c++' },
    { name: 'clang', versioned: true },
    { name: 'llvm', versioned: true },
    { name: 'gfortran', versioned: true },
    { name: 'make' },
    { name: 'cmake' },
    { name: 'ninja-build' },
    { name: 'autoconf' },
    { name: 'automake' },
    { name: 'libtool' },
    { name: 'binutils' },
    { name: 'libc6-dev' },
    { name: 'libc-dev' },
    { name: 'musl-dev' },
    { name: 'glibc-devel' },
    { name: 'linux-headers', subpackages: true },
    { name: 'kernel-headers' },
    { name: 'kernel-devel' },
  ],
};

/** Debuggers and tracers: they attach to other processes and read their memory, secrets included. */
const DEBUGGERS: PackageGroup = {
  id: 'debugger',
  label: LABELS.debugger,
  packages: [
    { name: 'gdb' },
    { name: 'gdbserver' },
    { name: 'lldb', versioned: true },
    { name: 'strace' },
    { name: 'ltrace' },
    { name: 'valgrind' },
    { name: 'bpftrace' },
  ],
};

/**
 * Network tools attackers reach for: port scanners, packet sniffers, raw packet crafting, and
 * netcat/socat, the usual reverse shells and relays.
 */
const NETWORK_TOOLS: PackageGroup = {
  id: 'network-tool',
  label: LABELS.networkTool,
  packages: [
    { name: 'netcat' },
    { name: 'netcat-openbsd' },
    { name: 'netcat-traditional' },
    { name: 'ncat' },
    { name: 'nmap', subpackages: true },
    { name: 'nc', only: 'rpm' },
    { name: 'socat' },
    { name: 'tcpdump' },
    { name: 'tshark' },
    { name: 'wireshark', subpackages: true },
    { name: 'termshark' },
    { name: 'hping3' },
    { name: 'masscan' },
  ],
};

/**
 * Remote-access servers: a way into the container around the orchestrator and its audit trail
 * (SSH, RDP, VNC, telnet, rsh). Clients (`openssh-client`, `telnet`) are not servers.
 */
const REMOTE_ACCESS: PackageGroup = {
  id: 'remote-access',
  label: LABELS.remoteAccess,
  packages: [
    { name: 'openssh-server', subpackages: true },
    { name: 'openssh', only: 'apk' },
    { name: 'ssh', only: 'deb' },
    { name: 'dropbear' },
    { name: 'dropbear-bin' },
    { name: 'dropbear-run' },
    { name: 'xrdp' },
    { name: 'telnetd' },
    { name: 'telnetd-ssl' },
    { name: 'inetutils-telnetd' },
    { name: 'telnet-server' },
    { name: 'x11vnc' },
    { name: 'tigervnc-server', subpackages: true },
    { name: 'tigervnc-standalone-server' },
    { name: 'tigervnc-scraping-server' },
    { name: 'tightvncserver' },
    { name: 'vnc4server' },
    { name: 'rsh-server' },
    { name: 'rsh-redone-server' },
  ],
};

/** Every group 3.8 refuses in a final image. */
export const UNNEEDED_GROUPS: readonly PackageGroup[] = [TOOLCHAIN, DEBUGGERS, NETWORK_TOOLS, REMOTE_ACCESS];
/** The group 3.12 refuses. */
export const REMOTE_ACCESS_GROUP: PackageGroup = REMOTE_ACCESS;

/**
 * Programs that serve remote administration when they run (the container's command, a process):
 * SSH, RDP, VNC, telnet and rsh daemons.
 */
export const REMOTE_ADMIN_DAEMONS: readonly string[] = [
  'sshd', 'dropbear', 'xrdp', 'xrdp-sesman', 'telnetd', 'in.telnetd', 'utelnetd', 'x11vnc', 'xvnc',
  'vncserver', 'tigervncserver', 'tightvncserver', 'x0vncserver', 'xtigervnc', 'xtightvnc', 'rshd', 'in.rshd',
  'rlogind', 'in.rlogind',
];

/** Init-script service names of those daemons (`service ssh start`, `rc-service sshd start`). */
export const REMOTE_ADMIN_SERVICES: readonly string[] = [
  'ssh', 'sshd', 'openssh', 'openssh-server', 'dropbear', 'xrdp', 'xrdp-sesman', 'telnetd', 'inetutils-telnetd',
  'x11vnc', 'vncserver', 'tigervnc',
];

/** The ports those services listen on: SSH and RDP (RDP uses UDP 3389 as well). */
export const REMOTE_ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, 'SSH'],
  [3389, 'RDP'],
]);

// ---------------------------------------------------------------- lookup

/**
 * A package name as installed: without version pins (`gcc=4:12.2.0-3`, `gcc>=12`), architecture
 * (`libc6-dev:amd64`), release (`pkg/bookworm-backports`) or repository tag (`pkg@testing`).
 */
export function packageBaseName(spec: string): string {
  const cut = spec.trim().search(/[=<>~@:/]/);
  return (cut < 0 ? spec.trim() : spec.trim().slice(0, cut)).toLowerCase();
}

function entryMatches(entry: PackageEntry, name: string, ecosystem: Ecosystem | null): boolean {
  if (entry.only && entry.only !== ecosystem) return false;
  if (name === entry.name) return true;
  if (entry.subpackages && name.startsWith(`${entry.name}-`)) return true;
  if (entry.versioned && name.startsWith(entry.name)) {
    return /^-?\d+(\.\d+)?$/.test(name.slice(entry.name.length));
  }
  return false;
}

/** The group a package belongs to, among the given groups, or null. */
export function unneededGroup(
  spec: string,
  ecosystem: Ecosystem | null,
  groups: readonly PackageGroup[] = UNNEEDED_GROUPS,
): PackageGroup | null {
  const name = packageBaseName(spec);
  if (!name) return null;
  return groups.find((g) => g.packages.some((e) => entryMatches(e, name, ecosystem))) ?? null;
}
