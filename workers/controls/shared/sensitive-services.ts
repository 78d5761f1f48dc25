/**
 * The sensitive services of 3.13: control planes and data stores that give away a cluster, a
 * host or data to whoever reaches them, identified by their container port. For each: what
 * shows that it requires authentication, and what switches authentication off.
 *
 * Env values may be redacted to a placeholder before they reach us, so a secret counts as
 * set when its variable is present and non-empty; its value is never read or repeated.
 */
import type { Container } from '../../model/evidence.ts';
import { type Text, defineTexts, lit, tx } from '../../model/text.ts';

const T = defineTexts('sensitive-services', {
  etcdClient: { en: 'etcd (client API)', de: 'etcd (Client-API)' },
  etcdPeer: { en: 'etcd (peer)', de: 'etcd (Peer)' },
  dockerApi: { en: 'Docker API', de: 'Docker-API' },
  kubeletApi: { en: 'kubelet API', de: 'Kubelet-API' },
  kubeletReadOnly: { en: 'kubelet read-only API', de: 'schreibgeschützte Kubelet-API' },
  nodeInspector: { en: 'Node.js inspector', de: 'Node.js-Inspector' },
  jdwp: { en: 'Java debugger (JDWP)', de: 'Java-Debugger (JDWP)' },
  delve: { en: 'Go debugger (Delve)', de: 'Go-Debugger (Delve)' },
  debugpy: { en: 'Python debugger (debugpy)', de: 'Python-Debugger (debugpy)' },
  fixEtcdClient: {
    en: 'require client certificates (`--client-cert-auth` with `--trusted-ca-file`, or `ETCD_CLIENT_CERT_AUTH=true`)',
    de: 'verlangen Sie Client-Zertifikate (`--client-cert-auth` mit `--trusted-ca-file`, oder `ETCD_CLIENT_CERT_AUTH=true`)',
  },
  fixEtcdPeer: {
    en: 'require peer certificates (`--peer-client-cert-auth` with `--peer-trusted-ca-file`)',
    de: 'verlangen Sie Peer-Zertifikate (`--peer-client-cert-auth` mit `--peer-trusted-ca-file`)',
  },
  fixDocker: {
    en: 'serve the API only with TLS client verification (`--tlsverify` on 2376) or not on TCP at all',
    de: 'bieten Sie die API nur mit TLS-Client-Prüfung an (`--tlsverify` auf 2376) oder gar nicht über TCP',
  },
  fixKubelet: {
    en: 'refuse anonymous requests (`--anonymous-auth=false` with webhook authentication and authorization)',
    de: 'weisen Sie anonyme Anfragen ab (`--anonymous-auth=false` mit Webhook-Authentifizierung und -Autorisierung)',
  },
  fixKubeletReadOnly: {
    en: 'switch the read-only port off (`--read-only-port=0`, `readOnlyPort: 0`)',
    de: 'schalten Sie den schreibgeschützten Port ab (`--read-only-port=0`, `readOnlyPort: 0`)',
  },
  noteKubeletReadOnly: { en: 'the kubelet read-only port never authenticates', de: 'der schreibgeschützte Kubelet-Port authentifiziert nie' },
  fixRedis: {
    en: 'require a password (`--requirepass` from a secret, or `REDIS_PASSWORD`) or ACL users',
    de: 'verlangen Sie ein Passwort (`--requirepass` aus einem Secret, oder `REDIS_PASSWORD`) oder ACL-Benutzer',
  },
  fixMongo: {
    en: 'enable access control (`--auth`, or `MONGO_INITDB_ROOT_USERNAME`/`MONGO_INITDB_ROOT_PASSWORD`)',
    de: 'schalten Sie die Zugriffskontrolle ein (`--auth`, oder `MONGO_INITDB_ROOT_USERNAME`/`MONGO_INITDB_ROOT_PASSWORD`)',
  },
  fixElastic: {
    en: 'enable security (`xpack.security.enabled=true` with `ELASTIC_PASSWORD`)',
    de: 'schalten Sie die Sicherheitsfunktionen ein (`xpack.security.enabled=true` mit `ELASTIC_PASSWORD`)',
  },
  fixMemcached: {
    en: 'enable SASL authentication (`memcached -S`, or `MEMCACHED_PASSWORD`)',
    de: 'schalten Sie die SASL-Authentifizierung ein (`memcached -S`, oder `MEMCACHED_PASSWORD`)',
  },
  fixCouch: {
    en: 'create an admin (`COUCHDB_USER`/`COUCHDB_PASSWORD`), so CouchDB is no longer in admin party mode',
    de: 'legen Sie einen Administrator an (`COUCHDB_USER`/`COUCHDB_PASSWORD`), damit CouchDB nicht mehr im Admin-Party-Modus läuft',
  },
  fixPostgres: {
    en: 'require passwords (drop `POSTGRES_HOST_AUTH_METHOD=trust`; use `scram-sha-256`)',
    de: 'verlangen Sie Passwörter (entfernen Sie `POSTGRES_HOST_AUTH_METHOD=trust`; nutzen Sie `scram-sha-256`)',
  },
  fixMysql: {
    en: 'give root a password (`MYSQL_ROOT_PASSWORD` from a secret) instead of allowing an empty one',
    de: 'geben Sie root ein Passwort (`MYSQL_ROOT_PASSWORD` aus einem Secret), statt ein leeres zu erlauben',
  },
  fixNode: {
    en: 'do not start Node with --inspect in production; to debug, bind it to 127.0.0.1 inside the container and use `kubectl port-forward` or an SSH tunnel',
    de: 'starten Sie Node in Produktion nicht mit --inspect; zum Debuggen binden Sie ihn im Container an 127.0.0.1 und nutzen `kubectl port-forward` oder einen SSH-Tunnel',
  },
  fixJdwp: {
    en: 'remove -agentlib:jdwp from the production command line and JAVA_TOOL_OPTIONS; to debug, use address=127.0.0.1:<port> and a port-forward',
    de: 'entfernen Sie -agentlib:jdwp aus der Befehlszeile und JAVA_TOOL_OPTIONS in Produktion; zum Debuggen nutzen Sie address=127.0.0.1:<port> und eine Portweiterleitung',
  },
  fixDelve: {
    en: 'do not run the program under `dlv --headless` in production; to debug, use --listen=127.0.0.1:<port> and a port-forward',
    de: 'führen Sie das Programm in Produktion nicht unter `dlv --headless` aus; zum Debuggen nutzen Sie --listen=127.0.0.1:<port> und eine Portweiterleitung',
  },
  fixDebugpy: {
    en: 'do not start debugpy in production; to debug, use --listen 127.0.0.1:<port> and a port-forward',
    de: 'starten Sie debugpy in Produktion nicht; zum Debuggen nutzen Sie --listen 127.0.0.1:<port> und eine Portweiterleitung',
  },
  noteNode: {
    en: 'the inspector never authenticates: whoever reaches it runs code in the process',
    de: 'der Inspector authentifiziert nie: wer ihn erreicht, führt Code im Prozess aus',
  },
  noteJdwp: {
    en: 'JDWP never authenticates: whoever reaches it runs code in the process',
    de: 'JDWP authentifiziert nie: wer es erreicht, führt Code im Prozess aus',
  },
  noteDelve: {
    en: 'a headless Delve server never authenticates: whoever reaches it runs code in the process',
    de: 'ein Delve-Server im Headless-Modus authentifiziert nie: wer ihn erreicht, führt Code im Prozess aus',
  },
  noteDebugpy: {
    en: 'debugpy never authenticates: whoever reaches it runs code in the process',
    de: 'debugpy authentifiziert nie: wer es erreicht, führt Code im Prozess aus',
  },
  envSet: { en: '{env} set', de: '{env} gesetzt' },
  envSetFrom: { en: '{env} set from {from}', de: '{env} gesetzt aus {from}' },
  flagListening: { en: '{flag} listening on all interfaces', de: '{flag} auf allen Schnittstellen' },
});

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
  name: Text;
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
  authFix: Text;
  /** Said when it has no authentication evidence. */
  note?: Text;
  /** A debugger: it never authenticates, so no setting can show authentication. */
  debugger?: boolean;
}

