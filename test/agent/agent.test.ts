import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { type Agent, createAgent } from '../../workers/agent/agent.ts';
import { createDockerClient, type DockerClient } from '../../workers/agent/docker-client.ts';
import { DiskQueue } from '../../workers/agent/queue.ts';
import type { Health } from '../../workers/agent/state.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { containerEvent, type FakeDocker, inspectByName, startFakeDocker } from './fake-docker.ts';
import { countByKey, listSnapshots, type ServedApi, serveApi } from './support.ts';

let h: Harness;
let api: ServedApi;
beforeAll(async () => {
  h = await startHarness();
  api = await serveApi(h);
});
afterAll(async () => {
  await api.stop();
  await h.close();
});

let fake: FakeDocker;
let docker: DockerClient;
let dir: string;
let team: string;
let key: string;
let logs: string[];
beforeEach(async () => {
  fake = await startFakeDocker();
  docker = createDockerClient({ endpoint: { socketPath: fake.socketPath, host: null, port: null, tls: null, display: `unix://${fake.socketPath}` }, timeoutMs: 5000 });
  dir = await mkdtemp(join(tmpdir(), 'csvs-agent-'));
  team = await h.team('agent');
  key = (await h.key('ingest', team)).key;
  logs = [];
});
afterEach(async () => {
  docker.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  await api.start().catch(() => {});
});

async function agentWith(queueMax = 1000): Promise<{ agent: Agent; queue: DiskQueue }> {
  const log = (line: string) => logs.push(line);
  const queue = await DiskQueue.open(join(dir, 'queue'), { maxEntries: queueMax, maxBytes: 64 * 1024 * 1024 }, log);
  const agent = await createAgent({
    docker,
    target: { url: api.url, key, timeoutMs: 5000 },
    team,
    queue,
    stateDir: dir,
    healthFile: join(dir, 'health.json'),
    intervalMs: 60_000,
    eventsPollMs: 0,
    lookbackMs: 24 * 3_600_000,
    groupLabel: null,
    environment: 'prod',
    maxProcessLists: 40,
    maxPendingEvents: 10_000,
    concurrency: 4,
    backoff: { baseMs: 10, capMs: 50 },
    agentVersion: 'test',
    log,
    random: () => 0.5,
  });
  return { agent, queue };
}

const health = async (): Promise<Health> => JSON.parse(await readFile(join(dir, 'health.json'), 'utf8')) as Health;
const snapshot = async (id: string): Promise<Snapshot> => (await (await h.request(`/v1/snapshots/${id}`)).json()) as Snapshot;
const control = (s: Snapshot, id: string) => s.controls.find((c) => c.id === id);

