/**
 * What a Dockerfile's RUN instructions leave installed in the image, read per RUN: the commands
 * of one RUN make one layer, so a package installed and removed in the same RUN is not in the
 * image, while one removed only by a later RUN stays in the earlier layer (CONTROLS.md 3.8,
 * decided 2026-12-06). Removal is `apt-get purge`/`remove`, `apk del` (also of an `apk add
 * --virtual` group), `dnf`/`yum`/`microdnf remove`, `zypper rm`, `dpkg -r`, `rpm -e`, and the
 * official images' idiom: `apt-mark auto '.*'` … `apt-mark manual $savedAptMark` …
 * `apt-get purge --auto-remove`, which removes everything the RUN installed except what is
 * marked manual again.
 *
 * Package names are read as the command names them, with `ARG`/`ENV` values substituted
 * where the Dockerfile gives them; shell syntax (`$(…)`, `[`, `!`, …) is never a package name.
 * Used by 3.8 (what the image holds) and 3.12 (what a container can run).
 */
import type { PackageInstall, ShellCommand, Stage } from '../../model/evidence.ts';
import { type Ecosystem, packageBaseName } from './packages.ts';

export const OS_MANAGERS: ReadonlySet<PackageInstall['manager']> = new Set(['apt', 'apk', 'dnf', 'yum', 'microdnf', 'zypper']);

const ECOSYSTEM: Partial<Record<PackageInstall['manager'], Ecosystem>> = {
  apt: 'deb', apk: 'apk', dnf: 'rpm', yum: 'rpm', microdnf: 'rpm', zypper: 'rpm',
};

export function ecosystemOf(manager: PackageInstall['manager']): Ecosystem | null {
  return ECOSYSTEM[manager] ?? null;
}

/** A package as installed in the image's stages, with the instruction that installed it. */
export interface KeptPackage {
  /** As installed (version pins, architecture and release suffixes dropped), lower case. */
  name: string;
  ecosystem: Ecosystem | null;
  install: PackageInstall;
}

/** A package a later RUN removes: gone from the container's file system, still in the earlier layer. */
export interface RemovedLater extends KeptPackage {
  removedAt: number;
}

/** Words of an install that do not name packages the Dockerfile shows. */
export interface UnreadWords {
  install: PackageInstall;
  words: string[];
  why: 'variable' | 'shell';
}

/** A RUN that marks packages manual without naming them (`… | xargs apt-mark manual`). */
export interface KeptByBuild {
  run: number;
  line: number;
  /** Packages this RUN installed and then removed, except those the marking may have kept. */
  removed: string[];
}

export interface ImageInstalls {
  kept: KeptPackage[];
  removedLater: RemovedLater[];
  /** Packages installed and removed within one RUN: not in the image. */
  removedSameRun: KeptPackage[];
  unread: UnreadWords[];
  keptByBuild: KeptByBuild[];
  /** Installs whose every package the same RUN removes together with what they pulled in (auto-remove). */
  fullyRemoved: Set<PackageInstall>;
}

// ---------------------------------------------------------------- words

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const WRAPPERS = new Set(['sudo', 'env', 'exec', 'command', 'nohup']);

/** The words of a command without `VAR=value` prefixes and `sudo`/`env`/`exec` wrappers. */
export function commandWords(argv: readonly string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    const w = argv[i] ?? '';
    if (ASSIGNMENT.test(w) || WRAPPERS.has(basename(w))) i++;
    else break;
  }
  return argv.slice(i);
}

/** Options that take the next word as their value, for the removal commands read here. */
const VALUE_OPTIONS = new Set(['-o', '-t', '-c', '--option', '--target-release', '--virtual', '-X', '--repository', '--root', '-p', '--setopt']);

function operands(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (VALUE_OPTIONS.has(w)) i++;
    else if (!w.startsWith('-')) out.push(w);
  }
  return out;
}

