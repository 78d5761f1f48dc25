import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, withTransaction } from '../../db/client.ts';
import { findSnapshot } from '../../db/queries/snapshots.ts';
import { supersedeEvaluation } from '../../services/evaluations.ts';
import { findEvaluation } from '../../db/queries/evaluations.ts';
import { findTeamBySlug } from '../../db/queries/teams.ts';
import type { RegressionData, EvidenceMissingData, EventEnvelope, WaiverExpiringData } from '../../services/notifications.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import type { ArtifactKind } from '../../workers/model/evidence.ts';
import { BACKOFF_CAP_MS, backoffMs, deliverDueWebhooks, type DeliveryOptions, webhookUrlProblem } from '../../workers/jobs/deliver-webhooks.ts';
import { sweepExpiringWaivers } from '../../workers/jobs/waiver-expiry.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { DOCKERFILE } from '../fixtures/node-service/artifacts.ts';

/** `docker inspect` of one container; `securityOpt` and `readOnly` are what the tests vary. */
function inspect(o: { securityOpt: string[]; readOnly: boolean }) {
  return [
    {
      Id: 'f3b0c2a1d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d',
      Created: '2026-11-27T09:00:00.000000000Z',
      Path: 'node',
      Args: ['/app/server.js'],
      State: { Status: 'running', Running: true, StartedAt: '2026-11-27T09:00:01.000000000Z' },
      Image: 'sha256:5c2e0f6ce4a1f1e6d2b8b8bd4a0b7f3f7c1f1f0c6d8e2a4b3c5d7e9f1a2b3c4d',
      Name: '/checkout-api-1',
      HostConfig: {
        Binds: null,
        NetworkMode: 'bridge',
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
        Privileged: false,
        ReadonlyRootfs: o.readOnly,
        SecurityOpt: o.securityOpt,
        UsernsMode: '',
        PidsLimit: 200,
      },
      Mounts: [],
      Config: {
        User: '10001',
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
        Cmd: ['node', '/app/server.js'],
        Entrypoint: null,
        Image: 'registry.example.com/checkout-api:1.4.2',
        ExposedPorts: { '8080/tcp': {} },
        Labels: {},
      },
      NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] } },
      ExecIDs: null,
    },
  ];
}

type Artifact = { kind: ArtifactKind; content: unknown };
/** Meets L1 (3.5 no-new-privileges among its six), not L2 (3.2 has no evidence). */
const L1_MET: Artifact[] = [
  { kind: 'dockerfile', content: DOCKERFILE },
  { kind: 'docker-inspect', content: inspect({ securityOpt: ['no-new-privileges:true'], readOnly: true }) },
];
/** The same with the root file system writable: 3.9 (L2, L3) fails, L1 is still met. */
const L1_MET_WRITABLE: Artifact[] = [
  { kind: 'dockerfile', content: DOCKERFILE },
  { kind: 'docker-inspect', content: inspect({ securityOpt: ['no-new-privileges:true'], readOnly: false }) },
];
/** no-new-privileges dropped: 3.5 fails, L1 is lost. */
const L1_LOST: Artifact[] = [
  { kind: 'dockerfile', content: DOCKERFILE },
  { kind: 'docker-inspect', content: inspect({ securityOpt: [], readOnly: true }) },
];
/** Only the Dockerfile: what the inspect decided (3.4, 3.5, 3.9, 3.10, 3.13–3.15) is unknown. */
const DOCKERFILE_ONLY: Artifact[] = [{ kind: 'dockerfile', content: DOCKERFILE }];

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver on 127.0.0.1: records every request; answers per path from a plan (default 204). */
class Receiver {
  readonly requests: Received[] = [];
  readonly plans = new Map<string, number[]>();
  readonly server: Server;
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (path.startsWith('/hang')) return; // never answers: the sender's timeout must end it
        const status = this.plans.get(path)?.shift() ?? 204;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? '' : 'not now');
      });
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }
  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }
  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The tests may talk to 127.0.0.1 only, whatever a delivery names. */
const localOnly: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.hostname !== '127.0.0.1') throw new Error(`the test refused to call ${url.href}`);
  return fetch(input, init);
};

