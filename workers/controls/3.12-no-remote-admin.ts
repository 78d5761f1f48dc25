/**
 * 3.12: remote administration services such as SSH or RDP are disabled or not installed in
 * containers. A container is administered through its orchestrator (`docker exec`, `kubectl
 * exec`), which authenticates, authorises and logs; an SSH, RDP, VNC or telnet server inside it
 * is a second door with its own credentials, outside all of that. Installing one, exposing its
 * port (22, 3389) or running its daemon is the violation; a client such as `openssh-client` is not.
 */
import type { Container, Dockerfile, Evidence, Fact, ImageConfig, PackageInventory, ProcessList, ServiceExposure, Stage } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { keptPackages, listedPackages, unreadableLines } from './3.8-minimal-packages.ts';
import { EMPTY, type Text, defineTexts, lit, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, roleText } from './control.ts';
import { finalImageStages } from './shared/images.ts';
import { REMOTE_ACCESS_GROUP, REMOTE_ADMIN_DAEMONS, REMOTE_ADMIN_PORTS, REMOTE_ADMIN_SERVICES, unneededGroup } from './shared/packages.ts';
import { containersOfList } from './shared/processes.ts';

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);
/** Programs that run the rest of their arguments as the command (`exec`, `tini --`, `gosu app …`). */
const WRAPPERS = new Set(['exec', 'nohup', 'sudo', 'env', 'tini', 'dumb-init', 'catatonit', 'docker-init', 'setsid']);
const USER_WRAPPERS = new Set(['gosu', 'su-exec', 's6-setuidgid']);
const SERVICE_VERBS = new Set(['start', 'restart', 'enable']);

const T = defineTexts('3.12', {
  fixPort: {
    en: 'Remove the port: administer containers with `docker exec` / `kubectl exec`, not SSH or RDP.',
    de: 'Entfernen Sie den Port: verwalten Sie Container mit `docker exec` / `kubectl exec`, nicht mit SSH oder RDP.',
  },
  fixRun: {
    en: 'Do not start an SSH/RDP/VNC/telnet daemon in the container; use `docker exec` / `kubectl exec` (or `kubectl debug`) instead.',
    de: 'Starten Sie keinen SSH-/RDP-/VNC-/Telnet-Daemon im Container; nutzen Sie stattdessen `docker exec` / `kubectl exec` (oder `kubectl debug`).',
  },
  installsServer: {
    en: 'installs {name}, a remote-access server, in the final image',
    de: 'installiert {name}, einen Fernzugriffsserver, im fertigen Image',
  },
  fixInstall: {
    en: 'Do not install {name}; administer the container with `docker exec` / `kubectl exec`.',
    de: 'Installieren Sie {name} nicht; verwalten Sie den Container mit `docker exec` / `kubectl exec`.',
  },
  exposePort: { en: 'EXPOSE {port}/{protocol} declares the {name} port', de: 'EXPOSE {port}/{protocol} gibt den {name}-Port an' },
  imageStarts: { en: 'the image starts {daemon}: `{command}`', de: 'das Image startet {daemon}: `{command}`' },
  dockerfileClean: {
    en: 'the final image installs no SSH/RDP/VNC/telnet server, exposes neither 22 nor 3389 and starts no such daemon',
    de: 'das fertige Image installiert keinen SSH-/RDP-/VNC-/Telnet-Server, gibt weder 22 noch 3389 frei und startet keinen solchen Daemon',
  },
  onHostPort: { en: ' on host port {port}', de: ' auf Host-Port {port}' },
  publishes: { en: 'publishes the {name} port {port}/{protocol}{host}', de: 'veröffentlicht den {name}-Port {port}/{protocol}{host}' },
  exposes: { en: 'exposes the {name} port {port}/{protocol}', de: 'gibt den {name}-Port {port}/{protocol} frei' },
  containerPort: { en: '{role} {how}', de: '{role} {how}' },
  runs: { en: '{role} runs {daemon}: `{command}`', de: '{role} führt {daemon} aus: `{command}`' },
  containerClean: { en: '{role} exposes neither 22 (SSH) nor 3389 (RDP)', de: '{role} gibt weder 22 (SSH) noch 3389 (RDP) frei' },
  containerCleanCommand: {
    en: '{role} runs no remote-administration daemon and exposes neither 22 (SSH) nor 3389 (RDP)',
    de: '{role} führt keinen Daemon zur Fernverwaltung aus und gibt weder 22 (SSH) noch 3389 (RDP) frei',
  },
  serviceForwards: {
    en: 'Service {name} ({type}) forwards port {port} to {target}: the {service} port',
    de: 'Service {name} ({type}) leitet Port {port} an {target} weiter: den {service}-Port',
  },
  serviceClean: { en: 'Service {name} forwards neither 22 (SSH) nor 3389 (RDP)', de: 'Service {name} leitet weder 22 (SSH) noch 3389 (RDP) weiter' },
  imageExposes: { en: 'image {name} exposes the {service} port {port}/{protocol}', de: 'Image {name} gibt den {service}-Port {port}/{protocol} frei' },
  imageStartsDaemon: { en: 'image {name} starts {daemon}: `{command}`', de: 'Image {name} startet {daemon}: `{command}`' },
  imageClean: {
    en: 'image {name} exposes neither 22 nor 3389 and starts no remote-administration daemon',
    de: 'Image {name} gibt weder 22 noch 3389 frei und startet keinen Daemon zur Fernverwaltung',
  },
  image: { en: 'image', de: 'Image' },
  processIs: { en: 'process {pid} ({user}) is {daemon}: `{command}`', de: 'Prozess {pid} ({user}) ist {daemon}: `{command}`' },
  processesClean: {
    en: 'none of the {count} processes is an SSH/RDP/VNC/telnet daemon',
    de: 'keiner der {count} Prozesse ist ein SSH-/RDP-/VNC-/Telnet-Daemon',
  },
  inventoryClean: { en: 'none of the {count} packages is a remote-access server', de: 'keines der {count} Pakete ist ein Fernzugriffsserver' },
  inventoryFail: { en: '{name}, a remote-access server, is installed', de: '{name}, ein Fernzugriffsserver, ist installiert' },
  fixInventory: {
    en: 'Remove {name} from the image; administer the container with `docker exec` / `kubectl exec`.',
    de: 'Entfernen Sie {name} aus dem Image; verwalten Sie den Container mit `docker exec` / `kubectl exec`.',
  },
  remediation: {
    en: 'Do not install SSH, RDP, VNC or telnet servers in images, do not expose or publish ports 22 and 3389, and do not start such daemons; administer containers through the orchestrator (`docker exec`, `kubectl exec`, `kubectl debug`).',
    de: 'Installieren Sie keine SSH-, RDP-, VNC- oder Telnet-Server in Images, geben Sie die Ports 22 und 3389 weder frei noch veröffentlichen Sie sie, und starten Sie keine solchen Daemons; verwalten Sie Container über den Orchestrator (`docker exec`, `kubectl exec`, `kubectl debug`).',
  },
});

