/**
 * Secrets on command lines: values of secret flags (`--password x`, `--requirepass=x`, mysql
 * `-pX`, `sshpass -p x`, `redis-cli -a x`, `docker login -p x`, `curl -u user:x`), secret-named
 * assignments (`NPM_TOKEN=x npm ci`, `-Dspring.datasource.password=x`, `…;Password=x;`, `?token=x`),
 * `docker run -e NAME=x` values and `Authorization:` headers. Switches the controls read
 * (`--protected-mode no`, `--anonymous-auth=false`, `--client-cert-auth`, `-Expack.security.enabled=true`)
 * are no secrets and stay.
 *
 * Text is split into words by the shared splitter (`workers/parsers/shell-words.ts`: single and
 * double quotes, escapes, no expansion), keeping where each character came from, so a value is
 * replaced in place and the surrounding quotes stay balanced.
 */
import { isSecretFlag, isSecretName, keepsEnvValue } from './names.ts';
import { type Segment, type ShellWord, splitWords, TEXT } from '../parsers/shell-words.ts';
import { isVariableReference, PLACEHOLDER, type RedactionKind, type Span } from './redaction.ts';

type Word = ShellWord;

/** Words after which a new command starts. */
const SEPARATORS = new Set(['&&', '||', ';', '|', '&', '(', ')', '{', '}', 'then', 'do', 'else', '!', ';;']);
/** Wrapping programs whose arguments are another command. */
const MYSQL = new Set(['mysql', 'mysqldump', 'mysqladmin', 'mysqlimport', 'mysqlcheck', 'mysqlshow', 'mysqlsh', 'mariadb',
  'mariadb-dump', 'mariadb-admin', 'mariadb-import', 'mariadb-check']);
const MONGO = new Set(['mongo', 'mongosh', 'mongodump', 'mongorestore', 'mongoexport', 'mongoimport']);
const REDIS_CLI = new Set(['redis-cli', 'valkey-cli', 'keydb-cli']);
const LOGIN = new Set(['docker', 'podman', 'nerdctl', 'buildah', 'skopeo', 'helm', 'oras', 'crane', 'regctl', 'cosign']);
/** Container CLIs whose `-e NAME=value` sets a container's environment (elsewhere `-e` is a script or a pattern). */
const CONTAINER_CLIS = new Set(['docker', 'podman', 'nerdctl']);
const USER_PASS = new Set(['curl']);
const PROGRAMS = new Set([...MYSQL, ...MONGO, ...REDIS_CLI, ...LOGIN, ...USER_PASS, 'sshpass', 'openssl', 'htpasswd']);
/** Flags that take `NAME=value` environment entries, and flags that take `name=value` settings. */
const ENV_FLAGS = new Set(['--env', '--build-arg']);
const SET_FLAGS = new Set(['--set', '--set-string', '--set-literal', '--build-env']);
/** Quoted words are scanned again as text (`sh -c "redis-server --requirepass x"`), this deep. */
const MAX_NESTING = 3;
const HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'apikey', 'x-auth-token',
  'x-access-token', 'private-token', 'job-token', 'x-vault-token', 'x-goog-api-key', 'cookie', 'x-amz-security-token',
  'x-github-token', 'x-registry-auth']);
const SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate', 'bot', 'apikey', 'key', 'ntlm', 'sso-key']);

type Pending = { type: 'value' | 'userpass' | 'env' | 'assign' | 'header'; kind: RedactionKind } | null;

/** Secret spans in shell-like text (a RUN instruction, a script, a process list line). */
export function commandSpans(text: string, escape = '\\'): Span[] {
  if (!mayHoldSecret(text)) return [];
  const spans: Span[] = [];
  const words = tokenize(text, escape);
  scanWords(words, (w, a, b, kind, strong) => spans.push({ ...toSource(w, a, b), kind, strong }), 0);
  return spans;
}

/**
 * Secret spans in an argv (`Config.Cmd`, a Kubernetes `args` list): flags and their values may
 * be separate elements, and an element may itself be a shell line (`sh -c "… --requirepass x"`).
 * Returns the spans of each element, in element coordinates.
 */
export function argvSpans(argv: readonly string[]): Span[][] {
  const out: Span[][] = argv.map((a) => commandSpans(a));
  const words: Word[] = argv.map((a, i) => ({
    value: a,
    start: 0,
    end: a.length,
    segments: [{ v: 0, r: 0, rl: a.length, vl: a.length, quoted: false }],
    quotes: [],
    first: i === 0,
  }));
  // Each element was scanned as text above; here only the pairing across elements is added.
  scanWords(words, (w, a, b, kind, strong) => {
    const i = words.indexOf(w);
    out[i]?.push({ start: a, end: b, kind, strong });
  }, MAX_NESTING);
  return out;
}

/** Cheap pre-check: text without `-`, `=` or `:` cannot hold any of the patterns here. */
function mayHoldSecret(text: string): boolean {
  return text.includes('-') || text.includes('=') || text.includes(':');
}

