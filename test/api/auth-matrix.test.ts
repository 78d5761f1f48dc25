/**
 * Every route × every role × own/foreign team: 401 without a key, 403 without the right,
 * success with it. Routes opt in by being listed here; a test checks nothing is left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, uniqueSlug } from '../support/harness.ts';

type Role = 'ingest' | 'viewer' | 'auditor' | 'admin';
const ROLES: Role[] = ['ingest', 'viewer', 'auditor', 'admin'];

interface Ctx {
  team: string;
  snapshotId: string;
  keyToRevoke: () => Promise<string>;
}

interface RouteCase {
  route: string;
  /** Builds the request for a team (own or foreign). */
  request: (ctx: Ctx) => Promise<{ path: string; init: RequestInit & { json?: unknown } }>;
  /** Roles allowed on their own team (team-bound) or anywhere (org-wide). */
  allowed: Role[];
  /** Whether team-bound roles are limited to their own team on this route. */
  teamScoped: boolean;
  ok: number;
}

const snapshotBody = { workload: 'matrix', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\nUSER 1000\n' }] };

const CASES: RouteCase[] = [
  { route: 'POST /v1/teams', request: async () => ({ path: '/v1/teams', init: { method: 'POST', json: { slug: uniqueSlug('m'), name: 'M' } } }), allowed: ['admin'], teamScoped: false, ok: 201 },
  { route: 'GET /v1/teams', request: async () => ({ path: '/v1/teams', init: {} }), allowed: ROLES, teamScoped: false, ok: 200 },
  { route: 'POST /v1/api-keys', request: async (c) => ({ path: '/v1/api-keys', init: { method: 'POST', json: { role: 'viewer', team: c.team, name: 'm' } } }), allowed: ['admin'], teamScoped: false, ok: 201 },
  { route: 'GET /v1/api-keys', request: async () => ({ path: '/v1/api-keys', init: {} }), allowed: ['admin'], teamScoped: false, ok: 200 },
  { route: 'DELETE /v1/api-keys/{id}', request: async (c) => ({ path: `/v1/api-keys/${await c.keyToRevoke()}`, init: { method: 'DELETE' } }), allowed: ['admin'], teamScoped: false, ok: 204 },
  { route: 'POST /v1/teams/{team}/snapshots', request: async (c) => ({ path: `/v1/teams/${c.team}/snapshots`, init: { method: 'POST', json: snapshotBody } }), allowed: ['ingest', 'admin'], teamScoped: true, ok: 201 },
  { route: 'GET /v1/snapshots/{id}', request: async (c) => ({ path: `/v1/snapshots/${c.snapshotId}`, init: {} }), allowed: ROLES, teamScoped: true, ok: 200 },
  { route: 'GET /v1/teams/{team}/snapshots', request: async (c) => ({ path: `/v1/teams/${c.team}/snapshots`, init: {} }), allowed: ROLES, teamScoped: true, ok: 200 },
  { route: 'GET /v1/teams/{team}/workloads', request: async (c) => ({ path: `/v1/teams/${c.team}/workloads`, init: {} }), allowed: ROLES, teamScoped: true, ok: 200 },
  { route: 'POST /v1/teams/{team}/waivers', request: async (c) => ({ path: `/v1/teams/${c.team}/waivers`, init: { method: 'POST', json: { control: '3.4', workloads: 'matrix*', justification: 'role matrix: a waiver for the test', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } } }), allowed: ['auditor', 'admin'], teamScoped: true, ok: 201 },
  { route: 'GET /v1/teams/{team}/waivers', request: async (c) => ({ path: `/v1/teams/${c.team}/waivers`, init: {} }), allowed: ROLES, teamScoped: true, ok: 200 },
  { route: 'DELETE /v1/waivers/{id}', request: async (c) => { const res = await h.request(`/v1/teams/${c.team}/waivers`, { method: 'POST', json: { control: '3.9', workloads: 'matrix', justification: 'role matrix: a waiver to revoke', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } }); return { path: `/v1/waivers/${((await res.json()) as { id: string }).id}`, init: { method: 'DELETE' } }; }, allowed: ['auditor', 'admin'], teamScoped: true, ok: 200 },
  { route: 'GET /v1/teams/{team}/scorecard', request: async (c) => ({ path: `/v1/teams/${c.team}/scorecard`, init: {} }), allowed: ROLES, teamScoped: true, ok: 200 },
  { route: 'GET /v1/scorecards', request: async () => ({ path: '/v1/scorecards', init: {} }), allowed: ROLES, teamScoped: false, ok: 200 },
  { route: 'GET /v1/teams/{team}/trend', request: async (c) => ({ path: `/v1/teams/${c.team}/trend?interval=week`, init: {} }), allowed: ROLES, teamScoped: true, ok: 200 },
  { route: 'POST /v1/teams/{team}/webhooks', request: async (c) => ({ path: `/v1/teams/${c.team}/webhooks`, init: { method: 'POST', json: { url: `https://hooks.example.com/${uniqueSlug('m')}`, events: ['level.regressed'] } } }), allowed: ['auditor', 'admin'], teamScoped: true, ok: 201 },
  { route: 'GET /v1/teams/{team}/webhooks', request: async (c) => ({ path: `/v1/teams/${c.team}/webhooks`, init: {} }), allowed: ['viewer', 'auditor', 'admin'], teamScoped: true, ok: 200 },
  { route: 'DELETE /v1/webhooks/{id}', request: async (c) => ({ path: `/v1/webhooks/${await webhookOf(c.team)}`, init: { method: 'DELETE' } }), allowed: ['auditor', 'admin'], teamScoped: true, ok: 204 },
  { route: 'GET /v1/webhooks/{id}/deliveries', request: async (c) => ({ path: `/v1/webhooks/${await webhookOf(c.team)}/deliveries`, init: {} }), allowed: ['viewer', 'auditor', 'admin'], teamScoped: true, ok: 200 },
  { route: 'GET /v1/teams/{team}/attestations', request: async (c) => ({ path: `/v1/teams/${c.team}/attestations?level=L1`, init: {} }), allowed: ['viewer', 'auditor', 'admin'], teamScoped: true, ok: 200 },
  { route: 'GET /v1/attestations', request: async () => ({ path: '/v1/attestations?level=L1&format=csv', init: {} }), allowed: ['auditor', 'admin'], teamScoped: false, ok: 200 },
  { route: 'GET /v1/audit-log', request: async () => ({ path: '/v1/audit-log?limit=5', init: {} }), allowed: ['auditor', 'admin'], teamScoped: false, ok: 200 },
];

/** A new webhook of the team (registered with the admin key), for the routes that take its id. */
async function webhookOf(team: string): Promise<string> {
  const res = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', json: { url: `https://hooks.example.com/${uniqueSlug('m')}`, events: ['level.regressed'] } });
  return ((await res.json()) as { id: string }).id;
}

let h: Harness;
let own: Ctx;
let foreign: Ctx;
const keys: Partial<Record<Role, string>> = {};

async function context(team: string): Promise<Ctx> {
  const res = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', json: snapshotBody });
  const { id } = (await res.json()) as { id: string };
  return { team, snapshotId: id, keyToRevoke: async () => (await h.key('viewer', team)).id };
}

beforeAll(async () => {
  h = await startHarness();
  const ownTeam = await h.team('own');
  const foreignTeam = await h.team('foreign');
  own = await context(ownTeam);
  foreign = await context(foreignTeam);
  for (const role of ROLES) keys[role] = (await h.key(role, role === 'ingest' || role === 'viewer' ? ownTeam : undefined)).key;
  documented = ((await (await h.request('/openapi.json', { key: null })).json()) as { paths: typeof documented }).paths;
});
afterAll(async () => h.close());

async function send(c: RouteCase, ctx: Ctx, key: string | null): Promise<Response> {
  const { path, init } = await c.request(ctx);
  return h.request(path, { ...init, key });
}

let documented: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> = {};

/**
 * The request as sent, but with input that would be refused (a NUL in every query parameter the
 * route declares) and, where it takes a body, a 2 MiB body that records whether anyone started
 * to read it.
 */
async function hostile(c: RouteCase, ctx: Ctx, options: { poisonQuery: boolean }): Promise<{ path: string; init: RequestInit; pulled: () => number }> {
  const { path, init } = await c.request(ctx);
  const [method = 'GET', template = ''] = c.route.split(' ');
  const declared = documented[template]?.[method.toLowerCase()]?.parameters?.filter((p) => p.in === 'query') ?? [];
  const url = new URL(path, 'http://x');
  if (options.poisonQuery) for (const p of declared) url.searchParams.set(p.name, 'a\u0000b');
  let pulled = 0;
  const body = init.method === 'POST'
    ? new ReadableStream<Uint8Array>({
        pull: (controller) => {
          pulled += 1;
          if (pulled > 32) controller.close(); // 2 MiB, so that a route reading it ends (and fails) instead of hanging
          else controller.enqueue(new Uint8Array(64 * 1024).fill(123));
        },
      }, { highWaterMark: 0 })
    : null;
  const { json: _json, ...rest } = init;
  return {
    path: `${url.pathname}${url.search}`,
    init: { ...rest, ...(body ? { body, duplex: 'half', headers: { 'content-type': 'application/json' } } : {}) } as RequestInit,
    pulled: () => pulled,
  };
}

describe.each(CASES)('$route', (c) => {
  it('answers 401 without a key or with a wrong one', async () => {
    expect((await send(c, own, null)).status).toBe(401);
    expect((await send(c, own, 'csvs_wrong_key')).status).toBe(401);
  });

  it.each(ROLES)('as %s on its own team', async (role) => {
    const res = await send(c, own, keys[role] ?? null);
    expect(res.status).toBe(c.allowed.includes(role) ? c.ok : 403);
    if (res.status === 403) expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it.each(ROLES)('as %s without the right: 403 before the body is read or the query validated', async (role) => {
    for (const ctx of c.teamScoped && role !== 'admin' && role !== 'auditor' ? [own, foreign] : [own]) {
      const allowed = c.allowed.includes(role) && (ctx === own || !c.teamScoped || role === 'admin' || role === 'auditor');
      if (allowed) continue;
      // Where the team is that of a stored resource (`/v1/webhooks/{id}/…`), a foreign team's key
      // learns it is foreign only once the resource is read, after its query is validated (which
      // says nothing about the resource); the body, if any, is still never read.
      const byResource = ctx === foreign && !c.route.includes('{team}') && c.allowed.includes(role);
      const req = await hostile(c, ctx, { poisonQuery: !byResource });
      const res = await h.request(req.path, { ...req.init, key: keys[role] ?? null });
      expect(res.status, await res.text()).toBe(403);
      expect(req.pulled()).toBe(0);
    }
  });

  it.each(ROLES)('as %s on a foreign team', async (role) => {
    const res = await send(c, foreign, keys[role] ?? null);
    const orgWide = role === 'admin' || role === 'auditor';
    const allowed = c.allowed.includes(role) && (!c.teamScoped || orgWide);
    expect(res.status).toBe(allowed ? c.ok : 403);
  });
});

it('covers every /v1 operation of the OpenAPI document', async () => {
  const doc = (await (await h.request('/openapi.json', { key: null })).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(doc.paths)
    .filter(([p]) => p.startsWith('/v1/'))
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  expect(operations.sort()).toEqual(CASES.map((c) => c.route).sort());
});
