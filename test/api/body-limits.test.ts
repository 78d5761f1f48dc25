/**
 * Every route that takes a body limits it: uploads to MAX_BODY_BYTES, everything else to
 * MAX_JSON_BODY_BYTES, whether the client declares the length or streams the body without one.
 * A body over the limit is a 413 problem, and a streamed one is not read much past the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../services/config.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const { MAX_JSON_BODY_BYTES } = parseConfig({});
const CHUNK = 16 * 1024;

let h: Harness;
let team: string;
let bodyRoutes: string[] = [];
beforeAll(async () => {
  h = await startHarness();
  team = await h.team('limits');
  const doc = (await (await h.request('/openapi.json', { key: null })).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  bodyRoutes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).filter(([, op]) => op.requestBody).map(([method]) => `${method.toUpperCase()} ${path}`),
  );
});
afterAll(async () => h.close());

/** A JSON-looking body of `bytes` bytes, streamed in chunks; counts how much was pulled. */
function streamed(bytes: number) {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= bytes) return controller.close();
        const chunk = new Uint8Array(Math.min(CHUNK, bytes - sent)).fill(32);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, sent: () => sent };
}

const pathOf = (route: string) => (route.split(' ')[1] ?? '').replace('{team}', team);

describe('body limits', () => {
  it('the routes with a body are the ones this file expects', () => {
    expect(bodyRoutes.sort()).toEqual([
      'POST /v1/api-keys',
      'POST /v1/teams',
      'POST /v1/teams/{team}/snapshots',
      'POST /v1/teams/{team}/waivers',
      'POST /v1/teams/{team}/webhooks',
    ]);
  });

  it.each(['POST /v1/api-keys', 'POST /v1/teams', 'POST /v1/teams/{team}/waivers', 'POST /v1/teams/{team}/webhooks'])(
    '%s: over MAX_JSON_BODY_BYTES is a 413, declared or streamed',
    async (route) => {
      const declared = await h.request(pathOf(route), { method: 'POST', body: ' '.repeat(MAX_JSON_BODY_BYTES + 1), headers: { 'content-type': 'application/json' } });
      expect(declared.status).toBe(413);
      expect(((await declared.json()) as { type: string }).type).toBe('urn:csvs:problem:payload-too-large');

      const s = streamed(50 * 1024 * 1024);
      const res = await h.request(pathOf(route), { method: 'POST', body: s.body, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
      expect(res.status).toBe(413);
      expect(s.sent()).toBeLessThanOrEqual(MAX_JSON_BODY_BYTES + CHUNK);
    },
  );

  it('under the limit the same routes read the body as before', async () => {
    const res = await h.request('/v1/teams', { method: 'POST', json: { slug: `limits-${Date.now().toString(36)}`, name: 'x'.repeat(200) } });
    expect(res.status).toBe(201);
  });

  it('an upload may be larger than MAX_JSON_BODY_BYTES (its limit is MAX_BODY_BYTES)', async () => {
    const content = `FROM alpine:3.20\n${'# padding\n'.repeat(MAX_JSON_BODY_BYTES / 10)}USER 1000\n`;
    const res = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', json: { workload: 'big', artifacts: [{ kind: 'dockerfile', content }] } });
    expect(res.status).toBe(201);
  });
});
