/**
 * Coverage per container (CONTROLS.md, "Coverage, precisely"): a control passes only when every
 * container the snapshot describes is shown compliant, or exempt, by some artifact. A container
 * nobody speaks for leaves the control `unknown`, and a finding names it with the kinds that would
 * decide it.
 *
 * The containers are those the artifacts list (inspect entries, pod template containers, Compose
 * services); entries of different artifacts that name the same container are one container. A
 * finding covers a container when its control said so (`covers` on the finding), or, for
 * image-level evidence (Dockerfile, image inspect, SBOM, packages), when it describes that
 * container's image: a Compose service with `build:` is built from the uploaded Dockerfile; an
 * image inspect matches a container by `RepoTags`, `RepoDigests` or `Id`; and where every
 * container runs one image, image-level evidence covers them all. A process list covers the one
 * container of a snapshot that has exactly one.
 */
import { isImageId, normaliseDigest, parseImageRef } from '../controls/shared/images.ts';
import type { ArtifactKind, Container, Evidence, ImageConfig } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Text, defineTexts, joinTexts, tx } from '../model/text.ts';
import { type Control, coverageOf, roleText } from '../controls/control.ts';

const T = defineTexts('coverage', {
  built: { en: 'the image built from its Dockerfile', de: 'das aus seinem Dockerfile gebaute Image' },
  image: { en: 'image `{image}`', de: 'Image `{image}`' },
  itsImage: { en: 'its image', de: 'sein Image' },
  gap: {
    en: 'no artifact shows this {role} ({image}) compliant, so {control} cannot pass for the whole snapshot; evidence of these kinds for it would decide: {kinds}',
    de: 'kein Artefakt zeigt, dass {role} ({image}) die Anforderung erfüllt, daher kann {control} für den ganzen Snapshot nicht erfüllt sein; Nachweise dieser Arten für ihn würden entscheiden: {kinds}',
  },
});

const IMAGE_KINDS: ReadonlySet<ArtifactKind> = new Set(['dockerfile', 'docker-image-inspect', 'sbom', 'packages']);
const CONTAINER_KINDS: ReadonlySet<ArtifactKind> = new Set(['docker-inspect', 'kubernetes', 'compose']);

/** One container of the snapshot: the entries of every artifact that describe it. */
export interface ContainerUnit {
  containers: Container[];
  /** What identifies its image: `ref:<registry>/<repo>:<tag>`, `digest:…`, `id:…`, `build:<path>`. */
  images: Set<string>;
}

/** The names a container goes by across artifacts: its own, and its Compose service's. */
function namesOf(c: Container): string[] {
  const names = [c.name.replace(/^\/+/, '').toLowerCase()];
  const service = c.labels['com.docker.compose.service'];
  if (c.runtime === 'docker' && service) names.push(service.toLowerCase());
  return names;
}

function idKey(id: string): string {
  return `id:${id.trim().toLowerCase().replace(/^sha256:/, '')}`;
}

function refKeys(reference: string): string[] {
  if (isImageId(reference)) return [idKey(reference)];
  const ref = parseImageRef(reference);
  if (!ref) return [];
  const keys: string[] = [];
  if (ref.tag !== null || ref.digest === null) keys.push(`ref:${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`);
  if (ref.digest) keys.push(`digest:${ref.digest}`);
  return keys;
}

/** The Dockerfile a Compose `build:` reads, as a path relative to the project: `api/Dockerfile`. */
function buildPath(c: Container): string | null {
  const b = c.build?.value;
  if (!b) return null;
  const context = (b.context ?? '.').replace(/^\.\/+/, '').replace(/\/+$/, '');
  const file = (b.dockerfile ?? 'Dockerfile').replace(/^\.\/+/, '');
  return context === '' || context === '.' ? file : `${context}/${file}`;
}

function imageKeys(c: Container): string[] {
  const keys: string[] = [];
  const built = buildPath(c);
  if (built !== null) keys.push(`build:${built}`);
  if (c.image) keys.push(...refKeys(c.image.value));
  if (c.imageId) keys.push(idKey(c.imageId));
  return keys;
}