describe('the agent against the service', () => {
  it('uploads one evaluated snapshot per workload each round and logs the verdicts', async () => {
    const { agent } = await agentWith();
    expect(await agent.round()).toMatchObject({ ok: true, workloads: 8, containers: 9, queued: 8 });
    expect(await agent.deliver()).toEqual({ delivered: 8, rejected: 0, error: null, remaining: 0 });

    const stored = await listSnapshots(h, team);
    expect(stored.map((s) => s.workload).sort()).toEqual([
      'billing-worker-blue', 'billing-worker-green', 'csvs-agent/agent', 'csvs-agent/socket-proxy',
      'jumpbox', 'payments/checkout-api', 'shop/db', 'shop/web',
    ]);
    expect(new Set(stored.map((s) => s.observedAt))).toEqual(new Set(['2026-03-11T10:00:00.318Z']));
    const jumpbox = await snapshot(stored.find((s) => s.workload === 'jumpbox')?.id ?? '');
    expect(jumpbox.status).toBe('evaluated');
    expect(jumpbox.environment).toBe('prod');
    expect(jumpbox.artifacts.map((a) => a.kind)).toEqual(['docker-inspect', 'docker-image-inspect', 'processes', 'docker-events', 'docker-info']);
    expect(control(jumpbox, '3.10')?.status).toBe('fail');
    expect(control(jumpbox, '3.10')?.findings.some((f) => f.kind === 'docker-events' && f.status === 'fail')).toBe(true);
    const proxy = await snapshot(stored.find((s) => s.workload === 'csvs-agent/socket-proxy')?.id ?? '');
    expect(control(proxy, '3.15')?.status).toBe('pass');

    expect(logs.filter((l) => /^delivered \S+ of 2026-03-11T10:00:00\.318Z \(201, snapshot [0-9a-f-]{36}\): L1 (not )?met, L2 (not )?met, L3 (not )?met$/.test(l))).toHaveLength(8);
    expect(await health()).toMatchObject({ status: 'ok', lastRound: { ok: true, workloads: 8, containers: 9 }, queue: { entries: 0 } });
  });

  it('catches an exec between two rounds for 3.10', async () => {
    const { agent } = await agentWith();
    await agent.round();
    await agent.deliver();
    const web = inspectByName(fake.host, 'shop-web-1');
    fake.addEvent(containerEvent(web, 'exec_create: sh', '2026-03-11T10:02:41.113204981Z', { execID: 'a'.repeat(64) }));
    fake.addEvent(containerEvent(web, 'exec_start: sh', '2026-03-11T10:02:41.127790112Z', { execID: 'a'.repeat(64) }));
    fake.setNow('2026-03-11T10:05:00.318406214Z');
    await agent.round();
    await agent.deliver();
    // A third round without new events: the accessed container still runs, so it still fails.
    fake.setNow('2026-03-11T10:10:00.318406214Z');
    await agent.round();
    await agent.deliver();

    const rounds = (await listSnapshots(h, team, 'workload=shop/web')).sort((a, b) => a.observedAt.localeCompare(b.observedAt));
    expect(rounds.map((s) => [s.observedAt, s.controls.find((c) => c.id === '3.10')?.status])).toEqual([
      ['2026-03-11T10:00:00.318Z', 'pass'],
      ['2026-03-11T10:05:00.318Z', 'fail'],
      ['2026-03-11T10:10:00.318Z', 'fail'],
    ]);
    const second = await snapshot(rounds[1]?.id ?? '');
    const finding = control(second, '3.10')?.findings.find((f) => f.kind === 'docker-events' && f.status === 'fail');
    expect(finding?.message).toMatch(/exec session\(s\), the last at 2026-03-11T10:02:41\.1\d\dZ; the container is still the running instance/);
    expect(finding?.container).toBe('shop-web-1');
    // Windows meet exactly: the second round read from where the first stopped.
    const windows = fake.requests.filter((r) => r.path.endsWith('/events')).map((r) => [r.query.get('since'), r.query.get('until')]);
    expect(windows[1]).toEqual(['1773223200.318406214', '1773223500.318406214']);
  });

  it('keeps every round through an outage and delivers each exactly once, in order, when the service is back', async () => {
    const { agent, queue } = await agentWith();
    await agent.round();
    await agent.deliver();
    await api.stop();

    for (const at of ['10:05', '10:10', '10:15']) {
      fake.setNow(`2026-03-11T${at}:00.318406214Z`);
      expect(await agent.round()).toMatchObject({ ok: true, queued: 8 });
      const attempt = await agent.deliver();
      expect(attempt).toMatchObject({ delivered: 0, remaining: queue.size });
      expect(attempt.error).toMatch(/fetch failed|ECONNREFUSED/);
    }
    expect(queue.size).toBe(24);
    expect(await health()).toMatchObject({ status: 'degraded', queue: { entries: 24, maxEntries: 1000 }, lastDelivery: { ok: false } });
    expect(logs.some((l) => /^delivery: .*24 snapshot\(s\) wait, retry in \d+ s$/.test(l))).toBe(true);

    await api.start();
    expect(await agent.deliver()).toEqual({ delivered: 24, rejected: 0, error: null, remaining: 0 });
    // Oldest first: the rounds come out in the order they were taken.
    const deliveredRounds = logs.filter((l) => l.startsWith('delivered ')).slice(8).map((l) => l.split(' ')[3]);
    expect(deliveredRounds).toEqual([
      ...Array<string>(8).fill('2026-03-11T10:05:00.318Z'),
      ...Array<string>(8).fill('2026-03-11T10:10:00.318Z'),
      ...Array<string>(8).fill('2026-03-11T10:15:00.318Z'),
    ]);

    const stored = await listSnapshots(h, team);
    expect(stored).toHaveLength(32);
    const counts = countByKey(stored);
    expect(counts.size).toBe(32);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...new Set(stored.map((s) => s.observedAt))].sort()).toEqual([
      '2026-03-11T10:00:00.318Z', '2026-03-11T10:05:00.318Z', '2026-03-11T10:10:00.318Z', '2026-03-11T10:15:00.318Z',
    ]);
    expect(await health()).toMatchObject({ status: 'ok', queue: { entries: 0 } });
  });

  it('never stores a retry twice: a delivery whose answer was lost is sent again and replayed', async () => {
    const { agent, queue } = await agentWith();
    await agent.round();
    // Keep a copy of what is about to be delivered, then deliver it.
    const first = await queue.peek();
    if (!first) throw new Error('nothing queued');
    await agent.deliver();
    // The answer "was lost": the agent sends the very same entry again.
    await queue.push(first.entry);
    expect(await agent.deliver()).toMatchObject({ delivered: 1, remaining: 0 });
    expect(logs.at(-1)).toMatch(/^delivered \S+ of \S+ \(200, snapshot [0-9a-f-]{36}, already stored: this was a retry\)/);
    const counts = countByKey(await listSnapshots(h, team));
    expect(counts.get(first.entry.idempotencyKey)).toBe(1);
    expect(counts.size).toBe(8);
  });

  it('drops the oldest rounds beyond the bound, says so, and delivers the rest', async () => {
    const { agent, queue } = await agentWith(10);
    await api.stop();
    for (const at of ['10:00', '10:05', '10:10']) {
      fake.setNow(`2026-03-11T${at}:00.318406214Z`);
      await agent.round();
    }
    expect(queue.stats()).toMatchObject({ entries: 10, maxEntries: 10, dropped: 14 });
    expect(logs.filter((l) => l.startsWith('queue: full (10 snapshots'))).toHaveLength(14);
    expect(logs.find((l) => l.startsWith('queue: full'))).toMatch(/dropped the oldest, billing-worker-blue of 2026-03-11T10:00:00\.318Z$/);
    await api.start();
    expect(await agent.deliver()).toMatchObject({ delivered: 10, remaining: 0 });
    const stored = await listSnapshots(h, team);
    // What survived is the newest: the last round whole and the end of the one before.
    expect(stored.filter((s) => s.observedAt === '2026-03-11T10:10:00.318Z')).toHaveLength(8);
    expect(stored.filter((s) => s.observedAt === '2026-03-11T10:05:00.318Z')).toHaveLength(2);
  });

  it('sets aside a snapshot the service refuses, so it does not block the ones behind it', async () => {
    const { agent, queue } = await agentWith();
    const body = '{"workload":"broken","artifacts":[]}';
    await queue.push({ team, workload: 'broken', idempotencyKey: 'csvs-agent-broken', observedAt: '2026-03-11T09:55:00.000Z', body, enqueuedAt: new Date().toISOString() });
    await agent.round();
    expect(await agent.deliver()).toMatchObject({ delivered: 8, rejected: 1, remaining: 0 });
    expect(logs.find((l) => l.includes('broken rejected'))).toMatch(/400/);
    expect(await readFile(join(dir, 'last-rejected.json'), 'utf8')).toBe('{"workload":"broken","artifacts":[]}');
  });

  it('keeps a failed round out of the queue and reports it in the health file', async () => {
    const { agent, queue } = await agentWith();
    await fake.close();
    const report = await agent.round();
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/cannot reach the Docker daemon/);
    expect(queue.size).toBe(0);
    expect(await health()).toMatchObject({ status: 'failing', lastFailure: { error: report.error } });
    fake = await startFakeDocker();
  });

  it('resumes its event window and carried execs after a restart', async () => {
    const first = await agentWith();
    await first.agent.round();
    // A new process: same state folder, nothing in memory.
    fake.setNow('2026-03-11T10:05:00.318406214Z');
    const second = await agentWith();
    await second.agent.round();
    await second.agent.deliver();
    const windows = fake.requests.filter((r) => r.path.endsWith('/events')).map((r) => [r.query.get('since'), r.query.get('until')]);
    expect(windows).toEqual([
      ['1773136800.318406214', '1773223200.318406214'],
      ['1773223200.318406214', '1773223500.318406214'],
    ]);
    // The jumpbox's exec came from the first process's window; the second still reports it.
    const jumpbox = (await listSnapshots(h, team, 'workload=jumpbox')).map((s) => s.controls.find((c) => c.id === '3.10')?.status);
    expect(jumpbox).toEqual(['fail', 'fail']);
  });

  it('runs until stopped, and reads Docker with GET only', async () => {
    const { agent } = await agentWith();
    const controller = new AbortController();
    const running = agent.run(controller.signal);
    for (let i = 0; i < 800 && (await listSnapshots(h, team)).length < 8; i++) await new Promise((r) => setTimeout(r, 25));
    controller.abort();
    expect(await running).toBe(true);
    expect((await listSnapshots(h, team)).length).toBe(8);
    expect((await health()).status).toBe('stopped');
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }, 60_000);
});