const YES = ['yes', 'true', '1'];
const secret = (env: string): Setting[] => [{ env }, { env: `${env}_FILE` }];

export const SENSITIVE_SERVICES: readonly SensitiveService[] = [
  {
    name: T.etcdClient,
    ports: [2379],
    images: ['etcd', 'bitnami/etcd', 'coreos/etcd', 'etcd-development/etcd', 'etcd-io/etcd'],
    auth: [{ flag: ['--client-cert-auth'] }, { env: 'ETCD_CLIENT_CERT_AUTH', values: YES }, ...secret('ETCD_ROOT_PASSWORD')],
    disables: [],
    allowsNone: [{ env: 'ALLOW_NONE_AUTHENTICATION', values: YES }],
    authFix: T.fixEtcdClient,
  },
  {
    name: T.etcdPeer,
    ports: [2380],
    images: ['etcd', 'bitnami/etcd', 'coreos/etcd', 'etcd-development/etcd', 'etcd-io/etcd'],
    auth: [{ flag: ['--peer-client-cert-auth'] }, { env: 'ETCD_PEER_CLIENT_CERT_AUTH', values: YES }],
    disables: [],
    allowsNone: [],
    authFix: T.fixEtcdPeer,
  },
  {
    name: T.dockerApi,
    ports: [2375],
    // The docker image runs a client by default; only its dind variant is a daemon, so no image match.
    images: [],
    auth: [{ flag: ['--tlsverify'] }],
    disables: [],
    allowsNone: [
      { flag: ['-H', '--host'], pattern: /^tcp:\/\/(?:0\.0\.0\.0|\[::\]|::)?(?::\d+)?\/?$/i },
      { env: 'DOCKER_TLS_CERTDIR', empty: true },
    ],
    authFix: T.fixDocker,
  },
  {
    name: T.kubeletApi,
    ports: [10250],
    images: ['kubelet'],
    auth: [{ flag: ['--anonymous-auth'], values: ['false'] }],
    disables: [{ flag: ['--anonymous-auth'], values: ['true'] }],
    allowsNone: [],
    authFix: T.fixKubelet,
  },
  {
    name: T.kubeletReadOnly,
    ports: [10255],
    images: [],
    auth: [],
    disables: [],
    allowsNone: [],
    authFix: T.fixKubeletReadOnly,
    note: T.noteKubeletReadOnly,
  },
  {
    name: lit('Redis'),
    ports: [6379],
    images: ['redis', 'bitnami/redis', 'redis/redis-stack', 'redis/redis-stack-server', 'valkey/valkey', 'bitnami/valkey'],
    auth: [{ flag: ['--requirepass'], takesValue: true }, ...secret('REDIS_PASSWORD')],
    disables: [],
    allowsNone: [{ env: 'ALLOW_EMPTY_PASSWORD', values: YES }, { flag: ['--protected-mode'], values: ['no'] }],
    authFix: T.fixRedis,
  },
  {
    name: lit('MongoDB'),
    ports: [27017],
    images: ['mongo', 'bitnami/mongodb', 'mongodb/mongodb-community-server'],
    auth: [{ flag: ['--auth'] }, ...secret('MONGO_INITDB_ROOT_PASSWORD'), ...secret('MONGODB_ROOT_PASSWORD')],
    disables: [{ flag: ['--noauth'] }, { flag: ['--auth'], values: ['false'] }],
    allowsNone: [{ env: 'ALLOW_EMPTY_PASSWORD', values: YES }],
    authFix: T.fixMongo,
  },
  {
    name: lit('Elasticsearch'),
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
    authFix: T.fixElastic,
  },
  {
    name: lit('Memcached'),
    ports: [11211],
    images: ['memcached', 'bitnami/memcached'],
    auth: [{ flag: ['-S', '--enable-sasl'] }, ...secret('MEMCACHED_PASSWORD')],
    disables: [],
    allowsNone: [],
    authFix: T.fixMemcached,
  },
  {
    name: lit('CouchDB'),
    ports: [5984],
    images: ['couchdb', 'bitnami/couchdb', 'apache/couchdb'],
    auth: [...secret('COUCHDB_PASSWORD')],
    disables: [],
    allowsNone: [],
    authFix: T.fixCouch,
  },
  {
    name: lit('PostgreSQL'),
    ports: [5432],
    images: ['postgres', 'bitnami/postgresql'],
    onlyWithNoAuth: true,
    auth: [],
    disables: [{ env: 'POSTGRES_HOST_AUTH_METHOD', values: ['trust'] }, { env: 'ALLOW_EMPTY_PASSWORD', values: YES }],
    allowsNone: [],
    authFix: T.fixPostgres,
  },
  {
    name: lit('MySQL/MariaDB'),
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
    authFix: T.fixMysql,
  },
];

