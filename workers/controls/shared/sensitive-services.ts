/**
 * The sensitive services of 3.13: control planes and data stores that give away a cluster, a
 * host or data to whoever reaches them, identified by their container port. For each: what
 * shows that it requires authentication, and what switches authentication off.
 *
 * Env values may be redacted to a placeholder before they reach us, so a secret counts as
 * set when its variable is present and non-empty; its value is never read or repeated.
 */
import type { Container } from '../../model/evidence.ts';

/** A setting seen in a container's environment or command line. */
export type Setting =
  /** Env var present and non-empty; with `values`: equal to one of them (case-insensitive); with `empty`: present and empty. */
  | { env: string; values?: readonly string[]; empty?: boolean }
  /**
   * A command-line flag (`--x v` or `--x=v`). With `values`/`pattern`: its value must match; with
   * `takesValue`: any non-empty value; otherwise a boolean flag given bare or `=true`.
   */
  | { flag: readonly string[]; values?: readonly string[]; pattern?: RegExp; takesValue?: boolean };

export interface SensitiveService {
  name: string;
  ports: readonly number[];
  /** Image repositories (registry and tag dropped) that run it at its default port, for host-network containers. */
  images: readonly string[];
  /** Only sensitive when an explicit no-auth setting is present (databases that require a password by default). */
  onlyWithNoAuth?: boolean;
  /** Settings that show it requires authentication. */
  auth: readonly Setting[];
  /** Settings that switch authentication off whatever else is set. */
  disables: readonly Setting[];
  /** Settings that allow access without authentication unless some authentication is configured. */
  allowsNone: readonly Setting[];
  /** How to require authentication, for the remediation. */
  authFix: string;
  /** Said when it has no authentication evidence. */
  note?: string;
}

const YES = ['yes', 'true', '1'];
const secret = (env: string): Setting[] => [{ env }, { env: `${env}_FILE` }];

