import type { Fact, SeccompSetting, UserSetting } from '../../model/evidence.ts';
import { arr, bool, get, num, rec, str, type JsonRecord } from '../util.ts';
import { at, child } from './paths.ts';

/** What decides one container's effective security settings. */
export interface SecurityScope {
  container: JsonRecord;
  containerName: string;
  containerPath: string;
  podSpec: JsonRecord;
  podSpecPath: string;
  /** The pod's annotations (a template's `metadata.annotations` for workloads). */
  annotations: JsonRecord | null;
  annotationsPath: string;
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';

function containerContextPath(s: SecurityScope): string {
  return at(s.containerPath, 'securityContext');
}

/**
 * A field that the container's securityContext overrides and the pod's securityContext
 * defaults (runAsUser, runAsNonRoot, seccompProfile, windowsOptions.*).
 */
function inherited<T>(s: SecurityScope, read: (v: unknown) => T | null, ...keys: string[]): Fact<T> | null {
  const scopes: [unknown, string][] = [
    [get(s.container, 'securityContext'), containerContextPath(s)],
    [get(s.podSpec, 'securityContext'), at(s.podSpecPath, 'securityContext')],
  ];
  for (const [context, path] of scopes) {
    let node: unknown = context;
    for (const k of keys) node = get(node, k);
    const value = read(node);
    if (value !== null) return { value, path: at(path, ...keys) };
  }
  return null;
}

function uid(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * Who the container runs as. A concrete identity (runAsUser, Windows runAsUserName) outranks
 * `runAsNonRoot`: with `runAsUser: 0` and `runAsNonRoot: true` the kubelet refuses to start the
 * container, but what the manifest asks for is root, so that is what it declares.
 */
export function effectiveUser(s: SecurityScope): Fact<UserSetting> {
  const runAsUser = inherited(s, uid, 'runAsUser');
  if (runAsUser) {
    const raw = String(runAsUser.value);
    return { value: runAsUser.value === 0 ? { kind: 'root', raw } : { kind: 'nonroot', raw }, path: runAsUser.path };
  }
  const windowsUser = inherited(s, str, 'windowsOptions', 'runAsUserName');
  if (windowsUser && windowsUser.value.trim() !== '') {
    const raw = windowsUser.value;
    // Windows user names compare case-insensitively; ContainerAdministrator is the container's admin.
    const root = raw.trim().toLowerCase() === 'containeradministrator';
    return { value: root ? { kind: 'root', raw } : { kind: 'nonroot', raw }, path: windowsUser.path };
  }
  const nonRoot = inherited(s, bool, 'runAsNonRoot');
  if (nonRoot?.value === true) return { value: { kind: 'nonroot', raw: 'runAsNonRoot' }, path: nonRoot.path };
  return { value: { kind: 'unset' }, path: containerContextPath(s) };
}

function seccompField(profile: JsonRecord): SeccompSetting {
  switch (str(get(profile, 'type'))) {
    case 'Localhost':
      return { kind: 'custom', profile: str(get(profile, 'localhostProfile')) ?? '' };
    case 'RuntimeDefault':
      return { kind: 'runtime-default' };
    case 'Unconfined':
      return { kind: 'unconfined' };
    default:
      // The API server rejects other types; an unreadable profile enforces nothing specific.
      return { kind: 'unset' };
  }
}

function seccompAnnotation(value: string): SeccompSetting {
  const v = value.trim();
  if (v === 'runtime/default' || v === 'docker/default') return { kind: 'runtime-default' };
  if (v === 'unconfined') return { kind: 'unconfined' };
  if (v.startsWith('localhost/')) return { kind: 'custom', profile: v.slice('localhost/'.length) };
  return { kind: 'unset' };
}

/**
 * The seccomp profile in force, in the kubelet's order of precedence: container field,
 * container annotation (deprecated), pod field, pod annotation (deprecated).
 */
export function effectiveSeccomp(s: SecurityScope): Fact<SeccompSetting> {
  const candidates: (() => Fact<SeccompSetting> | null)[] = [
    () => fieldProfile(get(s.container, 'securityContext'), containerContextPath(s)),
    () => annotationProfile(s, SECCOMP_CONTAINER_ANNOTATION + s.containerName),
    () => fieldProfile(get(s.podSpec, 'securityContext'), at(s.podSpecPath, 'securityContext')),
    () => annotationProfile(s, SECCOMP_POD_ANNOTATION),
  ];
  for (const read of candidates) {
    const found = read();
    if (found) return found;
  }
  return { value: { kind: 'unset' }, path: containerContextPath(s) };
}

function fieldProfile(context: unknown, contextPath: string): Fact<SeccompSetting> | null {
  const profile = rec(get(context, 'seccompProfile'));
  return profile ? { value: seccompField(profile), path: at(contextPath, 'seccompProfile') } : null;
}

function annotationProfile(s: SecurityScope, key: string): Fact<SeccompSetting> | null {
  const value = str(get(s.annotations, key));
  return value === null ? null : { value: seccompAnnotation(value), path: child(s.annotationsPath, key) };
}

function isSysAdmin(v: unknown): boolean {
  return typeof v === 'string' && v.trim().toUpperCase().replace(/^CAP_/, '') === 'SYS_ADMIN';
}

/**
 * no_new_privs for the container. `allowPrivilegeEscalation` defaults to allowing escalation,
 * and is always true for a privileged container or one with CAP_SYS_ADMIN (the API server
 * refuses `false` together with either), whatever the field says.
 */
export function noNewPrivileges(s: SecurityScope): Fact<boolean> {
  const context = get(s.container, 'securityContext');
  const contextPath = containerContextPath(s);
  if (bool(get(context, 'privileged')) === true) return { value: false, path: at(contextPath, 'privileged') };
  const added = arr(get(get(context, 'capabilities'), 'add'));
  const sysAdmin = added.findIndex(isSysAdmin);
  if (sysAdmin >= 0) return { value: false, path: at(contextPath, 'capabilities', 'add', sysAdmin) };
  const allow = bool(get(context, 'allowPrivilegeEscalation'));
  if (allow === null) return { value: false, path: contextPath };
  return { value: !allow, path: at(contextPath, 'allowPrivilegeEscalation') };
}

/** A container-only boolean of the securityContext (`privileged`, `readOnlyRootFilesystem`); absent is false. */
/** A container-only boolean where "not set" differs from `false`: null when absent, pointing where it would go. */
export function optionalContainerFlag(s: SecurityScope, key: string): Fact<boolean | null> {
  const contextPath = containerContextPath(s);
  const value = bool(get(get(s.container, 'securityContext'), key));
  return value === null ? { value: null, path: contextPath } : { value, path: at(contextPath, key) };
}

export function containerFlag(s: SecurityScope, key: string): Fact<boolean> {
  const contextPath = containerContextPath(s);
  const value = bool(get(get(s.container, 'securityContext'), key));
  return value === null ? { value: false, path: contextPath } : { value, path: at(contextPath, key) };
}
