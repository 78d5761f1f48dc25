/**
 * 3.6: base images are named by digest, not by name and tag. A tag is a movable pointer: whoever
 * can push to the repository (or sits between the builder and the registry) decides what
 * `node:20` means tomorrow. A digest names exactly one content.
 */
import type { BaseImageRef, Container, Dockerfile, Evidence, Stage } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { EMPTY, type Text, defineTexts, lit, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, roleText } from './control.ts';
import { hasUnresolvedVariable, isImageId, parseImageRef, repositoryOf, taggedName } from './shared/images.ts';

const T = defineTexts('3.6', {
  howToGetDigest: {
    en: 'Get the digest with `docker buildx imagetools inspect <image>:<tag>` (or `crane digest`).',
    de: 'Den Digest liefert `docker buildx imagetools inspect <image>:<tag>` (oder `crane digest`).',
  },
  unresolved: {
    en: 'still holds a variable with no default, so nothing proves which image it is',
    de: 'enthält noch eine Variable ohne Vorgabe, also belegt nichts, welches Image es ist',
  },
  unreadable: { en: 'is not a readable image reference', de: 'ist keine lesbare Image-Referenz' },
  malformed: {
    en: 'carries something after `@` that is not a full sha256 digest',
    de: 'trägt nach `@` etwas, das kein vollständiger sha256-Digest ist',
  },
  tag: { en: 'names the tag `{tag}`, which can be moved', de: 'nennt das Tag `{tag}`, das verschoben werden kann' },
  latest: { en: 'has no tag or digest, so it means `latest` today', de: 'hat weder Tag noch Digest, bedeutet heute also `latest`' },
  scratch: {
    en: '`FROM scratch` starts from an empty file system: no base image to pin',
    de: '`FROM scratch` beginnt mit einem leeren Dateisystem: kein Basisimage festzulegen',
  },
  resolvesTo: { en: '`{raw}` (resolves to `{resolved}`)', de: '`{raw}` (ergibt `{resolved}`)' },
  argNoDefault: {
    en: 'FROM {shown} depends on a build argument without a default: nothing proves which base image is used',
    de: 'FROM {shown} hängt von einem Build-Argument ohne Vorgabe ab: nichts belegt, welches Basisimage verwendet wird',
  },
  fixArg: {
    en: 'Give the ARG a digest-pinned default (`ARG BASE=<image>:<tag>@sha256:<digest>`) or write the digest into FROM. {how}',
    de: 'Geben Sie dem ARG eine per Digest festgelegte Vorgabe (`ARG BASE=<image>:<tag>@sha256:<digest>`) oder schreiben Sie den Digest in FROM. {how}',
  },
  fromPinned: { en: 'FROM {shown} is pinned by digest', de: 'FROM {shown} ist per Digest festgelegt' },
  fromUnpinned: {
    en: 'FROM {shown} {reason}: the base image can change under the same name',
    de: 'FROM {shown} {reason}: das Basisimage kann sich unter demselben Namen ändern',
  },
  fixFrom: { en: 'Pin the base image: `FROM {example}`. {how}', de: 'Legen Sie das Basisimage fest: `FROM {example}`. {how}' },
  copyPinned: {
    en: 'COPY --from={source} takes files from an image pinned by digest',
    de: 'COPY --from={source} übernimmt Dateien aus einem per Digest festgelegten Image',
  },
  copyUnpinned: {
    en: 'COPY --from={source} {reason}: the files it copies can change under the same name',
    de: 'COPY --from={source} {reason}: die kopierten Dateien können sich unter demselben Namen ändern',
  },
  fixCopy: { en: 'Pin the image: `COPY --from={example} …`. {how}', de: 'Legen Sie das Image fest: `COPY --from={example} …`. {how}' },
  fixDocker: { en: 'Run the image by digest: `docker run … {example}`. {how}', de: 'Starten Sie das Image per Digest: `docker run … {example}`. {how}' },
  fixKubernetes: {
    en: 'Set `image: {example}` (or let an admission controller such as Kyverno\'s `mutateDigest` resolve tags to digests). {how}',
    de: 'Setzen Sie `image: {example}` (oder lassen Sie einen Admission-Controller wie Kyvernos `mutateDigest` Tags in Digests auflösen). {how}',
  },
  fixCompose: { en: 'Set `image: {example}`. {how}', de: 'Setzen Sie `image: {example}`. {how}' },
  buildTag: { en: ' (`image: {image}` is the tag the build gets)', de: ' (`image: {image}` ist das Tag, das der Build erhält)' },
  built: {
    en: '{role} is built from a Dockerfile{tag}; that Dockerfile\'s FROM lines decide its base images',
    de: '{role} wird aus einem Dockerfile gebaut{tag}; dessen FROM-Zeilen entscheiden über die Basisimages',
  },
  noImage: {
    en: '{role} names no image; the image it runs cannot be checked for a digest',
    de: '{role} nennt kein Image; das laufende Image lässt sich nicht auf einen Digest prüfen',
  },
  imageId: {
    en: '{role} runs the local image ID `{image}`, which names exactly one content',
    de: '{role} führt die lokale Image-ID `{image}` aus, die genau einen Inhalt bezeichnet',
  },
  pinned: { en: '{role} runs `{repository}` pinned by digest `{digest}`', de: '{role} führt `{repository}` aus, festgelegt per Digest `{digest}`' },
  unpinned: {
    en: '{role} image `{image}` {reason}: what runs can change under the same name',
    de: '{role}, Image `{image}`: es {reason}; was läuft, kann sich unter demselben Namen ändern',
  },
  remediation: {
    en: 'Write every base image as `<image>:<tag>@sha256:<digest>`: in `FROM` (and `COPY --from=<image>`), in Kubernetes `image:`, in Compose `image:` and in `docker run`. Keep the tag for readers; the digest is what is pulled. Let a bot (Renovate, Dependabot) update the digests.',
    de: 'Schreiben Sie jedes Basisimage als `<image>:<tag>@sha256:<digest>`: in `FROM` (und `COPY --from=<image>`), in Kubernetes `image:`, in Compose `image:` und bei `docker run`. Das Tag bleibt für die Leser; gezogen wird der Digest. Lassen Sie einen Bot (Renovate, Dependabot) die Digests aktualisieren.',
  },
});

