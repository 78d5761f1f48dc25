/**
 * Defensive readers for untrusted parsed JSON/YAML. Parsers never trust a shape: every read
 * goes through these, so a string where an object was expected becomes "absent", not a crash.
 */

export class ArtifactError extends Error {
  /** Where in the artifact the problem is (`line 3`, a JSON pointer), when known. */
  readonly location: string | null;
  constructor(message: string, location: string | null = null) {
    super(message);
    this.name = 'ArtifactError';
    this.location = location;
  }
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rec(v: unknown): JsonRecord | null {
  return isRecord(v) ? v : null;
}

/** Own property only: `__proto__`/`constructor` keys in hostile input are plain data here. */
export function get(v: unknown, key: string): unknown {
  return isRecord(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A string, or a number/boolean rendered as one (YAML users write `user: 1000`). */
export function scalarStr(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === 'yes' || s === 'on' || s === '1') return true;
    if (s === 'false' || s === 'no' || s === 'off' || s === '0') return false;
  }
  return null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function strArr(v: unknown): string[] {
  return arr(v).map(scalarStr).filter((s): s is string => s !== null);
}

/** Record of string values (labels, annotations); other values are skipped. */
export function strRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    const s = scalarStr(val);
    if (s !== null) out[k] = s;
  }
  return out;
}

/** RFC 6901 JSON pointer from segments. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** YAML path in the `spec.template.spec.containers[1].securityContext` style. */
export function yamlPath(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

/** Parse JSON text, or accept content that is already parsed (the JSON upload form). */
export function jsonContent(content: unknown, what: string): unknown {
  if (typeof content !== 'string') return content;
  const text = content.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new ArtifactError(`${what} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ArtifactError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  lastJson = { text: content, value };
  return value;
}

/** The last text jsonContent read and what it read, until the pipeline takes it. */
let lastJson: { text: string; value: unknown } | null = null;

/**
 * The JSON value jsonContent read from exactly this text, if it was the last one read (then
 * forgotten): the engine quotes JSON pointers of its findings from it instead of reading the text
 * again. Undefined when this text was not read as JSON.
 */
export function takeParsedJson(content: unknown): unknown {
  const last = lastJson;
  lastJson = null;
  return last !== null && last.text === content ? last.value : undefined;
}

/** Text content; parsed JSON given for a text kind is refused. */
export function textContent(content: unknown, what: string): string {
  if (typeof content !== 'string') throw new ArtifactError(`${what} must be given as text`);
  return content.replace(/^\uFEFF/, '');
}

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export function protocol(v: unknown): 'tcp' | 'udp' | 'sctp' {
  const s = typeof v === 'string' ? v.toLowerCase() : 'tcp';
  return s === 'udp' || s === 'sctp' ? s : 'tcp';
}
