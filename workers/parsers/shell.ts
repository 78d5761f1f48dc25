/**
 * A POSIX shell reader just deep enough for Dockerfile RUN lines: it splits a script into simple
 * commands (on `&&`, `||`, `;`, `|`, `&`, newlines and subshell parentheses), removes quotes,
 * drops redirections, reads here-documents, and looks through the wrappers people put in front
 * of a command (`VAR=x`, `sudo`, `env`, `sh -c '…'`). It never executes or expands anything:
 * `$(…)`, `${…}` and backticks stay literal text inside their word. Words are read by the
 * shared splitter (`shell-words.ts`), the one the redactor and Compose use too.
 *
 * Every scan is a single forward pass with explicit stacks (no recursion on input structure,
 * no backtracking regex), so hostile scripts cost time linear in their length.
 *
 * The second half reads what a simple command does that the evidence model records: package
 * installs (apt, apk, dnf/yum/microdnf, zypper, pip, npm, gem, piped installers) and user creation.
 */
import type { PackageInstall, PackageManager, UserCreation } from '../model/evidence.ts';
import { NON_POSIX_SHELL, readShellWord, SHELL } from './shell-words.ts';

/** A here-document body as written, and where it starts in the script. */
export interface ShellHeredoc {
  body: string;
  offset: number;
}

/** One simple command as the shell reads it, before wrappers are looked through. */
export interface RawCommand {
  argv: string[];
  /** Offset in the script of the command's first word. */
  offset: number;
  /** Its stdin is the previous command's stdout (`curl … | sh`). */
  piped: boolean;
  /** Here-documents it reads (`cat <<EOF`), bodies verbatim. */
  heredocs: ShellHeredoc[];
}

/** A simple command with wrappers removed; `offset` points into the script that was split. */
export interface SimpleCommand {
  argv: string[];
  offset: number;
  /** The command whose stdout feeds this one's stdin, already normalised; null when not piped. */
  pipedFrom: string[] | null;
}

/** `sh -c 'sh -c "…"'` is followed this deep; deeper scripts stay one command. */
const MAX_NESTING = 2;

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);

/** The program name of a path (`/usr/sbin/useradd` → `useradd`). */
export function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/**
 * Splits a script into simple commands as the shell would, without expanding anything.
 * Never throws; unterminated quotes and substitutions run to the end of the script.
 * `posix: false` is for cmd and PowerShell, where a backslash is a path separator and a
 * backtick no command substitution: both are then ordinary characters. Words are read by the
 * shared splitter (`shell-words.ts`); this loop adds what lies between them: operators,
 * redirections, comments and here-document bodies.
 */