/** Checks X-CSVS-Signature the way a receiver would, with node:crypto (not the sender's code). */
function signatureValid(r: Received, secret: string): boolean {
  const ts = String(r.headers['x-csvs-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
  const given = String(r.headers['x-csvs-signature']);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

let h: Harness;
let db: Db;
const receiver = new Receiver();
let pathCounter = 0;

beforeAll(async () => {
  h = await startHarness({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  db = h.database.db;
  await receiver.start();
});
afterAll(async () => {
  await receiver.close();
  await h.close();
});

interface Hooked {
  team: string;
  teamId: string;
  id: string;
  secret: string;
  path: string;
}

/** A fresh team with one webhook pointing at its own path on the receiver. */
async function hookedTeam(o: { team?: string; events?: string[]; reevaluations?: boolean } = {}): Promise<Hooked> {
  const team = o.team ?? (await h.team('wh'));
  const path = `/hook-${++pathCounter}`;
  const res = await h.request(`/v1/teams/${team}/webhooks`, {
    method: 'POST',
    json: { url: receiver.url(path), ...(o.events ? { events: o.events } : {}), ...(o.reevaluations ? { reevaluations: true } : {}) },
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; secret: string };
  const teamRow = await findTeamBySlug(db, team);
  if (!teamRow) throw new Error('team not found');
  return { team, teamId: teamRow.id, id: body.id, secret: body.secret, path };
}

async function upload(team: string, workload: string, artifacts: Artifact[], environment = 'prod'): Promise<string> {
  const res = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', json: { workload, environment, artifacts } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

interface DeliveryItem {
  id: string;
  event: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  payload: EventEnvelope<unknown>;
  log: { attempt: number; statusCode: number | null; error: string | null; durationMs: number }[];
}

async function deliveries(webhookId: string, key?: string): Promise<DeliveryItem[]> {
  const res = await h.request(`/v1/webhooks/${webhookId}/deliveries`, key ? { key } : {});
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: DeliveryItem[] }).items;
}

function send(teamIds: string[], at: Date, extra: Partial<DeliveryOptions> = {}) {
  return deliverDueWebhooks(db, { clock: () => at, maxAttempts: 5, allowPrivate: true, teamIds, fetch: localOnly, ...extra });
}

const HOUR = 3_600_000;

describe('registering webhooks', () => {
  it('shows the generated secret once; lists without it; viewers see the origin only', async () => {
    const team = await h.team('wh-crud');
    const url = receiver.url('/crud/path?token=abc');
    const res = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', json: { url, events: ['level.regressed'], description: 'ops channel' } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; secret: string; url: string; events: string[]; reevaluations: boolean };
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ url, events: ['level.regressed'], reevaluations: false });

    const listed = (await (await h.request(`/v1/teams/${team}/webhooks`)).json()) as { items: Record<string, unknown>[] };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: created.id, url, description: 'ops channel' });
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const viewer = await h.key('viewer', team);
    const asViewer = (await (await h.request(`/v1/teams/${team}/webhooks`, { key: viewer.key })).json()) as { items: { url: string }[] };
    expect(asViewer.items[0]?.url).toBe(new URL(url).origin);
    const denied = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', key: viewer.key, json: { url: receiver.url('/crud/2') } });
    expect(denied.status).toBe(403);

    const dup = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', json: { url } });
    expect(dup.status).toBe(409);
  });

  it.each([
    ['ftp://127.0.0.1/x', /scheme/],
    ['https://user:pw@hooks.example.com/x', /credentials/],
    ['http://hooks.example.com/x', /plain http/],
    ['https://hooks.example.com/x#frag', /fragment/],
    ['not a url', /absolute URL/],
  ])('refuses %s', async (url, message) => {
    const team = await h.team('wh-bad');
    const res = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', json: { url } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors[0]?.path).toBe('url');
    expect(problem.errors[0]?.message).toMatch(message);
  });

  it('without WEBHOOK_ALLOW_PRIVATE refuses hosts on this machine or private networks', () => {
    const refused = [
      'http://127.0.0.1:8080/x',
      'https://127.0.0.1/x',
      'https://localhost/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.1.10/x',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/x',
      'https://0.0.0.0/x',
      'https://2130706433/x', // 127.0.0.1 written as one number
      'https://[::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'https://[fd12:3456::1]/x',
      'https://[fe80::1]/x',
      'https://metadata.google.internal/x',
      'https://intranet/x',
      'https://printer.local/x',
    ];
    for (const url of refused) expect(webhookUrlProblem(url, { allowPrivate: false }), url).not.toBeNull();
    const allowed = ['https://hooks.example.com/csvs', 'https://93.184.216.34/x', 'https://[2606:4700::1111]/x', 'https://hooks.example.com:8443/x?k=v'];
    for (const url of allowed) expect(webhookUrlProblem(url, { allowPrivate: false }), url).toBeNull();
    // Development: the local receiver, but plain http still only to loopback.
    expect(webhookUrlProblem('http://127.0.0.1:8080/x', { allowPrivate: true })).toBeNull();
    expect(webhookUrlProblem('http://localhost:8080/x', { allowPrivate: true })).toBeNull();
    expect(webhookUrlProblem('http://10.0.0.1/x', { allowPrivate: true })).not.toBeNull();
  });

  it('deletes: nothing more is queued or sent, pending deliveries are cancelled, the log stays readable', async () => {
    const hk = await hookedTeam();
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_LOST);
    expect((await deliveries(hk.id)).map((d) => d.status)).toEqual(['pending']);
    expect((await h.request(`/v1/webhooks/${hk.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.request(`/v1/webhooks/${hk.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await deliveries(hk.id)).map((d) => d.status)).toEqual(['cancelled']);
    expect(((await (await h.request(`/v1/teams/${hk.team}/webhooks`)).json()) as { items: unknown[] }).items).toEqual([]);
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_LOST);
    expect(await deliveries(hk.id)).toHaveLength(1);
    expect((await send([hk.teamId], new Date())).attempted).toBe(0);
    expect(receiver.at(hk.path)).toEqual([]);
  });

  it("answers 403 to another team's viewer reading the delivery log", async () => {
    const hk = await hookedTeam();
    const other = await h.team('wh-other');
    const viewer = await h.key('viewer', other);
    expect((await h.request(`/v1/webhooks/${hk.id}/deliveries`, { key: viewer.key })).status).toBe(403);
    const own = await h.key('viewer', hk.team);
    expect(await deliveries(hk.id, own.key)).toEqual([]);
  });
});

describe('level regressions', () => {
  it('an upload that loses a level produces exactly one signed event, with the team summary', async () => {
    const hk = await hookedTeam();
    const first = await upload(hk.team, 'checkout-api', L1_MET);
    await upload(hk.team, 'billing-api', L1_MET);
    expect(await deliveries(hk.id)).toEqual([]);
    const second = await upload(hk.team, 'checkout-api', L1_LOST);

    const queued = await deliveries(hk.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]?.event).toBe('level.regressed');
    const stats = await send([hk.teamId], new Date());
    expect(stats).toMatchObject({ attempted: 1, delivered: 1 });

    const got = receiver.at(hk.path);
    expect(got).toHaveLength(1);
    const r = got[0] as Received;
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-csvs-event']).toBe('level.regressed');
    expect(r.headers['x-csvs-delivery']).toBe(queued[0]?.id);
    expect(Math.abs(Number(r.headers['x-csvs-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(signatureValid(r, hk.secret)).toBe(true);
    expect(signatureValid({ ...r, body: r.body.replace('checkout-api', 'checkout-apj') }, hk.secret)).toBe(false);
    expect(signatureValid(r, `${hk.secret}x`)).toBe(false);

    const event = JSON.parse(r.body) as EventEnvelope<RegressionData>;
    expect(event).toMatchObject({ type: 'level.regressed', team: hk.team });
    expect(event.data).toMatchObject({
      cause: 'upload',
      workload: 'checkout-api',
      environment: 'prod',
      levelsLost: ['L1'],
      levels: { before: { L1: true, L2: false, L3: false }, after: { L1: false, L2: false, L3: false } },
      snapshot: { id: second, href: `/v1/snapshots/${second}` },
      previousSnapshot: { id: first },
      teamLevelsLost: ['L1'],
    });
    expect(event.data.controls).toEqual([expect.objectContaining({ id: '3.5', before: 'pass', after: 'fail' })]);
    expect(event.data.teamLevels.L1).toEqual({ before: { compliant: 2, total: 2 }, after: { compliant: 1, total: 2 } });

    const log = await deliveries(hk.id);
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 1, nextAttemptAt: null });
    expect(log[0]?.log).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, error: null })]);
    expect(log[0]?.payload).toEqual(event);
  });

  it('an upload that keeps its levels produces none, even when a control of a level it never met fails', async () => {
    const hk = await hookedTeam();
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_MET_WRITABLE); // 3.9 pass → fail: L2 was not met anyway
    expect(await deliveries(hk.id)).toEqual([]);
  });

  it('a waiver in force keeps the level: no event', async () => {
    const hk = await hookedTeam();
    await upload(hk.team, 'api', L1_MET);
    const waiver = await h.request(`/v1/teams/${hk.team}/waivers`, {
      method: 'POST',
      json: { control: '3.5', workloads: 'api', justification: 'JIT needs it; vendor fix tracked in SEC-1', expiresAt: new Date(Date.now() + 30 * 24 * HOUR).toISOString() },
    });
    expect(waiver.status).toBe(201);
    await upload(hk.team, 'api', L1_LOST);
    expect(await deliveries(hk.id)).toEqual([]);
  });

  it('a backfilled snapshot does not move the latest state: no event', async () => {
    const hk = await hookedTeam();
    await upload(hk.team, 'api', L1_MET);
    const res = await h.request(`/v1/teams/${hk.team}/snapshots`, {
      method: 'POST',
      json: { workload: 'api', environment: 'prod', observedAt: new Date(Date.now() - 10 * 24 * HOUR).toISOString(), artifacts: L1_LOST },
    });
    expect(res.status).toBe(201);
    expect(await deliveries(hk.id)).toEqual([]);
  });

  it('a webhook only receives the events it chose', async () => {
    const hk = await hookedTeam({ events: ['evidence.missing'] });
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_LOST);
    expect(await deliveries(hk.id)).toEqual([]);
  });

  it('re-evaluations are flagged and reach only webhooks that opted in', async () => {
    const quiet = await hookedTeam();
    const loud = await hookedTeam({ team: quiet.team, reevaluations: true });
    const id = await upload(quiet.team, 'api', L1_MET);
    const row = await findSnapshot(db, id);
    if (!row) throw new Error('snapshot not found');
    // A new engine judging the stored snapshot differently (here: as the engine judges L1_LOST).
    const rejudged = evaluate({ workload: 'api', artifacts: L1_LOST });
    const old = await findEvaluation(db, row.evaluationId ?? '');
    if (!old) throw new Error('evaluation not found');
    await withTransaction(db, (tx) => supersedeEvaluation(tx, old, { ...rejudged, engineVersion: 'next' }, new Date()));
    expect(await deliveries(quiet.id)).toEqual([]);
    const got = await deliveries(loud.id);
    expect(got.map((d) => d.event)).toEqual(['level.regressed']);
    expect(got[0]?.payload.data).toMatchObject({ cause: 're-evaluation', snapshot: { id, engineVersion: 'next' }, previousSnapshot: { id } });
  });

  it('is recorded if and only if the state change commits', async () => {
    const hk = await hookedTeam({ reevaluations: true });
    const id = await upload(hk.team, 'api', L1_MET);
    const row = await findSnapshot(db, id);
    if (!row) throw new Error('snapshot not found');
    const rejudged = evaluate({ workload: 'api', artifacts: L1_LOST });
    const old = await findEvaluation(db, row.evaluationId ?? '');
    if (!old) throw new Error('evaluation not found');
    await expect(
      withTransaction(db, async (tx) => {
        await supersedeEvaluation(tx, old, { ...rejudged, engineVersion: 'next' }, new Date());
        throw new Error('the write fails after the state moved');
      }),
    ).rejects.toThrow('the write fails');
    expect(await deliveries(hk.id)).toEqual([]);
  });
});