/** What is wrong with a reference that is not pinned, or null when it is. */
function unpinnedReason(reference: string): Text | null {
  if (hasUnresolvedVariable(reference)) return T.unresolved;
  if (isImageId(reference)) return null;
  const ref = parseImageRef(reference);
  if (!ref) return T.unreadable;
  if (ref.malformedDigest) return T.malformed;
  if (ref.digest) return null;
  return ref.tag ? tx(T.tag, { tag: ref.tag }) : T.latest;
}

function pinnedExample(reference: string): string {
  const ref = parseImageRef(reference);
  return ref ? `${taggedName(ref)}@sha256:<digest>` : '<image>:<tag>@sha256:<digest>';
}

// ---------------------------------------------------------------- Dockerfile

function checkFrom(df: Dockerfile, stage: Stage): Finding | null {
  const from: BaseImageRef = stage.from;
  const at = `line ${from.line}`;
  if (from.stageRef) return null; // the earlier stage's own FROM is judged where it stands
  if (from.scratch) return finding(df.source, 'pass', at, T.scratch);
  const shown = from.resolved && from.resolved !== from.raw ? tx(T.resolvesTo, { raw: from.raw, resolved: from.resolved }) : lit(`\`${from.raw}\``);
  if (from.resolved === null) {
    return finding(df.source, 'fail', at, tx(T.argNoDefault, { shown }), { remediation: tx(T.fixArg, { how: T.howToGetDigest }) });
  }
  const reason = from.digest ? null : unpinnedReason(from.resolved);
  if (reason === null) return finding(df.source, 'pass', at, tx(T.fromPinned, { shown }));
  return finding(df.source, 'fail', at, tx(T.fromUnpinned, { shown, reason }), {
    remediation: tx(T.fixFrom, { example: pinnedExample(from.resolved), how: T.howToGetDigest }),
  });
}

/**
 * `COPY --from=<image>` pulls files out of an external image; by tag, those files can change
 * just like a base image's. Stage names, stage indexes and bare names (which may be named build
 * contexts) are not external images.
 */