export function tokenizeShell(script: string, posix = true): RawCommand[] {
  const rules = posix ? SHELL : NON_POSIX_SHELL;
  const out: RawCommand[] = [];
  let argv: string[] = [];
  let first = -1;
  let heredocs: ShellHeredoc[] = [];
  let piped = false;
  let redirect: 'none' | 'target' | 'heredoc' | 'heredoc-tabs' = 'none';
  const pending: { delimiter: string; stripTabs: boolean; into: ShellHeredoc[] }[] = [];

  const addWord = (word: string, start: number): void => {
    if (redirect === 'heredoc' || redirect === 'heredoc-tabs') {
      pending.push({ delimiter: word, stripTabs: redirect === 'heredoc-tabs', into: heredocs });
    } else if (redirect === 'none') {
      if (argv.length === 0) first = start;
      argv.push(word);
    }
    // A redirection target (`> /dev/null`) is no argument of the command.
    redirect = 'none';
  };
  const endCommand = (nextPiped: boolean): void => {
    redirect = 'none';
    if (argv.length > 0 || heredocs.length > 0) out.push({ argv, offset: Math.max(first, 0), piped, heredocs });
    argv = [];
    heredocs = [];
    first = -1;
    piped = nextPiped;
  };
  /** Reads the bodies of here-documents announced on the line that ends at `newline`. */
  const readHeredocs = (newline: number): number => {
    let pos = newline + 1;
    for (const p of pending) {
      const start = pos;
      let body: string | null = null;
      while (pos <= script.length) {
        const eol = script.indexOf('\n', pos);
        const end = eol === -1 ? script.length : eol;
        let line = script.slice(pos, end);
        if (p.stripTabs) {
          let t = 0;
          while (line.charAt(t) === '\t') t++;
          line = line.slice(t);
        }
        const next = end + 1;
        if (line === p.delimiter) {
          body = script.slice(start, pos);
          pos = next;
          break;
        }
        pos = next;
      }
      p.into.push({ body: body ?? script.slice(start), offset: start });
    }
    pending.length = 0;
    return Math.min(pos, script.length) - 1;
  };

  for (let i = 0; i < script.length; i++) {
    const c = script.charAt(i);
    const next = script.charAt(i + 1);
    switch (c) {
      case ' ':
      case '\t':
        break;
      case '\n':
        if (pending.length > 0) i = readHeredocs(i);
        endCommand(false);
        break;
      case ';':
        if (next === ';') i++;
        endCommand(false);
        break;
      case '&':
        if (next === '&') {
          i++;
          endCommand(false);
        } else if (next === '>') {
          i += script.charAt(i + 2) === '>' ? 2 : 1;
          redirect = 'target';
        } else {
          endCommand(false);
        }
        break;
      case '|':
        if (next === '|') {
          i++;
          endCommand(false);
        } else {
          if (next === '&') i++;
          endCommand(true);
        }
        break;
      case '(':
      case ')':
        endCommand(false);
        break;
      case '<':
      case '>':
        if (next === '(') {
          i = word(i) - 1;
          break;
        }
        if (argv.length === 0 && first === -1) first = i;
        if (c === '<' && next === '<' && script.charAt(i + 2) === '<') {
          i += 2;
          redirect = 'target';
        } else if (c === '<' && next === '<') {
          const tabs = script.charAt(i + 2) === '-';
          i += tabs ? 2 : 1;
          redirect = tabs ? 'heredoc-tabs' : 'heredoc';
        } else {
          if (next === '>' || next === '&' || next === '|' || (c === '<' && next === '>')) i++;
          redirect = 'target';
        }
        break;
      case '#': {
        const eol = script.indexOf('\n', i);
        i = (eol === -1 ? script.length : eol) - 1;
        break;
      }
      case '\\':
        if (posix && next === '\n') {
          i++;
          break;
        }
        i = word(i) - 1;
        break;
      default:
        i = word(i) - 1;
    }
  }
  endCommand(false);
  return out;

  /** Reads the word at `at` and returns the index after it. */
  function word(at: number): number {
    const w = readShellWord(script, at, rules);
    const after = script.charAt(w.end);
    // `2>&1`: digits right before a redirection name a file descriptor, not an argument.
    if ((after === '<' || after === '>') && w.quotes.length === 0 && /^\d+$/.test(w.value) && w.end - w.start === w.value.length) {
      return w.end;
    }
    addWord(w.value, at);
    return w.end;
  }
}

// ---------------------------------------------------------------- looking through wrappers

const LEADING_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'fi', 'done', 'esac', '}']);
/** Compound-command headers: their words are a loop list or a pattern, not a command. */
const HEADERS = new Set(['for', 'case', 'select', 'function']);

function isAssignment(word: string): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = word.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** Index after the options of a wrapper; `valued` options consume the next word. */
function skipOptions(argv: readonly string[], from: number, valued: ReadonlySet<string>): number {
  let i = from;
  while (i < argv.length) {
    const w = argv[i] ?? '';
    if (w === '--') return i + 1;
    if (!w.startsWith('-') || w === '-') return i;
    i += valued.has(w) ? 2 : 1;
  }
  return i;
}