describe('new unknowns', () => {
  it('reports the controls that had evidence and are unknown now, with what would decide them', async () => {
    const hk = await hookedTeam();
    await upload(hk.team, 'api', L1_LOST); // L1 not met: losing evidence cannot regress a level
    const id = await upload(hk.team, 'api', DOCKERFILE_ONLY);
    const queued = await deliveries(hk.id);
    expect(queued.map((d) => d.event)).toEqual(['evidence.missing']);
    const data = queued[0]?.payload.data as EvidenceMissingData;
    expect(data).toMatchObject({ cause: 'upload', workload: 'api', environment: 'prod', snapshot: { id } });
    expect(data.controls.map((c) => `${c.id}:${c.before}`)).toEqual(['3.4:fail', '3.5:fail', '3.9:pass', '3.10:pass', '3.13:pass', '3.14:pass', '3.15:pass']);
    expect(data.controls.find((c) => c.id === '3.9')?.decidedBy).toContain('docker-inspect');
    // Still unknown on the next upload: nothing new to report.
    await upload(hk.team, 'api', DOCKERFILE_ONLY);
    expect(await deliveries(hk.id)).toHaveLength(1);
  });

  it('losing evidence of a level that was met sends both events', async () => {
    const hk = await hookedTeam();
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', DOCKERFILE_ONLY);
    expect((await deliveries(hk.id)).map((d) => d.event).sort()).toEqual(['evidence.missing', 'level.regressed']);
  });
});

