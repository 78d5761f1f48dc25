/**
 * Which names hold secrets, which hold harmless values, and which hold settings the controls
 * read by value. Environment values are redacted unless their name is harmless or a setting:
 * a variable's name says little about whether its value is secret (`DATABASE_URL`, `SENTRY_DSN`,
 * `CONFIG`), so redacting by default is the only safe rule.
 */
import { SENSITIVE_SERVICES } from '../controls/shared/sensitive-services.ts';

/** Values that identify the runtime, not credentials; shown because they help reading a finding. */
const HARMLESS_ENV = new Set([
  'PATH', 'HOME', 'HOSTNAME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'LANGUAGE', 'TZ', 'PWD', 'container',
  'PORT', 'HOST', 'NODE_ENV', 'RAILS_ENV', 'RACK_ENV', 'APP_ENV', 'FLASK_ENV', 'ASPNETCORE_ENVIRONMENT', 'ENVIRONMENT',
  'DEBIAN_FRONTEND', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE',
  'PIP_NO_CACHE_DIR', 'PIP_DISABLE_PIP_VERSION_CHECK', 'JAVA_HOME', 'GOPATH', 'GOROOT', 'CARGO_HOME', 'RUSTUP_HOME',
  'NPM_CONFIG_LOGLEVEL', 'GOSU_VERSION', 'PGDATA', 'NGINX_PORT', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT',
  'LOG_LEVEL', 'LOG_FORMAT', 'GOMAXPROCS', 'TINI_SUBREAPER',
]);

/** `NODE_VERSION`, `PG_MAJOR`, `LC_ALL`: versions and locale settings. */
const HARMLESS_PATTERN = /^(?:[A-Z][A-Z0-9_]*_(?:VERSION|MAJOR|SHA256|SHA512|CHECKSUM)|LC_[A-Z_]+)$/;

/**
 * Settings whose VALUE the controls read (3.13: `POSTGRES_HOST_AUTH_METHOD=trust`,
 * `ALLOW_EMPTY_PASSWORD=yes`, `xpack.security.enabled=false`, …), taken from the control's own
 * table so the two cannot drift apart. They switch authentication on or off; they are no secret.
 */
const SETTINGS: ReadonlySet<string> = new Set([
  ...SENSITIVE_SERVICES.flatMap((s) => [
    ...s.disables.flatMap((x) => ('env' in x ? [x.env] : [])),
    ...s.allowsNone.flatMap((x) => ('env' in x ? [x.env] : [])),
    ...s.auth.flatMap((x) => ('env' in x && (x.values !== undefined || x.empty === true) ? [x.env] : [])),
  ]),
  'MYSQL_ALLOW_EMPTY_PASSWORD', 'MYSQL_RANDOM_ROOT_PASSWORD', 'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD',
  'MARIADB_ALLOW_EMPTY_PASSWORD', 'MARIADB_RANDOM_ROOT_PASSWORD', 'ALLOW_NONE_AUTHENTICATION', 'ALLOW_EMPTY_PASSWORD',
  'POSTGRES_HOST_AUTH_METHOD', 'ETCD_CLIENT_CERT_AUTH', 'ETCD_PEER_CLIENT_CERT_AUTH', 'DOCKER_TLS_CERTDIR',
  'DOCKER_TLS_VERIFY', 'xpack.security.enabled', 'ELASTICSEARCH_ENABLE_SECURITY', 'DISABLE_SECURITY_PLUGIN',
  'discovery.type',
]);

/** Keeps an environment value as it is: harmless, a setting the controls read, or allowed by configuration. */
export function keepsEnvValue(name: string, allow: readonly string[] = []): boolean {
  const n = name.trim();
  return SETTINGS.has(n) || HARMLESS_ENV.has(n) || HARMLESS_PATTERN.test(n) || allow.includes(n);
}

