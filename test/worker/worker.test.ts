/**
 * The Worker itself, in workerd (wrangler's unstable_startWorker), against the machine's
 * PostgreSQL through Hyperdrive's local connection: an async upload goes through the Queue
 * producer and consumer and is read back evaluated. Needs a PostgreSQL server, so it runs in the
 * DATABASE_URL pass of .ci/run and is skipped (saying why) on the embedded database.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONTROLS } from '../../workers/controls/index.ts';

const choice = inject('database');
const ADMIN_KEY = 'worker-test-admin-key-0123456789';

type StartedWorker = Awaited<ReturnType<typeof import('wrangler')['unstable_startWorker']>>;

describe.skipIf(choice.kind !== 'postgres')('the Cloudflare Worker (skipped: needs a PostgreSQL server for Hyperdrive)', () => {
  let worker: StartedWorker;

  beforeAll(async () => {
    const url = new URL(choice.url ?? '');
    // Hyperdrive's local connection insists on a password even under trust auth.
    if (!url.password) url.password = 'x';
    process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = url.toString();
    process.env.WRANGLER_SEND_METRICS = 'false';
    const { unstable_startWorker } = await import('wrangler');
    worker = await unstable_startWorker({
      config: 'wrangler.toml',
      bindings: { CSVS_ADMIN_KEY: { type: 'plain_text', value: ADMIN_KEY }, LOG_LEVEL: { type: 'plain_text', value: 'warn' } },
      dev: { server: { port: 0 }, inspector: false, persist: false },
    });
    await worker.ready;
  }, 120_000);

  afterAll(async () => worker?.dispose());

  const call = async (path: string, init: { method?: string; json?: unknown; key?: string } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${init.key ?? ADMIN_KEY}` };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return worker.fetch(`http://worker.local${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  };

  it('serves health and the OpenAPI document', async () => {
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
    const doc = (await (await call('/openapi.json')).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    expect((await call('/docs/swagger-ui.css')).status).toBe(200);
  });

  it('stores an async upload, evaluates it through the Queue, and reads it back', async () => {
    const slug = `worker-${Date.now().toString(36)}`;
    expect((await call('/v1/teams', { method: 'POST', json: { slug, name: 'Worker' } })).status).toBe(201);
    const upload = await call(`/v1/teams/${slug}/snapshots?async=true`, {
      method: 'POST',
      json: { workload: 'queued-api', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\nUSER 1000\n' }] },
    });
    expect(upload.status).toBe(202);
    const location = upload.headers.get('location') ?? '';
    expect(location).toMatch(/^\/v1\/snapshots\//);

    let status = 'pending';
    let body: { status: string; controls: unknown[] } = { status, controls: [] };
    for (let i = 0; i < 100 && status === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      body = (await (await call(location)).json()) as typeof body;
      status = body.status;
    }
    expect(status).toBe('evaluated');
    expect(body.controls).toHaveLength(CONTROLS.length);
  }, 60_000);
});
