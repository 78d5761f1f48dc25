/**
 * The table of artifact kinds: for each kind, how it is told apart, redacted and parsed, whether an
 * upload may give it as parsed JSON, and the name it gets when none is given. Upload reading,
 * redaction, detection, the CLI and the tests all read this table; `satisfies` makes it
 * exhaustive: a new kind in `ARTIFACT_KINDS` does not compile until it has its row here.
 * The table's order is the order in which detection tries the kinds.
 */
import { ARTIFACT_KINDS, type ArtifactKind, type EvidencePart, type Source } from '../model/evidence.ts';
import { parseCompose } from '../parsers/compose.ts';
import { parseDockerEvents } from '../parsers/docker-events.ts';
import { parseDockerImageInspect } from '../parsers/docker-image-inspect.ts';
import { parseDockerInfo } from '../parsers/docker-info.ts';
import { parseDockerInspect } from '../parsers/docker-inspect.ts';
import { parseDockerfile } from '../parsers/dockerfile.ts';
import { parseKubernetes } from '../parsers/kubernetes.ts';
import { parsePackages } from '../parsers/packages.ts';
import { parseProcesses } from '../parsers/processes.ts';
import { parseSbom } from '../parsers/sbom.ts';
import { parseSignature } from '../parsers/signature.ts';
import {
  type ContentHead,
  isComposeFileName,
  isComposeYaml,
  isDockerfile,
  isDockerfileName,
  isEventsJson,
  isImageInspectJson,
  isKubernetesYaml,
  isNonJsonSbom,
  isDockerPsLines,
  isPackageList,
  isProcessHeader,
  isSignatureJson,
  isSignatureText,
} from '../parsers/signs.ts';
import { redactDockerfile } from '../redact/dockerfile.ts';
import { redactJsonText } from '../redact/json-text.ts';
import { redactEvents, redactPlainLines, redactProcesses, redactSignature } from '../redact/lines.ts';
import type { Recorder, RedactOptions } from '../redact/redaction.ts';
import { redactText } from '../redact/text.ts';
import { redactYaml } from '../redact/yaml.ts';
import type { ArtifactInput } from '../model/artifacts.ts';

export interface KindSpec {
  /** Reads the (redacted) content into evidence; throws an ArtifactError on unreadable content. */
  parse: (content: unknown, source: Source) => EvidencePart;
  /** Redacts the content given as text, before anything else reads it. */
  redact: (text: string, recorder: Recorder, options: RedactOptions) => string;
  /**
   * Content given as parsed JSON: whether an upload may send it so (`accepted`), and whether its
   * redactions are located by YAML path or JSON pointer (for kinds whose parser takes parsed JSON
   * from the CLI and the agent too).
   */
  parsed: { accepted: boolean; paths: 'yaml' | 'pointer' };
  /** The artifact's name when the upload gives none. */
  defaultName: string;
  /** The signs that tell this kind: in a JSON head, in a text head, in a file name. */
  detect: { json?: (h: ContentHead) => boolean; text?: (h: ContentHead) => boolean; fileName?: (base: string) => boolean };
}

/** docker inspect and friends come as JSON, but a text (or a JSON-ish fragment) is redacted as text. */
function jsonOrText(text: string, recorder: Recorder, options: RedactOptions): string {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  return start.startsWith('{') || start.startsWith('[') ? redactJsonText(text, recorder, options) : redactText(text, recorder);
}

const has = (...keys: string[]) => (h: ContentHead) => keys.every((k) => h.keys.has(k));