/** Words as a shell quotes them (`shell-words.ts`), remembering where every value character came from. */
function tokenize(text: string, escape: string): Word[] {
  return splitWords(text, escape === '\\' ? TEXT : { ...TEXT, escape }, { segments: true });
}

/** The source range of value characters [a, b), widened to whole quote pairs it cuts into. */
function toSource(w: Word, a: number, b: number): { start: number; end: number } {
  const seg = (k: number): Segment | undefined => w.segments.find((s) => k >= s.v && k < s.v + s.vl);
  const s = seg(a);
  const e = seg(b - 1);
  let start = s ? (s.rl === s.vl ? s.r + (a - s.v) : s.r) : 0;
  let end = e ? (e.rl === e.vl ? e.r + (b - 1 - e.v) + 1 : e.r + e.rl) : 0;
  for (const [open, close] of w.quotes) {
    const insideStart = start > open && start <= close;
    const insideEnd = end > open && end <= close;
    if (insideStart && !insideEnd) start = open;
    if (insideEnd && !insideStart) end = close + 1;
  }
  return { start, end };
}

/**
 * The part of a word the rules look at: JSON-array words (`["--requirepass",`) lose the
 * unquoted brackets and commas around the quoted string.
 */
function core(w: Word): { text: string; offset: number } {
  if (w.quotes.length === 0) return { text: w.value, offset: 0 };
  let a = 0;
  let b = w.value.length;
  const unquoted = (k: number): boolean => w.segments.some((s) => !s.quoted && k >= s.v && k < s.v + s.vl);
  while (a < b && w.value.charAt(a) === '[' && unquoted(a)) a++;
  while (b > a && ',]'.includes(w.value.charAt(b - 1)) && unquoted(b - 1)) b--;
  return { text: w.value.slice(a, b), offset: a };
}

type Emit = (w: Word, a: number, b: number, kind: RedactionKind, strong: boolean) => void;

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

function redactable(value: string): boolean {
  return value !== '' && value !== PLACEHOLDER && !isVariableReference(value);
}

/** Applies the rules to a word list, in order: a flag decides what its next word is. */
function scanWords(words: readonly Word[], emit: Emit, depth: number): void {
  let program = '';
  let login = false;
  let pending: Pending = null;
  for (const w of words) {
    if (w.first) {
      program = '';
      login = false;
      pending = null;
    }
    const { text: v, offset } = core(w);
    const at = (a: number, b: number, kind: RedactionKind, strong = true): void => emit(w, offset + a, offset + b, kind, strong);
    if (v === '') continue;
    // Only quotes or escapes put spaces into a word.
    if (depth < MAX_NESTING && (w.quotes.length > 0 || w.segments.length > 1) && /\s/.test(v)) {
      scanWords(tokenize(v, '\\'), (iw, a, b, kind, strong) => {
        const inner = toSource(iw, a, b);
        at(inner.start, inner.end, kind, strong);
      }, depth + 1);
    }
    if (SEPARATORS.has(v)) {
      program = '';
      login = false;
      pending = null;
      continue;
    }
    const p: Pending = pending;
    pending = null;
    if (p && (!v.startsWith('-') || v.length === 1)) {
      if (p.type === 'header' && SCHEMES.has(v.toLowerCase())) pending = p;
      else if (p.type === 'value' || p.type === 'header') {
        if (redactable(v)) at(0, v.length, p.kind);
      } else if (p.type === 'userpass') {
        const colon = v.indexOf(':');
        if (colon !== -1 && redactable(v.slice(colon + 1))) at(colon + 1, v.length, 'flag');
      } else {
        pair(v, 0, p.type === 'env', at);
      }
      continue;
    }
    if (v.startsWith('-') && v.length > 1 && !/^-\d/.test(v)) {
      pending = flag(v, program, login, at);
    } else {
      pending = plainWord(v, at);
      const base = basename(v);
      if (PROGRAMS.has(base)) program = base;
      if (v === 'login') login = true;
    }
    if (v.endsWith(';') && v.length > 1) {
      program = '';
      login = false;
      pending = null;
    }
  }
}

type At = (a: number, b: number, kind: RedactionKind, strong?: boolean) => void;

/** `NAME=value` given to `-e` (every value, unless harmless) or to `--set` (secret names only). */
function pair(v: string, base: number, env: boolean, at: At): void {
  const eq = v.indexOf('=');
  if (eq <= 0) return;
  const name = v.slice(0, eq);
  const value = v.slice(eq + 1);
  if (!redactable(value)) return;
  const secret = isSecretName(name);
  if (env ? !keepsEnvValue(name) : secret) at(base + eq + 1, base + v.length, env ? 'env' : 'assignment', secret);
}

