/**
 * What redaction produces and records. A redacted value becomes {@link PLACEHOLDER}: never empty,
 * so "set and non-empty" (all that the controls read of a secret) survives, and never anything
 * derived from the value (no hash, no length, no prefix), so nothing about it can be guessed back.
 */

export const PLACEHOLDER = '[REDACTED]';

export const REDACTION_KINDS = [
  /** An environment variable's value (docker `Config.Env`, Kubernetes `env[].value`, Compose `environment`, `ENV`). */
  'env',
  /** A build argument's value (`ARG`, Compose `build.args`, the `|N NAME=value` prefix of image history). */
  'build-arg',
  /** The value of a secret-looking command-line flag (`--password x`, `--requirepass x`, `-pX` for mysql). */
  'flag',
  /** A secret-named `NAME=value` in a command line, connection string or query string. */
  'assignment',
  /** An `Authorization:`-style header value in a command line. */
  'header',
  /** The password (or token) part of `scheme://user:password@host`. */
  'url-credential',
  /** The body of a PEM private key block. */
  'private-key',
  /** A JSON Web Token. */
  'jwt',
  /** A token recognised by its shape (AWS access key ids, GitHub, GitLab, Slack, Stripe, Google, npm, …). */
  'token',
  /** A random-looking string in a label or build argument. */
  'high-entropy',
  /** A field named like a secret (`password`, `apiKey`, `client_secret`) in structured content. */
  'secret-field',
  /** The `data`/`stringData` of a Kubernetes Secret. */
  'secret-data',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

/** One redacted value: what kind of secret, and where (a location as findings give it). Never the value. */
export interface Redaction {
  kind: RedactionKind;
  location: string;
}

/** Content that cannot be redacted safely; it must be refused rather than stored. */
export class RedactionError extends Error {
  override name = 'RedactionError';
}

/** Options every redactor takes. */
export interface RedactOptions {
  /** Environment variable names whose values are harmless and kept, beyond the built-in list. */
  allowEnv?: readonly string[];
}

/** A part of a string to replace: [start, end) and what it was. */
export interface Span {
  start: number;
  end: number;
  kind: RedactionKind;
  /** Certainly a secret (by its name, flag or shape), so worth finding elsewhere in the artifact. */
  strong?: boolean;
}

/**
 * Secrets shorter than this are not looked for elsewhere in the artifact: a short value
 * (`1`, `yes`, `app`) occurs by chance in unrelated places, where blanking it would change facts.
 */
export const MIN_REPEATED_SECRET = 8;

/**
 * Collects redactions and the secrets worth finding again: a password given in `Config.Env` and
 * repeated in a health check command is redacted in both places.
 */
export class Recorder {
  /** Each kind and location once, the first {@link MAX_LISTED}. */
  readonly redactions: Redaction[] = [];
  /** How many values were redacted, by kind: all of them, also those past the listed ones. */
  readonly counts: Partial<Record<RedactionKind, number>> = {};
  private readonly seen = new Set<string>();
  /** Secret values (never stored, never returned) to look for in the rest of the artifact. */
  readonly secrets = new Map<string, RedactionKind>();

  /** Records a redaction; the location may be given as a function, only called if it is listed. */
  add(kind: RedactionKind, location: string | (() => string)): void {
    if (this.redactions.length >= MAX_LISTED) {
      this.counts[kind] = (this.counts[kind] ?? 0) + 1;
      return;
    }
    let where = typeof location === 'string' ? location : location();
    if (where.length > MAX_LOCATION) where = `${where.slice(0, MAX_LOCATION - 1)}…`;
    const key = `${kind}\u0000${where}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.redactions.push({ kind, location: where });
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  /** Remembers a value that is certainly secret, so its other occurrences are redacted too. */
  remember(value: string, kind: RedactionKind): void {
    const v = value.trim();
    if (v.length < MIN_REPEATED_SECRET || v === PLACEHOLDER || v.includes(PLACEHOLDER)) return;
    if (this.secrets.size < MAX_REMEMBERED && !this.secrets.has(v)) this.secrets.set(v, kind);
  }
}

/** A snapshot lists at most a thousand redactions; an artifact need not remember more. */
const MAX_LISTED = 1000;
/** Enough for any real artifact; a hostile one cannot make the repeat search (values × secrets) explode. */
const MAX_REMEMBERED = 64;
/** Locations in hostile, deeply nested content could be megabytes long. */
const MAX_LOCATION = 500;

/**
 * Replaces spans of `text` with the placeholder. Overlapping spans merge (the first kind wins).
 * With `keepLines`, each replaced line break is kept (with the escape character before it, if
 * any), so line-based locations (`line 12`) after the span stay right.
 */
export function applySpans(text: string, spans: readonly Span[], keepLines: boolean): string {
  if (spans.length === 0) return text;
  const merged = mergeSpans(spans);
  let out = '';
  let pos = 0;
  for (const s of merged) {
    out += text.slice(pos, s.start) + (keepLines ? withLineBreaks(text.slice(s.start, s.end)) : PLACEHOLDER);
    pos = s.end;
  }
  return out + text.slice(pos);
}

/** Sorted, non-overlapping spans. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/**
 * The placeholder for a replaced stretch that spans lines: its line breaks move in front of it
 * (`\` newline for a continued line), so the placeholder lands on the stretch's last line.
 */
function withLineBreaks(original: string): string {
  if (!original.includes('\n')) return PLACEHOLDER;
  const lines = original.split('\n');
  let breaks = '';
  for (let i = 0; i < lines.length - 1; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const last = line.charAt(line.length - 1);
    breaks += (last === '\\' || last === '`' ? last : '') + '\n';
  }
  return breaks + PLACEHOLDER;
}

/** A shell or Compose variable reference (`$X`, `${X}`): it names a secret, it holds none. */
export function isVariableReference(value: string): boolean {
  return /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(value.trim());
}
