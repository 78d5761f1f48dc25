/**
 * Image references as registries, Kubernetes admission policies and Dockerfiles read them:
 * `registry/repository:tag@sha256:digest`, with Docker Hub's implicit registry and `library/`
 * namespace made explicit, and the glob dialects of Kyverno and Sigstore's policy-controller.
 * Used by 3.6 (pinned by digest?), 3.7 (which digest runs, which policy covers it) and the
 * Dockerfile controls that need to know which stages end up in the image (3.8, 3.12).
 */
import type { Dockerfile, Stage } from '../../model/evidence.ts';

export interface ImageRef {
  raw: string;
  /** `docker.io` for Docker Hub, however it was written (`index.docker.io`, nothing at all). */
  registry: string;
  /** Repository path; Docker Hub's official images get their implicit `library/`. */
  repository: string;
  tag: string | null;
  /** `sha256:<64 hex>`, lower case. */
  digest: string | null;
  /** Something follows `@`, but it is not a full sha256 digest (`@sha256:abc`). */
  malformedDigest: boolean;
}

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const IMAGE_ID = /^(sha256:)?[0-9a-f]{64}$/;
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** Longer strings are not image references; keeps the glob matcher's work bounded. */
const MAX_REF_LENGTH = 512;

/** A full sha256, in the `sha256:<hex>` form, or null. */
export function normaliseDigest(text: string | null | undefined): string | null {
  const d = (text ?? '').trim().toLowerCase();
  return DIGEST_PATTERN.test(d) ? d : null;
}

/**
 * A local image ID (`sha256:<64 hex>` or the bare hex), which `docker run` accepts in place of a
 * name. It is the hash of the image's config, so it names exactly one content.
 */
export function isImageId(raw: string): boolean {
  return IMAGE_ID.test(raw.trim().toLowerCase());
}

/** Whether a reference still holds a build variable (`${TAG}`, `$BASE`) nobody substituted. */
export function hasUnresolvedVariable(raw: string): boolean {
  return raw.includes('$');
}

/**
 * Splits an image reference the way the distribution reference grammar does. Null for what is
 * no reference at all (empty, whitespace inside, unresolved variables, an empty tag).
 */
export function parseImageRef(raw: string): ImageRef | null {
  const text = raw.trim();
  if (!text || text.length > MAX_REF_LENGTH || /\s/.test(text) || hasUnresolvedVariable(text)) return null;
  let rest = text;
  let digest: string | null = null;
  let malformedDigest = false;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = normaliseDigest(rest.slice(at + 1));
    malformedDigest = digest === null;
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tag) return null;
  }
  let registry = 'docker.io';
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    // Only a host-looking first component is a registry; `myuser/app` lives on Docker Hub.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first.toLowerCase();
      repository = rest.slice(slash + 1);
    }
  }
  if (DOCKER_HUB.has(registry)) {
    registry = 'docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  if (!repository || repository.startsWith('/') || repository.endsWith('/')) return null;
  return { raw: text, registry, repository, tag, digest, malformedDigest };
}

