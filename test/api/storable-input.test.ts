/**
 * Input PostgreSQL cannot store is a 4xx on every operation, never a 500: every operation of the
 * OpenAPI document is called with a NUL (U+0000) and, in JSON bodies, an unpaired surrogate
 * (`"\ud800"`, which jsonb refuses) in each of its string parameters and JSON body
 * fields in turn, and with year 0 (and a moment past year 9999) in each of its date fields. The
 * operations and their fields come from the document, so a new route is walked as soon as it is
 * registered (it needs a valid base request in BASE, which a test below insists on).
 *
 * A second test reads the same document statically: every free-text string a request may carry
 * has the NUL-free pattern of services/schemas/fields.ts (or a stricter pattern, an enum, a format).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaseIds, type BaseRequest, baseRequests, freshIds, snapshotBody } from '../support/base-requests.ts';
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

const NUL = 'a\u0000b';
/** Only a JSON body can carry these (bytes read as UTF-8, a URL or a form never do). */
const LONE_SURROGATES = ['a\ud800b', 'a\udfff'];
const YEAR_0 = ['0000-06-01T00:00:00Z', '0001-01-01T00:00:00+01:00'];
const PAST_9999 = '9999-12-31T23:00:00-05:00';

let h: Harness;
let doc: Document;
let team: string;
let ids: BaseIds;
const BASE: Record<string, () => BaseRequest> = {};

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = doc.components.schemas[name];
  if (!found) throw new Error(`no schema ${name}`);
  return resolve(found);
}

const isDate = (s: Schema): boolean => s.format === 'date-time' || s.format === 'date' || (s.anyOf ?? []).some((x) => isDate(resolve(x)));

/** The string fields of a body schema, as paths into the body (arrays at their first item). */
function fields(schema: Schema, at: (string | number)[] = []): { path: (string | number)[]; date: boolean }[] {
  const s = resolve(schema);
  const out: { path: (string | number)[]; date: boolean }[] = [];
  if (s.properties) for (const [k, v] of Object.entries(s.properties)) out.push(...fields(v, [...at, k]));
  if (s.items) out.push(...fields(s.items, [...at, 0]));
  if (s.anyOf) {
    if (isDate(s)) out.push({ path: at, date: true });
    else for (const alt of s.anyOf) out.push(...fields(alt, at));
  }
  if (s.type === 'string' && at.length > 0) out.push({ path: at, date: isDate(s) });
  return out;
}

function setAt(body: Record<string, unknown>, path: (string | number)[], value: unknown): boolean {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[key];
  }
  const last = path.at(-1);
  if (node === null || typeof node !== 'object' || last === undefined) return false;
  (node as Record<string | number, unknown>)[last] = value;
  return true;
}

beforeAll(async () => {
  h = await startHarness();
  team = await h.team('storable');
  await refreshIds();
  doc = (await (await h.request('/openapi.json', { key: null })).json()) as Document;
});
afterAll(async () => h.close());

/** Fresh ids for the operations that consume what they name (revoking, deleting). */
async function refreshIds(): Promise<void> {
  ids = await freshIds(h, team);
  Object.assign(BASE, baseRequests(ids));
}

const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => [`${m.toUpperCase()} ${p}`, m.toUpperCase(), op] as [string, string, Operation]));

describe('input PostgreSQL cannot hold is refused with a 4xx by every operation', () => {
  it('has a base request for every operation of the OpenAPI document', () => {
    expect(operations().map(([name]) => name).filter((name) => !BASE[name])).toEqual([]);
  });

  it('no 5xx for NUL or an unpaired surrogate in any string or year 0 / past 9999 in any date, one field at a time', async () => {
    const failures: string[] = [];
    let tried = 0;
    await refreshIds();
    for (const [name, method, op] of operations()) {
      const base = BASE[name];
      if (!base) continue;
      const variants: { label: string; build: () => { path: string; query?: Record<string, string>; body?: Record<string, unknown> } }[] = [];
      for (const param of op.parameters ?? []) {
        if (param.in === 'header') continue; // fetch refuses NUL in a header before sending it
        const schema = resolve(param.schema);
        const values = isDate(schema) ? [...YEAR_0, PAST_9999, NUL] : [NUL];
        for (const value of values) {
          variants.push({
            label: `${param.in} ${param.name}=${JSON.stringify(value)}`,
            build: () => {
              const req = base();
              if (param.in === 'query') return { ...req, query: { ...req.query, [param.name]: value } };
              const segments = name.split(' ')[1]?.split('/') ?? [];
              const index = segments.indexOf(`{${param.name}}`);
              const parts = req.path.split('/');
              parts[index] = encodeURIComponent(value);
              return { ...req, path: parts.join('/') };
            },
          });
        }
      }
      const json = op.requestBody?.content['application/json'];
      if (json) {
        for (const field of fields(json.schema)) {
          for (const value of field.date ? [...YEAR_0, PAST_9999, NUL, ...LONE_SURROGATES] : [NUL, ...LONE_SURROGATES]) {
            variants.push({
              label: `body ${field.path.join('.')}=${JSON.stringify(value)}`,
              build: () => {
                const req = base();
                const body = structuredClone(req.body ?? {});
                return setAt(body, field.path, value) ? { ...req, body } : req;
              },
            });
          }
        }
        // A key of a free-form object (the CI metadata's extra fields) is text too.
        if (name === 'POST /v1/teams/{team}/snapshots') {
          for (const bad of [NUL, ...LONE_SURROGATES]) {
            variants.push({ label: `body ci key ${JSON.stringify(bad)}`, build: () => ({ ...base(), body: { ...snapshotBody(), ci: { [bad]: 'x' } } }) });
            variants.push({
              label: `body artifact content as JSON with ${JSON.stringify(bad)} in a string`,
              build: () => ({ ...base(), body: { ...snapshotBody(), artifacts: [{ kind: 'docker-inspect', content: [{ Id: 'abc', Name: `/${bad}`, Config: { User: bad } }] }] } }),
            });
            variants.push({
              label: `body artifact content as text with ${JSON.stringify(bad)}`,
              build: () => ({ ...base(), body: { ...snapshotBody(), artifacts: [{ kind: 'dockerfile', content: `FROM alpine:3.20\nUSER ${bad}\n` }] } }),
            });
          }
        }
      }
      for (const variant of variants) {
        if (name.startsWith('DELETE')) await refreshIds();
        const req = variant.build();
        const url = `${req.path}${req.query ? `?${new URLSearchParams(req.query)}` : ''}`;
        const res = await h.request(url, { method, ...(req.body ? { json: req.body } : {}) });
        tried += 1;
        if (res.status >= 500) failures.push(`${name} ${variant.label}: ${res.status} ${(await res.text()).slice(0, 200)}`);
        else await res.body?.cancel();
      }
    }
    console.log(`[storable] ${tried} requests`);
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(100);
  }, 120_000);
});

