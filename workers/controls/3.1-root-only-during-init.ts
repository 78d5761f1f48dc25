/**
 * 3.1: root is used only during initialisation, and dropped once that is done.
 * Who a container starts as comes from the image (Dockerfile, image inspect) unless the
 * runtime overrides it (docker inspect, Kubernetes, Compose); a process list shows what
 * actually runs. Root is allowed where it only initialises: init containers, an init or
 * supervisor process, an entrypoint that hands over with gosu/su-exec/setpriv/….
 */
import type { Container, DaemonInfo, Dockerfile, Evidence, ImageConfig, Process, ProcessList, Stage } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { EMPTY, type Text, defineTexts, lit, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, notCarried, roleText } from './control.ts';
import { containersOfList } from './shared/processes.ts';
import {
  INIT_SUPERVISORS,
  type PrivilegeDrop,
  effectiveCommand,
  dropIn,
  effectiveUser,
  isRootUser,
  isUnresolved,
  programNames,
} from './shared/users.ts';

const DROP_TOOLS = 'gosu, su-exec, setpriv --reuid, runuser, s6-setuidgid, chpst -u';

const T = defineTexts('3.1', {
  fixDockerfile: {
    en: 'Create an unprivileged user and end the final stage with it: `RUN useradd --system --uid 10001 app` and `USER 10001`. If startup really needs root, let the entrypoint drop it: `ENTRYPOINT ["gosu", "app", "…"]`.',
    de: 'Legen Sie einen Benutzer ohne Rechte an und beenden Sie die letzte Stage mit ihm: `RUN useradd --system --uid 10001 app` und `USER 10001`. Braucht der Start wirklich root, soll der Entrypoint die Rechte abgeben: `ENTRYPOINT ["gosu", "app", "…"]`.',
  },
  drop: { en: '{tool} switches to {user}', de: '{tool} wechselt zu {user}' },
  inherited: { en: ' (inherited from stage {stage})', de: ' (geerbt von Stage {stage})' },
  userArg: {
    en: 'final stage runs as USER {spec}{inherited}, a build argument: the user is only known at build time',
    de: 'die letzte Stage läuft als USER {spec}{inherited}, einem Build-Argument: der Benutzer steht erst beim Build fest',
  },
  nonRootUser: { en: 'final stage runs as non-root USER {spec}{inherited}', de: 'die letzte Stage läuft als USER {spec}{inherited} ohne Root-Rechte' },
  rootHandedOver: {
    en: 'final stage runs as root (USER {spec}, {at}) only to start: the entrypoint drops it ({drop})',
    de: 'die letzte Stage läuft nur zum Start als root (USER {spec}, {at}): der Entrypoint gibt die Rechte ab ({drop})',
  },
  rootUser: {
    en: 'final stage runs as root (USER {spec}{inherited}) and neither ENTRYPOINT nor CMD drops privileges ({tools}){script}',
    de: 'die letzte Stage läuft als root (USER {spec}{inherited}), und weder ENTRYPOINT noch CMD gibt die Rechte ab ({tools}){script}',
  },
  baseScratch: {
    en: 'its base is scratch, which has no users, so it runs as root',
    de: 'ihre Basis ist scratch, das keine Benutzer kennt, also läuft sie als root',
  },
  baseUnknown: {
    en: 'so it runs as root unless the base image {base} sets its own USER, which was not checked',
    de: 'also läuft sie als root, sofern das Basisimage {base} nicht selbst einen USER setzt, was nicht geprüft wurde',
  },
  noUserHandedOver: {
    en: 'final stage sets no USER ({base}), but the entrypoint drops root ({drop})',
    de: 'die letzte Stage setzt keinen USER ({base}), aber der Entrypoint gibt die Root-Rechte ab ({drop})',
  },
  noUser: {
    en: 'final stage sets no USER, {base}; nothing in ENTRYPOINT/CMD drops privileges{script}',
    de: 'die letzte Stage setzt keinen USER, {base}; nichts in ENTRYPOINT/CMD gibt die Rechte ab{script}',
  },
  scriptNote: {
    en: ' (what {script} does inside is not visible here; name the tool in ENTRYPOINT or set USER)',
    de: ' (was {script} intern tut, ist hier nicht sichtbar; nennen Sie das Werkzeug in ENTRYPOINT oder setzen Sie USER)',
  },
  image: { en: 'image', de: 'Image' },
  imageUserUnset: { en: '{name}: the image\'s user is not stated', de: '{name}: der Benutzer des Images ist nicht angegeben' },
  imageNonRoot: {
    en: '{name} starts as non-root user {user} unless the runtime overrides it',
    de: '{name} startet als Benutzer {user} ohne Root-Rechte, sofern die Laufzeit das nicht überschreibt',
  },
  rootNoUser: { en: 'root (no User configured)', de: 'root (kein User konfiguriert)' },
  rootAs: { en: 'root (User {user})', de: 'root (User {user})' },
  imageHandedOver: {
    en: '{name} starts as {as}, and its entrypoint drops it ({drop})',
    de: '{name} startet als {as}, und sein Entrypoint gibt die Rechte ab ({drop})',
  },
  imageOverridden: {
    en: '{name} starts as {as} unless told otherwise, but every container of it in this snapshot runs as another user ({users}): the image\'s default is not what runs',
    de: '{name} startet ohne andere Angabe als {as}, aber jeder Container daraus läuft in diesem Snapshot als anderer Benutzer ({users}): die Voreinstellung des Images ist nicht, was läuft',
  },
  imageRoot: {
    en: '{name} starts as {as} and its entrypoint does not drop privileges ({tools})',
    de: '{name} startet als {as}, und sein Entrypoint gibt die Rechte nicht ab ({tools})',
  },
  fixImage: {
    en: 'Rebuild {name} with a non-root `USER` in its final stage, or run it with `--user 10001:10001`.',
    de: 'Bauen Sie {name} mit einem `USER` ohne Root-Rechte in der letzten Stage neu, oder starten Sie es mit `--user 10001:10001`.',
  },
  fixDocker: {
    en: 'Run the container as a non-root user: `docker run --user 10001:10001 …`, or set `USER` in the image.',
    de: 'Starten Sie den Container mit einem Benutzer ohne Root-Rechte: `docker run --user 10001:10001 …`, oder setzen Sie `USER` im Image.',
  },
  fixKubernetes: {
    en: 'Set `securityContext.runAsNonRoot: true` and `runAsUser: 10001` on the container (or on the pod).',
    de: 'Setzen Sie `securityContext.runAsNonRoot: true` und `runAsUser: 10001` am Container (oder am Pod).',
  },
  fixCompose: {
    en: 'Set `user: "10001:10001"` on the service, or set `USER` in the image.',
    de: 'Setzen Sie `user: "10001:10001"` am Service, oder setzen Sie `USER` im Image.',
  },
  userSetting: { en: 'the user (Config.User)', de: 'der Benutzer (Config.User)' },
  initAsImageUser: { en: 'as the image\'s user (not set here)', de: 'als Benutzer des Images (hier nicht gesetzt)' },
  rootImageDefault: { en: 'root (no user set, the image default)', de: 'root (kein Benutzer gesetzt, Vorgabe des Images)' },
  rootUserAs: { en: 'root (user {user})', de: 'root (Benutzer {user})' },
  initAllowed: {
    en: 'init container runs {as}: allowed, that is initialisation',
    de: 'der Init-Container läuft {as}: erlaubt, das ist Initialisierung',
  },
  as: { en: 'as {what}', de: 'als {what}' },
  unset: { en: '{role} does not set its user here; the image decides', de: '{role} setzt hier keinen Benutzer; das Image entscheidet' },
  runAsNonRoot: {
    en: 'with runAsNonRoot: true (the kubelet refuses to start it as root)',
    de: 'mit runAsNonRoot: true (das Kubelet verweigert den Start als root)',
  },
  asNonRoot: { en: 'as non-root user {user}', de: 'als Benutzer {user} ohne Root-Rechte' },
  runs: { en: '{role} runs {as}', de: '{role} läuft {as}' },
  commandHandsOver: {
    en: '{role} starts as {as}, and its command drops it ({drop})',
    de: '{role} startet als {as}, und sein Befehl gibt die Rechte ab ({drop})',
  },
  rootContainer: {
    en: '{role} runs as {as}; root is allowed only during initialisation',
    de: '{role} läuft als {as}; root ist nur während der Initialisierung erlaubt',
  },
  remapped: {
    en: 'the process list shows host UIDs, and the daemon ({daemon}) {how}: a container\'s root appears there as an unprivileged host UID, so this list says nothing about 3.1',
    de: 'die Prozessliste zeigt UIDs des Hosts, und der Daemon ({daemon}) {how}: das root eines Containers erscheint dort als UID ohne Rechte, daher sagt diese Liste nichts über 3.1',
  },
  rootless: { en: 'runs rootless', de: 'läuft rootless' },
  userns: { en: 'remaps user namespaces (name=userns)', de: 'bildet Benutzer-Namespaces ab (name=userns)' },
  listing: {
    en: '{what} (user {user}) is the command that produced this list, not a workload process',
    de: '`{what}` (Benutzer {user}) ist der Befehl, der diese Liste erzeugt hat, kein Prozess der Anwendung',
  },
  processNonRoot: { en: '{what} runs as {user}', de: '`{what}` läuft als {user}' },
  supervisor: {
    en: '{what} runs as root, as an init/supervisor that only starts and reaps others: allowed',
    de: '`{what}` läuft als root, als Init-/Supervisor-Prozess, der andere nur startet und aufräumt: erlaubt',
  },
  processRoot: {
    en: '{what} runs as root after start-up; root is allowed only during initialisation',
    de: '`{what}` läuft nach dem Start als root; root ist nur während der Initialisierung erlaubt',
  },
  fixProcess: {
    en: 'Run {program} as a non-root user (USER in the image, `--user`, `runAsUser`), or let the entrypoint drop root with gosu/su-exec once initialisation is done.',
    de: 'Starten Sie {program} mit einem Benutzer ohne Root-Rechte (USER im Image, `--user`, `runAsUser`), oder lassen Sie den Entrypoint die Root-Rechte nach der Initialisierung mit gosu/su-exec abgeben.',
  },
  thisProcess: { en: 'this process', de: 'diesen Prozess' },
  remediation: {
    en: 'Run the workload as a non-root user (`USER` in the image, `--user`, `runAsNonRoot`/`runAsUser`); where start-up needs root, do it in an init container or let the entrypoint drop root with gosu, su-exec or setpriv.',
    de: 'Betreiben Sie die Anwendung mit einem Benutzer ohne Root-Rechte (`USER` im Image, `--user`, `runAsNonRoot`/`runAsUser`); wo der Start root braucht, erledigen Sie das in einem Init-Container oder lassen Sie den Entrypoint die Root-Rechte mit gosu, su-exec oder setpriv abgeben.',
  },
});