/** The containers of the snapshot, entries of different artifacts naming the same container merged. */
export function containerUnits(evidence: Evidence): ContainerUnit[] {
  const list = evidence.containers;
  const parent = list.map((_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] ?? r;
    parent[i] = r;
    return r;
  };
  // Per name, one representative per artifact: entries of one artifact are distinct containers.
  const byName = new Map<string, Map<string, number>>();
  list.forEach((c, i) => {
    for (const n of namesOf(c)) {
      const perArtifact = byName.get(n) ?? new Map<string, number>();
      for (const [artifact, j] of perArtifact) if (artifact !== c.source.artifact) parent[root(i)] = root(j);
      if (!perArtifact.has(c.source.artifact)) perArtifact.set(c.source.artifact, i);
      byName.set(n, perArtifact);
    }
  });
  const units = new Map<number, ContainerUnit>();
  list.forEach((c, i) => {
    const r = root(i);
    const unit = units.get(r) ?? { containers: [], images: new Set<string>() };
    unit.containers.push(c);
    for (const k of imageKeys(c)) unit.images.add(k);
    units.set(r, unit);
  });
  return [...units.values()];
}

function imageOfFinding(evidence: Evidence, f: Finding): ImageConfig | undefined {
  const images = evidence.images.filter((i) => i.source.artifact === f.artifact);
  if (images.length <= 1) return images[0];
  return images.find((i) => i.path !== '' && (f.location === i.path || f.location.startsWith(`${i.path}/`)));
}

function inspectKeys(image: ImageConfig): string[] {
  const keys = image.repoTags.flatMap(refKeys);
  for (const d of image.repoDigests) {
    const digest = normaliseDigest(d.slice(d.indexOf('@') + 1));
    if (digest) keys.push(`digest:${digest}`);
  }
  if (image.id) keys.push(idKey(image.id));
  return keys;
}

/** Whether a unit's image can be compared with references at all (a `build:` alone cannot). */
function comparable(unit: ContainerUnit): boolean {
  return [...unit.images].some((k) => !k.startsWith('build:'));
}

interface Scope {
  evidence: Evidence;
  units: ContainerUnit[];
  unitOf: Map<Container, ContainerUnit>;
  /** Units by `artifact NUL container name`, for findings that name their container only. */
  byName: Map<string, ContainerUnit[]>;
  /** Every container runs one image: image-level evidence covers them all. */
  singleImage: boolean;
}

function sharesOneImage(units: readonly ContainerUnit[]): boolean {
  const [first, ...rest] = units;
  if (!first) return false;
  if (units.length === 1) return true;
  return [...first.images].some((k) => rest.every((u) => u.images.has(k)));
}

function dockerfileCovers(scope: Scope, f: Finding, unit: ContainerUnit): boolean {
  if (scope.singleImage) return true;
  const builds = [...unit.images].filter((k) => k.startsWith('build:')).map((k) => k.slice('build:'.length));
  if (builds.length === 0) return false;
  const allBuilds = new Set(scope.units.flatMap((u) => [...u.images].filter((k) => k.startsWith('build:'))));
  // One Dockerfile and one build: that is the Dockerfile the service is built from.
  if (scope.evidence.dockerfiles.length === 1 && allBuilds.size === 1) return true;
  const name = f.artifact.replace(/\\/g, '/').replace(/^\.\/+/, '').toLowerCase();
  return builds.some((b) => name === b.toLowerCase() || name.endsWith(`/${b.toLowerCase()}`));
}

function imageInspectCovers(scope: Scope, f: Finding, unit: ContainerUnit): boolean {
  const image = imageOfFinding(scope.evidence, f);
  if (!image) return false;
  const keys = inspectKeys(image);
  if (keys.some((k) => unit.images.has(k))) return true;
  return scope.singleImage && (!comparable(unit) || keys.length === 0);
}