export const SENSITIVE_SERVICES: readonly SensitiveService[] = [
  {
    name: 'etcd (client API)',
    ports: [2379],
    images: ['etcd', 'bitnami/etcd', 'coreos/etcd', 'etcd-development/etcd', 'etcd-io/etcd'],
    auth: [{ flag: ['--client-cert-auth'] }, { env: 'ETCD_CLIENT_CERT_AUTH', values: YES }, ...secret('ETCD_ROOT_PASSWORD')],
    disables: [],
    allowsNone: [{ env: 'ALLOW_NONE_AUTHENTICATION', values: YES }],
    authFix: 'require client certificates (`--client-cert-auth` with `--trusted-ca-file`, or `ETCD_CLIENT_CERT_AUTH=true`)',
  },
  {
    name: 'etcd (peer)',
    ports: [2380],
    images: ['etcd', 'bitnami/etcd', 'coreos/etcd', 'etcd-development/etcd', 'etcd-io/etcd'],
    auth: [{ flag: ['--peer-client-cert-auth'] }, { env: 'ETCD_PEER_CLIENT_CERT_AUTH', values: YES }],
    disables: [],
    allowsNone: [],
    authFix: 'require peer certificates (`--peer-client-cert-auth` with `--peer-trusted-ca-file`)',
  },
  {
    name: 'Docker API',
    ports: [2375],
    // The docker image runs a client by default; only its dind variant is a daemon, so no image match.
    images: [],
    auth: [{ flag: ['--tlsverify'] }],
    disables: [],
    allowsNone: [
      { flag: ['-H', '--host'], pattern: /^tcp:\/\/(?:0\.0\.0\.0|\[::\]|::)?(?::\d+)?\/?$/i },
      { env: 'DOCKER_TLS_CERTDIR', empty: true },
    ],
    authFix: 'serve the API only with TLS client verification (`--tlsverify` on 2376) or not on TCP at all',
  },
  {
    name: 'kubelet API',
    ports: [10250],
    images: ['kubelet'],
    auth: [{ flag: ['--anonymous-auth'], values: ['false'] }],
    disables: [{ flag: ['--anonymous-auth'], values: ['true'] }],
    allowsNone: [],
    authFix: 'refuse anonymous requests (`--anonymous-auth=false` with webhook authentication and authorization)',
  },
  {
    name: 'kubelet read-only API',
    ports: [10255],
    images: [],
    auth: [],
    disables: [],
    allowsNone: [],
    authFix: 'switch the read-only port off (`--read-only-port=0`, `readOnlyPort: 0`)',
    note: 'the kubelet read-only port never authenticates',
  },
  {
    name: 'Redis',
    ports: [6379],
    images: ['redis', 'bitnami/redis', 'redis/redis-stack', 'redis/redis-stack-server', 'valkey/valkey', 'bitnami/valkey'],
    auth: [{ flag: ['--requirepass'], takesValue: true }, ...secret('REDIS_PASSWORD')],
    disables: [],
    allowsNone: [{ env: 'ALLOW_EMPTY_PASSWORD', values: YES }, { flag: ['--protected-mode'], values: ['no'] }],
    authFix: 'require a password (`--requirepass` from a secret, or `REDIS_PASSWORD`) or ACL users',
  },
  {
    name: 'MongoDB',
    ports: [27017],
    images: ['mongo', 'bitnami/mongodb', 'mongodb/mongodb-community-server'],
    auth: [{ flag: ['--auth'] }, ...secret('MONGO_INITDB_ROOT_PASSWORD'), ...secret('MONGODB_ROOT_PASSWORD')],
    disables: [{ flag: ['--noauth'] }, { flag: ['--auth'], values: ['false'] }],
    allowsNone: [{ env: 'ALLOW_EMPTY_PASSWORD', values: YES }],
    authFix: 'enable access control (`--auth`, or `MONGO_INITDB_ROOT_USERNAME`/`MONGO_INITDB_ROOT_PASSWORD`)',
  },
  {
    name: 'Elasticsearch',
    ports: [9200, 9300],
    images: ['elasticsearch', 'elasticsearch/elasticsearch', 'bitnami/elasticsearch', 'opensearchproject/opensearch'],
    auth: [
      { env: 'xpack.security.enabled', values: ['true'] },
      { flag: ['-Expack.security.enabled'], values: ['true'] },
      ...secret('ELASTIC_PASSWORD'),
      { env: 'ELASTICSEARCH_ENABLE_SECURITY', values: YES },
    ],
    disables: [
      { env: 'xpack.security.enabled', values: ['false'] },
      { flag: ['-Expack.security.enabled'], values: ['false'] },
      { env: 'DISABLE_SECURITY_PLUGIN', values: ['true'] },
    ],
    allowsNone: [],
    authFix: 'enable security (`xpack.security.enabled=true` with `ELASTIC_PASSWORD`)',
  },
  {
    name: 'Memcached',
    ports: [11211],
    images: ['memcached', 'bitnami/memcached'],
    auth: [{ flag: ['-S', '--enable-sasl'] }, ...secret('MEMCACHED_PASSWORD')],
    disables: [],
    allowsNone: [],
    authFix: 'enable SASL authentication (`memcached -S`, or `MEMCACHED_PASSWORD`)',
  },
  {
    name: 'CouchDB',
    ports: [5984],
    images: ['couchdb', 'bitnami/couchdb', 'apache/couchdb'],
    auth: [...secret('COUCHDB_PASSWORD')],
    disables: [],
    allowsNone: [],
    authFix: 'create an admin (`COUCHDB_USER`/`COUCHDB_PASSWORD`), so CouchDB is no longer in admin party mode',
  },
  {
    name: 'PostgreSQL',
    ports: [5432],
    images: ['postgres', 'bitnami/postgresql'],
    onlyWithNoAuth: true,
    auth: [],
    disables: [{ env: 'POSTGRES_HOST_AUTH_METHOD', values: ['trust'] }, { env: 'ALLOW_EMPTY_PASSWORD', values: YES }],
    allowsNone: [],
    authFix: 'require passwords (drop `POSTGRES_HOST_AUTH_METHOD=trust`; use `scram-sha-256`)',
  },
  {
    name: 'MySQL/MariaDB',
    ports: [3306],
    images: ['mysql', 'mariadb', 'bitnami/mysql', 'bitnami/mariadb'],
    onlyWithNoAuth: true,
    auth: [],
    // The official images read any non-empty value as "allow" (even a redacted one).
    disables: [
      { env: 'MYSQL_ALLOW_EMPTY_PASSWORD' },
      { env: 'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD' },
      { env: 'MARIADB_ALLOW_EMPTY_PASSWORD' },
      { env: 'ALLOW_EMPTY_PASSWORD', values: YES },
    ],
    allowsNone: [],
    authFix: 'give root a password (`MYSQL_ROOT_PASSWORD` from a secret) instead of allowing an empty one',
  },
];

