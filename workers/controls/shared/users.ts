/**
 * Who a container runs as: reading user specs (`USER 0:0`, `root:root`, `1000`), following a
 * Dockerfile's stage chain to its effective USER, and spotting an entrypoint that drops root
 * itself (`gosu app`, `su-exec app`, …). Shared by 3.1 and 3.3 so both read users alike.
 */
import type { Fact, Stage, UserCreation } from '../../model/evidence.ts';

/** The user part of a `user[:group]` spec, trimmed: `0:1000` → `0`. */
export function userPart(spec: string): string {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon).trim();
}

/**
 * Root by name or UID 0. The group does not matter: `0:1000` is still root, `1000:0` is not
 * (a root *group* grants no root privileges by itself).
 */
export function isRootUser(spec: string): boolean {
  const user = userPart(spec);
  return user === 'root' || /^0+$/.test(user);
}

/** A build argument or variable that only the build knows (`USER ${APP_UID}`). */
export function isUnresolved(spec: string): boolean {
  return spec.includes('$');
}

/** A numeric UID, or null for a name. */
export function uidOf(spec: string): number | null {
  const user = userPart(spec);
  return /^\d{1,10}$/.test(user) ? Number(user) : null;
}

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash === -1 ? word : word.slice(slash + 1);
}