/** The image an SBOM names (`metadata.component`), as keys; a name without a tag matches any tag of it. */
function inventoryCovers(scope: Scope, f: Finding, unit: ContainerUnit): boolean {
  const inventories = scope.evidence.packages.filter((p) => p.source.artifact === f.artifact);
  const subject = inventories.length === 1 ? inventories[0]?.image : null;
  if (!subject) return scope.singleImage;
  const version = subject.version ?? '';
  if (isImageId(version) && unit.images.has(idKey(version))) return true;
  const digest = normaliseDigest(version);
  if (digest && unit.images.has(`digest:${digest}`)) return true;
  const ref = parseImageRef(subject.name);
  if (!ref) return scope.singleImage;
  if (ref.tag !== null || ref.digest !== null) return refKeys(subject.name).some((k) => unit.images.has(k));
  const repository = `ref:${ref.registry}/${ref.repository}:`;
  return [...unit.images].some((k) => k.startsWith(repository));
}

/** The units a finding covers, and whether as an exemption. */
function coveredUnits(scope: Scope, f: Finding): ContainerUnit[] {
  const registered = coverageOf(f);
  if (registered) {
    // An exemption covers whatever the finding's status; compliance only when it passes.
    if (f.status !== 'pass' && !registered.exempt) return [];
    return registered.containers.map((c) => scope.unitOf.get(c)).filter((u): u is ContainerUnit => u !== undefined);
  }
  if (f.status !== 'pass') return [];
  if (IMAGE_KINDS.has(f.kind)) {
    if (f.kind === 'dockerfile') return scope.units.filter((u) => dockerfileCovers(scope, f, u));
    if (f.kind === 'docker-image-inspect') return scope.units.filter((u) => imageInspectCovers(scope, f, u));
    return scope.units.filter((u) => inventoryCovers(scope, f, u));
  }
  if (f.kind === 'processes') return scope.units.length === 1 ? scope.units : [];
  if (CONTAINER_KINDS.has(f.kind) && f.container !== null) {
    return scope.byName.get(`${f.artifact}\u0000${f.container}`) ?? [];
  }
  return [];
}

export interface CoverageResult {
  /** Every container is shown compliant or exempt (true when the snapshot lists none). */
  complete: boolean;
  /** `unknown` findings naming the containers no artifact speaks for. */
  gaps: Finding[];
}

function gapFinding(control: Control, unit: ContainerUnit): Finding {
  const c = unit.containers[0] as Container;
  const image: Text = c.build ? T.built : c.image ? tx(T.image, { image: c.image.value }) : T.itsImage;
  const text = tx(T.gap, { role: roleText(c), image, control: control.id, kinds: joinTexts([...control.decidedBy]) });
  return {
    artifact: c.source.artifact,
    kind: c.source.kind,
    container: c.name,
    location: c.path,
    message: text.en,
    status: 'unknown',
    de: { message: text.de },
  };
}

/**
 * Whether the findings cover every container of the snapshot. A snapshot that lists no container
 * describes one image, which any passing finding covers.
 */
export function coverage(control: Control, evidence: Evidence, findings: readonly Finding[]): CoverageResult {
  const scope = scopeOf(evidence);
  if (scope.units.length === 0) return { complete: true, gaps: [] };
  const covered = new Set<ContainerUnit>();
  for (const f of findings) {
    if (f.status === 'fail') continue;
    for (const u of coveredUnits(scope, f)) covered.add(u);
  }
  const silent = scope.units.filter((u) => !covered.has(u));
  if (silent.length === 0) return { complete: true, gaps: [] };
  // Only where something passes is it worth naming who is missing; otherwise the findings say why.
  const gaps = findings.some((f) => f.status === 'pass') ? silent.map((u) => gapFinding(control, u)) : [];
  return { complete: false, gaps };
}

/** Built once per evidence: fifteen controls ask, and a snapshot may list 50,000 containers. */
const scopes = new WeakMap<Evidence, Scope>();

function scopeOf(evidence: Evidence): Scope {
  const cached = scopes.get(evidence);
  if (cached) return cached;
  const units = containerUnits(evidence);
  const unitOf = new Map<Container, ContainerUnit>();
  const byName = new Map<string, ContainerUnit[]>();
  for (const u of units) {
    for (const c of u.containers) {
      unitOf.set(c, u);
      const key = `${c.source.artifact}\u0000${c.name}`;
      const list = byName.get(key) ?? [];
      if (!list.includes(u)) list.push(u);
      byName.set(key, list);
    }
  }
  const scope: Scope = { evidence, units, unitOf, byName, singleImage: sharesOneImage(units) };
  scopes.set(evidence, scope);
  return scope;
}