/** `registry/repository` without tag or digest, for messages and remediations. */
export function repositoryOf(ref: ImageRef): string {
  return ref.registry === 'docker.io' ? ref.repository.replace(/^library\//, '') : `${ref.registry}/${ref.repository}`;
}

/** The reference with an explicit tag (`latest` when none was written), as users read it. */
export function taggedName(ref: ImageRef): string {
  return `${repositoryOf(ref)}:${ref.tag ?? 'latest'}`;
}

// ---------------------------------------------------------------- admission policy globs

/**
 * Kyverno matches `imageReferences` against `registry/path:tag` (or `registry/path@digest` when
 * a digest is given), Docker Hub written `docker.io/library/…`; `*` spans anything, `/` included,
 * and `?` is one character.
 */
function kyvernoNames(ref: ImageRef): string[] {
  const base = `${ref.registry}/${ref.repository}`;
  return [ref.digest ? `${base}@${ref.digest}` : `${base}:${ref.tag ?? 'latest'}`];
}

/**
 * Sigstore's policy-controller matches `glob` against go-containerregistry's name
 * (`index.docker.io/library/nginx:latest`, `ghcr.io/a/b@sha256:…`), falling back to the reference
 * as written; `*` stops at `/`, `**` does not.
 */
function sigstoreNames(ref: ImageRef): string[] {
  const registry = ref.registry === 'docker.io' ? 'index.docker.io' : ref.registry;
  const base = `${registry}/${ref.repository}`;
  return [ref.digest ? `${base}@${ref.digest}` : `${base}:${ref.tag ?? 'latest'}`, ref.raw];
}

type GlobToken = { kind: 'literal'; char: string } | { kind: 'star' } | { kind: 'segment-star' } | { kind: 'one' };

function tokenise(pattern: string, engine: 'kyverno' | 'sigstore'): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '*') {
      if (engine === 'sigstore' && pattern.charAt(i + 1) === '*') {
        tokens.push({ kind: 'star' });
        i++;
      } else {
        tokens.push(engine === 'sigstore' ? { kind: 'segment-star' } : { kind: 'star' });
      }
    } else if (ch === '?' && engine === 'kyverno') {
      tokens.push({ kind: 'one' });
    } else {
      tokens.push({ kind: 'literal', char: ch });
    }
  }
  return tokens;
}

/**
 * Glob match by dynamic programming: O(pattern × text) whatever the pattern, so a hostile
 * `*a*a*a*…` cannot make it backtrack exponentially the way a translated regex could.
 */
function globMatch(tokens: GlobToken[], text: string): boolean {
  let row: boolean[] = new Array<boolean>(text.length + 1).fill(false);
  row[0] = true;
  for (const token of tokens) {
    const next: boolean[] = new Array<boolean>(text.length + 1).fill(false);
    for (let j = 0; j <= text.length; j++) {
      if (token.kind === 'star' || token.kind === 'segment-star') {
        // Zero characters, or one more character that the star may span.
        const extend = j > 0 && next[j - 1] === true && (token.kind === 'star' || text.charAt(j - 1) !== '/');
        next[j] = row[j] === true || extend;
      } else if (j > 0 && row[j - 1] === true) {
        next[j] = token.kind === 'one' || (token.kind === 'literal' && token.char === text.charAt(j - 1));
      }
    }
    row = next;
  }
  return row[text.length] === true;
}

/** Whether an admission policy's image pattern covers this image reference. */
export function policyPatternMatches(engine: 'kyverno' | 'sigstore', pattern: string, image: string): boolean {
  const ref = parseImageRef(image);
  if (!ref || !pattern || pattern.length > MAX_REF_LENGTH) return false;
  let glob = pattern.trim();
  if (engine === 'sigstore') {
    // policy-controller rewrites these two historical shorthands itself.
    if (glob === '*') glob = 'index.docker.io/library/*';
    if (glob === '*/*') glob = 'index.docker.io/*/*';
  }
  const tokens = tokenise(glob, engine);
  const names = engine === 'kyverno' ? kyvernoNames(ref) : sigstoreNames(ref);
  return names.some((name) => globMatch(tokens, name));
}

// ---------------------------------------------------------------- Dockerfile stages

function stageNamed(stages: readonly Stage[], name: string, before: number): Stage | undefined {
  const wanted = name.toLowerCase();
  return stages.slice(0, before).reverse().find((s) => s.name?.toLowerCase() === wanted);
}

/**
 * The stages whose layers make up the built image: the final stage, and the stages it is built
 * `FROM`, transitively (their layers are inherited). Stages only read with `COPY --from` are not
 * in the image; what they copied is, as files, not as packages.
 */
export function finalImageStages(dockerfile: Dockerfile): Stage[] {
  const chain: Stage[] = [];
  let stage = dockerfile.stages.at(-1);
  while (stage && !chain.includes(stage)) {
    chain.push(stage);
    if (!stage.from.stageRef) break;
    stage = stageNamed(dockerfile.stages, stage.from.resolved ?? stage.from.raw, dockerfile.stages.indexOf(stage));
  }
  return chain.reverse();
}
