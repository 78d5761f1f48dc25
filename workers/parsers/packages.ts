import type { EvidencePart, PackageInventory, Source } from '../model/evidence.ts';
import { ArtifactError, textContent } from './util.ts';

type Pkg = PackageInventory['packages'][number];
type Format = PackageInventory['format'];
interface Line {
  text: string;
  n: number;
}

/** Architectures rpm appends to `name-version-release.arch`. */
const RPM_ARCHES = new Set([
  'x86_64', 'aarch64', 'noarch', 'i386', 'i486', 'i586', 'i686', 'ppc64le', 'ppc64', 's390x', 'armv7hl', 'armv7l', 'riscv64', 'src',
]);
/**
 * Package names of dpkg, apk and rpm: letters, digits and `._+~-` (rpm allows capitals and `_`).
 * One character class, so no backtracking on long hostile lines.
 */
const PACKAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+~-]*$/;
const DPKG_HEADER = /^(?:Desired=|\|\||\| |\|\/|\+\+\+-)/;
/** `ii  bash  5.2.15-2+b7  amd64  GNU Bourne Again SHell`: want, state and error flags, then fields. */
const DPKG_ROW = /^[uihrp][ncUFWfhHitR][ R]?[ \t]+\S/;

/** `syft <image>` (the default table): `NAME  VERSION  TYPE` columns. */
const SYFT_HEADER = /^NAME[ \t]+VERSION[ \t]+TYPE\b/;
/** Names in the language ecosystems syft lists beside OS packages: `@babel/core`, `github.com/x/y`, `org.foo:bar`. */
const LANGUAGE_NAME = /^[A-Za-z0-9_@.][A-Za-z0-9._+~@/:-]*$/;
const OS_TYPES = new Set(['deb', 'apk', 'rpm', 'alpm', 'portage', 'nix']);

/**
 * A plain package list, one of: `dpkg-query -W` (`name<TAB>version`, or a custom `-f` with a
 * space), `dpkg -l`, `apt list --installed`, `apk info -v`, `apk list --installed`, `rpm -qa`,
 * syft's table (`NAME VERSION TYPE`), or one name per line. The format is detected per file from
 * the shape of its lines. A line that cannot be read as a package is kept as unreadable (each
 * becomes a finding) rather than thrown out with the whole list; a text most of whose lines
 * cannot be read is no package list at all.
 */
export function parsePackages(content: unknown, source: Source): EvidencePart {
  const text = textContent(content, 'package list');
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.replace(/\r$/, '').trim();
    // Comments, and the warnings apk and apt print on stdout, are not packages.
    if (t === '' || t.startsWith('#') || t.startsWith('WARNING:') || t === 'Listing...' || t === 'Listing... Done') return;
    lines.push({ text: t, n: i + 1 });
  });
  if (lines.length === 0) throw new ArtifactError('the package list is empty');

  const { format, read } = detect(lines);
  const packages: Pkg[] = [];
  const unreadable: { path: string; text: string; name: string }[] = [];
  for (const line of lines) {
    const pkg = read(line.text);
    if (!pkg) continue;
    // Every format's names are plain words (syft's language packages have their own grammar). A
    // line that is not one is kept as unreadable: skipping it silently could hide the very package
    // that fails 3.8/3.12, and rejecting the list would hide all the others.
    const valid = pkg.type !== undefined && !OS_TYPES.has(pkg.type) ? LANGUAGE_NAME.test(pkg.name) : PACKAGE_NAME.test(pkg.name);
    if (!valid) {
      unreadable.push({ path: `line ${line.n}`, text: line.text.slice(0, 40), name: pkg.name.slice(0, 40) });
      continue;
    }
    packages.push({ ...pkg, path: `line ${line.n}` });
  }
  const first = unreadable[0];
  if (first && unreadable.length * 2 >= lines.length) {
    throw new ArtifactError(`not a package list: ${JSON.stringify(first.name)} is not a package name`, first.path);
  }
  const inventory: PackageInventory = { source, format, packages };
  if (unreadable.length > 0) inventory.unreadable = unreadable.map(({ path, text }) => ({ path, text }));
  const notes = packages.length === 0 ? [`no installed packages found in the ${format} list`] : [];
  if (unreadable.length > 0) notes.push(`${unreadable.length} line(s) could not be read as a package (first: ${first?.path})`);
  return { packages: [inventory], notes };
}

type Reader = (line: string) => { name: string; version: string | null; type?: string } | null;

