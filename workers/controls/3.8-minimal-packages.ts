/**
 * 3.8: only the software packages that are needed are installed in images. Every extra package
 * is attack surface and vulnerability noise; compilers, debuggers, attacker network tools and
 * remote-access servers are the worst of it, because they hand a foothold its next step.
 * For a Dockerfile only what ends up in the image counts: the final stage and the stages it is
 * built FROM. Build stages read with `COPY --from` may install anything.
 */
import type { Dockerfile, Evidence, PackageInstall, PackageInventory, ShellCommand, Stage } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, finding } from './control.ts';
import { finalImageStages } from './shared/images.ts';
import { type Ecosystem, type PackageGroup, UNNEEDED_GROUPS, packageBaseName, unneededGroup } from './shared/packages.ts';

const OS_MANAGERS = new Set<PackageInstall['manager']>(['apt', 'apk', 'dnf', 'yum', 'microdnf', 'zypper']);

/** The flag each OS package manager needs so that it installs only what was asked for. */
const MINIMAL_FLAG: Partial<Record<PackageInstall['manager'], string>> = {
  apt: '--no-install-recommends',
  apk: '--no-cache',
  dnf: '--setopt=install_weak_deps=0 --nodocs',
  yum: '--setopt=install_weak_deps=0',
  microdnf: '--setopt=install_weak_deps=0 --nodocs',
  zypper: '--no-recommends',
};

const ECOSYSTEM: Partial<Record<PackageInstall['manager'], Ecosystem>> = {
  apt: 'deb', apk: 'apk', dnf: 'rpm', yum: 'rpm', microdnf: 'rpm', zypper: 'rpm',
};

/** A package as installed in the image's stages, with the instruction that installed it. */
export interface KeptPackage {
  name: string;
  ecosystem: Ecosystem | null;
  install: PackageInstall;
}

// ---------------------------------------------------------------- reading RUN commands

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const WRAPPERS = new Set(['sudo', 'env', 'exec', 'command', 'nohup']);

/** The words of a command without `VAR=value` prefixes and `sudo`/`env`/`exec` wrappers. */
function commandWords(argv: readonly string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    const w = argv[i] ?? '';
    if (ASSIGNMENT.test(w) || WRAPPERS.has(basename(w))) i++;
    else break;
  }
  return argv.slice(i);
}

/** Options that take the next word as their value, per package-manager family. */
const VALUE_OPTIONS = new Set(['-o', '-t', '-c', '--option', '--target-release', '--virtual', '-X', '--repository', '--root', '-p']);

function operands(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (VALUE_OPTIONS.has(w)) i++;
    else if (!w.startsWith('-')) out.push(w);
  }
  return out;
}

/** The packages a command removes (`apt-get purge`, `apk del`, `dnf remove`, `rpm -e`, …), or null. */
function removedBy(argv: readonly string[]): string[] | null {
  const [tool = '', ...rest] = commandWords(argv);
  const name = basename(tool);
  const verb = operands(rest)[0] ?? '';
  const names = operands(rest).slice(1);
  if (['apt-get', 'apt', 'aptitude'].includes(name) && ['remove', 'purge'].includes(verb)) return names;
  if (name === 'apk' && verb === 'del') return names;
  if (['dnf', 'yum', 'microdnf', 'tdnf'].includes(name) && ['remove', 'erase'].includes(verb)) return names;
  if (name === 'zypper' && ['remove', 'rm'].includes(verb)) return names;
  if (name === 'dpkg' && rest.some((w) => ['-r', '-P', '--remove', '--purge'].includes(w))) return operands(rest);
  if (name === 'rpm' && rest.some((w) => ['-e', '--erase'].includes(w))) return operands(rest);
  return null;
}

/**
 * `apk add --virtual .build-deps gcc musl-dev` installs a named group that `apk del .build-deps`
 * removes again: the classic way to build and clean up in one layer.
 */
function virtualGroup(argv: readonly string[]): { name: string; packages: string[] } | null {
  const words = commandWords(argv);
  if (basename(words[0] ?? '') !== 'apk' || !words.includes('add')) return null;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    const inline = /^(?:--virtual=|-t)(.+)$/.exec(w);
    const name = inline?.[1] ?? ((w === '--virtual' || w === '-t') ? words[i + 1] : undefined);
    if (name) return { name, packages: operands(words.slice(1)).filter((p) => p !== 'add' && p !== name) };
  }
  return null;
}

const FETCHERS = new Set(['curl', 'wget']);
const INTERPRETERS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'python', 'python3', 'perl', 'ruby', 'node']);

/**
 * A download piped into an interpreter (`curl -fsSL … | sh`) installs whatever the server sends
 * that day. The parser splits pipelines into simple commands, so a fetch directly followed by an
 * interpreter reading its stdin (no script operand) is the pattern; the parser's own `other`
 * installs are taken as well.
 */
