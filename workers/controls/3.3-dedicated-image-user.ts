/**
 * 3.3: every image creates a new user, and everything in the container runs as that user.
 * Only a Dockerfile shows the creation; inspect output shows the user an image or container
 * runs as, which can show a violation (root) but cannot prove the user was created there.
 */
import type { Container, Dockerfile, Evidence, ImageConfig, Stage, UserCreation } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Text, defineTexts, joinTexts, lit, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';
import { createdUserMatches, createsUser, effectiveUser, isRootUser, isUnresolved, stageChain, uidOf, userPart } from './shared/users.ts';

const T = defineTexts('3.3', {
  fixCreate: {
    en: 'Create the user in the final stage and switch to it: `RUN useradd --system --uid {uid} --no-create-home {name}` (Alpine: `adduser -S -D -H -u {uid} {name}`), then `USER {name}`.',
    de: 'Legen Sie den Benutzer in der letzten Stage an und wechseln Sie zu ihm: `RUN useradd --system --uid {uid} --no-create-home {name}` (Alpine: `adduser -S -D -H -u {uid} {name}`), dann `USER {name}`.',
  },
  creation: { en: '{tool} at line {line}', de: '{tool} in Zeile {line}' },
  noUser: {
    en: 'final stage sets no USER, so it runs as the base image\'s user ({base}), not a user created in this image',
    de: 'die letzte Stage setzt keinen USER, läuft also als Benutzer des Basisimages ({base}), nicht als ein in diesem Image angelegter Benutzer',
  },
  userArg: {
    en: 'USER {spec} is a build argument: which user runs is only known at build time',
    de: 'USER {spec} ist ein Build-Argument: welcher Benutzer läuft, steht erst beim Build fest',
  },
  root: {
    en: 'final stage runs as root (USER {spec}), not as a user created in the image',
    de: 'die letzte Stage läuft als root (USER {spec}), nicht als ein im Image angelegter Benutzer',
  },
  created: {
    en: 'USER {spec} names the user created in the image ({creation})',
    de: 'USER {spec} nennt den im Image angelegten Benutzer ({creation})',
  },
  createsNone: { en: 'the image creates no user at all', de: 'das Image legt überhaupt keinen Benutzer an' },
  createsOnly: { en: 'the image creates only {list}', de: 'das Image legt nur {list} an' },
  createdItem: { en: '{who} ({creation})', de: '{who} ({creation})' },
  userNamed: { en: 'user {name}', de: 'Benutzer {name}' },
  notCreated: {
    en: 'USER {spec}: {what} is not created in this image (created where?); {seen}. A user of the base image is not a new user',
    de: 'USER {spec}: {what} wird in diesem Image nicht angelegt (wo dann?); {seen}. Ein Benutzer des Basisimages ist kein neuer Benutzer',
  },
  image: { en: 'image', de: 'Image' },
  imageNonRoot: {
    en: '{name} runs as non-root user {user}; whether the image created that user is not visible here (the Dockerfile shows it)',
    de: '{name} läuft als Benutzer {user} ohne Root-Rechte; ob das Image diesen Benutzer angelegt hat, ist hier nicht sichtbar (das Dockerfile zeigt es)',
  },
  imageUnset: { en: '{name}: the image\'s user is not stated', de: '{name}: der Benutzer des Images ist nicht angegeben' },
  noUserConfigured: { en: 'no User configured', de: 'kein User konfiguriert' },
  userIs: { en: 'User {user}', de: 'User {user}' },
  imageRoot: {
    en: '{name} runs as root ({as}), not as a user created in the image',
    de: '{name} läuft als root ({as}), nicht als ein im Image angelegter Benutzer',
  },
  fixImage: { en: 'Rebuild {name}: {fix}', de: 'Bauen Sie {name} neu: {fix}' },
  containerNonRoot: {
    en: 'runs as non-root user {user}; whether the image created that user is not visible here (the Dockerfile shows it)',
    de: 'läuft als Benutzer {user} ohne Root-Rechte; ob das Image diesen Benutzer angelegt hat, ist hier nicht sichtbar (das Dockerfile zeigt es)',
  },
  containerUnset: { en: 'the user is not stated; the image decides', de: 'der Benutzer ist nicht angegeben; das Image entscheidet' },
  imageDefault: { en: 'no user set, the image default', de: 'kein Benutzer gesetzt, Vorgabe des Images' },
  containerRoot: {
    en: 'runs as root ({as}), not as a user created in the image',
    de: 'läuft als root ({as}), nicht als ein im Image angelegter Benutzer',
  },
  fixContainer: {
    en: 'Build the image with its own user ({fix}) and do not override it with `--user root`.',
    de: 'Bauen Sie das Image mit einem eigenen Benutzer ({fix}) und überschreiben Sie ihn nicht mit `--user root`.',
  },
  userSetting: { en: 'the user (Config.User)', de: 'der Benutzer (Config.User)' },
  remediation: {
    en: 'Create a dedicated user in the final stage of every image (`RUN useradd --system --uid 10001 app`) and end the stage with `USER app`.',
    de: 'Legen Sie in der letzten Stage jedes Images einen eigenen Benutzer an (`RUN useradd --system --uid 10001 app`) und beenden Sie die Stage mit `USER app`.',
  },
});