const SUDO_VALUED = new Set(['-u', '-g', '-C', '-D', '-p', '-r', '-t', '-U', '-T', '-h', '--user', '--group', '--close-from', '--chdir', '--prompt', '--role', '--type', '--other-user', '--command-timeout', '--host']);
const ENV_VALUED = new Set(['-u', '--unset', '-C', '--chdir', '-S', '--split-string']);
const EXEC_VALUED = new Set(['-a']);
const NICE_VALUED = new Set(['-n', '--adjustment']);
const NO_VALUES = new Set<string>();

/**
 * The command behind assignments, keywords and wrappers: `DEBIAN_FRONTEND=noninteractive sudo -E
 * apt-get install x` becomes `apt-get install x`. `command -v x` is a lookup, not a run, and stays.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  let i = 0;
  // Each pass consumes at least one word, so this ends.
  while (i < argv.length) {
    const w = argv[i] ?? '';
    if (isAssignment(w) || LEADING_KEYWORDS.has(w)) {
      i++;
      continue;
    }
    if (HEADERS.has(w)) return [];
    const tool = basename(w);
    if (tool === 'sudo') i = skipOptions(argv, i + 1, SUDO_VALUED);
    else if (tool === 'env') i = skipOptions(argv, i + 1, ENV_VALUED);
    else if (tool === 'exec') i = skipOptions(argv, i + 1, EXEC_VALUED);
    else if (tool === 'nice') i = skipOptions(argv, i + 1, NICE_VALUED);
    else if (tool === 'nohup' || tool === 'time' || tool === 'busybox') i = skipOptions(argv, i + 1, NO_VALUES);
    else if (tool === 'command' && argv[i + 1] !== '-v' && argv[i + 1] !== '-V') i = skipOptions(argv, i + 1, NO_VALUES);
    else break;
  }
  return argv.slice(i);
}

/** How a shell (`sh`, `bash`, …) is invoked: the `-c` script, a script file, or stdin. */
export interface ShellInvocation {
  /** The `-c` script. */
  script: string | null;
  /** A script file operand (`bash install.sh`). */
  file: string | null;
  /** Reads its commands from stdin (no operand, `-s`, or `-`). */
  stdin: boolean;
}

/** Null when argv is not a shell invocation. */
export function shellInvocation(argv: readonly string[]): ShellInvocation | null {
  if (!SHELLS.has(basename(argv[0] ?? ''))) return null;
  let command = false;
  let stdin = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const w = argv[i] ?? '';
    if (w === '--') {
      i++;
      break;
    }
    if (w === '-') {
      stdin = true;
      i++;
      break;
    }
    if (w.startsWith('--')) {
      if (w === '--rcfile' || w === '--init-file') i++;
      continue;
    }
    if ((w.startsWith('-') || w.startsWith('+')) && w.length > 1) {
      const letters = w.slice(1);
      if (letters.includes('c')) command = true;
      if (letters.includes('s')) stdin = true;
      // `-o pipefail`, `-O extglob`: the option name is the next word.
      if (letters.includes('o') || letters.includes('O')) i++;
      continue;
    }
    break;
  }
  const operand = argv[i] ?? null;
  if (command) return { script: operand, file: null, stdin: false };
  if (stdin || operand === null) return { script: null, file: null, stdin: true };
  return { script: null, file: operand, stdin: false };
}

/** A script that is itself computed (`sh -c "$(curl …)"`): nothing to split, keep the shell. */
function isComputed(script: string): boolean {
  const t = script.trim();
  return t.startsWith('$(') || t.startsWith('`');
}

/**
 * Normalises raw commands, replacing `sh -c '…'` by the commands of its script (at the outer
 * command's offset) and `bash <<EOF` by the commands of the here-document (at their own offsets).
 */