export const KINDS: Readonly<Record<ArtifactKind, KindSpec>> = {
  // First: one JSON object a line is events, whatever keys the objects have.
  'docker-events': {
    parse: parseDockerEvents,
    redact: redactEvents,
    parsed: { accepted: false, paths: 'pointer' },
    defaultName: 'docker-events',
    detect: { json: isEventsJson },
  },
  dockerfile: {
    parse: parseDockerfile,
    redact: redactDockerfile,
    parsed: { accepted: false, paths: 'pointer' },
    defaultName: 'Dockerfile',
    detect: { text: isDockerfile, fileName: isDockerfileName },
  },
  processes: {
    parse: parseProcesses,
    redact: redactProcesses,
    parsed: { accepted: false, paths: 'pointer' },
    defaultName: 'processes',
    detect: { json: has('Titles', 'Processes'), text: isProcessHeader },
  },
  sbom: {
    parse: parseSbom,
    redact: jsonOrText,
    parsed: { accepted: true, paths: 'pointer' },
    defaultName: 'sbom',
    // XML and tag-value SBOMs are told too, so the parser can say which rendering to upload instead.
    detect: { json: (h) => h.keys.has('bomFormat') || h.keys.has('spdxVersion'), text: isNonJsonSbom },
  },
  'docker-inspect': {
    parse: parseDockerInspect,
    redact: jsonOrText,
    parsed: { accepted: true, paths: 'pointer' },
    defaultName: 'docker-inspect',
    // The Engine API's container list has both keys too; `docker ps --format json` is one object a line.
    detect: { json: (h) => has('HostConfig', 'State')(h) || isDockerPsLines(h) },
  },
  'docker-image-inspect': {
    parse: parseDockerImageInspect,
    redact: jsonOrText,
    parsed: { accepted: true, paths: 'pointer' },
    defaultName: 'docker-image-inspect',
    detect: { json: isImageInspectJson },
  },
  'docker-info': {
    parse: parseDockerInfo,
    redact: jsonOrText,
    parsed: { accepted: true, paths: 'pointer' },
    defaultName: 'docker-info',
    detect: { json: (h) => h.keys.has('ServerVersion') || h.keys.has('SecurityOptions') },
  },
  kubernetes: {
    parse: parseKubernetes,
    redact: (text, recorder, options) => redactYaml(text, recorder, options, 'the Kubernetes manifest'),
    parsed: { accepted: true, paths: 'yaml' },
    defaultName: 'kubernetes',
    detect: { json: has('apiVersion', 'kind'), text: isKubernetesYaml },
  },
  compose: {
    parse: parseCompose,
    redact: (text, recorder, options) => redactYaml(text, recorder, options, 'the Compose file'),
    parsed: { accepted: true, paths: 'yaml' },
    defaultName: 'compose',
    detect: { json: has('services'), text: isComposeYaml, fileName: isComposeFileName },
  },
  signature: {
    parse: parseSignature,
    redact: redactSignature,
    parsed: { accepted: true, paths: 'pointer' },
    defaultName: 'signature',
    detect: { json: isSignatureJson, text: isSignatureText },
  },
  packages: {
    parse: parsePackages,
    redact: (text, recorder) => redactPlainLines(text, recorder),
    parsed: { accepted: false, paths: 'pointer' },
    defaultName: 'packages',
    detect: { text: isPackageList },
  },
};

/** The table's entry for a kind; undefined for a string that names no kind (own keys only). */
export function kindSpec(kind: string): KindSpec | undefined {
  return isKind(kind) ? KINDS[kind] : undefined;
}

/** Own keys only: a kind of `constructor` or `toString` must not reach Object's members. */
export function isKind(kind: string): kind is ArtifactKind {
  return Object.hasOwn(KINDS, kind);
}

/** The kinds whose content an upload may give as parsed JSON. */
export const PARSED_JSON_KINDS: readonly ArtifactKind[] = ARTIFACT_KINDS.filter((k) => KINDS[k].parsed.accepted);

/** Names that are unique within a snapshot, so findings point at one artifact. */
export function artifactNames(inputs: readonly ArtifactInput[]): string[] {
  const seen = new Map<string, number>();
  return inputs.map((a) => {
    const base = a.name?.trim() || (kindSpec(a.kind)?.defaultName ?? a.kind);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}