function detect(lines: Line[]): { format: Format; read: Reader } {
  const header = lines.find((l) => SYFT_HEADER.test(l.text));
  if (header) return { format: 'syft-table', read: syftRow(header.text) };
  const most = (test: (t: string) => boolean): boolean => lines.filter((l) => test(l.text)).length * 2 >= lines.length;
  if (lines.some((l) => DPKG_HEADER.test(l.text)) || most((t) => DPKG_ROW.test(t))) return { format: 'dpkg', read: dpkgListRow };
  if (most((t) => t.includes('\t'))) return { format: 'dpkg', read: tabRow };
  if (most((t) => t.includes(' [installed') && firstWord(t).includes('/'))) return { format: 'dpkg', read: aptListRow };
  if (most((t) => t.includes(' [installed]') || (t.includes(' {') && t.includes('} (')))) {
    return { format: 'apk', read: (t) => apkName(firstWord(t)) };
  }
  const single = lines.map((l) => firstWord(l.text));
  const share = (test: (w: string) => boolean): boolean => single.filter(test).length * 2 >= single.length;
  if (share((w) => RPM_ARCHES.has(w.slice(w.lastIndexOf('.') + 1)) && w.includes('-'))) {
    return { format: 'rpm', read: (t) => rpmName(firstWord(t)) };
  }
  if (share((w) => splitApk(w) !== null)) return { format: 'apk', read: (t) => apkName(firstWord(t)) };
  if (most((t) => words(t).length === 2)) return { format: 'dpkg', read: spaceRow };
  return { format: 'list', read: (t) => ({ name: stripArch(firstWord(t)), version: null }) };
}

/**
 * A row of syft's table, cut at the header's column starts (names and versions hold no spaces,
 * but a version may be empty). The header itself, and syft's own log lines, are not packages.
 */
function syftRow(header: string): Reader {
  const version = header.indexOf('VERSION');
  const type = header.indexOf('TYPE', version);
  return (t) => {
    if (SYFT_HEADER.test(t) || /^\[\d{4}\]|^[✔✗•]/.test(t)) return null;
    const cols = words(t);
    const name = cols[0] ?? '';
    if (cols.length >= 3) return { name, version: cols[1] || null, type: (cols[2] ?? '').toLowerCase() };
    // Two columns: the version is empty when the second word sits in the TYPE column.
    const second = cols[1] ?? '';
    const at = t.indexOf(second, name.length);
    if (cols.length === 2 && at >= type - 1) return { name, version: null, type: second.toLowerCase() };
    return { name, version: second || null };
  };
}

function words(t: string): string[] {
  return t.split(/[ \t]+/).filter((w) => w !== '');
}
function firstWord(t: string): string {
  return words(t)[0] ?? '';
}
/** Debian multiarch names carry the architecture: `libc6:amd64`. */
function stripArch(name: string): string {
  const colon = name.indexOf(':');
  return colon > 0 ? name.slice(0, colon) : name;
}

/** `dpkg -l` rows; `rc` (removed, config left) and `un` (not installed) are not installed. */
function dpkgListRow(t: string): { name: string; version: string | null } | null {
  if (!DPKG_ROW.test(t)) return null;
  const [status = '', name = '', version = ''] = words(t);
  const state = status[1] ?? '';
  if (state === 'n' || state === 'c') return null;
  return { name: stripArch(name), version: version || null };
}

function tabRow(t: string): { name: string; version: string | null } | null {
  const [name = '', version = ''] = t.split('\t').map((c) => c.trim());
  return name ? { name: stripArch(name), version: version || null } : null;
}

function spaceRow(t: string): { name: string; version: string | null } | null {
  const [name = '', version = ''] = words(t);
  return name ? { name: stripArch(name), version: version || null } : null;
}

/** `openssl/stable-security,now 3.0.15-1~deb12u1 amd64 [installed]`. */
function aptListRow(t: string): { name: string; version: string | null } | null {
  const [ref = '', version = ''] = words(t);
  const slash = ref.indexOf('/');
  const name = slash > 0 ? ref.slice(0, slash) : ref;
  return name ? { name, version: version || null } : null;
}

/** `musl-1.2.4-r2` → musl, 1.2.4-r2. Split by position, not by a backtracking pattern. */
function splitApk(word: string): { name: string; version: string } | null {
  const r = word.lastIndexOf('-');
  if (r <= 0 || !/^r\d+$/.test(word.slice(r + 1))) return null;
  const v = word.lastIndexOf('-', r - 1);
  if (v <= 0 || !/^\d/.test(word.slice(v + 1, r))) return null;
  return { name: word.slice(0, v), version: word.slice(v + 1) };
}

function apkName(word: string): { name: string; version: string | null } | null {
  if (!word) return null;
  return splitApk(word) ?? { name: word, version: null };
}

/** `openssl-libs-3.0.7-25.el9.x86_64` → openssl-libs, 3.0.7-25.el9 (name-version-release.arch). */
function rpmName(word: string): { name: string; version: string | null } | null {
  if (!word) return null;
  const dot = word.lastIndexOf('.');
  const base = dot > 0 && RPM_ARCHES.has(word.slice(dot + 1)) ? word.slice(0, dot) : word;
  const r = base.lastIndexOf('-');
  const v = r > 0 ? base.lastIndexOf('-', r - 1) : -1;
  if (v <= 0) return { name: base, version: null };
  return { name: base.slice(0, v), version: base.slice(v + 1) };
}