/**
 * Debuggers: whoever reaches one runs code in the process it debugs, and none of them
 * authenticates. Only the Node inspector is recognised by its port alone (9229 is its own);
 * JDWP, Delve and debugpy are recognised by the flags that start them, since their usual ports
 * (5005, 2345, 5678) are those of other services too.
 */
export const NODE_INSPECTOR: SensitiveService = {
  name: T.nodeInspector, ports: [9229], images: [], auth: [], disables: [], allowsNone: [], debugger: true,
  authFix: T.fixNode,
  note: T.noteNode,
};
export const JDWP: SensitiveService = {
  name: T.jdwp, ports: [], images: [], auth: [], disables: [], allowsNone: [], debugger: true,
  authFix: T.fixJdwp,
  note: T.noteJdwp,
};
export const DELVE: SensitiveService = {
  name: T.delve, ports: [], images: [], auth: [], disables: [], allowsNone: [], debugger: true,
  authFix: T.fixDelve,
  note: T.noteDelve,
};
export const DEBUGPY: SensitiveService = {
  name: T.debugpy, ports: [], images: [], auth: [], disables: [], allowsNone: [], debugger: true,
  authFix: T.fixDebugpy,
  note: T.noteDebugpy,
};

/** The sensitive service listening on a container port, if any (the Node inspector's own port included). */
export function serviceAtPort(port: number): SensitiveService | undefined {
  return SENSITIVE_SERVICES.find((s) => s.ports.includes(port)) ?? (NODE_INSPECTOR.ports.includes(port) ? NODE_INSPECTOR : undefined);
}

