/**
 * 3.1: root is used only during initialisation, and dropped once that is done.
 * Who a container starts as comes from the image (Dockerfile, image inspect) unless the
 * runtime overrides it (docker inspect, Kubernetes, Compose); a process list shows what
 * actually runs. Root is allowed where it only initialises: init containers, an init or
 * supervisor process, an entrypoint that hands over with gosu/su-exec/setpriv/….
 */
import type { Container, DaemonInfo, Dockerfile, Evidence, ImageConfig, Process, ProcessList, Stage } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';
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

const FIX_DOCKERFILE =
  'Create an unprivileged user and end the final stage with it: `RUN useradd --system --uid 10001 app` and ' +
  '`USER 10001`. If startup really needs root, let the entrypoint drop it: `ENTRYPOINT ["gosu", "app", "…"]`.';

function dropText(drop: PrivilegeDrop): string {
  return `${drop.tool} switches to ${drop.user}`;
}

// ---------------------------------------------------------------- Dockerfile

function checkDockerfile(df: Dockerfile): Finding[] {
  const final: Stage | undefined = df.stages[df.stages.length - 1];
  if (!final) return [];
  const who = effectiveUser(df.stages, final);
  const { entrypoint, cmd } = effectiveCommand(df.stages, final);
  const handover = dropIn(entrypoint, cmd);

  if (who.kind === 'user') {
    const spec = who.fact.value;
    const inherited = who.stage === final ? '' : ` (inherited from stage ${who.stage.name ?? who.stage.index})`;
    if (isUnresolved(spec)) {
      return [finding(df.source, 'unknown', who.fact.path,
        `final stage runs as USER ${spec}${inherited}, a build argument: the user is only known at build time`)];
    }
    if (!isRootUser(spec)) {
      return [finding(df.source, 'pass', who.fact.path, `final stage runs as non-root USER ${spec}${inherited}`)];
    }
    if (handover) {
      return [finding(df.source, 'pass', handover.at.path,
        `final stage runs as root (USER ${spec}, ${who.fact.path}) only to start: the entrypoint drops it (${dropText(handover.drop)})`)];
    }
    return [finding(df.source, 'fail', who.fact.path,
      `final stage runs as root (USER ${spec}${inherited}) and neither ENTRYPOINT nor CMD drops privileges (${DROP_TOOLS})` +
        entrypointScriptNote(entrypoint?.value ?? null),
      { remediation: FIX_DOCKERFILE })];
  }

  // No USER anywhere: the base decides, and only `scratch` is known to us (no user database: root).
  const base = who.kind === 'scratch'
    ? 'its base is scratch, which has no users, so it runs as root'
    : `so it runs as root unless the base image ${who.base} sets its own USER, which was not checked`;
  if (handover) {
    return [finding(df.source, 'pass', handover.at.path,
      `final stage sets no USER (${base}), but the entrypoint drops root (${dropText(handover.drop)})`)];
  }
  return [finding(df.source, 'fail', `line ${final.line}`,
    `final stage sets no USER, ${base}; nothing in ENTRYPOINT/CMD drops privileges` +
      entrypointScriptNote(entrypoint?.value ?? null),
    { remediation: FIX_DOCKERFILE })];
}

/** An entrypoint script may drop root inside; we cannot see it, so say so instead of guessing. */
function entrypointScriptNote(argv: readonly string[] | null): string {
  const first = argv?.[0];
  if (!first || !/\.(sh|bash)$/.test(first)) return '';
  return ` (what ${first} does inside is not visible here; name the tool in ENTRYPOINT or set USER)`;
}

// ---------------------------------------------------------------- images

function checkImage(img: ImageConfig): Finding[] {
  const u = img.user.value;
  const name = img.repoTags[0] ?? img.id ?? 'image';
  if (u.kind === 'unset') {
    return [finding(img.source, 'unknown', img.user.path, `${name}: the image's user is not stated`)];
  }
  if (u.kind === 'nonroot') {
    return [finding(img.source, 'pass', img.user.path, `${name} starts as non-root user ${u.raw} unless the runtime overrides it`)];
  }
  const handover = dropIn(img.entrypoint, img.cmd);
  const as = u.raw === '' ? 'root (no User configured)' : `root (User ${u.raw})`;
  if (handover) {
    return [finding(img.source, 'pass', handover.at.path, `${name} starts as ${as}, and its entrypoint drops it (${dropText(handover.drop)})`)];
  }
  return [finding(img.source, 'fail', img.user.path,
    `${name} starts as ${as} and its entrypoint does not drop privileges (${DROP_TOOLS})`,
    { remediation: `Rebuild ${name} with a non-root \`USER\` in its final stage, or run it with \`--user 10001:10001\`.` })];
}

// ---------------------------------------------------------------- running containers

const FIX_RUNTIME: Record<Container['runtime'], string> = {
  docker: 'Run the container as a non-root user: `docker run --user 10001:10001 …`, or set `USER` in the image.',
  kubernetes: 'Set `securityContext.runAsNonRoot: true` and `runAsUser: 10001` on the container (or on the pod).',
  compose: 'Set `user: "10001:10001"` on the service, or set `USER` in the image.',
};