function fixCreate(uid: number | null, name: string | null): Text {
  const n = name && uidOf(name) === null ? name : 'app';
  return tx(T.fixCreate, { uid: uid ?? 10001, name: n });
}

function lineOf(path: string): number {
  const m = /^line (\d+)$/.exec(path);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

function describeCreation(c: UserCreation): Text {
  return tx(T.creation, { tool: c.tool, line: c.line });
}

function checkDockerfile(df: Dockerfile): Finding[] {
  const final: Stage | undefined = df.stages[df.stages.length - 1];
  if (!final) return [];
  const who = effectiveUser(df.stages, final);
  if (who.kind !== 'user') {
    const base = who.kind === 'scratch' ? 'scratch' : who.base;
    return [finding(df.source, 'fail', `line ${final.line}`, tx(T.noUser, { base }), { remediation: fixCreate(null, null) })];
  }
  const spec = who.fact.value;
  const at = who.fact.path;
  if (isUnresolved(spec)) return [finding(df.source, 'unknown', at, tx(T.userArg, { spec }))];
  if (isRootUser(spec)) return [finding(df.source, 'fail', at, tx(T.root, { spec }), { remediation: fixCreate(null, null) })];
  // Creations the USER can refer to: in the final stage or a stage it is built FROM, before the USER line.
  const userLine = lineOf(at);
  const created = stageChain(df.stages, final)
    .flatMap((s) => s.userCreations)
    .filter((c) => createsUser(c) && c.line < userLine);
  const match = created.find((c) => createdUserMatches(c, spec));
  if (match) return [finding(df.source, 'pass', at, tx(T.created, { spec, creation: describeCreation(match) }))];
  const uid = uidOf(spec);
  const seen = created.length === 0
    ? T.createsNone
    : tx(T.createsOnly, { list: joinTexts(created.map((c) => tx(T.createdItem, { who: c.name ?? (c.uid === null ? '?' : `UID ${c.uid}`), creation: describeCreation(c) }))) });
  const what = uid === null ? tx(T.userNamed, { name: userPart(spec) }) : lit(`UID ${uid}`);
  return [finding(df.source, 'fail', at, tx(T.notCreated, { spec, what, seen }),
    { remediation: fixCreate(uid, uid === null ? userPart(spec) : null) })];
}

function checkImage(img: ImageConfig): Finding {
  const u = img.user.value;
  const raw = img.repoTags[0] ?? img.id;
  const name: Text = raw ? lit(raw) : T.image;
  if (u.kind === 'nonroot') return finding(img.source, 'pass', img.user.path, tx(T.imageNonRoot, { name, user: u.raw }));
  if (u.kind === 'unset') return finding(img.source, 'unknown', img.user.path, tx(T.imageUnset, { name }));
  return finding(img.source, 'fail', img.user.path,
    tx(T.imageRoot, { name, as: u.raw === '' ? T.noUserConfigured : tx(T.userIs, { user: u.raw }) }),
    { remediation: tx(T.fixImage, { name, fix: fixCreate(null, null) }) });
}

function checkContainer(c: Container): Finding {
  if (c.user === null) return notCarried(c, T.userSetting);
  const u = c.user.value;
  if (u.kind === 'nonroot') return containerFinding(c, 'pass', c.user.path, tx(T.containerNonRoot, { user: u.raw }));
  if (u.kind === 'unset') return containerFinding(c, 'unknown', c.user.path, T.containerUnset);
  return containerFinding(c, 'fail', c.user.path, tx(T.containerRoot, { as: u.raw === '' ? T.imageDefault : u.raw }),
    tx(T.fixContainer, { fix: fixCreate(null, null) }));
}

export const control: Control = {
  id: '3.3',
  levels: ['L3'],
  title: { en: 'A dedicated user in every image', de: 'Eigener Benutzer in jedem Image' },
  text: {
    en: 'Every image creates a new user, and all operations in the container run as that user.',
    de: 'Stellen Sie sicher, dass in jedem Container-Image ein neuer Benutzer erstellt wird, mit dem dann alle Vorgänge im Container ausgeführt werden.',
  },
  remediation: T.remediation,
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
