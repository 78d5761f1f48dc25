/**
 * Secrets recognised by their shape, wherever they appear: PEM private keys, credentials in
 * URLs, JSON Web Tokens and the token formats of common services. Every scan here is a single
 * pass with `indexOf` or character tests (no backtracking regex over untrusted text), so a
 * hostile upload costs time linear in its size.
 */
import { isVariableReference, type Span } from './redaction.ts';

/** All shape-recognised secrets in `text`. */
export function shapeSpans(text: string): Span[] {
  if (text.length < 8) return [];
  const spans: Span[] = [];
  if (text.includes('PRIVATE KEY')) privateKeys(text, spans);
  if (text.includes('://')) urlCredentials(text, spans);
  if (text.length >= MIN_TOKEN) tokens(text, spans);
  return spans;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';

/** The body of `-----BEGIN … PRIVATE KEY-----` blocks (markers kept, so a reader sees a key was there). */
function privateKeys(text: string, spans: Span[]): void {
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin === -1) return;
    const labelStart = begin + BEGIN.length;
    const close = text.slice(labelStart, labelStart + 64).indexOf('-----');
    const label = close === -1 ? '' : text.slice(labelStart, labelStart + close);
    if (!label.includes('PRIVATE KEY')) {
      pos = labelStart;
      continue;
    }
    const bodyStart = labelStart + close + 5;
    const end = text.indexOf(END, bodyStart);
    // An unterminated key is redacted to the end: better too much than a key's tail.
    let bodyEnd = end === -1 ? text.length : end;
    if (end !== -1 && text.charAt(bodyEnd - 1) === '\n') bodyEnd -= text.charAt(bodyEnd - 2) === '\r' ? 2 : 1;
    if (bodyEnd > bodyStart) spans.push({ start: bodyStart, end: bodyEnd, kind: 'private-key', strong: true });
    pos = end === -1 ? text.length : end + END.length;
  }
}

/** Characters that end a URL's authority (RFC 3986 `/ ? #`) or the URL itself in text. */
function endsAuthority(code: number): boolean {
  // / ? # space tab LF CR " ' ` < > \ ) ] }
  return code === 47 || code === 63 || code === 35 || code === 32 || code === 9 || code === 10 || code === 13 ||
    code === 34 || code === 39 || code === 96 || code === 60 || code === 62 || code === 92 || code === 41 ||
    code === 93 || code === 125;
}

/** `scheme://user:password@host` → the password; `https://TOKEN@host` → a token-like user. */
function urlCredentials(text: string, spans: Span[]): void {
  let pos = 0;
  for (;;) {
    const sep = text.indexOf('://', pos);
    if (sep === -1) return;
    const start = sep + 3;
    let i = start;
    let at = -1;
    while (i < text.length && !endsAuthority(text.charCodeAt(i))) {
      if (text.charCodeAt(i) === 64) at = i;
      i++;
    }
    if (at > start) {
      const userinfo = text.slice(start, at);
      const colon = userinfo.indexOf(':');
      if (colon !== -1) {
        const password = userinfo.slice(colon + 1);
        if (password !== '' && !isVariableReference(password)) {
          spans.push({ start: start + colon + 1, end: at, kind: 'url-credential', strong: true });
        }
      } else if (looksRandom(userinfo) || tokenKind(userinfo) !== null) {
        spans.push({ start, end: at, kind: 'url-credential', strong: true });
      }
    }
    pos = Math.max(i, start);
  }
}

function isTokenChar(code: number): boolean {
  // A-Z a-z 0-9 _ -
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95 || code === 45;
}

/** The shortest service token (an AWS access key id is 20 characters, most are longer). */
const MIN_TOKEN = 16;

/**
 * Runs of `[A-Za-z0-9_-]`: service tokens are such runs, a JWT three of them joined by dots,
 * a SendGrid key `SG` and two more. Read in one pass, keeping the last two runs.
 */
function tokens(text: string, spans: Span[]): void {
  const runs: [number, number][] = [];
  let i = 0;
  while (i < text.length) {
    if (!isTokenChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isTokenChar(text.charCodeAt(i))) i++;
    runs.push([start, i]);
    if (runs.length > 3) runs.shift();
    const n = runs.length;
    // Three runs joined by dots end here: a JWT or a SendGrid key?
    if (n === 3) {
      const joined = joinedRuns(text, runs);
      if (joined !== null) {
        spans.push({ ...joined, strong: true });
        runs.length = 0;
        continue;
      }
    }
    const prev = n >= 2 ? runs[n - 2] : undefined;
    // The middle run of a possible JWT is judged once the third is known.
    if (prev && text.charAt(prev[1]) === '.' && prev[1] + 1 === start && text.startsWith('eyJ', prev[0])) continue;
    if (i - start >= MIN_TOKEN && tokenKind(text.slice(start, i)) !== null) {
      spans.push({ start, end: i, kind: 'token', strong: true });
    }
  }
}