export function expandCommands(raw: readonly RawCommand[], depth = 0): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let previous: string[] | null = null;
  for (const r of raw) {
    const argv = normaliseArgv(r.argv);
    const pipedFrom = r.piped ? previous : null;
    previous = argv;
    if (argv.length === 0) continue;
    const shell = depth < MAX_NESTING ? shellInvocation(argv) : null;
    if (shell?.script != null && !isComputed(shell.script)) {
      const inner = expandCommands(tokenizeShell(shell.script), depth + 1);
      if (inner.length > 0) {
        inner.forEach((c, k) => out.push({ argv: c.argv, offset: r.offset, pipedFrom: k === 0 ? pipedFrom : c.pipedFrom }));
        continue;
      }
    }
    const stdinDoc = shell?.stdin && !r.piped ? r.heredocs[r.heredocs.length - 1] : undefined;
    if (stdinDoc) {
      const inner = expandCommands(tokenizeShell(stdinDoc.body), depth + 1);
      for (const c of inner) out.push({ argv: c.argv, offset: c.offset + stdinDoc.offset, pipedFrom: c.pipedFrom });
      continue;
    }
    out.push({ argv, offset: r.offset, pipedFrom });
  }
  return out;
}

/** Splits a shell script into normalised simple commands. */
export function splitShell(script: string, posix = true): SimpleCommand[] {
  return expandCommands(tokenizeShell(script, posix));
}

/** The exec form (`RUN ["sh", "-c", "…"]`): one command, looked through like the others. */
export function splitArgv(argv: readonly string[]): SimpleCommand[] {
  return expandCommands([{ argv: [...argv], offset: 0, piped: false, heredocs: [] }]);
}

// ================================================================ what commands do

/** Package manager settings an earlier command wrote into the image's configuration files. */
export interface ManagerConfig {
  /** `APT::Install-Recommends "false";` in apt.conf.d. */
  aptNoRecommends: boolean;
  /** `install_weak_deps=False` in dnf.conf / yum.conf. */
  noWeakDeps: boolean;
  /** `solver.onlyRequires = true` in zypp.conf. */
  zypperOnlyRequires: boolean;
}

/** Records configuration an `echo`/`printf` writes (`echo 'APT::Install-Recommends "0";' > …`). */
export function readManagerConfig(argv: readonly string[], config: ManagerConfig): void {
  const tool = basename(argv[0] ?? '');
  if (tool !== 'echo' && tool !== 'printf') return;
  const text = argv.slice(1).join(' ');
  if (/APT::Install-Recommends\s*"?(?:false|0|no|off)\b/i.test(text)) config.aptNoRecommends = true;
  if (/install_weak_deps\s*=\s*(?:0|false|no)\b/i.test(text)) config.noWeakDeps = true;
  if (/solver\.onlyRequires\s*=\s*true\b/i.test(text)) config.zypperOnlyRequires = true;
}

// ---------------------------------------------------------------- command lines

interface Options {
  operands: string[];
  options: { name: string; value: string | null }[];
}

/** getopt-style reading: `--name=value`, `--name value` and `-x value` for `valued` options, `-abc` clusters. */
function readOptions(args: readonly string[], valued: ReadonlySet<string>): Options {
  const out: Options = { operands: [], options: [] };
  let rest = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] ?? '';
    if (rest || w === '-' || !w.startsWith('-')) {
      out.operands.push(w);
    } else if (w === '--') {
      rest = true;
    } else if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      if (eq > 0) out.options.push({ name: w.slice(0, eq), value: w.slice(eq + 1) });
      else out.options.push({ name: w, value: valued.has(w) ? (args[++i] ?? null) : null });
    } else {
      for (let j = 1; j < w.length; j++) {
        const name = `-${w.charAt(j)}`;
        if (valued.has(name)) {
          out.options.push({ name, value: j + 1 < w.length ? w.slice(j + 1) : (args[++i] ?? null) });
          break;
        }
        out.options.push({ name, value: null });
      }
    }
  }
  return out;
}

function has(opts: Options, ...names: string[]): boolean {
  return opts.options.some((o) => names.includes(o.name));
}

