/**
 * OpenAPI-driven fuzzing: every operation of the document, for every role (and for no key at all),
 * is sent requests that fast-check derives from the operation's own parameter and body schemas —
 * a request the operation accepts (test/support/base-requests.ts) with up to four of its parts
 * replaced by something valid-ish or hostile: NUL, lone surrogates and other odd Unicode, long
 * strings, huge and fractional numbers, year 0 and year 10000, wrong types, deeply nested JSON,
 * bodies of the wrong media type, broken percent-encoding, other teams and unknown ids.
 *
 * Whatever comes, the answer is never a 5xx, and every 4xx is a problem document (RFC 9457) whose
 * status is the response's. The seed is fixed, so a run is repeatable, and a failure prints the
 * (shrunk) request that caused it. `FUZZ_RUNS` raises the runs per operation and role.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaseIds, type BaseRequest, baseRequests, freshIds } from '../support/base-requests.ts';
import { type Harness, startHarness } from '../support/harness.ts';

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  allOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: Schema | boolean;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const SEED = 18_2026;
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const ROLES = ['none', 'ingest', 'viewer', 'auditor', 'admin'] as const;
type Role = (typeof ROLES)[number];

let h: Harness;
let doc: Document;
let ownTeam: string;
let foreignTeam: string;
let ids: BaseIds;
const keys: Partial<Record<Role, string | null>> = {};

beforeAll(async () => {
  h = await startHarness();
  ownTeam = await h.team('fuzz');
  foreignTeam = await h.team('fuzz-other');
  ids = await freshIds(h, ownTeam);
  keys.none = null;
  for (const role of ['ingest', 'viewer', 'auditor', 'admin'] as const) {
    keys[role] = (await h.key(role, role === 'ingest' || role === 'viewer' ? ownTeam : undefined)).key;
  }
  doc = (await (await h.request('/openapi.json', { key: null })).json()) as Document;
});
afterAll(async () => h.close());

function resolve(schema: Schema): Schema {
  if (schema.$ref) {
    const found = doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (!found) throw new Error(`no schema ${schema.$ref}`);
    return resolve(found);
  }
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((part) => resolve(part))) as Schema;
  return schema;
}

const isDate = (s: Schema): boolean => s.format === 'date-time' || s.format === 'date' || (s.anyOf ?? []).some((x) => isDate(resolve(x)));
const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

// ---- hostile values, by what the schema says a value is ------------------------------------------

const LONG = 'x'.repeat(70_000);
/** What PostgreSQL refuses to store (NUL anywhere; an unpaired surrogate in jsonb): weighted up, as these found real 500s. */
const unstorable = fc.constantFrom('a\u0000b', '\u0000', '\ud800', 'a\udfffb', '\udbff\ud800', '😀\ud83d');
const hostileString = fc.oneof(
  { arbitrary: unstorable, weight: 3 },
  fc.constantFrom(
    '',
    ' ',
    'a\u0000b',
    '\u0000',
    '\ud800',
    'a\udfffb',
    '\ufeff',
    '\u202eevil',
    '👩🏽‍💻',
    'ǅ̸̨̛',
    'Ａｄｍｉｎ',
    '..',
    '../../etc/passwd',
    '%00',
    '%',
    '\\',
    '"',
    "'; drop table teams; --",
    '<script>alert(1)</script>',
    '{{7*7}}',
    '\r\n',
    'null',
    'undefined',
    '-1',
    '1e400',
    'NaN',
    LONG,
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => s.repeat(2_000)),
);
const hostileDate = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0000-01-01',
    '0001-01-01T00:00:00+14:00',
    '9999-12-31T23:59:59.999-14:00',
    '10000-01-01T00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01',
    '2026-12-07T25:61:61Z',
    '2026-12-07T00:00:00.1234567891234Z',
    '1970-01-01T00:00:00Z',
    '2026-12-07',
    'now',
  ),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 2 ** 31, -(2 ** 63)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const wrongType = fc.constantFrom<unknown>(null, true, false, 0, -1, 1e300, '', [], {}, [null], { a: 1 }, [[[]]]);
/**
 * Nesting that recursive code (validators, serialisers, walkers) could trip on. Kept as text and
 * spliced into the body when it is sent: JSON.stringify of the test itself would overflow first.
 */
