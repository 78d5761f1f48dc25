import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiKeys } from '../../db/schema.ts';
import { type Harness, startHarness, uniqueSlug } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

describe('teams', () => {
  it('creates a team and refuses the same slug twice', async () => {
    const slug = uniqueSlug('payments');
    const first = await h.request('/v1/teams', { method: 'POST', json: { slug, name: 'Payments' } });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ slug, name: 'Payments' });
    const again = await h.request('/v1/teams', { method: 'POST', json: { slug, name: 'Payments' } });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it('names each invalid field in a problem document', async () => {
    const res = await h.request('/v1/teams', { method: 'POST', json: { slug: 'Not A Slug', name: '' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; errors: { path: string }[] };
    expect(body.type).toBe('urn:csvs:problem:validation-error');
    expect(body.errors.map((e) => e.path).sort()).toEqual(['name', 'slug']);
  });
});

describe('API keys', () => {
  it('shows a key once, stores only its hash, and revokes it', async () => {
    const team = await h.team();
    const created = await h.request('/v1/api-keys', { method: 'POST', json: { role: 'viewer', team, name: 'dashboard' } });
    expect(created.status).toBe(201);
    const { id, key, role } = (await created.json()) as { id: string; key: string; role: string };
    expect(role).toBe('viewer');
    expect(key).toMatch(/^csvs_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/);

    const list = await h.request('/v1/api-keys');
    expect(JSON.stringify(await list.json())).not.toContain(key);

    expect((await h.request(`/v1/teams/${team}/workloads`, { key })).status).toBe(200);
    expect((await h.request(`/v1/api-keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.request(`/v1/teams/${team}/workloads`, { key })).status).toBe(401);
    expect((await h.request(`/v1/api-keys/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('stops a key revoked elsewhere (another instance, npm run keys) within AUTH_CACHE_MS', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z');
    const other = await startHarness({ clock: () => new Date(now), env: { AUTH_CACHE_MS: '1000' } });
    try {
      const team = await other.team();
      const created = await other.request('/v1/api-keys', { method: 'POST', json: { role: 'viewer', team, name: 'elsewhere' } });
      const { id, key } = (await created.json()) as { id: string; key: string };
      expect((await other.request(`/v1/teams/${team}/workloads`, { key })).status).toBe(200);
      // Revoked in the database, not through this instance.
      await other.database.db.update(apiKeys).set({ revokedAt: new Date(now) }).where(eq(apiKeys.id, id));
      now += 999;
      expect((await other.request(`/v1/teams/${team}/workloads`, { key })).status).toBe(200);
      now += 1;
      expect((await other.request(`/v1/teams/${team}/workloads`, { key })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('binds ingest and viewer keys to a team and auditors to none', async () => {
    const team = await h.team();
    const noTeam = await h.request('/v1/api-keys', { method: 'POST', json: { role: 'ingest', name: 'ci' } });
    expect(noTeam.status).toBe(422);
    const auditorWithTeam = await h.request('/v1/api-keys', { method: 'POST', json: { role: 'auditor', team, name: 'x' } });
    expect(auditorWithTeam.status).toBe(422);
    const unknownTeam = await h.request('/v1/api-keys', { method: 'POST', json: { role: 'viewer', team: uniqueSlug('none'), name: 'x' } });
    expect(unknownTeam.status).toBe(404);
  });

  it('answers 401 without a key and 403 for a key without the right', async () => {
    expect((await h.request('/v1/teams', { method: 'POST', key: null, json: { slug: 'x', name: 'x' } })).status).toBe(401);
    const team = await h.team();
    const { key } = await h.key('viewer', team);
    const res = await h.request('/v1/teams', { method: 'POST', key, json: { slug: uniqueSlug(), name: 'x' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { type: string }).type).toBe('urn:csvs:problem:forbidden');
  });
});

describe('system', () => {
  it('serves health, readiness, OpenAPI 3.1 and offline docs without a key', async () => {
    expect((await h.request('/healthz', { key: null })).status).toBe(200);
    expect((await h.request('/readyz', { key: null })).status).toBe(200);
    const doc = (await (await h.request('/openapi.json', { key: null })).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/teams/{team}/snapshots');
    const page = await (await h.request('/docs', { key: null })).text();
    expect(page).not.toMatch(/https?:\/\//);
    const bundle = await h.request('/docs/swagger-ui-bundle.js', { key: null });
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('answers unknown routes with a problem document', async () => {
    const res = await h.request('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