/** A debugger a container starts: which, on which port, bound to loopback or to every interface. */
export interface DebuggerListener {
  service: SensitiveService;
  port: number;
  /** Bound inside the container to loopback (unreachable from outside it) or to all interfaces. */
  loopback: boolean;
  /** The flag as seen, and where. */
  what: string;
  path: string;
}

/** Environment variables the JVM and Node read their options from. */
const OPTION_VARIABLES = ['NODE_OPTIONS', 'JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', '_JAVA_OPTIONS', 'JAVA_OPTS', 'CATALINA_OPTS'];

/** `[host:]port` with the debugger's default host and port where one is left out. */
function hostPort(text: string, defaultHost: string, defaultPort: number | null): { host: string; port: number | null } {
  const t = text.trim();
  if (/^\d{1,5}$/.test(t)) return { host: defaultHost, port: Number(t) };
  const colon = t.lastIndexOf(':');
  if (colon === -1) return { host: t || defaultHost, port: defaultPort };
  const port = t.slice(colon + 1);
  return { host: t.slice(0, colon), port: /^\d{1,5}$/.test(port) ? Number(port) : defaultPort };
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h.startsWith('127.') || h === 'localhost' || h === '::1';
}

/** The words a container's command and option variables hold, each with where it was seen. */
function debuggerWords(c: Container): { word: string; path: string }[] {
  const out: { word: string; path: string }[] = [];
  const command = commandFact(c);
  for (const word of commandWords(c)) out.push({ word, path: command?.path ?? c.path });
  for (const v of c.env ?? []) {
    if (!OPTION_VARIABLES.includes(v.name)) continue;
    for (const word of v.value.split(/\s+/).filter((w) => w !== '')) out.push({ word, path: v.path });
  }
  return out;
}

/**
 * The debuggers a container starts: Node `--inspect[-brk|-wait][=[host:]port]` (default
 * 127.0.0.1:9229), JDWP `-agentlib:jdwp=…,server=y,address=[host:]port` (a bare port is loopback
 * since JDK 9; `*` is every interface), Delve `dlv … --headless --listen=[host]:port`, debugpy
 * `--listen [host:]port` (default host 127.0.0.1).
 */