/** The sensitive service listening on a container port, if any. */
export function serviceAtPort(port: number): SensitiveService | undefined {
  return SENSITIVE_SERVICES.find((s) => s.ports.includes(port));
}

/** The command line as far as it is known: the whole command, or only the arguments to the image's entrypoint. */
function commandFact(c: Container): { value: string[]; path: string } | null {
  return c.command ?? c.args ?? null;
}

/** Shell lines (`sh -c "redis-server --requirepass x"`) are split into words; quotes go. */
function commandWords(c: Container): string[] {
  const argv = commandFact(c)?.value ?? [];
  return argv
    .flatMap((a) => a.split(/\s+/))
    .map((w) => w.replace(/^(["'])(.*)\1$/, '$2'))
    .filter((w) => w !== '');
}

function flagMatches(s: Extract<Setting, { flag: readonly string[] }>, words: readonly string[]): boolean {
  return words.some((w, i) => {
    const eq = w.indexOf('=');
    const name = eq === -1 ? w : w.slice(0, eq);
    if (!s.flag.includes(name)) return false;
    const inline = eq === -1 ? null : w.slice(eq + 1);
    const next = words[i + 1] ?? null;
    const nextValue = next !== null && !next.startsWith('-') ? next : null;
    if (s.values) {
      const v = (inline ?? nextValue ?? '').toLowerCase();
      return s.values.includes(v);
    }
    if (s.pattern) return s.pattern.test(inline ?? next ?? '');
    if (s.takesValue) return (inline ?? nextValue ?? '') !== '';
    return inline === null || YES.includes(inline.toLowerCase());
  });
}

/** How the setting reads in a finding: names and no-auth values, never a secret's value. */
function describeSetting(s: Setting): string {
  if ('env' in s) {
    if (s.empty) return `${s.env}=""`;
    return s.values ? `${s.env}=${s.values[0] ?? ''}` : `${s.env} set`;
  }
  const flag = s.flag[0] ?? '';
  if (s.values) return `${flag}${flag.startsWith('--') || flag.startsWith('-E') ? '=' : ' '}${s.values[0] ?? ''}`;
  if (s.pattern) return `${flag} listening on all interfaces`;
  return `${flag}${s.takesValue ? ' …' : ''}`;
}

/** Where the setting was seen in the container, or null. */
export function findSetting(s: Setting, c: Container): { what: string; path: string } | null {
  if ('env' in s) {
    const v = c.env?.find((e) => e.name === s.env);
    if (!v) return null;
    const value = v.value.trim();
    // A Kubernetes `valueFrom` (a secret) sets the variable; which value it holds is not visible.
    const set = value !== '' || Boolean(v.valueFrom);
    const ok = s.empty ? !set : s.values ? s.values.includes(value.toLowerCase()) : set;
    if (!ok) return null;
    const what = s.values ? `${s.env}=${value}` : s.empty ? `${s.env}=""` : `${s.env} set${v.valueFrom ? ` from ${v.valueFrom}` : ''}`;
    return { what, path: v.path };
  }
  const command = commandFact(c);
  if (!command || !flagMatches(s, commandWords(c))) return null;
  return { what: describeSetting(s), path: command.path };
}

export type AuthVerdict =
  | { kind: 'disabled' | 'allows-none' | 'auth'; what: string; path: string }
  | { kind: 'none' };

/**
 * What the containers' settings say about authentication, strongest first: a setting that
 * switches it off wins over any password; then authentication evidence; then a setting that
 * merely allows access without it.
 */
export function authVerdict(service: SensitiveService, containers: readonly Container[]): AuthVerdict {
  const first = (settings: readonly Setting[]): { what: string; path: string } | null => {
    for (const c of containers) {
      for (const s of settings) {
        const seen = findSetting(s, c);
        if (seen) return seen;
      }
    }
    return null;
  };
  const disabled = first(service.disables);
  if (disabled) return { kind: 'disabled', ...disabled };
  const auth = first(service.auth);
  if (auth) return { kind: 'auth', ...auth };
  const none = first(service.allowsNone);
  if (none) return { kind: 'allows-none', ...none };
  return { kind: 'none' };
}