/** Words that make a name secret wherever they appear in it (`PGPASSWORD`, `dbPassword`, `NPM_TOKEN`). */
const SECRET_WORDS = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'api_key', 'accesskey', 'access_key',
  'privatekey', 'private_key', 'credential', 'requirepass', 'masterauth', 'accountkey', 'account_key',
  'sharedaccesskey', 'connectionstring', 'connection_string', 'signing_key', 'encryption_key', 'session_key',
  'master_key', 'client_key', 'license_key', 'webhook_url', 'sasl_jaas',
];
/** Words that make a name secret only as a whole segment (`DB_PASS`, `MYSQL_PWD`, `SENTRY_DSN`, `STRIPE_KEY`). */
// Not `auth`: `--client-cert-auth` and `--anonymous-auth=false` are switches the controls read.
const SECRET_SEGMENTS = new Set(['pass', 'pwd', 'pw', 'dsn', 'cookie', 'jwt', 'pat']);
/** A last segment that makes the value a reference or a switch, not the secret (`PASSWORD_FILE`, `--password-stdin`). */
const NOT_SECRET_SUFFIXES = new Set([
  'file', 'files', 'path', 'dir', 'directory', 'stdin', 'ttl', 'type', 'mode', 'method', 'name', 'names', 'ref',
  'env', 'id', 'length', 'min', 'max', 'policy', 'enabled', 'enable', 'disabled', 'required', 'prompt', 'url',
  'uri', 'endpoint', 'expiry', 'expires', 'expiration', 'timeout', 'header', 'algorithm', 'provider', 'format',
  'source', 'secretref', 'keyref', 'selector', 'version', 'lifetime', 'duration', 'count', 'size',
]);

/** `dbPassword` → `db_password`, `--requirepass` → `requirepass`, `MYSQL_ROOT_PASSWORD` → `mysql_root_password`. */
function normalise(name: string): string {
  const camel = /[a-z]/.test(name) && /[A-Z]/.test(name);
  return (camel ? name.replace(/([a-z0-9])([A-Z])/g, '$1_$2') : name)
    .toLowerCase()
    .replace(/^[-_.]+/, '')
    .replace(/[-.]/g, '_');
}

/**
 * A name that says its value is a secret: a password, token, key or credential, in any casing
 * and separator style. Names of files, switches and references to secrets are not secret.
 */
export function isSecretName(name: string): boolean {
  const known = decided.get(name);
  if (known !== undefined) return known;
  const secret = decide(name);
  // Field names repeat endlessly in large artifacts (every container has `Env`, `Cmd`, …).
  if (decided.size >= MAX_DECIDED) decided.clear();
  decided.set(name, secret);
  return secret;
}

const decided = new Map<string, boolean>();
const MAX_DECIDED = 10_000;

function decide(name: string): boolean {
  if (name.length === 0 || name.length > 200) return false;
  const n = normalise(name);
  if (n.startsWith('no_') || n.startsWith('allow_') || n.startsWith('skip_')) return false;
  const segments = n.split('_').filter((s) => s !== '');
  const last = segments[segments.length - 1] ?? '';
  if (NOT_SECRET_SUFFIXES.has(last)) return false;
  if (SECRET_WORDS.some((w) => n.includes(w))) return true;
  if (segments.some((s) => SECRET_SEGMENTS.has(s))) return true;
  // `STRIPE_KEY`, `SSH_KEY`: a key named after what it opens; `key` alone is a field name.
  return segments.length >= 2 && last === 'key';
}

/** Flags whose values are secrets although the generic rule would not say so. */
const SECRET_FLAGS = new Set(['pass', 'passin', 'passout', 'requirepass', 'masterauth', 'password', 'token', 'secret']);

/** A long flag (without dashes) whose value is a secret: `--password`, `--requirepass`, `--auth-token`. */
export function isSecretFlag(bare: string): boolean {
  const b = bare.toLowerCase();
  return SECRET_FLAGS.has(b) || isSecretName(b);
}
