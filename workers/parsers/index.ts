import type { ArtifactKind, EvidencePart, Source } from '../model/evidence.ts';
import { parseCompose } from './compose.ts';
import { parseDockerEvents } from './docker-events.ts';
import { parseDockerImageInspect } from './docker-image-inspect.ts';
import { parseDockerInfo } from './docker-info.ts';
import { parseDockerInspect } from './docker-inspect.ts';
import { parseDockerfile } from './dockerfile.ts';
import { parseKubernetes } from './kubernetes.ts';
import { parsePackages } from './packages.ts';
import { parseProcesses } from './processes.ts';
import { parseSbom } from './sbom.ts';
import { parseSignature } from './signature.ts';

export type Parser = (content: unknown, source: Source) => EvidencePart;

/** The one place that maps a kind to its parser. */
export const PARSERS: Record<ArtifactKind, Parser> = {
  dockerfile: parseDockerfile,
  'docker-inspect': parseDockerInspect,
  'docker-image-inspect': parseDockerImageInspect,
  'docker-info': parseDockerInfo,
  kubernetes: parseKubernetes,
  compose: parseCompose,
  signature: parseSignature,
  sbom: parseSbom,
  packages: parsePackages,
  processes: parseProcesses,
  'docker-events': parseDockerEvents,
};