function dropText(drop: PrivilegeDrop): Text {
  return tx(T.drop, { tool: drop.tool, user: drop.user });
}

// ---------------------------------------------------------------- Dockerfile

function checkDockerfile(df: Dockerfile): Finding[] {
  const final: Stage | undefined = df.stages[df.stages.length - 1];
  if (!final) return [];
  const who = effectiveUser(df.stages, final);
  const { entrypoint, cmd } = effectiveCommand(df.stages, final);
  const handover = dropIn(entrypoint, cmd);
  const script = entrypointScriptNote(entrypoint?.value ?? null);

  if (who.kind === 'user') {
    const spec = who.fact.value;
    const inherited = who.stage === final ? EMPTY : tx(T.inherited, { stage: who.stage.name ?? who.stage.index });
    if (isUnresolved(spec)) {
      return [finding(df.source, 'unknown', who.fact.path, tx(T.userArg, { spec, inherited }))];
    }
    if (!isRootUser(spec)) {
      return [finding(df.source, 'pass', who.fact.path, tx(T.nonRootUser, { spec, inherited }))];
    }
    if (handover) {
      return [finding(df.source, 'pass', handover.at.path,
        tx(T.rootHandedOver, { spec, at: who.fact.path, drop: dropText(handover.drop) }))];
    }
    return [finding(df.source, 'fail', who.fact.path, tx(T.rootUser, { spec, inherited, tools: DROP_TOOLS, script }),
      { remediation: T.fixDockerfile })];
  }

  // No USER anywhere: the base decides, and only `scratch` is known to us (no user database: root).
  const base = who.kind === 'scratch' ? T.baseScratch : tx(T.baseUnknown, { base: who.base });
  if (handover) {
    return [finding(df.source, 'pass', handover.at.path, tx(T.noUserHandedOver, { base, drop: dropText(handover.drop) }))];
  }
  return [finding(df.source, 'fail', `line ${final.line}`, tx(T.noUser, { base, script }), { remediation: T.fixDockerfile })];
}

