import type { EvidencePart, Fact, ImageConfig, Source } from '../model/evidence.ts';
import { dockerUser, parsePortKey } from './docker-inspect.ts';
import { ArtifactError, arr, get, isRecord, jsonContent, pointer, str, strArr } from './util.ts';

const MAX_LISTED_SKIPS = 5;

/**
 * `docker image inspect IMAGE...` output (an array or one object). Also reads the image config
 * blob as registries serve it (`config` / `history` in lower case), since that is the same
 * record: user, ports, entrypoint and the build history that 3.11 and 3.12 can look into.
 */
export function parseDockerImageInspect(content: unknown, source: Source): EvidencePart {
  const data = jsonContent(content, 'docker image inspect output');
  if (!Array.isArray(data) && !isRecord(data)) {
    throw new ArtifactError('docker image inspect output must be a JSON array of images or one image object');
  }
  const items = Array.isArray(data) ? data.map((value, i) => ({ value, base: pointer(i) })) : [{ value: data, base: '' }];
  if (items.length === 0) throw new ArtifactError('docker image inspect output lists no images');

  const images: ImageConfig[] = [];
  const skipped: string[] = [];
  for (const { value, base } of items) {
    if (isImage(value)) images.push(readImage(value, base, source));
    else skipped.push(base || '/');
  }
  if (images.length === 0) {
    throw new ArtifactError(
      'docker image inspect output holds no image objects (expected Id, RepoTags or Config; container inspect output is the docker-inspect kind)',
    );
  }
  const notes: string[] = [];
  if (skipped.length > 0) {
    const shown = skipped.slice(0, MAX_LISTED_SKIPS).join(', ');
    const more = skipped.length > MAX_LISTED_SKIPS ? ` and ${skipped.length - MAX_LISTED_SKIPS} more` : '';
    notes.push(`skipped ${skipped.length} element(s) that are not images: ${shown}${more}`);
  }
  return { images, notes };
}

/** A container carries run-time state; an image never does. */
function isImage(v: unknown): v is Record<string, unknown> {
  if (!isRecord(v)) return false;
  if (isRecord(get(v, 'State')) || isRecord(get(v, 'HostConfig'))) return false;
  return (
    typeof get(v, 'Id') === 'string' ||
    Array.isArray(get(v, 'RepoTags')) ||
    isRecord(get(v, 'Config')) ||
    isRecord(get(v, 'config'))
  );
}

function readImage(img: Record<string, unknown>, base: string, source: Source): ImageConfig {
  const configKey = isRecord(get(img, 'Config')) ? 'Config' : isRecord(get(img, 'config')) ? 'config' : 'Config';
  const config = get(img, configKey);
  const at = (...segments: (string | number)[]): string => base + pointer(...segments);
  const exposed = get(config, 'ExposedPorts');
  const exposedPorts: ImageConfig['exposedPorts'] = [];
  if (isRecord(exposed)) {
    for (const key of Object.keys(exposed)) {
      const pk = parsePortKey(key);
      if (pk) exposedPorts.push({ port: pk.port, protocol: pk.protocol, path: at(configKey, 'ExposedPorts', key) });
    }
  }
  const argv = (key: string): Fact<string[]> | null => {
    const v = get(config, key);
    return Array.isArray(v) ? { value: strArr(v), path: at(configKey, key) } : null;
  };
  return {
    source,
    path: base,
    id: str(get(img, 'Id')),
    repoTags: strArr(get(img, 'RepoTags')),
    repoDigests: strArr(get(img, 'RepoDigests')),
    // Without a config section (an image *list* entry, `GET /images/json`) the user is not stated, not root.
    user: isRecord(config) ? { value: dockerUser(get(config, 'User')), path: at(configKey, 'User') } : { value: { kind: 'unset' }, path: at(configKey) },
    exposedPorts,
    entrypoint: argv('Entrypoint'),
    cmd: argv('Cmd'),
    history: historyOf(img, at),
  };
}

/** `History[]` with `created_by` (registry config) or `CreatedBy` (`docker history --format json`). */
function historyOf(img: Record<string, unknown>, at: (...s: (string | number)[]) => string): Fact<string>[] {
  const key = Array.isArray(get(img, 'History')) ? 'History' : 'history';
  const out: Fact<string>[] = [];
  arr(get(img, key)).forEach((h, i) => {
    const field = typeof get(h, 'created_by') === 'string' ? 'created_by' : 'CreatedBy';
    const line = str(get(h, field));
    if (line !== null) out.push({ value: line, path: at(key, i, field) });
  });
  return out;
}
