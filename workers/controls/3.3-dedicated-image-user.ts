/**
 * 3.3: every image creates a new user, and everything in the container runs as that user.
 * Only a Dockerfile shows the creation; inspect output shows the user an image or container
 * runs as, which can show a violation (root) but cannot prove the user was created there.
 */
import type { Container, Dockerfile, Evidence, ImageConfig, Stage, UserCreation } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';
import { createdUserMatches, createsUser, effectiveUser, isRootUser, isUnresolved, stageChain, uidOf, userPart } from './shared/users.ts';

function fixCreate(uid: number | null, name: string | null): string {
  const n = name && uidOf(name) === null ? name : 'app';
  const u = uid ?? 10001;
  return `Create the user in the final stage and switch to it: \`RUN useradd --system --uid ${u} --no-create-home ${n}\` ` +
    `(Alpine: \`adduser -S -D -H -u ${u} ${n}\`), then \`USER ${n}\`.`;
}

function lineOf(path: string): number {
  const m = /^line (\d+)$/.exec(path);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

function describeCreation(c: UserCreation): string {
  return `${c.tool} at line ${c.line}`;
}

function checkDockerfile(df: Dockerfile): Finding[] {
  const final: Stage | undefined = df.stages[df.stages.length - 1];
  if (!final) return [];
  const who = effectiveUser(df.stages, final);
  if (who.kind !== 'user') {
    const base = who.kind === 'scratch' ? 'scratch' : who.base;
    return [finding(df.source, 'fail', `line ${final.line}`,
      `final stage sets no USER, so it runs as the base image's user (${base}), not a user created in this image`,
      { remediation: fixCreate(null, null) })];
  }
  const spec = who.fact.value;
  const at = who.fact.path;
  if (isUnresolved(spec)) {
    return [finding(df.source, 'unknown', at, `USER ${spec} is a build argument: which user runs is only known at build time`)];
  }
  if (isRootUser(spec)) {
    return [finding(df.source, 'fail', at, `final stage runs as root (USER ${spec}), not as a user created in the image`,
      { remediation: fixCreate(null, null) })];
  }
  // Creations the USER can refer to: in the final stage or a stage it is built FROM, before the USER line.
  const userLine = lineOf(at);
  const created = stageChain(df.stages, final)
    .flatMap((s) => s.userCreations)
    .filter((c) => createsUser(c) && c.line < userLine);
  const match = created.find((c) => createdUserMatches(c, spec));
  if (match) {
    return [finding(df.source, 'pass', at, `USER ${spec} names the user created in the image (${describeCreation(match)})`)];
  }
  const uid = uidOf(spec);
  const seen = created.length === 0
    ? 'the image creates no user at all'
    : `the image creates only ${created.map((c) => `${c.name ?? (c.uid === null ? '?' : `UID ${c.uid}`)} (${describeCreation(c)})`).join(', ')}`;
  const what = uid === null ? `user ${userPart(spec)}` : `UID ${uid}`;
  return [finding(df.source, 'fail', at,
    `USER ${spec}: ${what} is not created in this image (created where?); ${seen}. A user of the base image is not a new user`,
    { remediation: fixCreate(uid, uid === null ? userPart(spec) : null) })];
}

function checkImage(img: ImageConfig): Finding {
  const u = img.user.value;
  const name = img.repoTags[0] ?? img.id ?? 'image';
  if (u.kind === 'nonroot') {
    return finding(img.source, 'pass', img.user.path,
      `${name} runs as non-root user ${u.raw}; whether the image created that user is not visible here (the Dockerfile shows it)`);
  }
  if (u.kind === 'unset') return finding(img.source, 'unknown', img.user.path, `${name}: the image's user is not stated`);
  return finding(img.source, 'fail', img.user.path,
    `${name} runs as root (${u.raw === '' ? 'no User configured' : `User ${u.raw}`}), not as a user created in the image`,
    { remediation: `Rebuild ${name}: ${fixCreate(null, null)}` });
}

function checkContainer(c: Container): Finding {
  if (c.user === null) return notCarried(c, 'the user (Config.User)');
  const u = c.user.value;
  if (u.kind === 'nonroot') {
    return containerFinding(c, 'pass', c.user.path,
      `runs as non-root user ${u.raw}; whether the image created that user is not visible here (the Dockerfile shows it)`);
  }
  if (u.kind === 'unset') return containerFinding(c, 'unknown', c.user.path, 'the user is not stated; the image decides');
  return containerFinding(c, 'fail', c.user.path,
    `runs as root (${u.raw === '' ? 'no user set, the image default' : u.raw}), not as a user created in the image`,
    `Build the image with its own user (${fixCreate(null, null)}) and do not override it with \`--user root\`.`);
}

export const control: Control = {
  id: '3.3',
  levels: ['L3'],
  title: { en: 'A dedicated user in every image', de: 'Eigener Benutzer in jedem Image' },
  text: {
    en: 'Every image creates a new user, and all operations in the container run as that user.',
    de: 'Stellen Sie sicher, dass in jedem Container-Image ein neuer Benutzer erstellt wird, mit dem dann alle Vorgänge im Container ausgeführt werden.',
  },
  remediation:
    'Create a dedicated user in the final stage of every image (`RUN useradd --system --uid 10001 app`) and end the stage with `USER app`.',
  rules: [
    '- **dockerfile**: only the final stage counts. Its effective `USER` (its own last one, or that of the earlier stage it ' +
      'is built `FROM`) must name, by name or UID, a user created by `useradd`/`adduser` before it in that stage or in a ' +
      'stage it is built from: pass. Root (`root`, `0`, `0:0`, `root:root`) or no `USER` fails. A non-root `USER` that the ' +
      'image never creates (`USER node`, `USER nobody`, `USER 10001` without `useradd`) fails: the standard asks for a *new* ' +
      'user created in the image, and a base image\'s user is not one. A `USER ${ARG}` is only known at build time and decides nothing.',
    '- **docker-image-inspect**: `Config.User` empty (root) or root fails; a non-root user passes, though inspect output ' +
      'cannot show where the user was created (the finding says so).',
    '- **docker-inspect**: the container\'s `Config.User`, read the same way.',
  ].join('\n'),
  decidedBy: ['dockerfile', 'docker-image-inspect', 'docker-inspect'],
  evaluate(evidence: Evidence): Finding[] {
    return [
      ...evidence.dockerfiles.flatMap(checkDockerfile),
      ...evidence.images.map(checkImage),
      // Kubernetes and Compose only override the user; the image's own user is what 3.3 asks about.
      ...evidence.containers.filter((c) => c.source.kind === 'docker-inspect').map(checkContainer),
    ];
  },
};