/** An entrypoint script may drop root inside; we cannot see it, so say so instead of guessing. */
function entrypointScriptNote(argv: readonly string[] | null): Text {
  const first = argv?.[0];
  if (!first || !/\.(sh|bash)$/.test(first)) return EMPTY;
  return tx(T.scriptNote, { script: first });
}

// ---------------------------------------------------------------- images

/**
 * The containers of the snapshot that run this image as another user than its default: a
 * docker inspect whose `Image` is the image's `Id` and whose `Config.User` is non-root. Empty
 * unless every container that may run the image (by id, or, without one, by a tag of it or no
 * image at all) is such a container: then the image's root default is not what runs.
 */
function overridingContainers(evidence: Evidence, img: ImageConfig): Container[] {
  const id = img.id?.replace(/^sha256:/, '');
  if (!id) return [];
  const mayRun = evidence.containers.filter((c) =>
    c.imageId ? c.imageId.replace(/^sha256:/, '') === id : c.image === null || img.repoTags.includes(c.image.value));
  const nonRoot = mayRun.filter((c) => c.imageId && c.user?.value.kind === 'nonroot');
  return nonRoot.length > 0 && nonRoot.length === mayRun.length ? nonRoot : [];
}

function checkImage(evidence: Evidence, img: ImageConfig): Finding[] {
  const u = img.user.value;
  const raw = img.repoTags[0] ?? img.id;
  const name: Text = raw ? lit(raw) : T.image;
  if (u.kind === 'unset') {
    return [finding(img.source, 'unknown', img.user.path, tx(T.imageUserUnset, { name }))];
  }
  if (u.kind === 'nonroot') {
    return [finding(img.source, 'pass', img.user.path, tx(T.imageNonRoot, { name, user: u.raw }))];
  }
  const handover = dropIn(img.entrypoint, img.cmd);
  const as = u.raw === '' ? T.rootNoUser : tx(T.rootAs, { user: u.raw });
  if (handover) {
    return [finding(img.source, 'pass', handover.at.path, tx(T.imageHandedOver, { name, as, drop: dropText(handover.drop) }))];
  }
  const overriding = overridingContainers(evidence, img);
  if (overriding.length > 0) {
    // `docker run --user 1000 nginx`: the containers' own user decides, and their docker inspect says it.
    const users = overriding.map((c) => {
      const u = c.user?.value;
      return `${c.name}: ${u && u.kind !== 'unset' ? u.raw : '?'}`;
    }).join(', ');
    return [finding(img.source, 'unknown', img.user.path, tx(T.imageOverridden, { name, as, users }))];
  }
  return [finding(img.source, 'fail', img.user.path, tx(T.imageRoot, { name, as, tools: DROP_TOOLS }),
    { remediation: tx(T.fixImage, { name }) })];
}