describe('sending', () => {
  it('retries with backoff: a receiver failing twice, then answering, gets 3 attempts and one delivery', async () => {
    const hk = await hookedTeam();
    receiver.plans.set(hk.path, [500, 503, 200]);
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_LOST);
    const t0 = new Date();
    expect(await send([hk.teamId], t0)).toMatchObject({ attempted: 1, retrying: 1 });
    expect((await send([hk.teamId], t0)).attempted).toBe(0); // not due yet: backing off
    const pending = (await deliveries(hk.id))[0];
    const wait = new Date(pending?.nextAttemptAt ?? 0).getTime() - t0.getTime();
    expect(wait).toBeGreaterThanOrEqual(15_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    expect(await send([hk.teamId], new Date(t0.getTime() + HOUR))).toMatchObject({ attempted: 1, retrying: 1 });
    expect(await send([hk.teamId], new Date(t0.getTime() + 3 * HOUR))).toMatchObject({ attempted: 1, delivered: 1 });
    expect((await send([hk.teamId], new Date(t0.getTime() + 10 * HOUR))).attempted).toBe(0);

    const log = await deliveries(hk.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(log[0]?.log.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 503, 'HTTP 503'],
      [3, 200, null],
    ]);
    for (const a of log[0]?.log ?? []) expect(a.durationMs).toBeGreaterThanOrEqual(0);
    const got = receiver.at(hk.path);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['x-csvs-delivery'])).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(signatureValid(r, hk.secret)).toBe(true);
  });

  it('gives up after the configured number of attempts', async () => {
    const hk = await hookedTeam();
    receiver.plans.set(hk.path, [500, 500, 500, 500]);
    await upload(hk.team, 'api', L1_MET);
    await upload(hk.team, 'api', L1_LOST);
    const t0 = new Date();
    await send([hk.teamId], t0, { maxAttempts: 2 });
    expect(await send([hk.teamId], new Date(t0.getTime() + HOUR), { maxAttempts: 2 })).toMatchObject({ attempted: 1, failed: 1 });
    expect((await send([hk.teamId], new Date(t0.getTime() + 24 * HOUR), { maxAttempts: 2 })).attempted).toBe(0);
    expect(await deliveries(hk.id)).toEqual([expect.objectContaining({ status: 'failed', attempts: 2, nextAttemptAt: null })]);
    expect(receiver.at(hk.path)).toHaveLength(2);
  });

  it('logs a receiver that does not answer in time, and a refused connection', async () => {
    const hk = await hookedTeam();
    const team = await h.team('wh-dead');
    const dead = await h.request(`/v1/teams/${team}/webhooks`, { method: 'POST', json: { url: 'http://127.0.0.1:1/nothing-listens' } });
    expect(dead.status).toBe(201);
    const deadId = ((await dead.json()) as { id: string }).id;
    const hang = await h.request(`/v1/teams/${hk.team}/webhooks`, { method: 'POST', json: { url: receiver.url(`/hang-${hk.path.slice(1)}`) } });
    const hangId = ((await hang.json()) as { id: string }).id;
    for (const t of [hk.team, team]) {
      await upload(t, 'api', L1_MET);
      await upload(t, 'api', L1_LOST);
    }
    const deadTeam = await findTeamBySlug(db, team);
    const stats = await send([hk.teamId, deadTeam?.id ?? ''], new Date(), { timeoutMs: 300 });
    expect(stats).toMatchObject({ attempted: 3, delivered: 1, retrying: 2 });
    const hung = (await deliveries(hangId))[0]?.log[0];
    expect(hung).toMatchObject({ statusCode: null, error: 'no answer within 300 ms' });
    expect(hung?.durationMs).toBeGreaterThanOrEqual(250);
    const refused = (await deliveries(deadId))[0]?.log[0];
    expect(refused?.statusCode).toBeNull();
    expect(refused?.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('backs off exponentially with jitter, up to a cap', () => {
    expect(backoffMs(1, () => 0)).toBe(15_000);
    expect(backoffMs(1, () => 0.999_999)).toBeCloseTo(30_000, -1);
    expect(backoffMs(3, () => 0.5)).toBe(90_000);
    expect(backoffMs(40, () => 0)).toBe(BACKOFF_CAP_MS / 2);
  });
});

describe('waiver expiry', () => {
  it('announces a waiver lapsing within 7 days once per webhook, with the workloads that rely on it', async () => {
    const hk = await hookedTeam();
    const second = await hookedTeam({ team: hk.team, events: ['waiver.expiring'] });
    const regressOnly = await hookedTeam({ team: hk.team, events: ['level.regressed'] });
    await upload(hk.team, 'api', L1_LOST); // 3.5 fails: L1 is met only thanks to the waiver
    await upload(hk.team, 'web', L1_MET);
    const grant = async (control: string, days: number) => {
      const res = await h.request(`/v1/teams/${hk.team}/waivers`, {
        method: 'POST',
        json: { control, workloads: '*', justification: 'accepted risk while the fix ships', expiresAt: new Date(Date.now() + days * 24 * HOUR).toISOString() },
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const soon = await grant('3.5', 3);
    await grant('3.4', 30); // not within the notice period

    const now = new Date();
    expect(await sweepExpiringWaivers(db, now, { teamIds: [hk.teamId] })).toBe(2);
    expect(await sweepExpiringWaivers(db, new Date(now.getTime() + HOUR), { teamIds: [hk.teamId] })).toBe(0);

    for (const w of [hk, second]) {
      const got = await deliveries(w.id);
      expect(got.map((d) => d.event)).toEqual(['waiver.expiring']);
      const data = got[0]?.payload.data as WaiverExpiringData;
      expect(data.waiver).toMatchObject({ id: soon, control: '3.5', workloads: '*' });
      expect(data.expiresInHours).toBeGreaterThan(71);
      expect(data.expiresInHours).toBeLessThanOrEqual(72);
      expect(data.relying).toEqual([{ workload: 'api', environment: 'prod', levels: ['L1'] }]);
    }
    expect(await deliveries(regressOnly.id)).toEqual([]);

    await send([hk.teamId], new Date());
    const got = receiver.at(second.path);
    expect(got).toHaveLength(1);
    expect(got[0]?.headers['x-csvs-event']).toBe('waiver.expiring');
    expect(signatureValid(got[0] as Received, second.secret)).toBe(true);
  });

  it('says nothing of revoked waivers', async () => {
    const hk = await hookedTeam({ events: ['waiver.expiring'] });
    const res = await h.request(`/v1/teams/${hk.team}/waivers`, {
      method: 'POST',
      json: { control: '3.5', workloads: '*', justification: 'accepted risk while the fix ships', expiresAt: new Date(Date.now() + 2 * 24 * HOUR).toISOString() },
    });
    const { id } = (await res.json()) as { id: string };
    expect((await h.request(`/v1/waivers/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await sweepExpiringWaivers(db, new Date(), { teamIds: [hk.teamId] })).toBe(0);
  });
});
