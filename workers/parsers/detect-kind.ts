/**
 * Guesses an artifact's kind from its file name and the start of its content, so `csvs check`
 * and uploads need no `--kind` for the usual files. Cheap on purpose: only the first 16 KB are
 * looked at, nothing is parsed in full, and every pattern is linear. When the signs are not
 * clear it returns null and the caller asks the user to name the kind.
 */
import type { ArtifactKind } from '../model/evidence.ts';

const HEAD_BYTES = 16 * 1024;
const SAMPLE_LINES = 50;
const MAX_PACKAGE_LINE = 256;

/** The kind of an artifact, or null when unsure. `name` may be a path. */
export function detectKind(name: string, text: string): ArtifactKind | null {
  // Content first: CI names files freely (`compose-shop.json` may well be `docker inspect` output).
  return kindFromContent(text) ?? kindFromName(baseName(name).toLowerCase());
}

function kindFromContent(text: string): ArtifactKind | null {
  const head = text.slice(0, HEAD_BYTES).replace(/^\uFEFF/, '');
  const start = head.trimStart();
  if (start === '') return null;
  if (start.startsWith('{') || start.startsWith('[')) return jsonKind(start);
  return textKind(head, text.length > HEAD_BYTES);
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

function kindFromName(base: string): ArtifactKind | null {
  if (/^(docker-)?compose([.-][\w.-]*)?\.ya?ml$/.test(base)) return 'compose';
  // `Dockerfile`, `Dockerfile.prod`, `api.dockerfile`, `Containerfile`; but not `Dockerfile.md`.
  const dockerfile = /^(docker|container)file([.-][\w.-]*)?$/.test(base) || /\.(docker|container)file$/.test(base);
  if (dockerfile && !/\.(json|ya?ml|md|txt|xml|sarif|sh)$/.test(base)) return 'dockerfile';
  return null;
}

// ------------------------------------------------------------------------------- JSON

function jsonKind(start: string): ArtifactKind | null {
  if (isEventLine(start)) return 'docker-events';
  const keys = new Set<string>();
  for (const m of start.matchAll(/"([A-Za-z_$@][\w.$-]*)"\s*:/g)) if (m[1]) keys.add(m[1]);
  const has = (k: string) => keys.has(k);
  if (has('Titles') && has('Processes')) return 'processes';
  if (has('bomFormat') || has('spdxVersion')) return 'sbom';
  if (has('critical') && (has('image') || has('docker-manifest-digest'))) return 'signature';
  if (/"mediaType"\s*:\s*"application\/vnd\.dev\.sigstore\.bundle/.test(start)) return 'signature';
  if (has('HostConfig') && has('State')) return 'docker-inspect';
  if (has('RepoTags') || has('RootFS')) return 'docker-image-inspect';
  // The OCI image config as a registry serves it (`crane config`, `skopeo inspect --config`).
  if (has('architecture') && has('config') && (has('rootfs') || has('history'))) return 'docker-image-inspect';
  if (has('ServerVersion') || has('SecurityOptions')) return 'docker-info';
  if (has('apiVersion') && has('kind')) return 'kubernetes';
  if (has('services')) return 'compose';
  // The events parser also takes a JSON array of events.
  if (has('Action') && (has('Actor') || has('timeNano'))) return 'docker-events';
  return null;
}

/** `docker events --format '{{json .}}'`: one complete object a line, with Type/Action or status/id. */
function isEventLine(start: string): boolean {
  const newline = start.indexOf('\n');
  if (newline === -1 && start.length >= HEAD_BYTES) return false;
  const first = (newline === -1 ? start : start.slice(0, newline)).trim();
  if (!first.startsWith('{')) return false;
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const own = (k: string) => Object.prototype.hasOwnProperty.call(value, k);
  return (own('Type') && own('Action')) || (own('status') && own('id'));
}

// ------------------------------------------------------------------------------- text

function textKind(head: string, truncated: boolean): ArtifactKind | null {
  const lines = head.split(/\r?\n/);
  // A line cut off at the 16 KB mark would look malformed; leave it out.
  if (truncated) lines.pop();
  if (isDockerfile(lines)) return 'dockerfile';
  if (/^apiVersion:[ \t]*\S/m.test(head) && /^kind:[ \t]*\S/m.test(head)) return 'kubernetes';
  if (/^services:[ \t]*(#.*)?$/m.test(head) || /^services:[ \t]*\{/m.test(head)) return 'compose';
  if (isSignatureText(head)) return 'signature';
  const content = lines.map((l) => l.trim()).filter((l) => l !== '');
  if (content[0] !== undefined && isProcessHeader(content[0])) return 'processes';
  if (isPackageList(content)) return 'packages';
  return null;
}

/** The first instruction (after comments and parser directives) is FROM, or ARG before a FROM. */
function isDockerfile(lines: string[]): boolean {
  const first = lines.map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (first === undefined) return false;
  if (/^FROM\s+\S/i.test(first)) return true;
  return /^ARG\s+\S/i.test(first) && lines.some((l) => /^\s*FROM\s+\S/i.test(l));
}

function isSignatureText(head: string): boolean {
  return (
    /^Verification for \S+ --/m.test(head) ||
    head.includes('The following checks were performed on each of these signatures') ||
    /Successfully verified signature for \S+/.test(head) ||
    /\b(no matching signatures|no signatures found|signature verification failed)\b/i.test(head)
  );
}

const USER_COLUMNS = ['USER', 'EUSER', 'RUSER', 'UNAME', 'UID', 'EUID', 'RUID'];
const COMMAND_COLUMNS = ['CMD', 'COMMAND', 'ARGS', 'CMDLINE', 'COMM', 'UCOMM', 'UCMD'];

/** `ps` / `docker top` headers (any `-o` selection): a user column, a PID column and a command column. */
function isProcessHeader(line: string): boolean {
  const columns = new Set(line.toUpperCase().split(/\s+/));
  const has = (names: string[]) => names.some((c) => columns.has(c));
  return columns.has('PID') && has(USER_COLUMNS) && has(COMMAND_COLUMNS);
}

type PackageFormat = 'dpkg-l' | 'dpkg-query' | 'apk' | 'rpm';

/** Most sampled lines look like one package manager's listing. */
function isPackageList(lines: string[]): boolean {
  if (lines.some((l) => l.startsWith('Desired=Unknown/Install/Remove/Purge/Hold'))) return true;
  const sample = lines.slice(0, SAMPLE_LINES);
  if (sample.length === 0) return false;
  const counts = new Map<PackageFormat, number>();
  for (const line of sample) {
    const format = packageLineFormat(line);
    if (format) counts.set(format, (counts.get(format) ?? 0) + 1);
  }
  const best = Math.max(0, ...counts.values());
  return best >= Math.ceil(sample.length * 0.8);
}

function packageLineFormat(line: string): PackageFormat | null {
  if (line.length > MAX_PACKAGE_LINE) return null;
  if (/^(ii|hi|rc|iU|iF|iW)\s+\S+\s+\S+/.test(line)) return 'dpkg-l';
  // dpkg-query -W: `name[:arch]<TAB>version`; Debian versions start with a digit (or an epoch).
  if (/^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?[\t ]+\d[\w.+:~-]*$/.test(line)) return 'dpkg-query';
  const word = line.split(/\s/)[0] ?? '';
  if (isApkName(word)) return 'apk';
  if (line === word && isRpmName(word)) return 'rpm';
  return null;
}

/** `apk info -v` / `apk list`: `name-version-rN`. */
function isApkName(word: string): boolean {
  const parts = word.split('-');
  const release = parts[parts.length - 1] ?? '';
  const version = parts[parts.length - 2] ?? '';
  return parts.length >= 3 && /^r\d+$/.test(release) && /^\d/.test(version);
}

const RPM_ARCHES = ['x86_64', 'aarch64', 'noarch', 'i686', 'i386', 'ppc64le', 's390x', 'armv7hl', 'src'];

/** `rpm -qa`: `name-version-release.arch` (and the arch-less `gpg-pubkey-…` entries). */
function isRpmName(word: string): boolean {
  if (/^gpg-pubkey-[0-9a-f]+-[0-9a-f]+$/.test(word)) return true;
  const dot = word.lastIndexOf('.');
  if (dot === -1 || !RPM_ARCHES.includes(word.slice(dot + 1))) return false;
  const parts = word.slice(0, dot).split('-');
  const release = parts[parts.length - 1] ?? '';
  const version = parts[parts.length - 2] ?? '';
  return parts.length >= 3 && /\d/.test(release) && /^\d/.test(version);
}