// ---------------------------------------------------------------- running containers

const FIX_RUNTIME: Record<Container['runtime'], Text> = {
  docker: T.fixDocker,
  kubernetes: T.fixKubernetes,
  compose: T.fixCompose,
};

function checkContainer(c: Container): Finding {
  if (c.user === null) return notCarried(c, T.userSetting);
  const u = c.user.value;
  const at = c.user.path;
  if (c.role === 'init' && u.kind !== 'nonroot') {
    const as = u.kind === 'unset' ? T.initAsImageUser : tx(T.as, { what: u.raw === '' ? T.rootImageDefault : tx(T.rootUserAs, { user: u.raw }) });
    return containerFinding(c, 'unknown', at, tx(T.initAllowed, { as }), undefined, true);
  }
  if (u.kind === 'unset') {
    return containerFinding(c, 'unknown', at, tx(T.unset, { role: roleText(c) }));
  }
  if (u.kind === 'nonroot') {
    const as = u.raw === 'runAsNonRoot' ? T.runAsNonRoot : tx(T.asNonRoot, { user: u.raw });
    return containerFinding(c, 'pass', at, tx(T.runs, { role: roleText(c), as }));
  }
  const as = u.raw === '' ? T.rootImageDefault : tx(T.rootUserAs, { user: u.raw });
  const handover = dropIn(c.command, null);
  if (handover) {
    return containerFinding(c, 'pass', handover.at.path, tx(T.commandHandsOver, { role: roleText(c), as, drop: dropText(handover.drop) }));
  }
  return containerFinding(c, 'fail', at, tx(T.rootContainer, { role: roleText(c), as }), FIX_RUNTIME[c.runtime]);
}

