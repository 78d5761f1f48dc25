import type { DaemonInfo, EvidencePart, Source } from '../model/evidence.ts';
import { ArtifactError, get, isRecord, jsonContent, strArr } from './util.ts';

/** Keys every `docker info` / `GET /info` answer has; an object with none of them is something else. */
const INFO_KEYS = ['ServerVersion', 'ID', 'Driver', 'SecurityOptions'];

/**
 * `docker info --format '{{json .}}'` (or `docker system info`, or the API's `/info`). The daemon
 * lists its security features in `SecurityOptions` as `name=seccomp,profile=builtin`,
 * `name=userns`, `name=rootless`, …; Docker before 1.13 listed bare names (`seccomp`).
 * A daemon that lists none (`[]`, or `null`, as Go writes an empty list) has no user namespaces:
 * that is a fact. An answer without the field at all (a trimmed or foreign shape), or with
 * something other than a list there, carries no such fact: everything read from the field stays
 * unknown (null), as CONTROLS.md has it: "a default applies only where the shape carries the field".
 */
export function parseDockerInfo(content: unknown, source: Source): EvidencePart {
  const data = jsonContent(content, 'docker info output');
  if (!isRecord(data)) throw new ArtifactError('docker info output must be a JSON object');
  const serverErrors = strArr(get(data, 'ServerErrors'));
  if (serverErrors.length > 0 && !Array.isArray(get(data, 'SecurityOptions'))) {
    // The CLI prints its client half even when the daemon is unreachable; that says nothing of the daemon.
    throw new ArtifactError(`docker info could not reach the daemon: ${serverErrors.join('; ')}`, '/ServerErrors');
  }
  if (!INFO_KEYS.some((k) => get(data, k) !== undefined)) {
    throw new ArtifactError(
      `not docker info output: none of ${INFO_KEYS.join(', ')} is present (use docker info --format '{{json .}}')`,
    );
  }

  const raw = get(data, 'SecurityOptions');
  const notes: string[] = [];
  const carried = raw === null || Array.isArray(raw);
  if (raw === undefined) notes.push('has no SecurityOptions: user namespaces, rootless mode and the default seccomp profile are not shown');
  else if (!carried) notes.push('SecurityOptions is not a list: user namespaces, rootless mode and the default seccomp profile are not shown');
  const options = carried ? strArr(raw) : null;
  let userns: boolean | null = options === null ? null : false;
  let rootless: boolean | null = options === null ? null : false;
  let seccompProfile: string | null = null;
  for (const option of options ?? []) {
    const fields = optionFields(option);
    const name = fields.get('name');
    if (name === 'userns') userns = true;
    else if (name === 'rootless') rootless = true;
    else if (name === 'seccomp') seccompProfile = fields.get('profile') ?? 'default';
  }
  const daemon: DaemonInfo = {
    source,
    securityOptions: { value: options, path: '/SecurityOptions' },
    userns,
    rootless,
    seccompProfile,
  };
  return { daemons: [daemon], notes };
}

/** `name=seccomp,profile=builtin` → {name, profile}; a bare legacy `seccomp` → {name}. */
function optionFields(option: string): Map<string, string> {
  const fields = new Map<string, string>();
  if (!option.includes('=')) {
    fields.set('name', option.trim());
    return fields;
  }
  for (const part of option.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return fields;
}