describe('the upload forms that bypass the JSON schema', () => {
  const upload = (query: string, init: RequestInit) => h.request(`/v1/teams/${team}/snapshots${query}`, { method: 'POST', ...init });
  const raw = (params: Record<string, string>) =>
    upload(`?${new URLSearchParams({ kind: 'dockerfile', workload: 'storable', ...params })}`, { body: 'FROM alpine:3.20\n', headers: { 'content-type': 'text/plain' } });
  const form = (fields: Record<string, string>, fileName = 'Dockerfile') => {
    const body = new FormData();
    for (const [k, v] of Object.entries({ workload: 'storable', ...fields })) body.set(k, v);
    body.set('dockerfile', new Blob(['FROM alpine:3.20\n']), fileName);
    return upload('', { body });
  };

  it.each([
    ['raw: NUL in the artifact name', () => raw({ name: NUL })],
    ['raw: NUL in the workload', () => raw({ workload: NUL })],
    ['raw: NUL in the environment', () => raw({ environment: NUL })],
    ['raw: year 0', () => raw({ observedAt: YEAR_0[0] ?? '' })],
    ['raw: year 0 by its offset', () => raw({ observedAt: YEAR_0[1] ?? '' })],
    ['raw: past 9999 by its offset', () => raw({ observedAt: PAST_9999 })],
    ['multipart: NUL in the workload', () => form({ workload: NUL })],
    ['multipart: year 0', () => form({ observedAt: YEAR_0[0] ?? '' })],
    ['multipart: NUL in a file name', () => form({}, NUL)],
  ])('%s is a 400', async (_, send) => {
    const res = await send();
    expect(res.status, await res.text()).toBe(400);
  });

  it('NUL in the team of the path is a 400 for an org-wide key', async () => {
    const res = await h.request(`/v1/teams/${encodeURIComponent(NUL)}/snapshots`, { method: 'POST', json: snapshotBody() });
    expect(res.status).toBe(400);
  });
});

describe('the OpenAPI document shows the rule', () => {
  /** A string a request may carry is free text only without a pattern, an enum or a format. */
  const unconstrained = (schema: Schema, at: string): string[] => {
    const s = resolve(schema);
    const out: string[] = [];
    if (s.type === 'string' && !s.pattern && !s.enum && !s.format) out.push(at);
    for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...unconstrained(v, `${at}.${k}`));
    if (s.items) out.push(...unconstrained(s.items, `${at}[]`));
    for (const alt of s.anyOf ?? []) out.push(...unconstrained(alt, at));
    if (typeof s.additionalProperties === 'object') out.push(...unconstrained(s.additionalProperties, `${at}.*`));
    return out;
  };

  it('every string parameter and JSON body field has a pattern (NUL-free at least), an enum or a format', () => {
    const loose = operations().flatMap(([name, , op]) => [
      ...(op.parameters ?? []).flatMap((p) => unconstrained(p.schema, `${name} ${p.in} ${p.name}`)),
      ...unconstrained(op.requestBody?.content['application/json']?.schema ?? {}, `${name} body`),
    ]);
    // Artifact content is text of any kind; a NUL or an unpaired surrogate in it is refused as an unreadable artifact (422).
    expect(loose.filter((l) => !l.endsWith('body.artifacts[].content'))).toEqual([]);
  });
});
