import type { EvidencePart, PackageInventory, Source } from '../model/evidence.ts';
import { ArtifactError, arr, get, isRecord, jsonContent, pointer, str, strArr } from './util.ts';

type Pkg = PackageInventory['packages'][number];

/**
 * Component types that are not installed software: the image itself, its OS as a whole,
 * files and data. CycloneDX `type` and SPDX `primaryPackagePurpose` use these words.
 */
const NOT_PACKAGES = new Set([
  'operatingsystem', 'container', 'file', 'data', 'device', 'machinelearningmodel', 'cryptographicasset', 'platform',
]);
/** Real SBOMs nest components a few levels; paths of a deeper tree would grow quadratically. */
const MAX_NESTING = 100;

/** `operating-system` (CycloneDX), `OPERATING-SYSTEM` (SPDX 2), `operatingSystem` (SPDX 3) alike. */
function isPackageType(type: string | null): boolean {
  return type === null || !NOT_PACKAGES.has(type.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * A package inventory: CycloneDX JSON (`bomFormat: CycloneDX`, nested `components` included)
 * or SPDX JSON (2.x `spdxVersion` + `packages`, or 3.0 JSON-LD `@graph`). The XML and
 * tag-value renderings are refused with a message that names the JSON output to upload.
 */
export function parseSbom(content: unknown, source: Source): EvidencePart {
  if (typeof content === 'string') refuseNonJson(content);
  const data = jsonContent(content, 'SBOM');
  if (!isRecord(data)) throw new ArtifactError('an SBOM must be a JSON object (CycloneDX or SPDX)');
  if (get(data, 'bomFormat') === 'CycloneDX' || (typeof get(data, 'specVersion') === 'string' && Array.isArray(get(data, 'components')))) {
    return result(source, 'cyclonedx', cycloneDx(data), cycloneDxImage(data));
  }
  if (typeof get(data, 'spdxVersion') === 'string') return result(source, 'spdx', spdx2(data), spdx2Image(data));
  const context = get(data, '@context');
  const contexts = typeof context === 'string' ? [context] : strArr(context);
  if (Array.isArray(get(data, '@graph')) && contexts.some((c) => c.includes('spdx'))) {
    return result(source, 'spdx', spdx3(data));
  }
  throw new ArtifactError(
    'not a CycloneDX or SPDX JSON document (expected bomFormat: CycloneDX or spdxVersion; e.g. syft -o cyclonedx-json)',
  );
}

function refuseNonJson(text: string): void {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) {
    throw new ArtifactError('the SBOM is XML; upload CycloneDX or SPDX as JSON (e.g. syft -o cyclonedx-json)');
  }
  if (/^(?:SPDXVersion|DataLicense|SPDXID):/.test(start)) {
    throw new ArtifactError('the SBOM is SPDX tag-value; upload SPDX as JSON (e.g. syft -o spdx-json)');
  }
}

/** Components and their nested components, walked with an explicit stack (no recursion limit to hit). */
function cycloneDx(bom: Record<string, unknown>): Pkg[] {
  const out: Pkg[] = [];
  const stack: { list: unknown[]; base: string; i: number }[] = [{ list: arr(get(bom, 'components')), base: '/components', i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (!top || top.i >= top.list.length) {
      stack.pop();
      continue;
    }
    const i = top.i++;
    const c = top.list[i];
    if (!isRecord(c)) continue;
    const path = `${top.base}/${i}`;
    const name = str(get(c, 'name'));
    const type = str(get(c, 'type'));
    if (name && isPackageType(type)) out.push({ name, version: str(get(c, 'version')) || null, path });
    const nested = get(c, 'components');
    if (Array.isArray(nested) && nested.length > 0) {
      if (stack.length >= MAX_NESTING) throw new ArtifactError(`components are nested deeper than ${MAX_NESTING} levels`, path);
      stack.push({ list: nested, base: `${path}/components`, i: 0 });
    }
  }
  return out;
}

function spdx2(doc: Record<string, unknown>): Pkg[] {
  const out: Pkg[] = [];
  arr(get(doc, 'packages')).forEach((p, i) => {
    const name = str(get(p, 'name'));
    const purpose = str(get(p, 'primaryPackagePurpose'));
    if (!name || !isPackageType(purpose)) return;
    out.push({ name, version: str(get(p, 'versionInfo')) || null, path: pointer('packages', i) });
  });
  return out;
}

function spdx3(doc: Record<string, unknown>): Pkg[] {
  const out: Pkg[] = [];
  arr(get(doc, '@graph')).forEach((e, i) => {
    if (get(e, 'type') !== 'software_Package') return;
    const name = str(get(e, 'name'));
    const purpose = str(get(e, 'software_primaryPurpose'));
    if (!name || !isPackageType(purpose)) return;
    out.push({ name, version: str(get(e, 'software_packageVersion')) || null, path: pointer('@graph', i) });
  });
  return out;
}

type ImageSubject = PackageInventory['image'];

/** `metadata.component` of type `container`: the image the BOM describes (syft, trivy). */
function cycloneDxImage(bom: Record<string, unknown>): ImageSubject {
  const c = get(get(bom, 'metadata'), 'component');
  const name = str(get(c, 'name'));
  if (!name || str(get(c, 'type'))?.toLowerCase() !== 'container') return null;
  return { name, version: str(get(c, 'version')) || null };
}

/** The package whose purpose is `CONTAINER`: the image an SPDX document of an image describes. */
function spdx2Image(doc: Record<string, unknown>): ImageSubject {
  for (const p of arr(get(doc, 'packages'))) {
    const name = str(get(p, 'name'));
    if (name && str(get(p, 'primaryPackagePurpose'))?.toUpperCase() === 'CONTAINER') {
      return { name, version: str(get(p, 'versionInfo')) || null };
    }
  }
  return null;
}

function result(source: Source, format: 'cyclonedx' | 'spdx', packages: Pkg[], image: ImageSubject = null): EvidencePart {
  const notes = packages.length === 0 ? [`the ${format === 'cyclonedx' ? 'CycloneDX' : 'SPDX'} document lists no packages`] : [];
  return { packages: [{ source, format, packages, ...(image ? { image } : {}) }], notes };
}