function values(opts: Options, ...names: string[]): string[] {
  return opts.options.filter((o) => names.includes(o.name)).map((o) => o.value ?? '');
}

/** `pkg=1.2`, `pkg>=1`, `pkg@1` → `pkg` (`pins` finds where a pin starts); paths and URLs stay as written. */
function stripPin(spec: string, pins: RegExp): string {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.includes('://')) return spec;
  // A pin starts after the first character (`@scope/pkg@1` keeps its scope).
  pins.lastIndex = 1;
  const m = pins.exec(spec);
  return m ? spec.slice(0, m.index) : spec;
}

const FALSE = /^(?:false|0|no|off)$/i;

// ---------------------------------------------------------------- package installs

interface ManagerRule {
  manager: PackageManager;
  /** Options that take the next word as their value. */
  valued: ReadonlySet<string>;
  verbs: ReadonlySet<string>;
  /** Where a version pin starts after the name (global, so it can search from an index). */
  pins: RegExp;
  minimal: (opts: Options, config: ManagerConfig) => boolean;
}

const APT: ManagerRule = {
  manager: 'apt',
  valued: new Set(['-o', '-c', '-t', '-a', '--option', '--config-file', '--target-release', '--default-release', '--host-architecture']),
  verbs: new Set(['install']),
  pins: /[=/:]/g,
  minimal: (o, config) =>
    config.aptNoRecommends ||
    has(o, '--no-install-recommends', '--without-recommends', '-R') ||
    values(o, '--install-recommends').some((v) => FALSE.test(v)) ||
    values(o, '-o', '--option').some((v) => /^APT::Install-Recommends=(?:false|0|no|off)$/i.test(v.trim())),
};

const APK: ManagerRule = {
  manager: 'apk',
  valued: new Set(['-X', '--repository', '-t', '--virtual', '-p', '--root', '--arch', '--keys-dir', '--cache-dir', '--repositories-file', '--cache-max-age', '--timeout']),
  verbs: new Set(['add']),
  pins: /[=<>~@]/g,
  minimal: (o) => has(o, '--no-cache'),
};

const RPM_VALUED = new Set([
  '--setopt', '-x', '--exclude', '--enablerepo', '--disablerepo', '--repo', '--repoid', '--releasever', '--installroot', '-c',
  '--config', '--repofrompath', '--forcearch', '-d', '--debuglevel', '-e', '--errorlevel', '--rpmverbosity', '--color',
  '--destdir', '--downloaddir', '--comment', '--advisory', '--cve', '--bz', '--sec-severity',
]);

function weakDepsOff(o: Options, config: ManagerConfig): boolean {
  return config.noWeakDeps || values(o, '--setopt').some((v) => /^(?:\S*\.)?install_weak_deps=(?:0|false|no)$/i.test(v.trim()));
}

function rpmRule(manager: PackageManager, nodocsCounts: boolean): ManagerRule {
  return {
    manager,
    valued: RPM_VALUED,
    verbs: new Set(['install', 'in', 'localinstall']),
    pins: /[=<>]/g,
    // `--nodocs` trims the install too; for dnf/microdnf either minimising option is accepted.
    minimal: (o, config) => weakDepsOff(o, config) || (nodocsCounts && has(o, '--nodocs')),
  };
}

const ZYPPER: ManagerRule = {
  manager: 'zypper',
  valued: new Set(['--root', '-R', '-D', '--reposd-dir', '-C', '--cache-dir', '-c', '--config', '-t', '--type', '-r', '--repo', '--from', '-p', '--plus-repo']),
  verbs: new Set(['install', 'in']),
  pins: /[=<>]/g,
  minimal: (o, config) => config.zypperOnlyRequires || has(o, '--no-recommends'),
};

/** Language package managers have no recommends concept: nothing to minimise. */
const LANGUAGE = (): boolean => true;

