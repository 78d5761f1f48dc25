/**
 * The agent reads every container's environment, and whatever it uploads is stored by the
 * service. Secrets in environment variables are replaced before anything leaves the host.
 * The variable stays, with a non-empty value: 3.13 reads "a password is set" as authentication
 * evidence, and never needs the password itself. Settings that are plain switches
 * (`ALLOW_EMPTY_PASSWORD=yes`, `POSTGRES_HOST_AUTH_METHOD=trust`) stay as they are, since they
 * are the evidence.
 */

export const REDACTED = '[redacted]';

const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|_key$|^key$/i;
/** Values that switch something on or off, never a secret. */
const SWITCH_VALUE = /^(?:|yes|no|true|false|on|off|0|1|y|n|trust|md5|scram-sha-256|password|none|disabled?|enabled?)$/i;
/** `scheme://user:password@host`: the password part. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi;

/** One `NAME=value` entry, redacted when its name or value carries a secret. */
export function redactEnvEntry(entry: string): string {
  const eq = entry.indexOf('=');
  if (eq <= 0) return entry;
  const name = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  if (SECRET_NAME.test(name) && !SWITCH_VALUE.test(value.trim())) return `${name}=${REDACTED}`;
  return `${name}=${value.replace(URL_PASSWORD, `$1${REDACTED}$3`)}`;
}

/** A container or image inspect with `Config.Env` redacted; the input is not changed. */
export function redactInspect<T extends Record<string, unknown>>(inspect: T): T {
  const config = inspect.Config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return inspect;
  const env = (config as Record<string, unknown>).Env;
  if (!Array.isArray(env)) return inspect;
  const redacted = env.map((e) => (typeof e === 'string' ? redactEnvEntry(e) : e));
  return { ...inspect, Config: { ...config, Env: redacted } };
}