/** Shell syntax that never belongs to a package name: substitutions, tests, globs, grouping. */
const SHELL_SYNTAX = /[`$()[\]{}!|;&\\'"*?]/;
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._~:=<>@/-]*$/;

/** The values a RUN sees as environment: ENV of the stage chain, then ARGs of the stage, before `line`. */
export interface Scope {
  lookup(name: string, line: number): string | null | undefined;
}

/** ENV outranks ARG; ENV is inherited through `FROM <stage>`, ARG is not. */
export function scopeOf(chain: readonly Stage[], stage: Stage): Scope {
  const upTo = chain.slice(0, chain.indexOf(stage) + 1);
  return {
    lookup(name, line) {
      for (let i = upTo.length - 1; i >= 0; i--) {
        const s = upTo[i] as Stage;
        const env = s.env.filter((e) => e.name === name && (s !== stage || e.line < line)).at(-1);
        if (env) return env.value.includes('$') ? null : env.value;
      }
      const arg = stage.args.filter((a) => a.name === name && a.line < line).at(-1);
      return arg ? arg.value : undefined;
    },
  };
}

type Expansion = { ok: true; text: string } | { ok: false; why: 'variable' | 'shell' };

/** `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}` with the scope's values; anything else is shell. */
export function expand(word: string, scope: Scope, line: number): Expansion {
  if (!word.includes('$')) return SHELL_SYNTAX.test(word) ? { ok: false, why: 'shell' } : { ok: true, text: word };
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word.charAt(i);
    if (c !== '$') {
      out += c;
      continue;
    }
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}$]*))?\}/.exec(word.slice(i));
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(word.slice(i));
    const m = braced ?? bare;
    if (!m) return { ok: false, why: 'shell' };
    const value = scope.lookup(m[1] ?? '', line);
    const fallback = braced?.[2] ? braced[3] ?? '' : null;
    const empty = value === undefined || (braced?.[2] === ':-' && value === '');
    if (fallback !== null && empty) out += fallback;
    else if (value === undefined || value === null) return { ok: false, why: 'variable' };
    else out += value;
    i += m[0].length - 1;
  }
  return SHELL_SYNTAX.test(out.replace(/\s+/g, '')) ? { ok: false, why: 'shell' } : { ok: true, text: out };
}

/** Package names a word stands for (a variable may hold several), or why it names none readable. */
function packageNames(word: string, scope: Scope, line: number): { names: string[] } | { why: 'variable' | 'shell' } {
  const e = expand(word, scope, line);
  if (!e.ok) return { why: e.why };
  const tokens = e.text.split(/\s+/).filter((t) => t !== '');
  if (tokens.some((t) => !PACKAGE_NAME.test(t))) return { why: 'shell' };
  return { names: tokens.map(packageBaseName).filter((n) => n !== '' && !n.startsWith('-')) };
}

// ---------------------------------------------------------------- commands that remove or mark

type Action =
  | { kind: 'remove'; words: string[]; autoRemove: boolean; line: number }
  | { kind: 'autoremove'; line: number }
  | { kind: 'mark-auto'; all: boolean; words: string[]; line: number }
  | { kind: 'mark-manual'; words: string[]; unnamed: boolean; line: number };

function actionOf(cmd: ShellCommand): Action | null {
  let words = commandWords(cmd.argv);
  let viaXargs = false;
  if (basename(words[0] ?? '') === 'xargs') {
    // `… | xargs -r apt-mark manual`: the names come from the pipeline, not from the Dockerfile.
    const at = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
    if (at === -1) return null;
    words = words.slice(at);
    viaXargs = true;
  }
  const [tool = '', ...rest] = words;
  const name = basename(tool);
  const ops = operands(rest);
  const verb = ops[0] ?? '';
  const names = ops.slice(1);
  const line = cmd.line;
  if (['apt-get', 'apt', 'aptitude'].includes(name)) {
    const auto = rest.includes('--auto-remove') || rest.includes('--autoremove');
    if (verb === 'remove' || verb === 'purge') return { kind: 'remove', words: names, autoRemove: auto, line };
    if (verb === 'autoremove' || verb === 'autopurge') return { kind: 'autoremove', line };
    return null;
  }
  if (name === 'apt-mark') {
    if (verb === 'auto') return { kind: 'mark-auto', all: names.some((n) => n === '.*' || n === '*' || n === '^.*$'), words: names, line };
    if (verb === 'manual') {
      return { kind: 'mark-manual', words: names, unnamed: viaXargs || names.some((n) => n.includes('$(') || n.includes('`')), line };
    }
    return null;
  }
  if (viaXargs) return null;
  // apk and dnf/yum remove what the removed packages pulled in as well; zypper only with --clean-deps.
  if (name === 'apk' && verb === 'del') return { kind: 'remove', words: names, autoRemove: true, line };
  if (['dnf', 'dnf5', 'yum', 'microdnf', 'tdnf'].includes(name) && ['remove', 'erase', 'autoremove'].includes(verb)) {
    return verb === 'autoremove' && names.length === 0 ? { kind: 'autoremove', line } : { kind: 'remove', words: names, autoRemove: true, line };
  }
  if (name === 'zypper' && ['remove', 'rm'].includes(verb)) return { kind: 'remove', words: names, autoRemove: rest.includes('--clean-deps') || rest.includes('-u'), line };
  if (name === 'dpkg' && rest.some((w) => ['-r', '-P', '--remove', '--purge'].includes(w))) return { kind: 'remove', words: ops, autoRemove: false, line };
  if (name === 'rpm' && rest.some((w) => ['-e', '--erase'].includes(w))) return { kind: 'remove', words: ops, autoRemove: false, line };
  return null;
}