/** `eyJ….eyJ….sig` (a JWT: header and payload are base64url JSON objects) or `SG.….…` (SendGrid). */
function joinedRuns(text: string, runs: readonly [number, number][]): { start: number; end: number; kind: 'jwt' | 'token' } | null {
  const [a, b, c] = runs;
  if (!a || !b || !c) return null;
  if (b[0] !== a[1] + 1 || c[0] !== b[1] + 1 || text.charAt(a[1]) !== '.' || text.charAt(b[1]) !== '.') return null;
  if (text.startsWith('eyJ', a[0]) && text.startsWith('eyJ', b[0]) && a[1] - a[0] >= 10 && b[1] - b[0] >= 10 && c[1] - c[0] >= 10) {
    return { start: a[0], end: c[1], kind: 'jwt' };
  }
  if (a[1] - a[0] === 2 && text.startsWith('SG', a[0]) && b[1] - b[0] >= 16 && c[1] - c[0] >= 16) return { start: a[0], end: c[1], kind: 'token' };
  return null;
}

/** Prefix and minimum total length of service tokens; the rest must be letters, digits, `_` or `-`. */
const TOKEN_PREFIXES: readonly [string, number][] = [
  ['ghp_', 36], ['gho_', 36], ['ghu_', 36], ['ghs_', 36], ['ghr_', 36], ['github_pat_', 50],
  ['glpat-', 26], ['glptt-', 26], ['gldt-', 25], ['glrt-', 25], ['glsa_', 30],
  ['xoxb-', 20], ['xoxp-', 20], ['xoxa-', 20], ['xoxr-', 20], ['xoxs-', 20], ['xoxe-', 20], ['xapp-', 20],
  ['sk_live_', 24], ['rk_live_', 24], ['sk_test_', 24], ['rk_test_', 24], ['whsec_', 24],
  ['AIza', 39], ['npm_', 36], ['hf_', 30], ['dckr_pat_', 30], ['pypi-', 60], ['shpat_', 30], ['shpss_', 30],
  ['sk-proj-', 40], ['sk-ant-', 40], ['dop_v1_', 64], ['doo_v1_', 64], ['SK', 34], ['ATATT', 40],
];
/** AWS access key ids: a four-letter type prefix and 16 more upper-case letters or digits. */
const AWS_PREFIXES = ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ABIA', 'ACCA'];

/** Whether a run of token characters is a known service token. */
export function tokenKind(run: string): 'token' | null {
  if (run.length === 20 && AWS_PREFIXES.some((p) => run.startsWith(p)) && /^[A-Z0-9]+$/.test(run)) return 'token';
  for (const [prefix, min] of TOKEN_PREFIXES) {
    if (!run.startsWith(prefix) || run.length < min) continue;
    const rest = run.slice(prefix.length);
    // `SK…` (Twilio) is 32 hex characters after the prefix; anything else would be a word.
    if (prefix === 'SK' && !/^[0-9a-f]{32}$/.test(rest)) continue;
    if (/[0-9]/.test(rest) || /[A-Z]/.test(rest)) return 'token';
  }
  return null;
}

const HEX = /^[0-9a-fA-F]+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A random-looking string: long, no spaces, mixing upper case, lower case and digits, with
 * Shannon entropy near the maximum for its length. Hex strings (digests, commit ids), UUIDs,
 * paths, URLs, image references and versions are not random in this sense: they identify
 * things, and the controls or a reader need them.
 */
export function looksRandom(value: string): boolean {
  // Digests and variable references are not what makes a value random (`node:${V}@sha256:…`).
  const v = value
    .trim()
    .replace(/sha(?:256|384|512):[0-9a-fA-F]{32,128}/g, '')
    .replace(/\$\{[A-Za-z0-9_:.+-]{1,100}\}|\$[A-Za-z_][A-Za-z0-9_]{0,100}/g, '');
  if (v.length < 20 || v.length > 8192 || /\s/.test(v)) return false;
  if (HEX.test(v) || UUID.test(v) || /^sha(256|384|512):/.test(v) || v.includes('://')) return false;
  if (v.startsWith('/') || v.startsWith('./') || v.startsWith('~/')) return false;
  if (!/[a-z]/.test(v) || !/[A-Z]/.test(v) || !/[0-9]/.test(v)) return false;
  const counts = new Map<string, number>();
  for (const ch of v) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / v.length;
    entropy -= p * Math.log2(p);
  }
  return entropy >= Math.min(4, Math.log2(v.length) - 0.5);
}
