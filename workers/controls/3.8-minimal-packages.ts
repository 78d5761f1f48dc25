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
import { EMPTY, type Text, defineTexts, joinTexts, lit, tx } from '../model/text.ts';
import { type ImageInstalls, type KeptPackage, OS_MANAGERS, apkWithoutIndex, commandWords, imageInstalls, runOf } from './shared/installs.ts';
import { type Ecosystem, type PackageGroup, UNNEEDED_GROUPS, unneededGroup } from './shared/packages.ts';

export type { KeptPackage };

const T = defineTexts('3.8', {
  group: { en: '{names} ({label})', de: '{names} ({label})' },
  packages: { en: 'packages', de: 'Pakete' },
  indexLeft: {
    en: 'the package index is left in the image (`--no-network`, which reads none, would do as well)',
    de: 'der Paketindex bleibt im Image (`--no-network`, das keinen liest, täte es auch)',
  },
  recommends: {
    en: 'recommended (weak) dependencies nobody asked for come along',
    de: 'empfohlene (schwache) Abhängigkeiten, nach denen niemand gefragt hat, kommen mit',
  },
  notMinimal: { en: '{manager} installs {names} without `{flag}`: {why}', de: '{manager} installiert {names} ohne `{flag}`: {why}' },
  fixMinimal: { en: 'Add `{flag}` to this {manager} install.', de: 'Ergänzen Sie `{flag}` bei dieser Installation mit {manager}.' },
  keptByBuild: {
    en: '; the RUN at line {runs} keeps the shared libraries its binaries link against (`find … ldd … | xargs apt-mark manual`), which the Dockerfile does not name',
    de: '; der RUN in Zeile {runs} behält die gemeinsamen Bibliotheken, gegen die seine Programme gelinkt sind (`find … ldd … | xargs apt-mark manual`), die das Dockerfile nicht nennt',
  },
  removedSameRunOne: {
    en: ' ({names} is installed and removed again in the same RUN, so not in the image{kept})',
    de: ' ({names} wird im selben RUN installiert und wieder entfernt, ist also nicht im Image{kept})',
  },
  removedSameRunMany: {
    en: ' ({names} are installed and removed again in the same RUN, so not in the image{kept})',
    de: ' ({names} werden im selben RUN installiert und wieder entfernt, sind also nicht im Image{kept})',
  },
  unneededOne: {
    en: 'installs {groups} in the final image, where the application does not need it',
    de: 'installiert {groups} im fertigen Image, wo die Anwendung es nicht braucht',
  },
  unneededMany: {
    en: 'installs {groups} in the final image, where the application does not need them',
    de: 'installiert {groups} im fertigen Image, wo die Anwendung sie nicht braucht',
  },
  fixUnneeded: {
    en: 'Install build tools in a separate build stage and `COPY --from` only the artifacts; remove debuggers, network tools and servers the application does not use, or purge them in the same RUN that installed them.',
    de: 'Installieren Sie Build-Werkzeuge in einer eigenen Build-Stage und übernehmen Sie mit `COPY --from` nur die Ergebnisse; entfernen Sie Debugger, Netzwerkwerkzeuge und Server, die die Anwendung nicht nutzt, oder entfernen Sie sie im selben RUN, der sie installiert hat.',
  },
  removedLaterOne: {
    en: 'installs {groups}; a later RUN (line {at}) removes it, but the files stay in the layer this RUN made, which the image still ships',
    de: 'installiert {groups}; ein späterer RUN (Zeile {at}) entfernt es, aber die Dateien bleiben in der Schicht dieses RUN, die das Image weiter ausliefert',
  },
  removedLaterMany: {
    en: 'installs {groups}; a later RUN (line {at}) removes them, but the files stay in the layer this RUN made, which the image still ships',
    de: 'installiert {groups}; ein späterer RUN (Zeile {at}) entfernt sie, aber die Dateien bleiben in der Schicht dieses RUN, die das Image weiter ausliefert',
  },
  fixRemovedLater: {
    en: 'Remove the packages in the same RUN that installs them (`… && make && apt-get purge -y --auto-remove gcc make`), or build in a separate stage.',
    de: 'Entfernen Sie die Pakete im selben RUN, der sie installiert (`… && make && apt-get purge -y --auto-remove gcc make`), oder bauen Sie in einer eigenen Stage.',
  },
  shellSyntax: { en: '{words}, shell syntax that is no package name', de: '{words}, Shell-Syntax, die kein Paketname ist' },
  variable: {
    en: '{words}, a variable the Dockerfile gives no value (a shell variable or a build argument without default)',
    de: '{words}, eine Variable, der das Dockerfile keinen Wert gibt (eine Shell-Variable oder ein Build-Argument ohne Vorgabe)',
  },
  unread: {
    en: 'installs packages named by {what}: which packages that is cannot be read here',
    de: 'installiert Pakete, benannt durch {what}: welche Pakete das sind, lässt sich hier nicht lesen',
  },
  piped: {
    en: 'pipes a download into a shell: whatever that script installs cannot be reviewed here',
    de: 'leitet einen Download in eine Shell: was dieses Skript installiert, lässt sich hier nicht prüfen',
  },
  installsNothing: { en: 'the final image installs no OS packages{note}', de: 'das fertige Image installiert keine Betriebssystempakete{note}' },
  installsMinimal: {
    en: 'the final image installs {names} with its package manager\'s minimal flag; none is a build tool, debugger, attacker network tool or remote-access server{note}',
    de: 'das fertige Image installiert {names} mit dem Minimal-Schalter seines Paketmanagers; keines davon ist ein Build-Werkzeug, Debugger, Netzwerkwerkzeug für Angreifer oder Fernzugriffsserver{note}',
  },
  unreadableLine: {
    en: '{text} could not be read as a package, so whether it names one is not known',
    de: '{text} ließ sich nicht als Paket lesen; ob es eines nennt, ist also nicht bekannt',
  },
  inventoryPass: {
    en: '{count} packages listed; none is a build tool, debugger, attacker network tool or remote-access server',
    de: '{count} Pakete aufgeführt; keines ist ein Build-Werkzeug, Debugger, Netzwerkwerkzeug für Angreifer oder Fernzugriffsserver',
  },
  inventoryFail: { en: '{name} ({label}) is installed in the image', de: '{name} ({label}) ist im Image installiert' },
  fixInventory: {
    en: 'Remove {name} from the image (build in a separate stage, or purge it in the RUN that installed it).',
    de: 'Entfernen Sie {name} aus dem Image (bauen Sie in einer eigenen Stage, oder entfernen Sie es im RUN, der es installiert hat).',
  },
  remediation: {
    en: 'Install with the package manager\'s minimal flag (`apt-get install --no-install-recommends`, `apk add --no-cache`, `dnf install --setopt=install_weak_deps=0 --nodocs`), build in a separate stage and copy only the artifacts, and keep compilers, debuggers, network tools such as netcat/nmap/tcpdump and remote-access servers out of the final image.',
    de: 'Installieren Sie mit dem Minimal-Schalter des Paketmanagers (`apt-get install --no-install-recommends`, `apk add --no-cache`, `dnf install --setopt=install_weak_deps=0 --nodocs`), bauen Sie in einer eigenen Stage und kopieren Sie nur die Ergebnisse, und halten Sie Compiler, Debugger, Netzwerkwerkzeuge wie netcat/nmap/tcpdump und Fernzugriffsserver aus dem fertigen Image heraus.',
  },
});