/**
 * `apk add --virtual .build-deps gcc musl-dev` installs a named group that `apk del .build-deps`
 * removes again: the classic way to build and clean up in one layer.
 */
function virtualGroupName(argv: readonly string[]): string | null {
  const words = commandWords(argv);
  if (basename(words[0] ?? '') !== 'apk' || !words.includes('add')) return null;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    const inline = /^(?:--virtual=|-t)(.+)$/.exec(w);
    const name = inline?.[1] ?? ((w === '--virtual' || w === '-t') ? words[i + 1] : undefined);
    if (name) return name.toLowerCase();
  }
  return null;
}

/** The line of the RUN instruction a command (or install) at `line` belongs to: the last RUN starting at or before it. */
export function runOf(stage: Stage, line: number): number {
  const starts = stage.runLines;
  let lo = 0;
  let hi = starts.length - 1;
  let run = line;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = starts[mid] ?? 0;
    if (start <= line) {
      run = start;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return run;
}

/** The RUN command an install was read from: same line, the manager's install verb. */
function commandOf(stage: Stage, install: PackageInstall, used: Set<ShellCommand>): ShellCommand | undefined {
  const found = stage.runs.find((c) => !used.has(c) && c.line === install.line &&
    /^(?:apt-get|apt|aptitude|apk|dnf5?|tdnf|yum|microdnf|zypper)$/.test(basename(commandWords(c.argv)[0] ?? '')));
  if (found) used.add(found);
  return found;
}

/** `apk add --no-network` reads no index (it installs from a cache or local files), so it leaves none behind. */
export function apkWithoutIndex(stage: Stage, install: PackageInstall): boolean {
  if (install.manager !== 'apk') return false;
  const cmd = commandOf(stage, install, new Set());
  return cmd !== undefined && cmd.argv.includes('--no-network');
}

// ---------------------------------------------------------------- per RUN

interface Installed {
  pkg: KeptPackage;
  /** The word as written, for removals that name the same variable (`$buildDeps`). */
  word: string;
  group: string | null;
  auto: boolean;
  manual: boolean;
}

interface RunState {
  installed: Installed[];
  removed: { item: Installed; auto: boolean }[];
  marksAll: boolean;
  keptByBuild: number | null;
}

function applyAction(state: RunState, action: Action, scope: Scope): void {
  const drop = (item: Installed, auto: boolean): void => {
    state.installed = state.installed.filter((i) => i !== item);
    state.removed.push({ item, auto });
  };
  switch (action.kind) {
    case 'remove': {
      for (const word of action.words) {
        const resolved = packageNames(word, scope, action.line);
        const names = 'names' in resolved ? new Set(resolved.names) : new Set<string>();
        for (const item of [...state.installed]) {
          const group = item.group !== null && (names.has(item.group) || word.toLowerCase() === item.group);
          if (item.word === word || names.has(item.pkg.name) || group) drop(item, action.autoRemove);
        }
      }
      if (action.autoRemove) for (const item of [...state.installed]) if (item.auto && !item.manual) drop(item, true);
      return;
    }
    case 'autoremove':
      for (const item of [...state.installed]) if (item.auto && !item.manual) drop(item, true);
      return;
    case 'mark-auto': {
      if (action.all) state.marksAll = true;
      const names = new Set(action.words.flatMap((w) => {
        const r = packageNames(w, scope, action.line);
        return 'names' in r ? r.names : [];
      }));
      for (const item of state.installed) {
        if (action.all || names.has(item.pkg.name)) {
          item.auto = true;
          item.manual = false;
        }
      }
      return;
    }
    case 'mark-manual': {
      if (action.unnamed) state.keptByBuild = action.line;
      for (const word of action.words) {
        const r = packageNames(word, scope, action.line);
        // `$savedAptMark` holds what `apt-mark showmanual` listed before this RUN's installs: none of them.
        if (!('names' in r)) continue;
        for (const item of state.installed) if (r.names.includes(item.pkg.name)) item.manual = true;
      }
      return;
    }
  }
}

/**
 * The OS packages the image's stages install, per RUN: what each RUN keeps, what it installs and
 * removes again, what a later RUN removes (still in the earlier layer), and the words that name
 * no package the Dockerfile shows.
 */
export function imageInstalls(stages: readonly Stage[]): ImageInstalls {
  const out: ImageInstalls = { kept: [], removedLater: [], removedSameRun: [], unread: [], keptByBuild: [], fullyRemoved: new Set() };
  const groups = new Map<KeptPackage, string | null>();
  const installRun: [PackageInstall, number, number][] = [];
  for (const stage of stages) {
    const scope = scopeOf(stages, stage);
    const used = new Set<ShellCommand>();
    const runOfCommand = new Map(stage.runs.map((c) => [c, runOf(stage, c.line)]));
    const runOfInstall = new Map(stage.installs.map((i) => [i, runOf(stage, i.line)]));
    for (const [i, r] of runOfInstall) installRun.push([i, r, stages.indexOf(stage)]);
    for (const run of new Set(runOfCommand.values())) {
      const state: RunState = { installed: [], removed: [], marksAll: false, keptByBuild: null };
      type Event = { line: number; order: number; apply: () => void };
      const events: Event[] = [];
      stage.installs.filter((i) => runOfInstall.get(i) === run && OS_MANAGERS.has(i.manager)).forEach((install) => {
        const cmd = commandOf(stage, install, used);
        const group = cmd ? virtualGroupName(cmd.argv) : null;
        events.push({ line: install.line, order: 0, apply: () => {
          const unread: string[] = [];
          let why: UnreadWords['why'] = 'variable';
          for (const word of install.packages) {
            const r = packageNames(word, scope, install.line);
            if ('why' in r) {
              unread.push(word);
              if (r.why === 'shell') why = 'shell';
              state.installed.push({ pkg: { name: word, ecosystem: null, install }, word, group, auto: false, manual: false });
              continue;
            }
            for (const name of r.names) {
              if (group !== null && name === group) continue;
              state.installed.push({ pkg: { name, ecosystem: ecosystemOf(install.manager), install }, word, group, auto: false, manual: false });
            }
          }
          if (unread.length > 0) out.unread.push({ install, words: unread, why });
        } });
      });
      stage.runs.filter((c) => runOfCommand.get(c) === run).forEach((cmd, i) => {
        const action = actionOf(cmd);
        if (action) events.push({ line: cmd.line, order: 1 + i, apply: () => applyAction(state, action, scope) });
      });
      // Commands of one line run in order; an install is read before what follows it on its line.
      events.sort((a, b) => a.line - b.line || a.order - b.order);
      for (const e of events) e.apply();
      // Words that name no readable package: still unread unless the same RUN removes them by the same word.
      out.unread = out.unread.filter((u) => runOfInstall.get(u.install) !== run ||
        u.words.some((w) => state.installed.some((i) => i.word === w && i.pkg.install === u.install)));
      for (const item of state.installed) {
        if (!PACKAGE_NAME.test(item.pkg.name)) continue;
        out.kept.push(item.pkg);
        groups.set(item.pkg, item.group);
      }
      for (const r of state.removed) if (PACKAGE_NAME.test(r.item.pkg.name)) out.removedSameRun.push(r.item.pkg);
      const byInstall = new Map<PackageInstall, { left: number; auto: boolean }>();
      for (const item of state.installed) byInstall.set(item.pkg.install, { left: (byInstall.get(item.pkg.install)?.left ?? 0) + 1, auto: false });
      for (const r of state.removed) {
        const entry = byInstall.get(r.item.pkg.install) ?? { left: 0, auto: true };
        entry.auto &&= r.auto;
        byInstall.set(r.item.pkg.install, entry);
      }
      for (const [install, e] of byInstall) if (e.left === 0 && e.auto) out.fullyRemoved.add(install);
      if (state.keptByBuild !== null && state.removed.length > 0) {
        out.keptByBuild.push({ run, line: state.keptByBuild, removed: [...new Set(state.removed.map((r) => r.item.pkg.name))] });
      }
    }
  }
  // A later RUN's removal takes the package out of the container, not out of the earlier layer.
  const installRuns = new Map(installRun.map(([i, r]) => [i, r]));
  const installStage = new Map(installRun.map(([i, , st]) => [i, st]));
  for (const [si, stage] of stages.entries()) {
    const scope = scopeOf(stages, stage);
    for (const cmd of stage.runs) {
      const action = actionOf(cmd);
      if (action?.kind !== 'remove') continue;
      const words = new Set(action.words.map((w) => w.toLowerCase()));
      const names = new Set(action.words.flatMap((w) => {
        const r = packageNames(w, scope, cmd.line);
        return 'names' in r ? r.names : [];
      }));
      out.kept = out.kept.filter((k) => {
        const from = installStage.get(k.install) ?? -1;
        const installedAt = installRuns.get(k.install) ?? k.install.line;
        const earlier = from < si || (from === si && installedAt < runOf(stage, cmd.line));
        const group = groups.get(k) ?? null;
        if (!earlier || !(names.has(k.name) || (group !== null && words.has(group)))) return true;
        out.removedLater.push({ ...k, removedAt: cmd.line });
        return false;
      });
    }
  }
  return out;
}