export function debuggerListeners(c: Container): DebuggerListener[] {
  const words = debuggerWords(c);
  const out: DebuggerListener[] = [];
  const add = (service: SensitiveService, where: { host: string; port: number | null }, what: string, path: string): void => {
    if (where.port === null || where.port < 1 || where.port > 65535) return;
    out.push({ service, port: where.port, loopback: isLoopbackHost(where.host), what, path });
  };
  const programs = new Set(words.map((w) => w.word.slice(w.word.lastIndexOf('/') + 1)));
  words.forEach(({ word, path }, i) => {
    const inspect = /^--inspect(?:-brk|-wait)?(?:=(.*))?$/.exec(word);
    if (inspect) add(NODE_INSPECTOR, hostPort(inspect[1] ?? '', '127.0.0.1', 9229), word, path);
    const jdwp = /^-(?:agentlib:jdwp=|Xrunjdwp:)(.*)$/.exec(word);
    if (jdwp) {
      const opts = new Map((jdwp[1] ?? '').split(',').map((o) => {
        const eq = o.indexOf('=');
        return [eq === -1 ? o : o.slice(0, eq), eq === -1 ? '' : o.slice(eq + 1)] as const;
      }));
      if (opts.get('server') === 'y' && opts.has('address')) add(JDWP, hostPort(opts.get('address') ?? '', '127.0.0.1', null), word, path);
    }
    const next = words[i + 1]?.word ?? '';
    if (programs.has('dlv')) {
      const listen = /^(?:--listen|-l)(?:=(.*))?$/.exec(word);
      if (listen) add(DELVE, hostPort(listen[1] ?? next, '127.0.0.1', null), `${word}${listen[1] === undefined ? ` ${next}` : ''}`, path);
    }
    if (programs.has('debugpy') || words.some((w) => w.word === 'debugpy')) {
      const listen = /^--listen(?:=(.*))?$/.exec(word);
      if (listen) add(DEBUGPY, hostPort(listen[1] ?? next, '127.0.0.1', 5678), `${word}${listen[1] === undefined ? ` ${next}` : ''}`, path);
    }
  });
  return out;
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
function describeSetting(s: Setting): Text {
  if ('env' in s) {
    if (s.empty) return lit(`${s.env}=""`);
    return s.values ? lit(`${s.env}=${s.values[0] ?? ''}`) : tx(T.envSet, { env: s.env });
  }
  const flag = s.flag[0] ?? '';
  if (s.values) return lit(`${flag}${flag.startsWith('--') || flag.startsWith('-E') ? '=' : ' '}${s.values[0] ?? ''}`);
  if (s.pattern) return tx(T.flagListening, { flag });
  return lit(`${flag}${s.takesValue ? ' …' : ''}`);
}

/** Where the setting was seen in the container, or null. */
export function findSetting(s: Setting, c: Container): { what: Text; path: string } | null {
  if ('env' in s) {
    const v = c.env?.find((e) => e.name === s.env);
    if (!v) return null;
    const value = v.value.trim();
    // A Kubernetes `valueFrom` (a secret) sets the variable; which value it holds is not visible.
    const set = value !== '' || Boolean(v.valueFrom);
    const ok = s.empty ? !set : s.values ? s.values.includes(value.toLowerCase()) : set;
    if (!ok) return null;
    const what = s.values
      ? lit(`${s.env}=${value}`)
      : s.empty
        ? lit(`${s.env}=""`)
        : v.valueFrom ? tx(T.envSetFrom, { env: s.env, from: v.valueFrom }) : tx(T.envSet, { env: s.env });
    return { what, path: v.path };
  }
  const command = commandFact(c);
  if (!command || !flagMatches(s, commandWords(c))) return null;
  return { what: describeSetting(s), path: command.path };
}

export type AuthVerdict =
  | { kind: 'disabled' | 'allows-none' | 'auth'; what: Text; path: string }
  | { kind: 'none' };

/**
 * What the containers' settings say about authentication, strongest first: a setting that
 * switches it off wins over any password; then authentication evidence; then a setting that
 * merely allows access without it.
 */
export function authVerdict(service: SensitiveService, containers: readonly Container[]): AuthVerdict {
  const first = (settings: readonly Setting[]): { what: Text; path: string } | null => {
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