const FIX_PORT = T.fixPort;
const FIX_RUN = T.fixRun;

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1).toLowerCase();
}

/** A `sh -c` script split into simple commands; quoting is only stripped, which is enough to find a program's name. */
function scriptCommands(script: string): string[][] {
  return script
    .split(/&&|\|\||[;&|\n]/)
    .map((part) => part.trim().split(/\s+/).map((w) => w.replace(/^['"]+|['"]+$/g, '')).filter(Boolean))
    .filter((words) => words.length > 0);
}

function simpleCommands(argv: readonly string[]): string[][] {
  const shell = SHELLS.has(basename(argv[0] ?? ''));
  const flag = argv.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w));
  if (shell && flag > 0) return scriptCommands(argv.slice(flag + 1).join(' '));
  return [argv.filter((w) => w !== '')];
}

function unwrap(words: readonly string[]): string[] {
  let i = 0;
  let wrapped = false;
  while (i < words.length) {
    const w = words[i] ?? '';
    const name = basename(w);
    if (w === '--' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || (wrapped && w.startsWith('-'))) i++;
    else if (WRAPPERS.has(name)) {
      wrapped = true;
      i++;
    }
    else if (USER_WRAPPERS.has(name)) i += 2; // the wrapper and the user it switches to
    else break;
  }
  return words.slice(i);
}

/** The remote-administration daemon a command starts, or null. */
export function remoteAdminStartedBy(argv: readonly string[]): string | null {
  for (const words of simpleCommands(argv).map(unwrap)) {
    const program = basename(words[0] ?? '').replace(/:$/, '');
    if (REMOTE_ADMIN_DAEMONS.includes(program)) return program;
    const [first = '', second = ''] = words.slice(1).map((w) => w.toLowerCase());
    // `service ssh start`, `rc-service sshd start`, `/etc/init.d/ssh start`, `systemctl start ssh`
    if ((program === 'service' || program === 'rc-service') && REMOTE_ADMIN_SERVICES.includes(first) && SERVICE_VERBS.has(second)) return first;
    if ((words[0] ?? '').startsWith('/etc/init.d/') && REMOTE_ADMIN_SERVICES.includes(program) && SERVICE_VERBS.has(first)) return program;
    const unit = second.replace(/\.service$/, '');
    if (program === 'systemctl' && SERVICE_VERBS.has(first) && REMOTE_ADMIN_SERVICES.includes(unit)) return unit;
  }
  return null;
}

function portName(port: number): string | null {
  return REMOTE_ADMIN_PORTS.get(port) ?? null;
}

// ---------------------------------------------------------------- Dockerfile

/**
 * The image's ENTRYPOINT and CMD after the stage chain: the last of each wins, and an ENTRYPOINT
 * set in a stage resets the CMD it inherited (Docker's documented rule).
 */
function startCommands(stages: readonly Stage[]): Fact<string[]>[] {
  let entrypoint: Fact<string[]> | null = null;
  let cmd: Fact<string[]> | null = null;
  for (const s of stages) {
    if (s.entrypoint) {
      entrypoint = s.entrypoint;
      cmd = null;
    }
    if (s.cmd) cmd = s.cmd;
  }
  return [entrypoint, cmd].filter((f): f is Fact<string[]> => f !== null);
}

function checkDockerfile(df: Dockerfile): Finding[] {
  const stages = finalImageStages(df);
  if (stages.length === 0) return [];
  const findings: Finding[] = [];
  const servers = keptPackages(stages).filter((k) => unneededGroup(k.name, k.ecosystem, [REMOTE_ACCESS_GROUP]));
  for (const k of servers) {
    findings.push(finding(df.source, 'fail', `line ${k.install.line}`, tx(T.installsServer, { name: k.name }),
      { remediation: tx(T.fixInstall, { name: k.name }) }));
  }
  for (const e of stages.flatMap((s) => s.exposes)) {
    const name = portName(e.port);
    if (name) findings.push(finding(df.source, 'fail', `line ${e.line}`, tx(T.exposePort, { port: e.port, protocol: e.protocol, name }), { remediation: FIX_PORT }));
  }
  for (const fact of startCommands(stages)) {
    const daemon = remoteAdminStartedBy(fact.value);
    if (daemon) findings.push(finding(df.source, 'fail', fact.path, tx(T.imageStarts, { daemon, command: fact.value.join(' ') }), { remediation: FIX_RUN }));
  }
  if (findings.length === 0) {
    findings.push(finding(df.source, 'pass', `line ${stages.at(-1)?.line ?? 1}`, T.dockerfileClean));
  }
  return findings;
}

// ---------------------------------------------------------------- containers, services, images

function checkContainer(c: Container): Finding[] {
  const findings: Finding[] = [];
  for (const p of c.ports) {
    const name = portName(p.containerPort);
    if (!name) continue;
    const how = p.published
      ? tx(T.publishes, { name, port: p.containerPort, protocol: p.protocol, host: p.hostPort ? tx(T.onHostPort, { port: p.hostPort }) : EMPTY })
      : tx(T.exposes, { name, port: p.containerPort, protocol: p.protocol });
    findings.push(containerFinding(c, 'fail', p.path, tx(T.containerPort, { role: roleText(c), how }), FIX_PORT));
  }
  const daemon = c.command ? remoteAdminStartedBy(c.command.value) : null;
  if (c.command && daemon) {
    findings.push(containerFinding(c, 'fail', c.command.path, tx(T.runs, { role: roleText(c), daemon, command: c.command.value.join(' ') }), FIX_RUN));
  }
  if (findings.length > 0) return findings;
  return [containerFinding(c, 'pass', c.ports[0]?.path ?? c.path, tx(c.command ? T.containerCleanCommand : T.containerClean, { role: roleText(c) }))];
}

function checkService(s: ServiceExposure): Finding[] {
  const findings: Finding[] = [];
  for (const p of s.ports) {
    const target = p.targetPort;
    const name = portName(p.port) ?? (typeof target === 'number' ? portName(target) : (/^(ssh|rdp)$/i.test(target ?? '') ? (target ?? '').toUpperCase() : null));
    if (name) {
      findings.push(finding(s.source, 'fail', p.path, tx(T.serviceForwards, { name: s.name, type: s.type, port: p.port, target: target ?? p.port, service: name }), { remediation: FIX_PORT }));
    }
  }
  if (findings.length > 0) return findings;
  return [finding(s.source, 'pass', s.path, tx(T.serviceClean, { name: s.name }))];
}

function checkImage(image: ImageConfig): Finding[] {
  const findings: Finding[] = [];
  const raw = image.repoTags[0] ?? image.id;
  const name: Text = raw ? lit(raw) : T.image;
  for (const p of image.exposedPorts) {
    const service = portName(p.port);
    if (service) findings.push(finding(image.source, 'fail', p.path, tx(T.imageExposes, { name, service, port: p.port, protocol: p.protocol }), { remediation: FIX_PORT }));
  }
  for (const fact of [image.entrypoint, image.cmd]) {
    const daemon = fact ? remoteAdminStartedBy(fact.value) : null;
    if (fact && daemon) findings.push(finding(image.source, 'fail', fact.path, tx(T.imageStartsDaemon, { name, daemon, command: fact.value.join(' ') }), { remediation: FIX_RUN }));
  }
  if (findings.length > 0) return findings;
  return [finding(image.source, 'pass', image.path, tx(T.imageClean, { name }))];
}

function checkProcesses(evidence: Evidence, list: ProcessList): Finding[] {
  if (list.processes.length === 0) return [];
  const container = list.container;
  const findings = list.processes.flatMap((p) => {
    const daemon = remoteAdminStartedBy(p.command.split(/\s+/).filter(Boolean)) ?? remoteAdminStartedBy(p.args.split(/\s+/).filter(Boolean));
    return daemon ? [finding(list.source, 'fail', p.path, tx(T.processIs, { pid: p.pid ?? '?', user: p.user, daemon, command: p.args || p.command }), { container, remediation: FIX_RUN })] : [];
  });
  if (findings.length > 0) return findings;
  return [finding(list.source, 'pass', '', tx(T.processesClean, { count: list.processes.length }), { container, covers: containersOfList(evidence, list) })];
}

function checkInventory(inv: PackageInventory): Finding[] {
  const hits = listedPackages(inv, [REMOTE_ACCESS_GROUP]);
  if (hits.length === 0) return [finding(inv.source, 'pass', '', tx(T.inventoryClean, { count: inv.packages.length })), ...unreadableLines(inv)];
  return [...hits.map((h) => finding(inv.source, 'fail', h.path, tx(T.inventoryFail, { name: h.name }),
    { remediation: tx(T.fixInventory, { name: h.name }) })), ...unreadableLines(inv)];
}

export const control: Control = {
  id: '3.12',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'No remote administration services', de: 'Keine Remoteverwaltungsdienste' },
  text: {
    en: 'Remote administration services such as SSH or RDP are disabled or not installed in containers.',
    de: 'Stellen Sie sicher, dass Remoteverwaltungsdienste wie SSH oder RDP deaktiviert sind oder gar nicht erst in Containern installiert sind.',
  },
  remediation: T.remediation,
  rules: [
    '- **Installed** (dockerfile final image, sbom, packages): `openssh-server` (and its `openssh-server-*` parts), ' +
      'Alpine\'s `openssh`, Debian\'s `ssh` metapackage, `dropbear`, `xrdp`, `telnetd` variants, `telnet-server`, VNC ' +
      'servers (`x11vnc`, `tigervnc-server`, `tightvncserver` …) and rsh servers fail. Clients (`openssh-client`) do not. ' +
      'In a Dockerfile only the stages that end up in the image count, and a package purged later in them is not installed.',
    '- **Exposed or published** port 22 or 3389, TCP or UDP: Dockerfile `EXPOSE`, docker-inspect ports, image-inspect ' +
      '`ExposedPorts`, compose `ports`/`expose`, Kubernetes `containerPort` and Service `port`/`targetPort` (also a ' +
      'named target port `ssh`/`rdp`) fail. Only the port inside the container counts: a host port 22 mapped to a web ' +
      'server is not SSH.',
    '- **Running** `sshd`, `dropbear`, `xrdp`, `xrdp-sesman`, `telnetd`, a VNC server or an rsh daemon (the Dockerfile\'s ' +
      'ENTRYPOINT/CMD, the image\'s, docker-inspect/compose/Kubernetes command, `service ssh start` inside a `sh -c`, a ' +
      'process in the process list) fails.',
    '- Each artifact that shows none of that passes for what it shows.',
  ].join('\n'),
  decidedBy: ['dockerfile', 'docker-inspect', 'docker-image-inspect', 'kubernetes', 'compose', 'sbom', 'packages', 'processes'],
  evaluate(evidence: Evidence): Finding[] {
    return [
      ...evidence.dockerfiles.flatMap(checkDockerfile),
      ...evidence.containers.flatMap(checkContainer),
      ...evidence.services.flatMap(checkService),
      ...evidence.images.flatMap(checkImage),
      ...evidence.processes.flatMap((list) => checkProcesses(evidence, list)),
      ...evidence.packages.flatMap(checkInventory),
    ];
  },
};