/** The flag each OS package manager needs so that it installs only what was asked for. */
const MINIMAL_FLAG: Partial<Record<PackageInstall['manager'], string>> = {
  apt: '--no-install-recommends',
  apk: '--no-cache',
  dnf: '--setopt=install_weak_deps=0 --nodocs',
  yum: '--setopt=install_weak_deps=0',
  microdnf: '--setopt=install_weak_deps=0 --nodocs',
  zypper: '--no-recommends',
};

/**
 * The OS packages the image's stages keep: installed and not removed in the same RUN, nor by a
 * later one (3.12 asks what a container can run, and a later removal takes it out of that).
 */
export function keptPackages(stages: readonly Stage[]): KeptPackage[] {
  return imageInstalls(stages).kept;
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
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
    if (!next || runOf(stage, next.line) !== runOf(stage, cmd.line)) return;
    const nextWords = commandWords(next.argv);
    const reader = basename(nextWords[0] ?? '');
    const scriptOperand = nextWords.slice(1).some((w) => !w.startsWith('-'));
    if (INTERPRETERS.has(reader) && (!scriptOperand || nextWords.includes('-s') || nextWords.includes('-'))) lines.add(cmd.line);
  });
  return [...lines].sort((a, b) => a - b);
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

function describeGroups(byGroup: Map<PackageGroup, string[]>): Text {
  return joinTexts([...byGroup].map(([g, names]) => tx(T.group, { names: names.join(', '), label: g.label })), '; ');
}

function count(byGroup: Map<PackageGroup, string[]>): number {
  return [...byGroup.values()].flat().length;
}