class DeepJson {
  readonly text: string;
  readonly depth: number;
  constructor(depth: number) {
    this.depth = depth;
    this.text = `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
  }
  toString(): string {
    return `DeepJson(${this.depth})`;
  }
  toJSON(): string {
    return `\u0001deep${this.text.length}\u0001`;
  }
}
const deep = fc.constantFrom(100, 1_000, 10_000).map((depth) => new DeepJson(depth));

/** Values for a schema: the ones it allows (enum members), near misses, and things of every other type. */
function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (s.anyOf?.length || s.oneOf?.length) {
    const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])].map((alt) => resolve(alt)).filter((alt) => typeOf(alt) !== 'null');
    if (depth < 3 && alts.length > 0) return fc.oneof(...alts.map((alt) => valueFor(alt, depth + 1)), wrongType);
  }
  const own: fc.Arbitrary<unknown>[] = [];
  if (s.enum) own.push(fc.constantFrom(...s.enum));
  if (isDate(s)) own.push(hostileDate);
  switch (typeOf(s)) {
    case 'integer':
    case 'number':
      own.push(hostileNumber, hostileNumber.map(String));
      break;
    case 'boolean':
      own.push(fc.boolean(), fc.constantFrom('true', 'yes', '1'));
      break;
    case 'array':
      own.push(fc.array(depth < 3 && s.items ? valueFor(s.items, depth + 1) : wrongType, { maxLength: 60 }), deep);
      break;
    case 'object':
      own.push(fc.dictionary(hostileString.filter((k) => k.length < 200), wrongType, { maxKeys: 5 }), deep);
      break;
  }
  return fc.oneof(...own, hostileString, wrongType);
}

// ---- mutations of a base request -----------------------------------------------------------------

type Mutation =
  | { kind: 'param'; where: 'path' | 'query' | 'header'; name: string; value: unknown }
  | { kind: 'rawQuery'; name: string; raw: string }
  | { kind: 'field'; path: (string | number)[]; value: unknown }
  | { kind: 'drop'; path: (string | number)[] }
  | { kind: 'body'; raw: string; type: string }
  | { kind: 'header'; name: string; value: string };

/** Every field of a body schema, as paths into the body (arrays at their first item). */
function fields(schema: Schema, at: (string | number)[] = [], depth = 0): { path: (string | number)[]; schema: Schema }[] {
  const s = resolve(schema);
  const out = at.length > 0 ? [{ path: at, schema: s }] : [];
  if (depth > 4) return out;
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...fields(v, [...at, k], depth + 1));
  if (s.items) out.push(...fields(s.items, [...at, 0], depth + 1));
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) if (!isDate(s)) out.push(...fields(alt, at, depth + 1).filter((f) => f.path.length > at.length));
  return out;
}

/** Raw bodies any operation may be sent, whatever it declares. */
const hostileBody = fc.oneof(
  fc.constantFrom(
    { raw: '', type: 'application/json' },
    { raw: 'null', type: 'application/json' },
    { raw: '[]', type: 'application/json' },
    { raw: '"text"', type: 'application/json' },
    { raw: '1e999', type: 'application/json' },
    { raw: '{"a":', type: 'application/json' },
    { raw: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', type: 'application/json' },
    { raw: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, type: 'application/json' },
    { raw: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, type: 'application/json' },
    { raw: '{"workload":"x"}', type: 'application/json; charset=utf-16' },
    { raw: 'workload=x&team=y', type: 'application/x-www-form-urlencoded' },
    { raw: '--x\r\nContent-Disposition: form-data; name="workload"\r\n\r\nw\r\n--x--\r\n', type: 'multipart/form-data; boundary=x' },
    { raw: '--x\r\nContent-Disposition: form-data; name="dockerfile"; filename="\u0000"\r\n\r\nFROM a\r\n', type: 'multipart/form-data; boundary=x' },
    { raw: 'garbage', type: 'multipart/form-data' },
    { raw: 'FROM alpine\nUSER 0\n', type: 'application/octet-stream' },
    { raw: 'FROM alpine\n', type: 'text/plain' },
    { raw: '\u0000\u0001\u0002', type: 'application/octet-stream' },
  ),
  fc.string({ unit: 'binary', maxLength: 200 }).map((raw) => ({ raw, type: 'application/json' })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ raw: JSON.stringify(v), type: 'application/json' })),
);

const visibleAscii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 250 });
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const headerMutation = fc.oneof(
  fc.record({ kind: fc.constant('header' as const), name: fc.constant('accept'), value: fc.oneof(fc.constantFrom('application/json', 'application/sarif+json', 'application/xml', 'text/html', 'text/csv', 'application/pdf', '*/*', 'garbage/;;;q=x', ''), latin1) }),
  fc.record({ kind: fc.constant('header' as const), name: fc.constant('accept-language'), value: fc.oneof(fc.constantFrom('de', 'en', 'de-CH;q=0.9, *;q=0.1', 'xx', ';;;', '*', 'de;q=abc'), latin1) }),
  fc.record({ kind: fc.constant('header' as const), name: fc.constant('content-type'), value: fc.oneof(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', 'application/json;;;', ''), latin1) }),
  fc.record({ kind: fc.constant('header' as const), name: fc.constant('idempotency-key'), value: fc.oneof(visibleAscii, latin1) }),
);

/** A path segment: another team, an unknown id, or anything, percent-encoded (or broken encoding). */
function pathValue(schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(foreignTeam, ownTeam, crypto.randomUUID(), '00000000-0000-0000-0000-000000000000', 'csvs-v3-assessment-plan.json', 'x'.repeat(300)),
    fc.uuid(),
    valueFor(schema),
  );
}

function mutationsFor(method: string, op: Operation): fc.Arbitrary<Mutation> {
  const choices: fc.Arbitrary<Mutation>[] = [headerMutation];
  // fetch sends no body with a GET (and the service reads none).
  if (method !== 'GET') choices.push(hostileBody.map((b) => ({ kind: 'body' as const, ...b })));
  for (const p of op.parameters ?? []) {
    const value = p.in === 'path' ? pathValue(p.schema) : p.in === 'header' ? fc.oneof(visibleAscii, latin1) : valueFor(p.schema);
    choices.push(value.map((v) => ({ kind: 'param' as const, where: p.in, name: p.name, value: v })));
    if (p.in === 'query') choices.push(fc.constantFrom('%ff', '%', '%E0%A4%A', '%00', 'a%2', '%uD800', '%ED%A0%80').map((raw) => ({ kind: 'rawQuery' as const, name: p.name, raw })));
  }
  const json = op.requestBody?.content['application/json'];
  if (json) {
    for (const f of fields(json.schema)) {
      choices.push(valueFor(f.schema).map((value) => ({ kind: 'field' as const, path: f.path, value })));
      choices.push(fc.constant({ kind: 'drop' as const, path: f.path }));
    }
  }
  return fc.oneof(...choices);
}

function setAt(body: unknown, path: (string | number)[], value: unknown, drop = false): void {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[key];
  }
  const last = path.at(-1);
  if (node === null || typeof node !== 'object' || last === undefined) return;
  if (drop) delete (node as Record<string | number, unknown>)[last];
  else (node as Record<string | number, unknown>)[last] = value;
}

/** Percent-encodes every byte but the unreserved ones (lone surrogates become U+FFFD, as a browser sends them). */
const encodeSegment = (value: string) =>
  [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const asText = (value: unknown): string => (typeof value === 'string' ? value : value instanceof DeepJson ? value.text : (JSON.stringify(value) ?? 'undefined'));

/** The body as JSON text, with each DeepJson put in where its placeholder stands. */
function serialise(body: unknown, values: DeepJson[]): string {
  let text = JSON.stringify(body);
  for (const d of values) text = text.replace(JSON.stringify(d.toJSON()), d.text);
  return text;
}

interface Built {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function build(template: string, method: string, base: BaseRequest, mutations: Mutation[]): Built {
  const segments = template.split('/');
  const parts = base.path.split('/');
  const query: [string, string][] = Object.entries(base.query ?? {});
  const raws: string[] = [];
  const headers: Record<string, string> = {};
  const body: unknown = base.body === undefined ? undefined : structuredClone(base.body);
  let rawBody: { raw: string; type: string } | undefined;
  const deeps: DeepJson[] = [];
  for (const m of mutations) {
    if (m.kind === 'param' && m.where === 'path') {
      const index = segments.indexOf(`{${m.name}}`);
      if (index >= 0) parts[index] = encodeSegment(asText(m.value));
    } else if (m.kind === 'param' && m.where === 'query') {
      const values = Array.isArray(m.value) ? m.value.slice(0, 3).map(asText) : [asText(m.value)];
      for (let i = query.length - 1; i >= 0; i--) if (query[i]?.[0] === m.name) query.splice(i, 1);
      for (const v of values) query.push([m.name, v]);
    } else if (m.kind === 'param' && m.where === 'header') headers[m.name] = asText(m.value);
    else if (m.kind === 'rawQuery') raws.push(`${encodeURIComponent(m.name)}=${m.raw}`);
    else if (m.kind === 'field' && body !== undefined) {
      setAt(body, m.path, m.value);
      if (m.value instanceof DeepJson) deeps.push(m.value);
    }
    else if (m.kind === 'drop' && body !== undefined) setAt(body, m.path, undefined, true);
    else if (m.kind === 'body') rawBody = { raw: m.raw, type: m.type };
    else if (m.kind === 'header') headers[m.name] = m.value;
  }
  const search = [new URLSearchParams(query).toString(), ...raws].filter(Boolean).join('&');
  const out: Built = { method, url: `${parts.join('/')}${search ? `?${search}` : ''}`, headers };
  if (rawBody) {
    out.body = rawBody.raw;
    headers['content-type'] ??= rawBody.type;
  } else if (body !== undefined) {
    out.body = serialise(body, deeps);
    headers['content-type'] ??= 'application/json';
  }
  return out;
}

// ---- the run -------------------------------------------------------------------------------------

const operations = (): [string, string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => [`${m.toUpperCase()} ${p}`, p, m.toUpperCase(), op] as [string, string, string, Operation]));

/**
 * Checks one answer: no 5xx, and a 4xx is a problem document with the response's status. The one
 * 4xx that is not (API.md): an upload with `?gate=` whose level is not met answers 422 with the
 * stored snapshot itself, in the format asked for, so that `curl --fail-with-body` prints it.
 */
async function judge(res: Response, url: string): Promise<string | null> {
  const text = await res.text();
  if (res.status >= 500) return `${res.status} ${text.slice(0, 300)}`;
  if (res.status < 400) return null;
  const type = res.headers.get('content-type') ?? '';
  if (res.status === 422 && /[?&]gate=/.test(url) && /^(application\/json|application\/sarif\+json|application\/xml)/.test(type)) {
    return /"controls":\[|"runs":\[|<testsuites/.test(text) ? null : `422 for the gate without the snapshot: ${text.slice(0, 200)}`;
  }
  if (!type.startsWith('application/problem+json')) return `${res.status} with content-type ${type}: ${text.slice(0, 200)}`;
  let parsed: { type?: unknown; status?: unknown; title?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return `${res.status}: the problem document is not JSON: ${text.slice(0, 200)}`;
  }
  if (parsed.status !== res.status || typeof parsed.type !== 'string' || typeof parsed.title !== 'string') {
    return `${res.status}: not a problem document of that status: ${text.slice(0, 200)}`;
  }
  return null;
}

describe('fuzzing every operation of the OpenAPI document, for every role', () => {
  it('never answers 5xx, and every 4xx is a problem document', async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let pairs = 0;
    let consumed = false;
    for (const [name, template, method, op] of operations()) {
      for (const role of ROLES) {
        pairs += 1;
        const mutations = fc.array(mutationsFor(method, op), { minLength: 0, maxLength: 4 });
        try {
          await fc.assert(
            fc.asyncProperty(mutations, async (ms) => {
              // Deleting consumes what it names: after a delete went through, the next try gets new things.
              if (consumed) {
                ids = await freshIds(h, ownTeam);
                consumed = false;
              }
              const base = baseRequests(ids)[name];
              if (!base) throw new Error(`no base request for ${name} in test/support/base-requests.ts`);
              const req = build(template, method, base(), ms);
              const res = await h.request(req.url, { method, key: keys[role] ?? null, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
              sent += 1;
              if (method === 'DELETE' && res.ok) consumed = true;
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              const wrong = await judge(res, req.url);
              if (wrong) throw new Error(`${role}: ${method} ${req.url.slice(0, 300)} → ${wrong}`);
            }),
            { seed: SEED + pairs, numRuns: RUNS },
          );
        } catch (err) {
          failures.push(`${name} as ${role}: ${err instanceof Error ? err.message.slice(0, 1_500) : String(err)}`);
        }
      }
    }
    const fiveXx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    console.log(
      `[fuzz] ${operations().length} operations × ${ROLES.length} roles (${ROLES.join(', ')}) × ${RUNS} runs, seed ${SEED}: ` +
        `${sent} requests (shrinking included), ${fiveXx} × 5xx; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, failures.join('\n\n'));
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(operations().length * ROLES.length * RUNS);
  }, 120_000);
});
