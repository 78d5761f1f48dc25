/**
 * A request every operation of the OpenAPI document accepts as it is, keyed `METHOD /path`. Tests
 * that walk the document (storable input, fuzzing) start from these and change them; a test
 * insists there is one for every operation, so a new route is walked as soon as it is registered.
 */
import type { Harness } from './harness.ts';

export interface BaseRequest {
  path: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

/** What the requests refer to: a team, and ids of things the DELETE and read-by-id operations name. */
export interface BaseIds {
  team: string;
  key: string;
  snapshot: string;
  waiver: string;
  webhook: string;
}

const expiry = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

export const snapshotBody = (workload = 'storable') => ({
  workload,
  environment: 'prod',
  observedAt: new Date().toISOString(),
  ci: { commit: 'abc', ref: 'main', pipelineUrl: 'https://ci.example.com/1', extra: 'x' },
  artifacts: [{ kind: 'dockerfile', name: 'Dockerfile', content: 'FROM alpine:3.20\nUSER 1000\n' }],
});

export const waiverBody = () => ({
  control: '3.4',
  workloads: 'storable*',
  environment: 'prod',
  justification: 'storable input: a waiver for the walk',
  expiresAt: expiry(),
});

export function baseRequests(ids: BaseIds): Record<string, () => BaseRequest> {
  const { team } = ids;
  return {
    'GET /healthz': () => ({ path: '/healthz' }),
    'GET /readyz': () => ({ path: '/readyz' }),
    'GET /.well-known/jwks.json': () => ({ path: '/.well-known/jwks.json' }),
    'GET /oscal/{file}': () => ({ path: '/oscal/csvs-v3-catalog.json' }),
    'POST /v1/teams': () => ({ path: '/v1/teams', body: { slug: `st-${Math.random().toString(36).slice(2, 10)}`, name: 'Storable' } }),
    'GET /v1/teams': () => ({ path: '/v1/teams' }),
    'POST /v1/api-keys': () => ({ path: '/v1/api-keys', body: { role: 'viewer', team, name: 'storable' } }),
    'GET /v1/api-keys': () => ({ path: '/v1/api-keys' }),
    'DELETE /v1/api-keys/{id}': () => ({ path: `/v1/api-keys/${ids.key}` }),
    'POST /v1/teams/{team}/snapshots': () => ({ path: `/v1/teams/${team}/snapshots`, body: snapshotBody() }),
    'GET /v1/teams/{team}/snapshots': () => ({
      path: `/v1/teams/${team}/snapshots`,
      query: { workload: 'storable', environment: 'prod', from: '2026-01-01T00:00:00Z', to: new Date().toISOString(), limit: '5' },
    }),
    'GET /v1/snapshots/{id}': () => ({ path: `/v1/snapshots/${ids.snapshot}` }),
    'GET /v1/teams/{team}/workloads': () => ({ path: `/v1/teams/${team}/workloads`, query: { environment: 'prod' } }),
    'POST /v1/teams/{team}/waivers': () => ({ path: `/v1/teams/${team}/waivers`, body: waiverBody() }),
    'GET /v1/teams/{team}/waivers': () => ({ path: `/v1/teams/${team}/waivers`, query: { active: 'true', control: '3.4' } }),
    'DELETE /v1/waivers/{id}': () => ({ path: `/v1/waivers/${ids.waiver}` }),
    'GET /v1/teams/{team}/scorecard': () => ({ path: `/v1/teams/${team}/scorecard`, query: { environment: 'prod', at: new Date().toISOString() } }),
    'GET /v1/scorecards': () => ({ path: '/v1/scorecards', query: { environment: 'prod', at: new Date().toISOString() } }),
    'GET /v1/teams/{team}/trend': () => ({
      path: `/v1/teams/${team}/trend`,
      query: { from: '2026-11-01', to: new Date().toISOString(), interval: 'week', environment: 'prod', format: 'json' },
    }),
    'GET /v1/teams/{team}/attestations': () => ({
      path: `/v1/teams/${team}/attestations`,
      query: { level: 'L1', at: new Date().toISOString(), format: 'csv', lang: 'en', environment: 'prod' },
    }),
    'GET /v1/attestations': () => ({ path: '/v1/attestations', query: { level: 'L1', at: new Date().toISOString(), format: 'csv', lang: 'en', environment: 'prod' } }),
    'GET /v1/audit-log': () => ({
      path: '/v1/audit-log',
      query: { actor: 'admin-env', action: 'team.create', team, from: '2026-01-01T00:00:00Z', to: new Date().toISOString(), limit: '5' },
    }),
    'POST /v1/teams/{team}/webhooks': () => ({
      path: `/v1/teams/${team}/webhooks`,
      body: { url: 'https://hooks.example.com/storable', events: ['level.regressed'], reevaluations: false, description: 'storable' },
    }),
    'GET /v1/teams/{team}/webhooks': () => ({ path: `/v1/teams/${team}/webhooks` }),
    'DELETE /v1/webhooks/{id}': () => ({ path: `/v1/webhooks/${ids.webhook}` }),
    'GET /v1/webhooks/{id}/deliveries': () => ({ path: `/v1/webhooks/${ids.webhook}/deliveries`, query: { status: 'pending', limit: '5' } }),
  };
}

/** Fresh ids (with the admin key) for the operations that consume what they name (revoking, deleting). */
export async function freshIds(h: Harness, team: string): Promise<BaseIds> {
  const key = (await h.key('viewer', team)).id;
  const snap = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', json: snapshotBody() });
  const snapshot = ((await snap.json()) as { id: string }).id;
  const waiver = ((await (await h.request(`/v1/teams/${team}/waivers`, { method: 'POST', json: waiverBody() })).json()) as { id: string }).id;
  const hook = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', json: { url: `https://hooks.example.com/${Math.random()}` } });
  const webhook = ((await hook.json()) as { id: string }).id;
  return { team, key, snapshot, waiver, webhook };
}
