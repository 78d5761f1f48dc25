/**
 * The signs by which an artifact's kind is told from its file name and the start of its content,
 * so `csvs check` and uploads need no `--kind` for the usual files. Cheap on purpose: only the
 * first 16 KB are looked at, nothing is parsed in full, and every pattern is linear. Each kind's
 * signs are named in the table of kinds (workers/engine/kinds.ts), which also fixes the order in
 * which kinds are tried.
 */

const HEAD_BYTES = 16 * 1024;
const SAMPLE_LINES = 50;
const MAX_PACKAGE_LINE = 256;

/** What the signs look at, computed once per artifact. */
export interface ContentHead {
  /** The head (first 16 KB, BOM removed). */
  head: string;
  /** The head without leading white space. */
  start: string;
  /** Whether the content starts like JSON (`{` or `[`). */
  json: boolean;
  /** Object keys seen in a JSON head. */
  keys: ReadonlySet<string>;
  /** The head's lines (a line cut off at the 16 KB mark left out). */
  lines: readonly string[];
  /** The lines with content, trimmed. */
  content: readonly string[];
}

export function contentHead(text: string): ContentHead | null {
  const head = text.slice(0, HEAD_BYTES).replace(/^\uFEFF/, '');
  const start = head.trimStart();
  if (start === '') return null;
  const json = start.startsWith('{') || start.startsWith('[');
  const keys = new Set<string>();
  if (json) for (const m of start.matchAll(/"([A-Za-z_$@][\w.$-]*)"\s*:/g)) if (m[1]) keys.add(m[1]);
  const lines = head.split(/\r?\n/);
  // A line cut off at the 16 KB mark would look malformed; leave it out.
  if (text.length > HEAD_BYTES) lines.pop();
  const content = lines.map((l) => l.trim()).filter((l) => l !== '');
  return { head, start, json, keys, lines, content };
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return (parts[parts.length - 1] ?? path).toLowerCase();
}

/** `compose.yaml`, `docker-compose.prod.yml`. */
export function isComposeFileName(base: string): boolean {
  return /^(docker-)?compose([.-][\w.-]*)?\.ya?ml$/.test(base);
}

/** `Dockerfile`, `Dockerfile.prod`, `api.dockerfile`, `Containerfile`; but not `Dockerfile.md`. */
export function isDockerfileName(base: string): boolean {
  const dockerfile = /^(docker|container)file([.-][\w.-]*)?$/.test(base) || /\.(docker|container)file$/.test(base);
  return dockerfile && !/\.(json|ya?ml|md|txt|xml|sarif|sh)$/.test(base);
}

// ------------------------------------------------------------------------------- JSON

/** cosign verify's JSON, a Sigstore bundle, or `docker trust inspect`. */
export function isSignatureJson(h: ContentHead): boolean {
  const has = (k: string) => h.keys.has(k);
  if (has('SignedTags') || has('AdministrativeKeys')) return true;
  if (has('critical') && (has('image') || has('docker-manifest-digest'))) return true;
  return /"mediaType"\s*:\s*"application\/vnd\.dev\.sigstore\.bundle/.test(h.start);
}

/** The OCI image config as a registry serves it (`crane config`, `skopeo inspect --config`) counts too. */
export function isImageInspectJson(h: ContentHead): boolean {
  const has = (k: string) => h.keys.has(k);
  return has('RepoTags') || has('RootFS') || (has('architecture') && has('config') && (has('rootfs') || has('history')));
}

/** Events one JSON object a line, or (the events parser also takes a JSON array) objects with Action and Actor. */
export function isEventsJson(h: ContentHead): boolean {
  if (isEventLine(h.start)) return true;
  return h.keys.has('Action') && (h.keys.has('Actor') || h.keys.has('timeNano'));
}

/** The first line of the text as a JSON object, or null. */
function firstLineObject(start: string): Record<string, unknown> | null {
  const newline = start.indexOf('\n');
  if (newline === -1 && start.length >= HEAD_BYTES) return null;
  const first = (newline === -1 ? start : start.slice(0, newline)).trim();
  if (!first.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(first);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `docker ps --format json`: one container a line, with ID, Names and Image as strings. */
export function isDockerPsLines(h: ContentHead): boolean {
  const v = firstLineObject(h.start);
  if (!v) return false;
  const own = (k: string) => Object.prototype.hasOwnProperty.call(v, k) && typeof v[k] === 'string';
  return own('ID') && own('Names') && own('Image') && (own('State') || own('Status'));
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

/** A CycloneDX XML or SPDX tag-value SBOM. */
export function isNonJsonSbom(h: ContentHead): boolean {
  return /<bom\b[^>]*cyclonedx\.org\/schema\/bom/.test(h.head) || /^SPDXVersion:[ \t]*SPDX-/m.test(h.head);
}

/** Kubernetes YAML: top-level `apiVersion:` and `kind:`. */
export function isKubernetesYaml(h: ContentHead): boolean {
  return /^apiVersion:[ \t]*\S/m.test(h.head) && /^kind:[ \t]*\S/m.test(h.head);
}

/** Compose YAML: a top-level `services:` block or flow mapping. */
export function isComposeYaml(h: ContentHead): boolean {
  return /^services:[ \t]*(#.*)?$/m.test(h.head) || /^services:[ \t]*\{/m.test(h.head);
}

/** The first instruction (after comments and parser directives) is FROM, or ARG before a FROM. */
export function isDockerfile(h: ContentHead): boolean {
  const lines = h.lines;
  const first = lines.map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (first === undefined) return false;
  if (/^FROM\s+\S/i.test(first)) return true;
  return /^ARG\s+\S/i.test(first) && lines.some((l) => /^\s*FROM\s+\S/i.test(l));
}

export function isSignatureText(h: ContentHead): boolean {
  const head = h.head;
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
export function isProcessHeader(h: ContentHead): boolean {
  const line = h.content[0];
  if (line === undefined) return false;
  const columns = new Set(line.toUpperCase().split(/\s+/));
  const has = (names: string[]) => names.some((c) => columns.has(c));
  return columns.has('PID') && has(USER_COLUMNS) && has(COMMAND_COLUMNS);
}

type PackageFormat = 'dpkg-l' | 'dpkg-query' | 'apk' | 'rpm';

/** Most sampled lines look like one package manager's listing. */
export function isPackageList(h: ContentHead): boolean {
  const lines = h.content;
  if (lines.some((l) => l.startsWith('Desired=Unknown/Install/Remove/Purge/Hold'))) return true;
  // syft's table: `NAME  VERSION  TYPE` heads it (after any log lines).
  if (lines.slice(0, 5).some((l) => /^NAME[ \t]+VERSION[ \t]+TYPE\b/.test(l.trim()))) return true;
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