const PIP: ManagerRule = {
  manager: 'pip',
  valued: new Set([
    '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f',
    '--find-links', '--trusted-host', '-t', '--target', '--prefix', '--root', '--upgrade-strategy', '--platform',
    '--python-version', '--implementation', '--abi', '--only-binary', '--no-binary', '--progress-bar', '--cache-dir',
    '--src', '--log', '--timeout', '--retries', '--proxy', '-C', '--config-settings', '--global-option',
    '--install-option', '--report', '--root-user-action', '--exists-action', '--cert', '--client-cert', '--python',
  ]),
  verbs: new Set(['install']),
  pins: /[=<>!~[;@ ]/g,
  minimal: LANGUAGE,
};

const NPM: ManagerRule = {
  manager: 'npm',
  valued: new Set(['--prefix', '--registry', '--cache', '--omit', '--include', '--loglevel', '--userconfig', '--tag', '-w', '--workspace', '--install-strategy', '--before', '--location']),
  verbs: new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add', 'ci', 'clean-install', 'ic', 'install-clean']),
  pins: /@/g,
  minimal: LANGUAGE,
};

const GEM: ManagerRule = {
  manager: 'gem',
  valued: new Set(['-v', '--version', '-i', '--install-dir', '-n', '--bindir', '--source', '-s', '-P', '--trust-policy', '--platform', '--build-root', '-g', '--file']),
  verbs: new Set(['install', 'i']),
  pins: /:/g,
  minimal: LANGUAGE,
};

const DNF = rpmRule('dnf', true);
const MICRODNF = rpmRule('microdnf', true);
const YUM = rpmRule('yum', false);

/** The manager rule for a command and the words after the program name. */
function managerOf(argv: readonly string[]): { rule: ManagerRule; args: readonly string[] } | null {
  const tool = basename(argv[0] ?? '');
  const args = argv.slice(1);
  if (tool === 'apt-get' || tool === 'apt' || tool === 'aptitude') return { rule: APT, args };
  if (tool === 'apk') return { rule: APK, args };
  if (tool === 'dnf' || tool === 'dnf5' || tool === 'tdnf') return { rule: DNF, args };
  if (tool === 'microdnf') return { rule: MICRODNF, args };
  if (tool === 'yum') return { rule: YUM, args };
  if (tool === 'zypper') return { rule: ZYPPER, args };
  if (/^pip[0-9.]*$/.test(tool)) return { rule: PIP, args };
  if (/^python[0-9.]*$/.test(tool) && args[0] === '-m' && (args[1] === 'pip' || args[1] === 'pip3')) return { rule: PIP, args: args.slice(2) };
  if (tool === 'uv' && args[0] === 'pip') return { rule: PIP, args: args.slice(1) };
  if (tool === 'npm' || tool === 'pnpm') return { rule: NPM, args };
  if (tool === 'yarn') return { rule: NPM, args: args[0] === 'global' ? args.slice(1) : args };
  if (tool === 'gem') return { rule: GEM, args };
  return null;
}

const FETCHERS = new Set(['curl', 'wget']);
const INTERPRETERS = /^(?:sh|bash|ash|dash|zsh|ksh|mksh|python[0-9.]*|perl|ruby|node)$/;

/** Whether a command substitution in `text` (`$(curl …)`, backticks, `<(wget …)`) starts with a download. */
function fetches(text: string): boolean {
  let checked = 0;
  for (const opener of ['$(', '`', '<(']) {
    for (let at = text.indexOf(opener); at !== -1 && checked < 32; at = text.indexOf(opener, at + 1), checked++) {
      const rest = text.slice(at + opener.length, at + opener.length + 256).trimStart();
      const program = rest.split(/[\s)`]/, 1)[0] ?? '';
      if (FETCHERS.has(basename(program))) return true;
    }
  }
  return false;
}

/** `curl … | sh`, `wget -O- … | python3 -`, `sh -c "$(curl …)"`, `bash <(curl …)`. */
function pipedInstaller(c: { argv: readonly string[]; pipedFrom: readonly string[] | null }): boolean {
  const program = basename(c.argv[0] ?? '');
  if (!INTERPRETERS.test(program)) return false;
  const shell = shellInvocation(c.argv);
  if (shell?.script != null) return fetches(shell.script);
  if (shell?.file != null) return fetches(shell.file);
  const operands = c.argv.slice(1).filter((w) => !w.startsWith('-'));
  if (operands.some(fetches)) return true;
  const readsStdin = shell ? shell.stdin : operands.length === 0 || c.argv.includes('-');
  return readsStdin && c.pipedFrom !== null && FETCHERS.has(basename(c.pipedFrom[0] ?? ''));
}

/**
 * The package install a command performs, or null. A download piped into an interpreter is
 * recorded as manager `other` with no packages: what it installs cannot be read.
 */
export function packageInstall(c: { argv: readonly string[]; pipedFrom: readonly string[] | null }, config: ManagerConfig): Omit<PackageInstall, 'line'> | null {
  if (pipedInstaller(c)) return { manager: 'other', packages: [], minimal: false };
  const found = managerOf(c.argv);
  if (!found) return null;
  const { rule, args } = found;
  const opts = readOptions(args, rule.valued);
  const [verb, ...names] = opts.operands;
  if (verb === undefined || !rule.verbs.has(verb)) return null;
  return {
    manager: rule.manager,
    packages: names.map((n) => stripPin(n, rule.pins)).filter((n) => n !== ''),
    minimal: rule.minimal(opts, config),
  };
}

// ---------------------------------------------------------------- user creations

const USERADD_VALUED = new Set([
  '-b', '-c', '-d', '-e', '-f', '-g', '-G', '-k', '-K', '-p', '-s', '-u', '-R', '-P', '-Z', '--base-dir', '--comment',
  '--home-dir', '--home', '--expiredate', '--inactive', '--gid', '--groups', '--skel', '--key', '--password', '--shell',
  '--uid', '--root', '--prefix', '--selinux-user', '--selinux-range',
]);
/** Debian's long options and BusyBox's short ones (`-h DIR -g GECOS -s SHELL -G GROUP -k SKEL -u UID`). */
const ADDUSER_VALUED = new Set([
  '-h', '-g', '-s', '-G', '-k', '-u', '--home', '--shell', '--uid', '--firstuid', '--lastuid', '--gecos', '--comment',
  '--ingroup', '--gid', '--conf', '--firstgid', '--lastgid',
]);

/**
 * The user a command creates; a name or UID holding `$` goes through `resolve` (null: unknown).
 * `useradd [opts] NAME` and `adduser [opts] NAME` create a user; `adduser USER GROUP` (both
 * Debian and BusyBox) only adds an existing user to a group, and Debian's `adduser --group`
 * without `--system` creates a group: neither is recorded.
 */
export function userCreation(argv: readonly string[], resolve: (word: string) => string | null): Omit<UserCreation, 'line'> | null {
  const tool = basename(argv[0] ?? '');
  if (tool !== 'useradd' && tool !== 'adduser') return null;
  const opts = readOptions(argv.slice(1), tool === 'useradd' ? USERADD_VALUED : ADDUSER_VALUED);
  let name: string | undefined;
  if (tool === 'useradd') {
    name = opts.operands[opts.operands.length - 1];
  } else {
    if (opts.operands.length !== 1) return null;
    if (has(opts, '--group') && !has(opts, '--system')) return null;
    name = opts.operands[0];
  }
  if (name === undefined || name === '') return null;
  const expand = (word: string): string | null => (word.includes('$') ? resolve(word) : word);
  const uidText = values(opts, '-u', '--uid').pop();
  const uid = uidText === undefined ? null : expand(uidText);
  return {
    tool,
    name: expand(name) ?? name,
    uid: uid !== null && /^\d{1,10}$/.test(uid) && Number(uid) <= 0xffffffff ? Number(uid) : null,
  };
}