function pipedInstallerLines(stage: Stage): number[] {
  const lines = new Set<number>();
  for (const install of stage.installs) if (install.manager === 'other') lines.add(install.line);
  const runs = stage.runs;
  runs.forEach((cmd: ShellCommand, i) => {
    const words = commandWords(cmd.argv);
    const tool = basename(words[0] ?? '');
    if (INTERPRETERS.has(tool) && words.some((w) => /\$\((curl|wget)\s/.test(w))) lines.add(cmd.line);
    if (!FETCHERS.has(tool)) return;
    const next = runs[i + 1];
    if (!next) return;
    const nextWords = commandWords(next.argv);
    const reader = basename(nextWords[0] ?? '');
    const scriptOperand = nextWords.slice(1).some((w) => !w.startsWith('-'));
    if (INTERPRETERS.has(reader) && (!scriptOperand || nextWords.includes('-s') || nextWords.includes('-'))) lines.add(cmd.line);
  });
  return [...lines].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- what the image keeps

/**
 * The OS packages installed in the image's stages and not removed again later in them
 * (`apt-get purge gcc`, `apk del .build-deps`). A removal in the same RUN as the install counts
 * as after it: that is how the build-and-clean-up pattern is written.
 */
export function keptPackages(stages: readonly Stage[]): KeptPackage[] {
  const removals: { names: Set<string>; line: number }[] = [];
  const virtualNames = new Set<string>();
  const groups: { name: string; packages: string[]; line: number }[] = [];
  for (const stage of stages) {
    for (const cmd of stage.runs) {
      const group = virtualGroup(cmd.argv);
      if (group) {
        groups.push({ ...group, line: cmd.line });
        virtualNames.add(group.name.toLowerCase());
      }
    }
  }
  for (const stage of stages) {
    for (const cmd of stage.runs) {
      const removed = removedBy(cmd.argv);
      if (!removed) continue;
      const names = new Set(removed.map(packageBaseName));
      for (const g of groups) {
        if (names.has(g.name.toLowerCase()) && g.line <= cmd.line) for (const p of g.packages) names.add(packageBaseName(p));
      }
      removals.push({ names, line: cmd.line });
    }
  }
  const kept: KeptPackage[] = [];
  for (const stage of stages) {
    for (const install of stage.installs) {
      if (!OS_MANAGERS.has(install.manager)) continue;
      for (const spec of install.packages) {
        const name = packageBaseName(spec);
        if (!name || name.startsWith('-') || virtualNames.has(name)) continue;
        if (removals.some((r) => r.line >= install.line && r.names.has(name))) continue;
        kept.push({ name, ecosystem: ECOSYSTEM[install.manager] ?? null, install });
      }
    }
  }
  return kept;
}

// ---------------------------------------------------------------- Dockerfile

function groupedNames(kept: readonly KeptPackage[], groups: readonly PackageGroup[]): Map<PackageGroup, string[]> {
  const byGroup = new Map<PackageGroup, string[]>();
  for (const k of kept) {
    const g = unneededGroup(k.name, k.ecosystem, groups);
    if (!g) continue;
    const list = byGroup.get(g) ?? [];
    if (!list.includes(k.name)) list.push(k.name);
    byGroup.set(g, list);
  }
  return byGroup;
}

function describeGroups(byGroup: Map<PackageGroup, string[]>): string {
  return [...byGroup].map(([g, names]) => `${names.join(', ')} (${g.label})`).join('; ');
}

function checkDockerfile(df: Dockerfile): Finding[] {
  const stages = finalImageStages(df);
  const final = stages.at(-1);
  if (!final) return [];
  const findings: Finding[] = [];
  const installs = stages.flatMap((s) => s.installs).filter((i) => OS_MANAGERS.has(i.manager));
  for (const install of installs) {
    if (install.minimal) continue;
    const flag = MINIMAL_FLAG[install.manager] ?? '';
    findings.push(finding(df.source, 'fail', `line ${install.line}`,
      `${install.manager} installs ${install.packages.filter((p) => p.trim()).join(' ') || 'packages'} without \`${flag}\`: ` +
      (install.manager === 'apk' ? 'the package index is left in the image' : 'recommended (weak) dependencies nobody asked for come along'),
      { remediation: `Add \`${flag}\` to this ${install.manager} install.` }));
  }
  const kept = keptPackages(stages);
  for (const install of installs) {
    const byGroup = groupedNames(kept.filter((k) => k.install === install), UNNEEDED_GROUPS);
    if (byGroup.size === 0) continue;
    findings.push(finding(df.source, 'fail', `line ${install.line}`,
      `installs ${describeGroups(byGroup)} in the final image, where the application does not need ${[...byGroup.values()].flat().length === 1 ? 'it' : 'them'}`,
      { remediation: 'Install build tools in a separate build stage and `COPY --from` only the artifacts; remove debuggers, network tools and servers the application does not use (or purge them in the same RUN).' }));
  }
  for (const install of installs) {
    const variables = install.packages.filter((p) => p.includes('$'));
    if (variables.length > 0) {
      findings.push(finding(df.source, 'unknown', `line ${install.line}`,
        `installs packages named by ${variables.join(', ')}; which packages that is cannot be read from the Dockerfile`));
    }
  }
  for (const line of stages.flatMap(pipedInstallerLines)) {
    findings.push(finding(df.source, 'unknown', `line ${line}`,
      'pipes a download into a shell: whatever that script installs cannot be reviewed here'));
  }
  if (!findings.some((f) => f.status === 'fail')) {
    const names = [...new Set(kept.map((k) => k.name))];
    findings.push(finding(df.source, 'pass', `line ${final.line}`, names.length === 0
      ? 'the final image installs no OS packages'
      : `the final image installs ${names.join(', ')} with its package manager's minimal flag; none is a build tool, debugger, attacker network tool or remote-access server`));
  }
  return findings;
}

// ---------------------------------------------------------------- SBOM and package lists

/** Which distribution an inventory lists, from its format or the package managers in it. */
export function inventoryEcosystem(inv: PackageInventory): Ecosystem | null {
  if (inv.format === 'apk') return 'apk';
  if (inv.format === 'dpkg') return 'deb';
  if (inv.format === 'rpm') return 'rpm';
  const names = new Set(inv.packages.map((p) => p.name.toLowerCase()));
  if (names.has('apk-tools') || names.has('alpine-baselayout')) return 'apk';
  if (names.has('dpkg')) return 'deb';
  if (names.has('rpm')) return 'rpm';
  return null;
}

/** The inventory's packages that belong to one of the groups. */
export function listedPackages(inv: PackageInventory, groups: readonly PackageGroup[]): { name: string; path: string; group: PackageGroup }[] {
  const ecosystem = inventoryEcosystem(inv);
  return inv.packages.flatMap((p) => {
    const group = unneededGroup(p.name, ecosystem, groups);
    return group ? [{ name: p.name, path: p.path, group }] : [];
  });
}

function checkInventory(inv: PackageInventory): Finding[] {
  const hits = listedPackages(inv, UNNEEDED_GROUPS);
  if (hits.length === 0) {
    return [finding(inv.source, 'pass', '',
      `${inv.packages.length} packages listed; none is a build tool, debugger, attacker network tool or remote-access server`)];
  }
  return hits.map((h) => finding(inv.source, 'fail', h.path, `${h.name} (${h.group.label}) is installed in the image`,
    { remediation: `Remove ${h.name} from the image (build in a separate stage, or purge it in the RUN that installed it).` }));
}

export const control: Control = {
  id: '3.8',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'Only required packages installed', de: 'Nur erforderliche Softwarepakete installiert' },
  text: {
    en: 'Only the software packages that are needed are installed in images.',
    de: 'Stellen Sie sicher, dass nur die erforderlichen Softwarepakete in den Images installiert sind.',
  },
  remediation:
    'Install with the package manager\'s minimal flag (`apt-get install --no-install-recommends`, `apk add --no-cache`, ' +
    '`dnf install --setopt=install_weak_deps=0 --nodocs`), build in a separate stage and copy only the artifacts, and keep ' +
    'compilers, debuggers, network tools such as netcat/nmap/tcpdump and remote-access servers out of the final image.',
  rules: [
    '- **dockerfile**: only the stages whose layers end up in the image count: the final stage and the stages it is ' +
      'built `FROM` (stages only read by `COPY --from` may install anything). An OS package install without the ' +
      'manager\'s minimal flag fails: `apt-get`/`apt install` without `--no-install-recommends`, `apk add` without ' +
      '`--no-cache`, `dnf`/`microdnf`/`yum` without weak dependencies turned off, `zypper` without `--no-recommends`. ' +
      'Installing a build toolchain (`gcc`, `g++`, `make`, `build-essential`, `build-base`, C library headers …), a ' +
      'debugger (`gdb`, `strace` …), a network tool for attackers (`netcat`, `nmap`, `tcpdump`, `socat` …) or a ' +
      'remote-access server (`openssh-server`, `xrdp`, `telnetd`, VNC servers …) fails, naming the package. A package ' +
      'removed again later in those stages (`apt-get purge gcc`, `apk del .build-deps` of an `apk add --virtual ' +
      '.build-deps` group) is not installed. A download piped into a shell (`curl … | sh`) is noted as `unknown`: ' +
      'what it installs cannot be reviewed. A final image that installs nothing, or only minimal installs of none of ' +
      'those packages, passes. Language packages (pip, npm, gem) are the application\'s own dependencies and are not judged.',
    '- **sbom / packages**: any package of those lists fails; otherwise the inventory passes.',
    '- Why: every package the application does not use is attack surface and patch work; the listed kinds hand an ' +
      'attacker who gets a shell the next step (compile an exploit, read process memory, scan, open a way back in).',
  ].join('\n'),
  decidedBy: ['dockerfile', 'sbom', 'packages'],
  evaluate(evidence: Evidence): Finding[] {
    return [...evidence.dockerfiles.flatMap(checkDockerfile), ...evidence.packages.flatMap(checkInventory)];
  },
};