function checkCopyFrom(df: Dockerfile, stage: Stage, stageNames: ReadonlySet<string>): Finding[] {
  return stage.copies.flatMap((copy) => {
    const source = copy.fromStage;
    if (!source || /^\d+$/.test(source) || stageNames.has(source.toLowerCase()) || !/[:/@]/.test(source)) return [];
    const reason = unpinnedReason(source);
    const at = `line ${copy.line}`;
    if (reason === null) return [finding(df.source, 'pass', at, tx(T.copyPinned, { source }))];
    return [finding(df.source, 'fail', at, tx(T.copyUnpinned, { source, reason }), {
      remediation: tx(T.fixCopy, { example: pinnedExample(source), how: T.howToGetDigest }),
    })];
  });
}

function checkDockerfile(df: Dockerfile): Finding[] {
  // Once per file, not per stage: thousands of stages would make it quadratic.
  const stageNames = new Set(df.stages.map((s) => s.name?.toLowerCase()).filter((n): n is string => !!n));
  return df.stages.flatMap((stage) => {
    const from = checkFrom(df, stage);
    return [...(from ? [from] : []), ...checkCopyFrom(df, stage, stageNames)];
  });
}

// ---------------------------------------------------------------- running containers

const FIX: Record<Container['runtime'], Text> = {
  docker: T.fixDocker,
  kubernetes: T.fixKubernetes,
  compose: T.fixCompose,
};

function checkContainer(c: Container): Finding {
  const role = roleText(c);
  // A Compose service with `build:` is built here: its `image:` is the tag the build gets, not a base
  // image, so only the Dockerfile's FROM lines speak for it (and close it when uploaded).
  if (c.build) {
    const tag = c.image ? tx(T.buildTag, { image: c.image.value }) : EMPTY;
    return containerFinding(c, 'unknown', c.build.path, tx(T.built, { role, tag }));
  }
  if (!c.image) return containerFinding(c, 'unknown', c.path, tx(T.noImage, { role }));
  const image = c.image.value;
  if (isImageId(image)) return containerFinding(c, 'pass', c.image.path, tx(T.imageId, { role, image }));
  const reason = unpinnedReason(image);
  if (reason === null) {
    const ref = parseImageRef(image);
    return containerFinding(c, 'pass', c.image.path, tx(T.pinned, { role, repository: ref ? repositoryOf(ref) : image, digest: ref?.digest ?? '' }));
  }
  return containerFinding(c, 'fail', c.image.path, tx(T.unpinned, { role, image, reason }),
    tx(FIX[c.runtime], { example: pinnedExample(image), how: T.howToGetDigest }));
}

export const control: Control = {
  id: '3.6',
  levels: ['L3'],
  title: { en: 'Base images pinned by digest', de: 'Basisimages per Hash festgelegt' },
  text: {
    en: 'All base images are given explicitly, by hash (digest) instead of name and tag.',
    de: 'Stellen Sie sicher, dass alle Basisimages explizit angegeben sind, und verwenden Sie deren Hash anstelle von Name und Tag.',
  },
  remediation: T.remediation,
  rules: [
    '- **dockerfile**: every `FROM` of an external image must carry `@sha256:` and 64 hex digits. `ARG`s declared ' +
      'before the first `FROM` are substituted with their defaults first; a reference that still holds a variable ' +
      'fails, because nothing proves which image the build used. `FROM scratch` (nothing to pin) passes, and a ' +
      '`FROM <earlier stage>` is judged by that stage\'s own `FROM`. `COPY --from=<image>` (a reference with a registry, ' +
      'tag or digest, not a stage) pulls files from an external image and is held to the same rule.',
    '- **kubernetes / compose / docker-inspect** (`Config.Image`): the image reference must carry a digest; a tag fails, ' +
      'and so does a bare name (it means `latest`). A local image ID (`sha256:…`) names one content and passes. ' +
      'A Compose service with `build:` says nothing about base images, also when it has an `image:` (that is the tag ' +
      'the build gets, and it changes with every build): its Dockerfile\'s `FROM` lines decide, and an uploaded ' +
      'Dockerfile closes that service.',
    '- **docker-image-inspect** says nothing: its `RepoDigests` tell how the image itself was pulled, not which base ' +
      'it was built `FROM`.',
    '- Why: a tag is a pointer anyone with push rights can move; only a digest guarantees the content that was reviewed.',
  ].join('\n'),
  decidedBy: ['dockerfile', 'kubernetes', 'compose', 'docker-inspect'],
  evaluate(evidence: Evidence): Finding[] {
    return [...evidence.dockerfiles.flatMap(checkDockerfile), ...evidence.containers.map(checkContainer)];
  },
};