// ---------------------------------------------------------------- processes

function isListingCommand(p: Process): boolean {
  return programNames(p.command, p.args).some((n) => n === 'ps' || n === 'top');
}

function isSupervisor(p: Process): boolean {
  return programNames(p.command, p.args).some((n) => (INIT_SUPERVISORS as readonly string[]).includes(n));
}

/**
 * `docker top` shows host UIDs. On a daemon that remaps user namespaces (or runs rootless) a
 * container's root appears as the remap base (100000) or the daemon's user, so a non-root UID
 * there proves nothing about who the process is inside the container.
 */
function remappingDaemon(evidence: Evidence): DaemonInfo | undefined {
  return evidence.daemons.find((d) => d.userns || d.rootless);
}

function checkProcesses(evidence: Evidence, list: ProcessList, remapped: DaemonInfo | undefined): Finding[] {
  const containers = containersOfList(evidence, list);
  const container = list.container;
  // `--userns=host` opts a container out of the daemon's remapping: its processes run as host UIDs,
  // which are what `docker top` shows, so its list speaks after all.
  const optedOut = containers.length > 0 && containers.every((c) => c.usernsMode?.value === 'host');
  if (remapped && !optedOut) {
    return [finding(list.source, 'unknown', '',
      tx(T.remapped, { daemon: remapped.source.artifact, how: remapped.rootless ? T.rootless : T.userns }), { container })];
  }
  return list.processes.map((p) => {
    const what = `${p.pid === null ? '' : `PID ${p.pid} `}${p.args || p.command}`;
    if (isListingCommand(p)) {
      return finding(list.source, 'unknown', p.path, tx(T.listing, { what, user: p.user }), { container });
    }
    if (!isRootUser(p.user)) return finding(list.source, 'pass', p.path, tx(T.processNonRoot, { what, user: p.user }), { container, covers: containers });
    if (isSupervisor(p)) {
      return finding(list.source, 'unknown', p.path, tx(T.supervisor, { what }), { container });
    }
    return finding(list.source, 'fail', p.path, tx(T.processRoot, { what }), {
      container,
      remediation: tx(T.fixProcess, { program: p.command ? lit(p.command) : T.thisProcess }),
    });
  });
}

