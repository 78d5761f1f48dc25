/**
 * 3.6: base images are named by digest, not by name and tag. A tag is a movable pointer: whoever
 * can push to the repository (or sits between the builder and the registry) decides what
 * `node:20` means tomorrow. A digest names exactly one content.
 */
import type { BaseImageRef, Container, Dockerfile, Evidence, Stage } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding } from './control.ts';
import { hasUnresolvedVariable, isImageId, parseImageRef, repositoryOf, taggedName } from './shared/images.ts';

const HOW_TO_GET_DIGEST = 'Get the digest with `docker buildx imagetools inspect <image>:<tag>` (or `crane digest`).';

/** What is wrong with a reference that is not pinned, or null when it is. */
function unpinnedReason(reference: string): string | null {
  if (hasUnresolvedVariable(reference)) return 'still holds a variable with no default, so nothing proves which image it is';
  if (isImageId(reference)) return null;
  const ref = parseImageRef(reference);
  if (!ref) return 'is not a readable image reference';
  if (ref.malformedDigest) return 'carries something after `@` that is not a full sha256 digest';
  if (ref.digest) return null;
  return ref.tag ? `names the tag \`${ref.tag}\`, which can be moved` : 'has no tag or digest, so it means `latest` today';
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
  if (from.scratch) return finding(df.source, 'pass', at, '`FROM scratch` starts from an empty file system: no base image to pin');
  const shown = from.resolved && from.resolved !== from.raw ? `\`${from.raw}\` (resolves to \`${from.resolved}\`)` : `\`${from.raw}\``;
  if (from.resolved === null) {
    return finding(df.source, 'fail', at,
      `FROM ${shown} depends on a build argument without a default: nothing proves which base image is used`,
      { remediation: `Give the ARG a digest-pinned default (\`ARG BASE=<image>:<tag>@sha256:<digest>\`) or write the digest into FROM. ${HOW_TO_GET_DIGEST}` });
  }
  const reason = from.digest ? null : unpinnedReason(from.resolved);
  if (reason === null) return finding(df.source, 'pass', at, `FROM ${shown} is pinned by digest`);
  return finding(df.source, 'fail', at, `FROM ${shown} ${reason}: the base image can change under the same name`, {
    remediation: `Pin the base image: \`FROM ${pinnedExample(from.resolved)}\`. ${HOW_TO_GET_DIGEST}`,
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
    if (reason === null) return [finding(df.source, 'pass', at, `COPY --from=${source} takes files from an image pinned by digest`)];
    return [finding(df.source, 'fail', at, `COPY --from=${source} ${reason}: the files it copies can change under the same name`, {
      remediation: `Pin the image: \`COPY --from=${pinnedExample(source)} …\`. ${HOW_TO_GET_DIGEST}`,
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

const FIX: Record<Container['runtime'], (example: string) => string> = {
  docker: (e) => `Run the image by digest: \`docker run … ${e}\`. ${HOW_TO_GET_DIGEST}`,
  kubernetes: (e) => `Set \`image: ${e}\` (or let an admission controller such as Kyverno's \`mutateDigest\` resolve tags to digests). ${HOW_TO_GET_DIGEST}`,
  compose: (e) => `Set \`image: ${e}\`. ${HOW_TO_GET_DIGEST}`,
};

function roleText(c: Container): string {
  return c.role === 'app' ? 'container' : `${c.role} container`;
}

function checkContainer(c: Container): Finding {
  // A Compose service with `build:` is built here: its `image:` is the tag the build gets, not a base
  // image, so only the Dockerfile's FROM lines speak for it (and close it when uploaded).
  if (c.build) {
    const tag = c.image ? ` (\`image: ${c.image.value}\` is the tag the build gets)` : '';
    return containerFinding(c, 'unknown', c.build.path,
      `${roleText(c)} is built from a Dockerfile${tag}; that Dockerfile's FROM lines decide its base images`);
  }
  if (!c.image) {
    return containerFinding(c, 'unknown', c.path,
      `${roleText(c)} names no image; the image it runs cannot be checked for a digest`);
  }
  const image = c.image.value;
  if (isImageId(image)) {
    return containerFinding(c, 'pass', c.image.path, `${roleText(c)} runs the local image ID \`${image}\`, which names exactly one content`);
  }
  const reason = unpinnedReason(image);
  if (reason === null) {
    const ref = parseImageRef(image);
    return containerFinding(c, 'pass', c.image.path,
      `${roleText(c)} runs \`${ref ? repositoryOf(ref) : image}\` pinned by digest \`${ref?.digest ?? ''}\``);
  }
  return containerFinding(c, 'fail', c.image.path, `${roleText(c)} image \`${image}\` ${reason}: what runs can change under the same name`,
    FIX[c.runtime](pinnedExample(image)));
}

export const control: Control = {
  id: '3.6',
  levels: ['L3'],
  title: { en: 'Base images pinned by digest', de: 'Basisimages per Hash festgelegt' },
  text: {
    en: 'All base images are given explicitly, by hash (digest) instead of name and tag.',
    de: 'Stellen Sie sicher, dass alle Basisimages explizit angegeben sind, und verwenden Sie deren Hash anstelle von Name und Tag.',
  },
  remediation:
    'Write every base image as `<image>:<tag>@sha256:<digest>`: in `FROM` (and `COPY --from=<image>`), in Kubernetes ' +
    '`image:`, in Compose `image:` and in `docker run`. Keep the tag for readers; the digest is what is pulled. ' +
    'Let a bot (Renovate, Dependabot) update the digests.',
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
