/**
 * When the database is away, requests that need it get 503 with Retry-After (not 500), the
 * liveness probe still answers, and an unexpected error is a logged 500 after which the app
 * goes on serving. The database here is a PostgreSQL URL on a port nothing listens on, so this
 * runs the same on every machine; test/api/db-faults.test.ts breaks a real server's connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { nodeDeps } from '../../api/node-deps.ts';
import { connectPostgres, type Database } from '../../db/client.ts';
import { parseConfig } from '../../services/config.ts';
import { createLogger } from '../../services/logger.ts';
import { ADMIN_KEY, type Harness, startHarness } from '../support/harness.ts';

describe('the database cannot be reached', () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  const logs: string[] = [];
  beforeAll(async () => {
    database = await connectPostgres('postgres://postgres@127.0.0.1:1/nothing', { max: 1 });
    const config = parseConfig({ CSVS_ADMIN_KEY: ADMIN_KEY });
    app = createApp(nodeDeps(config, database, { logger: createLogger('info', (l) => logs.push(l)) }));
  });
  afterAll(async () => database.close());

  const send = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...init.headers } });

  it.each([
    ['POST', '/v1/teams/payments/snapshots', { workload: 'api', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\n' }] }],
    ['POST', '/v1/teams', { slug: 'payments', name: 'Payments' }],
    ['GET', '/v1/teams/payments/scorecard', undefined],
    ['GET', '/v1/scorecards', undefined],
  ])('%s %s answers 503 with Retry-After', async (method, path, json) => {
    const res = await send(path, { method, ...(json ? { body: JSON.stringify(json) } : {}) });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ type: 'urn:csvs:problem:unavailable', status: 503 });
  });

  it('a key that must be looked up gets 503, not 401', async () => {
    const res = await app.request('/v1/teams', { headers: { authorization: 'Bearer csvs_abcdefgh_0123456789' } });
    expect(res.status).toBe(503);
  });

  it('readiness says 503 with Retry-After; liveness still answers 200', async () => {
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).not.toBeNull();
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('the dashboard shows a 503 page', async () => {
    const res = await app.request('/ui/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: 'key=csvs_abcdefgh_0123456789',
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
  });

  it('is logged as a warning, not as an unhandled error', () => {
    const lines = logs.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines.some((l) => l.level === 'warn' && l.msg === 'database unavailable')).toBe(true);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('an unexpected error', () => {
  let h: Harness;
  let broken = false;
  beforeAll(async () => {
    h = await startHarness({
      clock: () => {
        if (broken) throw new TypeError("Cannot read properties of undefined (reading 'now')");
        return new Date();
      },
    });
  });
  afterAll(async () => h.close());

  it('is logged with its stack and answered 500 without internals; the next request is served', async () => {
    const team = await h.team('boom');
    broken = true;
    const res = await h.request(`/v1/teams/${team}/scorecard`);
    broken = false;
    expect(res.status).toBe(500);
    const body = (await res.json()) as { type: string; detail: string };
    expect(body.type).toBe('urn:csvs:problem:internal-error');
    expect(body.detail).not.toContain('reading');
    const logged = h.logs.map((l) => JSON.parse(l) as { level: string; msg: string; stack?: string }).find((l) => l.msg === 'unhandled error');
    expect(logged?.level).toBe('error');
    expect(logged?.stack).toContain('TypeError');
    expect((await h.request(`/v1/teams/${team}/scorecard`)).status).toBe(200);
  });
});