/**
 * Splits argv into words, expanding shell-form strings (`/bin/sh -c "exec gosu app node"`) on
 * whitespace and shell operators. Crude on purpose: we look for a tool's name and its user
 * argument, not for an exact parse, and a linear split cannot backtrack.
 */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (const arg of argv) {
    for (const w of arg.split(/[\s;&|()`]+/)) {
      const unquoted = w.replace(/^["']+|["']+$/g, '');
      if (unquoted !== '') words.push(unquoted);
    }
  }
  return words;
}

/** Tools that start a command as another user; each drops root when that user is not root. */
export const PRIVILEGE_DROPPERS = ['gosu', 'su-exec', 'setpriv', 'runuser', 's6-setuidgid', 'chpst'] as const;

export interface PrivilegeDrop {
  tool: string;
  /** The user it switches to, as written. */
  user: string;
}

/** Value of `-u X`, `--user X` or `--user=X` style options after `start`. */
function optionValue(words: readonly string[], start: number, short: readonly string[], long: readonly string[]): string | null {
  for (let i = start; i < words.length; i++) {
    const w = words[i] ?? '';
    if (short.includes(w) || long.includes(w)) return words[i + 1] ?? null;
    for (const l of long) if (w.startsWith(`${l}=`)) return w.slice(l.length + 1);
  }
  return null;
}

/** `runuser [-l] user -c cmd` or `runuser -u user -- cmd`. */
function runuserTarget(words: readonly string[], start: number): string | null {
  const explicit = optionValue(words, start, ['-u'], ['--user']);
  if (explicit !== null) return explicit;
  const takesValue = new Set(['-g', '-G', '-c', '-s', '-w', '--group', '--supp-group', '--command', '--shell']);
  for (let i = start; i < words.length; i++) {
    const w = words[i] ?? '';
    if (takesValue.has(w)) i++;
    else if (w === '-' || !w.startsWith('-')) return w === '-' ? null : w;
  }
  return null;
}

function dropTarget(tool: string, words: readonly string[], i: number): string | null {
  switch (tool) {
    case 'gosu':
    case 'su-exec':
    case 's6-setuidgid':
      return words[i + 1] ?? null;
    case 'setpriv':
      return optionValue(words, i + 1, [], ['--reuid', '--ruid', '--euid']);
    case 'chpst':
      return optionValue(words, i + 1, ['-u'], []);
    case 'runuser':
      return runuserTarget(words, i + 1);
    default:
      return null;
  }
}

/**
 * The first privilege-dropping tool named in the entrypoint or command that switches to a
 * non-root user, or null. `gosu root …` or `setpriv` without `--reuid` change nothing.
 */
export function findPrivilegeDrop(argv: readonly string[] | null): PrivilegeDrop | null {
  if (!argv) return null;
  const words = commandWords(argv);
  for (let i = 0; i < words.length; i++) {
    const tool = basename(words[i] ?? '');
    if (!(PRIVILEGE_DROPPERS as readonly string[]).includes(tool)) continue;
    const user = dropTarget(tool, words, i);
    if (user !== null && user !== '' && !isRootUser(user)) return { tool, user };
  }
  return null;
}

/** Init processes and supervisors: they run as root only to start (and reap) the real work. */
export const INIT_SUPERVISORS = [
  'tini', 'dumb-init', 'catatonit', 'docker-init', 's6-svscan', 's6-supervise', 'runsvdir', 'runsv',
] as const;

/** The process's program name (basename of `comm`, or of the first word of `args`). */
export function programNames(command: string, args: string): string[] {
  const first = args.trim().split(/\s+/)[0] ?? '';
  return [basename(command.trim()), basename(first)].filter((n) => n !== '');
}

// ---------------------------------------------------------------- Dockerfile stage chains

/**
 * The final stage and the earlier stages it is built FROM (`FROM build AS runtime`), nearest
 * first. Stage names are case-insensitive in Docker; only earlier stages can be referenced,
 * which also rules out cycles.
 */
export function stageChain(stages: readonly Stage[], start: Stage): Stage[] {
  const chain: Stage[] = [start];
  let current = start;
  while (current.from.stageRef) {
    const ref = (current.from.resolved ?? current.from.raw).toLowerCase();
    const parent = stages.find((s) => s.index < current.index && s.name !== null && s.name.toLowerCase() === ref);
    if (!parent) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

export type EffectiveUser =
  /** The last USER of the stage or of a stage it is built FROM. */
  | { kind: 'user'; fact: Fact<string>; stage: Stage }
  /** No USER anywhere in the chain; the chain ends in `FROM scratch` (no user database: root). */
  | { kind: 'scratch'; stage: Stage }
  /** No USER anywhere in the chain; the external base image's own USER decides. */
  | { kind: 'base'; stage: Stage; base: string };

/** Who the final stage runs as, following `FROM <stage>` to the stage that set it. */
export function effectiveUser(stages: readonly Stage[], final: Stage): EffectiveUser {
  const chain = stageChain(stages, final);
  for (const stage of chain) {
    const last = stage.users[stage.users.length - 1];
    if (last) return { kind: 'user', fact: last, stage };
  }
  const root = chain[chain.length - 1] ?? final;
  if (root.from.scratch) return { kind: 'scratch', stage: root };
  return { kind: 'base', stage: root, base: root.from.resolved ?? root.from.raw };
}

/** The entrypoint and command in force for the stage (a stage inherits them from its parent stage). */
export function effectiveCommand(stages: readonly Stage[], final: Stage): { entrypoint: Fact<string[]> | null; cmd: Fact<string[]> | null } {
  const chain = stageChain(stages, final);
  return {
    entrypoint: chain.find((s) => s.entrypoint !== null)?.entrypoint ?? null,
    cmd: chain.find((s) => s.cmd !== null)?.cmd ?? null,
  };
}

/** Tools that create a user account (group tools alone create no user to run as). */
export function createsUser(creation: UserCreation): boolean {
  return !/group/i.test(creation.tool);
}

/** Whether `creation` made the user a USER spec names (by name, or by UID). */
export function createdUserMatches(creation: UserCreation, spec: string): boolean {
  const user = userPart(spec);
  const uid = uidOf(spec);
  if (uid !== null) return creation.uid === uid || creation.name === user;
  return creation.name === user;
}

/** A privilege drop in the entrypoint, else in the command, with the fact it was read from. */
export function dropIn(
  entrypoint: Fact<string[]> | null,
  cmd: Fact<string[]> | null,
): { drop: PrivilegeDrop; at: Fact<string[]> } | null {
  for (const at of [entrypoint, cmd]) {
    const drop = at ? findPrivilegeDrop(at.value) : null;
    if (drop && at) return { drop, at };
  }
  return null;
}