export const control: Control = {
  id: '3.1',
  levels: ['L2', 'L3'],
  title: { en: 'Root only during initialisation', de: 'Root nur während der Initialisierung' },
  text: {
    en: 'The root user is used only during initialisation, and its privileges are dropped once that is done.',
    de: 'Stellen Sie sicher, dass der Root-Benutzer nur während der Initialisierung verwendet wird und die Berechtigungen nach Abschluss gelöscht werden.',
  },
  remediation: T.remediation,
  rules: [
    '- **dockerfile**: the final stage\'s effective user decides: its last `USER`, or, when it is built `FROM` an earlier ' +
      'stage, that stage\'s last `USER`. `root`, `0`, `0:0`, `root:root` and `0:1000` are root (the group does not matter). ' +
      'No `USER` at all means the base image\'s user; only `scratch` is known (no users: root), so a missing `USER` fails, ' +
      'and the finding says the base image\'s own `USER` was not checked. Root passes only when `ENTRYPOINT`/`CMD` itself ' +
      'hands over to a non-root user with `gosu`, `su-exec`, `setpriv --reuid`, `runuser`, `s6-setuidgid` or `chpst -u`: ' +
      'then root is used only to start. A `USER ${ARG}` is only known at build time and decides nothing.',
    '- **docker-image-inspect**: `Config.User` is what a container of the image starts as unless overridden; it is read ' +
      'like the Dockerfile\'s final stage (empty or root fails unless the entrypoint drops privileges; non-root passes). ' +
      'Where the snapshot shows it overridden (every container that may run the image is a docker inspect of that image ' +
      'id running as a non-root user, as with `docker run --user 1000 nginx`), the image\'s root default is not what runs: ' +
      'it says nothing, and the containers decide.',
    '- **docker-inspect**: `Config.User` empty (the image\'s root), `root`, `0` or `0:…` fails; another user passes. A ' +
      'command that visibly drops root (`gosu app …`) passes like the Dockerfile case.',
    '- **kubernetes**: the effective `runAsUser` (container overrides pod): `0` fails; `runAsNonRoot: true` or a non-zero ' +
      '`runAsUser` passes; neither set says nothing (the image decides). Init containers may run as root: that is ' +
      'initialisation, noted but not failed. Ephemeral (debug) containers count like any other.',
    '- **compose**: `user:` root fails, non-root passes, absent says nothing (the image decides).',
    '- **processes**: a process running as root fails, unless it is an init or supervisor that only starts and reaps ' +
      'others (`tini`, `dumb-init`, `catatonit`, `docker-init`, `s6-svscan`, `s6-supervise`, `runsvdir`, `runsv`) or the ' +
      '`ps`/`top` that produced the list (it runs via `docker exec`). Non-root processes pass; an empty list says nothing. ' +
      '`docker top` shows host UIDs: where a `docker info` of the snapshot shows a daemon that remaps user namespaces ' +
      '(`name=userns`) or runs rootless, a container\'s root appears as an unprivileged host UID (the remap base, e.g. ' +
      '100000), so there the process list says nothing about 3.1, except for a container that opts out of the ' +
      'remapping (`HostConfig.UsernsMode: host` in a docker-inspect of the same snapshot): its processes run as host ' +
      'UIDs, and its list counts. A list named `top NAME` (as the agent uploads them) or `docker top NAME` belongs to ' +
      'the container NAME: its findings name it, and a clean list shows that container compliant.',
    '- **Every container counts** (coverage): 3.1 passes only when each container of the snapshot is shown to run as ' +
      'non-root (or is an init container, which is exempt). A Compose service or pod container that does not set its ' +
      'user leaves 3.1 `unknown` unless another artifact speaks for it: its image\'s Dockerfile or image inspect, a ' +
      'docker inspect of the running container, or a process list when the snapshot has that one container.',
  ].join('\n'),
  decidedBy: ['dockerfile', 'docker-image-inspect', 'docker-inspect', 'kubernetes', 'compose', 'processes'],
  evaluate(evidence: Evidence): Finding[] {
    return [
      ...evidence.dockerfiles.flatMap(checkDockerfile),
      ...evidence.images.flatMap((img) => checkImage(evidence, img)),
      ...evidence.containers.map(checkContainer),
      ...evidence.processes.flatMap((list) => checkProcesses(evidence, list, remappingDaemon(evidence))),
    ];
  },
};