/** An install without its manager's minimal flag, unless nothing of it stays (the same RUN auto-removes it all). */
function checkMinimal(df: Dockerfile, stage: Stage, install: PackageInstall, found: ImageInstalls): Finding | null {
  if (install.minimal || found.fullyRemoved.has(install) || apkWithoutIndex(stage, install)) return null;
  const flag = MINIMAL_FLAG[install.manager] ?? '';
  const listed = install.packages.filter((p) => p.trim()).join(' ');
  const names = listed === '' ? T.packages : lit(listed);
  const why = install.manager === 'apk' ? T.indexLeft : T.recommends;
  return finding(df.source, 'fail', `line ${install.line}`, tx(T.notMinimal, { manager: install.manager, names, flag, why }),
    { remediation: tx(T.fixMinimal, { flag, manager: install.manager }) });
}

function sameRunNote(found: ImageInstalls): Text {
  const removed = [...new Set(found.removedSameRun.filter((k) => unneededGroup(k.name, k.ecosystem)).map((k) => k.name))];
  if (removed.length === 0) return EMPTY;
  const kept = found.keptByBuild.length > 0 ? tx(T.keptByBuild, { runs: found.keptByBuild.map((k) => k.run).join(', ') }) : EMPTY;
  return tx(removed.length === 1 ? T.removedSameRunOne : T.removedSameRunMany, { names: removed.join(', '), kept });
}

function checkDockerfile(df: Dockerfile): Finding[] {
  const stages = finalImageStages(df);
  const final = stages.at(-1);
  if (!final) return [];
  const found = imageInstalls(stages);
  const findings: Finding[] = [];
  for (const stage of stages) {
    for (const install of stage.installs) {
      if (!OS_MANAGERS.has(install.manager)) continue;
      const f = checkMinimal(df, stage, install, found);
      if (f) findings.push(f);
    }
  }
  const installs = stages.flatMap((s) => s.installs).filter((i) => OS_MANAGERS.has(i.manager));
  for (const install of installs) {
    const byGroup = groupedNames(found.kept.filter((k) => k.install === install), UNNEEDED_GROUPS);
    if (byGroup.size > 0) {
      findings.push(finding(df.source, 'fail', `line ${install.line}`,
        tx(count(byGroup) === 1 ? T.unneededOne : T.unneededMany, { groups: describeGroups(byGroup) }), { remediation: T.fixUnneeded }));
    }
    const later = found.removedLater.filter((k) => k.install === install);
    const laterGroups = groupedNames(later, UNNEEDED_GROUPS);
    if (laterGroups.size > 0) {
      const at = [...new Set(later.map((k) => k.removedAt))].join(', ');
      findings.push(finding(df.source, 'fail', `line ${install.line}`,
        tx(count(laterGroups) === 1 ? T.removedLaterOne : T.removedLaterMany, { groups: describeGroups(laterGroups), at }),
        { remediation: T.fixRemovedLater }));
    }
  }
  for (const u of found.unread) {
    const words = u.words.join(', ');
    const what = tx(u.why === 'shell' ? T.shellSyntax : T.variable, { words });
    findings.push(finding(df.source, 'unknown', `line ${u.install.line}`, tx(T.unread, { what })));
  }
  for (const line of stages.flatMap(pipedInstallerLines)) {
    findings.push(finding(df.source, 'unknown', `line ${line}`, T.piped));
  }
  if (!findings.some((f) => f.status === 'fail')) {
    const names = [...new Set(found.kept.map((k) => k.name))];
    const note = sameRunNote(found);
    findings.push(finding(df.source, 'pass', `line ${final.line}`, names.length === 0
      ? tx(T.installsNothing, { note })
      : tx(T.installsMinimal, { names: names.join(', '), note })));
  }
  return findings;
}

// ---------------------------------------------------------------- SBOM and package lists

/** Which distribution an inventory lists, from its format or the package managers in it. */
export function inventoryEcosystem(inv: PackageInventory): Ecosystem | null {
  if (inv.format === 'apk') return 'apk';
  if (inv.format === 'dpkg') return 'deb';
  if (inv.format === 'rpm') return 'rpm';
  const types = new Set(inv.packages.map((p) => p.type));
  for (const e of ['apk', 'deb', 'rpm'] as const) if (types.has(e)) return e;
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
    // The lists name OS packages; an npm or Python package called `make` is something else.
    if (p.type !== undefined && !['deb', 'apk', 'rpm'].includes(p.type)) return [];
    const group = unneededGroup(p.name, ecosystem, groups);
    return group ? [{ name: p.name, path: p.path, group }] : [];
  });
}

/** A line of a package list that could not be read: it may name a package, so it is said, not skipped. */
export function unreadableLines(inv: PackageInventory): Finding[] {
  return (inv.unreadable ?? []).map((u) => finding(inv.source, 'unknown', u.path, tx(T.unreadableLine, { text: JSON.stringify(u.text) })));
}