/** A flag word; returns what the next word is, if the flag takes it. */
function flag(v: string, program: string, login: boolean, at: At): Pending {
  const eq = v.indexOf('=');
  const name = eq === -1 ? v : v.slice(0, eq);
  const inline = eq === -1 ? null : v.slice(eq + 1);
  const bare = name.replace(/^-+/, '');
  // Java system properties and Elasticsearch settings: `-Dx.password=…`, `-Expack.security.enabled=…`.
  if (/^-[DE][A-Za-z_]/.test(name) && inline !== null) {
    if (isSecretName(name.slice(2)) && redactable(inline)) at(eq + 1, v.length, 'assignment');
    return null;
  }
  if (ENV_FLAGS.has(name) || (name === '-e' && CONTAINER_CLIS.has(program))) {
    if (inline === null) return { type: 'env', kind: 'env' };
    pair(inline, eq + 1, true, at);
    return null;
  }
  if (SET_FLAGS.has(name)) {
    if (inline === null) return { type: 'assign', kind: 'assignment' };
    pair(inline, eq + 1, false, at);
    return null;
  }
  const short = shortFlag(v, program, login, at);
  if (short !== undefined) return short;
  if (name.startsWith('--') || bare.length > 1) {
    if ((program === 'curl' && (name === '--user' || name === '--proxy-user' || name === '-U'))) {
      if (inline === null) return { type: 'userpass', kind: 'flag' };
      const colon = inline.indexOf(':');
      if (colon !== -1 && redactable(inline.slice(colon + 1))) at(eq + 1 + colon + 1, v.length, 'flag');
      return null;
    }
    if (isSecretFlag(bare)) {
      if (inline === null) return { type: 'value', kind: 'flag' };
      if (redactable(inline)) at(eq + 1, v.length, 'flag');
    }
  }
  return null;
}

/** Program-specific one-letter flags; undefined when none applies. */
function shortFlag(v: string, program: string, login: boolean, at: At): Pending | undefined {
  const attached = (letter: string): boolean => v.length > 2 && v.startsWith(`-${letter}`) && !v.startsWith(`-${letter}=`);
  if (MYSQL.has(program)) {
    // mysql reads `-pSECRET`; a bare `-p` prompts, and the next word is the database.
    if (attached('p')) {
      if (redactable(v.slice(2))) at(2, v.length, 'flag');
      return null;
    }
    return v === '-p' ? null : undefined;
  }
  if (program === 'sshpass' || MONGO.has(program) || (LOGIN.has(program) && login)) {
    if (v === '-p') return { type: 'value', kind: 'flag' };
    if (attached('p')) {
      if (redactable(v.slice(2))) at(2, v.length, 'flag');
      return null;
    }
  }
  if (REDIS_CLI.has(program) && v === '-a') return { type: 'value', kind: 'flag' };
  if (program === 'openssl' && v === '-k') return { type: 'value', kind: 'flag' };
  if (USER_PASS.has(program)) {
    if (v === '-u') return { type: 'userpass', kind: 'flag' };
    if (attached('u')) {
      const colon = v.indexOf(':');
      if (colon !== -1 && redactable(v.slice(colon + 1))) at(colon + 1, v.length, 'flag');
      return null;
    }
  }
  return undefined;
}

/** A word that is not a flag: a header, an assignment, or a connection/query string with secret keys. */
function plainWord(v: string, at: At): Pending {
  const colon = v.indexOf(':');
  // `Authorization: …`, also inside a setting (`http.extraheader=Authorization: Basic …`).
  const head = colon > 0 ? v.slice(0, colon) : '';
  if (colon > 0 && HEADERS.has(head.slice(head.lastIndexOf('=') + 1).trim().toLowerCase())) {
    let k = colon + 1;
    while (v.charAt(k) === ' ') k++;
    const space = v.indexOf(' ', k);
    if (space !== -1 && SCHEMES.has(v.slice(k, space).toLowerCase())) {
      k = space + 1;
      while (v.charAt(k) === ' ') k++;
    } else if (SCHEMES.has(v.slice(k).toLowerCase())) {
      return { type: 'header', kind: 'header' };
    }
    if (k >= v.length) return { type: 'header', kind: 'header' };
    if (redactable(v.slice(k))) at(k, v.length, 'header');
    return null;
  }
  const assignment = /^[A-Za-z_][A-Za-z0-9_.-]*=/.exec(v);
  if (assignment) {
    const eq = assignment[0].length - 1;
    if (isSecretName(v.slice(0, eq))) {
      if (redactable(v.slice(eq + 1))) at(eq + 1, v.length, 'assignment');
      return null;
    }
  }
  if (v.includes('=') && (v.includes(';') || v.includes('&') || v.includes('?')) && !/\s/.test(v)) pieces(v, at);
  return null;
}

/** `Server=db;User Id=sa;Password=x;`, `https://host/x?token=y&z=1`: the secret-named pieces. */
function pieces(v: string, at: At): void {
  let start = 0;
  for (let i = 0; i <= v.length; i++) {
    const ch = v.charAt(i);
    if (i < v.length && ch !== ';' && ch !== '&' && ch !== '?') continue;
    const piece = v.slice(start, i);
    const eq = piece.indexOf('=');
    if (eq > 0 && isSecretName(piece.slice(0, eq).trim()) && redactable(piece.slice(eq + 1))) {
      at(start + eq + 1, i, 'assignment');
    }
    start = i + 1;
  }
}