function roleText(c: Container): string {
  return c.role === 'app' ? 'container' : `${c.role} container`;
}

function checkContainer(c: Container): Finding {
  if (c.user === null) return notCarried(c, 'the user (Config.User)');
  const u = c.user.value;
  const at = c.user.path;
  if (c.role === 'init' && u.kind !== 'nonroot') {
    const as = u.kind === 'unset' ? 'as the image\'s user (not set here)' : `as ${u.raw === '' ? 'root (no user set, the image default)' : `root (user ${u.raw})`}`;
    return containerFinding(c, 'unknown', at, `init container runs ${as}: allowed, that is initialisation`, undefined, true);
  }
  if (u.kind === 'unset') {
    return containerFinding(c, 'unknown', at, `${roleText(c)} does not set its user here; the image decides`);
  }
  if (u.kind === 'nonroot') {
    const as = u.raw === 'runAsNonRoot' ? 'with runAsNonRoot: true (the kubelet refuses to start it as root)' : `as non-root user ${u.raw}`;
    return containerFinding(c, 'pass', at, `${roleText(c)} runs ${as}`);
  }
  const as = u.raw === '' ? 'root (no user set, the image default)' : `root (user ${u.raw})`;
  const handover = dropIn(c.command, null);
  if (handover) {
    return containerFinding(c, 'pass', handover.at.path, `${roleText(c)} starts as ${as}, and its command drops it (${dropText(handover.drop)})`);
  }
  return containerFinding(c, 'fail', at, `${roleText(c)} runs as ${as}; root is allowed only during initialisation`,
    FIX_RUNTIME[c.runtime]);
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

function checkProcesses(list: ProcessList, remapped: DaemonInfo | undefined): Finding[] {
  if (remapped) {
    return [finding(list.source, 'unknown', '',
      `the process list shows host UIDs, and the daemon (${remapped.source.artifact}) ${remapped.rootless ? 'runs rootless' : 'remaps user namespaces (name=userns)'}: ` +
        'a container\'s root appears there as an unprivileged host UID, so this list says nothing about 3.1')];
  }
  return list.processes.map((p) => {
    const what = `${p.pid === null ? '' : `PID ${p.pid} `}${p.args || p.command}`;
    if (isListingCommand(p)) {
      return finding(list.source, 'unknown', p.path, `${what} (user ${p.user}) is the command that produced this list, not a workload process`);
    }
    if (!isRootUser(p.user)) return finding(list.source, 'pass', p.path, `${what} runs as ${p.user}`);
    if (isSupervisor(p)) {
      return finding(list.source, 'unknown', p.path, `${what} runs as root, as an init/supervisor that only starts and reaps others: allowed`);
    }
    return finding(list.source, 'fail', p.path, `${what} runs as root after start-up; root is allowed only during initialisation`, {
      remediation: `Run ${p.command || 'this process'} as a non-root user (USER in the image, \`--user\`, \`runAsUser\`), ` +
        'or let the entrypoint drop root with gosu/su-exec once initialisation is done.',
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
  remediation:
    'Run the workload as a non-root user (`USER` in the image, `--user`, `runAsNonRoot`/`runAsUser`); where start-up needs ' +
    'root, do it in an init container or let the entrypoint drop root with gosu, su-exec or setpriv.',
  rules: [
    '- **dockerfile**: the final stage\'s effective user decides: its last `USER`, or, when it is built `FROM` an earlier ' +
      'stage, that stage\'s last `USER`. `root`, `0`, `0:0`, `root:root` and `0:1000` are root (the group does not matter). ' +
      'No `USER` at all means the base image\'s user; only `scratch` is known (no users: root), so a missing `USER` fails, ' +
      'and the finding says the base image\'s own `USER` was not checked. Root passes only when `ENTRYPOINT`/`CMD` itself ' +
      'hands over to a non-root user with `gosu`, `su-exec`, `setpriv --reuid`, `runuser`, `s6-setuidgid` or `chpst -u`: ' +
      'then root is used only to start. A `USER ${ARG}` is only known at build time and decides nothing.',
    '- **docker-image-inspect**: `Config.User` is what a container of the image starts as unless overridden; it is read ' +
      'like the Dockerfile\'s final stage (empty or root fails unless the entrypoint drops privileges; non-root passes).',
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
      '100000), so there the process list says nothing about 3.1.',
    '- **Every container counts** (coverage): 3.1 passes only when each container of the snapshot is shown to run as ' +
      'non-root (or is an init container, which is exempt). A Compose service or pod container that does not set its ' +
      'user leaves 3.1 `unknown` unless another artifact speaks for it: its image\'s Dockerfile or image inspect, a ' +
      'docker inspect of the running container, or a process list when the snapshot has that one container.',
  ].join('\n'),
  decidedBy: ['dockerfile', 'docker-image-inspect', 'docker-inspect', 'kubernetes', 'compose', 'processes'],
  evaluate(evidence: Evidence): Finding[] {
    return [
      ...evidence.dockerfiles.flatMap(checkDockerfile),
      ...evidence.images.flatMap(checkImage),
      ...evidence.containers.map(checkContainer),
      ...evidence.processes.flatMap((list) => checkProcesses(list, remappingDaemon(evidence))),
    ];
  },
};
