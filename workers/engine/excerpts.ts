/**
 * Excerpts: the source behind a finding, quoted from the artifact it was read from. The engine
 * stores one with every failing and unknown finding that names a place in a text, when it makes
 * the finding, so the dashboard, the attestation PDF and SARIF can show it after the artifact's
 * text is gone (RETAIN_ARTIFACTS_DAYS deletes texts, never findings). Uploads are redacted before
 * anything is parsed, so an excerpt never holds more than the redacted text does.
 *
 * The cost stays with findings: an artifact's lines are split, its JSON read or its YAML given
 * source positions only when a finding asks for a place in it, and each artifact at most once.
 */
import type { ArtifactKind } from '../model/evidence.ts';
import type { ControlResult, Excerpt } from '../model/result.ts';
import { lineResolver } from './source-lines.ts';

/** Characters kept of one line or value. */
export const EXCERPT_MAX_CHARS = 240;
/** Excerpts stored per evaluation: one odd artifact with thousands of findings must not bloat a verdict. */
export const MAX_EXCERPTS = 200;
/**
 * Longest text whose YAML paths are resolved to lines while evaluating (a report or page resolves
 * larger ones from the stored text, up to its own limit): positions cost a second, slower parse.
 */
const MAX_RESOLVED_CHARS = 1024 * 1024;

const clip = (s: string): string => (s.length > EXCERPT_MAX_CHARS ? `${s.slice(0, EXCERPT_MAX_CHARS - 1)}…` : s);

/** The lines around line `n` (one either side), the line itself marked; null outside the text. */
export function linesAround(lines: readonly string[], n: number): Excerpt | null {
  if (!Number.isInteger(n) || n < 1 || n > lines.length) return null;
  const out = [];
  for (let i = Math.max(1, n - 1); i <= Math.min(lines.length, n + 1); i++) out.push({ n: i, text: clip(lines[i - 1] ?? ''), hit: i === n });
  return { type: 'lines', lines: out };
}

/** The value a JSON pointer names (own keys only), as JSON; an absent one is shown empty. */
export function valueAt(root: unknown, pointer: string): Excerpt {
  const keys = pointer.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let value: unknown = root;
  for (const k of keys) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, k)) {
      value = undefined;
      break;
    }
    value = (value as Record<string, unknown>)[k];
  }
  return { type: 'value', key: keys[keys.length - 1] ?? '', value: value === undefined ? '' : clip(boundedJson(value, EXCERPT_MAX_CHARS)) };
}

/**
 * JSON text of a value, written only as far as `max` characters (a pointer may name a whole
 * container: its first characters are quoted, not its megabytes). Longer results are cut by clip.
 */
export function boundedJson(value: unknown, max: number): string {
  const out: string[] = [];
  let length = 0;
  const put = (s: string): boolean => {
    out.push(s);
    length += s.length;
    return length <= max;
  };
  const write = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return put(JSON.stringify(v) ?? 'null');
    if (Array.isArray(v)) {
      if (!put('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !put(',')) || !write(v[i])) return false;
      return put(']');
    }
    if (!put('{')) return false;
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      if ((!first && !put(',')) || !put(`${JSON.stringify(k)}:`) || !write(x)) return false;
      first = false;
    }
    return put('}');
  };
  write(value);
  return out.join('');
}

const isLine = (location: string): RegExpExecArray | null => /^line (\d+)$/.exec(location);

/**
 * Excerpts over one set of artifacts (name → text, or parsed JSON as uploaded): `line N`, a JSON
 * pointer or a YAML path, each artifact split, parsed or indexed once, on the first place asked of it.
 */
export function excerptSource(
  artifacts: ReadonlyMap<string, unknown>,
  options: {
    maxResolvedChars?: number;
    /** JSON already read from some of the texts (by their parsers), by artifact name. */
    parsed?: ReadonlyMap<string, unknown>;
  } = {},
): (artifact: string, location: string) => Excerpt | null {
  const texts = new Map<string, string>();
  for (const [name, content] of artifacts) if (typeof content === 'string') texts.set(name, content);
  const lines = new Map<string, string[]>();
  const json = new Map<string, { ok: boolean; value: unknown }>();
  for (const [name, value] of options.parsed ?? []) json.set(name, { ok: true, value });
  const lineOf = lineResolver(texts, options.maxResolvedChars ?? MAX_RESOLVED_CHARS);
  const linesOf = (name: string, text: string): string[] => {
    let l = lines.get(name);
    if (!l) {
      l = text.split(/\r?\n/);
      // A final newline ends the last line; it does not start another.
      if (l.length > 1 && l[l.length - 1] === '') l.pop();
      lines.set(name, l);
    }
    return l;
  };
  // Several findings often name one place (a container's root, for every control it is silent on).
  const seen = new Map<string, Excerpt | null>();
  return (artifact, location) => {
    if (location === '' || !artifacts.has(artifact)) return null;
    const key = `${artifact}\u0000${location}`;
    const known = seen.get(key);
    if (known !== undefined) return known;
    const e = excerptAt(artifact, location);
    seen.set(key, e);
    return e;
  };

  function excerptAt(artifact: string, location: string): Excerpt | null {
    const content = artifacts.get(artifact);
    if (location.startsWith('/')) {
      // Parsed JSON as uploaded is read as it is; text is read once.
      if (typeof content !== 'string') return content === undefined ? null : valueAt(content, location);
      let parsed = json.get(artifact);
      if (!parsed) {
        try {
          parsed = { ok: true, value: JSON.parse(content) };
        } catch {
          parsed = { ok: false, value: null };
        }
        json.set(artifact, parsed);
      }
      return parsed.ok ? valueAt(parsed.value, location) : null;
    }
    if (typeof content !== 'string') return null;
    const line = isLine(location);
    const n = line ? Number(line[1]) : lineOf(artifact, location);
    return n === null ? null : linesAround(linesOf(artifact, content), n);
  }
}

/**
 * Gives the failing and unknown findings of a verdict their excerpts (at most MAX_EXCERPTS), in
 * place. Passing findings get none: nothing there needs fixing, and they would only bloat the verdict.
 */
export function attachExcerpts(
  controls: readonly ControlResult[],
  artifacts: readonly { source: { artifact: string; kind: ArtifactKind }; content?: unknown; json?: unknown }[],
): void {
  if (!controls.some((c) => c.findings.some((f) => f.status !== 'pass' && f.location !== ''))) return;
  const parsed = new Map(artifacts.flatMap((a) => (a.json === undefined ? [] : [[a.source.artifact, a.json] as const])));
  const excerptOf = excerptSource(new Map(artifacts.map((a) => [a.source.artifact, a.content])), { parsed });
  let left = MAX_EXCERPTS;
  for (const c of controls) {
    for (const f of c.findings) {
      if (left === 0) return;
      if (f.status === 'pass' || f.location === '' || f.excerpt) continue;
      const e = excerptOf(f.artifact, f.location);
      if (e) {
        f.excerpt = e;
        left -= 1;
      }
    }
  }
}