function checkInventory(inv: PackageInventory): Finding[] {
  const hits = listedPackages(inv, UNNEEDED_GROUPS);
  if (hits.length === 0) {
    return [finding(inv.source, 'pass', '', tx(T.inventoryPass, { count: inv.packages.length })), ...unreadableLines(inv)];
  }
  return [...hits.map((h) => finding(inv.source, 'fail', h.path, tx(T.inventoryFail, { name: h.name, label: h.group.label }),
    { remediation: tx(T.fixInventory, { name: h.name }) })),
  ...unreadableLines(inv)];
}

export const control: Control = {
  id: '3.8',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'Only required packages installed', de: 'Nur erforderliche Softwarepakete installiert' },
  text: {
    en: 'Only the software packages that are needed are installed in images.',
    de: 'Stellen Sie sicher, dass nur die erforderlichen Softwarepakete in den Images installiert sind.',
  },
  remediation: T.remediation,
  rules: [
    '- **dockerfile**: only the stages whose layers end up in the image count: the final stage and the stages it is ' +
      'built `FROM` (stages only read by `COPY --from` may install anything). An OS package install without the ' +
      'manager\'s minimal flag fails: `apt-get`/`apt install` without `--no-install-recommends`, `apk add` without ' +
      '`--no-cache` or `--no-network` (which reads no index, so leaves none behind), `dnf`/`microdnf`/`yum` without weak ' +
      'dependencies turned off, `zypper` without `--no-recommends`; not where the same RUN removes everything the install ' +
      'brought with an auto-removing removal. Installing a build toolchain (`gcc`, `g++`, `make`, `build-essential`, ' +
      '`build-base`, C library headers …), a debugger (`gdb`, `strace` …), a network tool for attackers (`netcat`, `nmap`, ' +
      '`tcpdump`, `socat` …) or a remote-access server (`openssh-server`, `xrdp`, `telnetd`, VNC servers …) fails, ' +
      'naming the package at the line of the install command itself (not of its RUN). A download piped into a shell ' +
      '(`curl … | sh`) is noted as `unknown`: what it installs cannot be reviewed. A final image that installs nothing, ' +
      'or only minimal installs of none of those packages, passes. Language packages (pip, npm, gem) are the ' +
      'application\'s own dependencies and are not judged.',
    '- **Removal counts per RUN** (decided 2026-12-06): the commands of one RUN make one layer, so a package installed and ' +
      'removed in the same RUN is not in the image. Removal is `apt-get purge`/`remove`, `apk del` (also of an `apk add ' +
      '--virtual` group), `dnf`/`yum`/`microdnf remove`, `zypper rm`, `dpkg -r`, `rpm -e`, and the official images\' idiom ' +
      '`apt-mark auto \'.*\'` … `apt-mark manual $savedAptMark` … `apt-get purge -y --auto-remove`, which removes ' +
      'everything that RUN installed except what is marked manual again by name (`$savedAptMark` holds what was manual ' +
      'before the RUN, so none of its installs). Packages a `find … ldd … | xargs apt-mark manual` keeps are the shared ' +
      'libraries the built binaries link against; the finding says so rather than guess their names. A package removed ' +
      'only by a later RUN fails: its files stay in the earlier layer, which the image still ships.',
    '- **Package names** are read as the command names them, with `ARG` and `ENV` values substituted where the ' +
      'Dockerfile gives them (`$BUILD_DEPS`, `${TOOLS:-gdb}`); a build argument without default or a variable of the ' +
      'RUN\'s shell is `unknown` (unless the same RUN removes the same variable), and shell syntax (`$(…)`, backticks, ' +
      '`[`, `!`, globs) is never a package name.',
    '- **sbom / packages**: any package of those lists fails; otherwise the inventory passes. Package lists come as ' +
      '`dpkg-query -W`, `dpkg -l`, `apt list --installed`, `apk info -v`, `apk list --installed`, `rpm -qa`, syft\'s table ' +
      '(`NAME VERSION TYPE`; only its OS package types are matched: an npm package called `make` is no build tool) or one ' +
      'name per line. A line that cannot be read is an `unknown` finding on that line, not the rejection of the list; a ' +
      'text most of whose lines cannot be read is no package list.',
    '- Why: every package the application does not use is attack surface and patch work; the listed kinds hand an ' +
      'attacker who gets a shell the next step (compile an exploit, read process memory, scan, open a way back in).',
  ].join('\n'),
  decidedBy: ['dockerfile', 'sbom', 'packages'],
  evaluate(evidence: Evidence): Finding[] {
    return [...evidence.dockerfiles.flatMap(checkDockerfile), ...evidence.packages.flatMap(checkInventory)];
  },
};
