import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDockerClient, type DockerClient } from '../../workers/agent/docker-client.ts';
import { EventWindow } from '../../workers/agent/events.ts';
import { readRound, type RoundOptions } from '../../workers/agent/round.ts';
import { buildSnapshots, idempotencyKey, type SnapshotBody } from '../../workers/agent/snapshot.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import { type FakeDocker, fixtureJson, startFakeDocker } from './fake-docker.ts';

let fake: FakeDocker;
let docker: DockerClient;
beforeEach(async () => {
  fake = await startFakeDocker();
  docker = createDockerClient({ endpoint: { socketPath: fake.socketPath, host: null, port: null, tls: null, display: 'fake' }, timeoutMs: 5000 });
});
afterEach(async () => {
  docker.close();
  await fake.close();
});

const options = (over: Partial<RoundOptions> = {}): RoundOptions => ({
  only: null,
  groupLabel: null,
  window: new EventWindow(null, 10_000),
  lookbackMs: 24 * 3_600_000,
  carried: [],
  concurrency: 4,
  clock: () => new Date('2026-03-11T10:00:00Z'),
  ...over,
});
const snapshotsOf = async (over: Partial<RoundOptions> = {}) => {
  const round = await readRound(docker, options(over));
  return { round, ...buildSnapshots(round, { environment: 'prod', maxProcessLists: 40, agentVersion: 'test' }) };
};
const artifact = (body: SnapshotBody, kind: string) => body.artifacts.filter((a) => a.kind === kind);
const statusOf = (body: SnapshotBody, id: string) => evaluate({ artifacts: body.artifacts }).controls.find((c) => c.id === id)?.status;

describe('one round against the Docker Engine API', () => {
  it('produces one snapshot per workload with every artifact kind', async () => {
    const { round, snapshots } = await snapshotsOf();
    expect(round.host).toEqual({ id: '0f6d3a2e-8c41-4b7e-9a55-2e7c1d9b4f80', name: 'docker-prod-03' });
    expect(round.observedAt).toBe('2026-03-11T10:00:00.318Z');
    expect(snapshots.map((s) => [s.workload, s.containers])).toEqual([
      ['billing-worker-blue', ['billing-worker-blue']],
      ['billing-worker-green', ['billing-worker-green']],
      ['csvs-agent/agent', ['csvs-agent-agent-1']],
      ['csvs-agent/socket-proxy', ['csvs-agent-socket-proxy-1']],
      ['jumpbox', ['jumpbox']],
      ['payments/checkout-api', ['k8s_checkout-api_checkout-api-7d9f8b6c5d-x2k4q_payments_8c6f1f0e-2b4d-4e7a-9c3b-5d1e2f3a4b5c_0']],
      ['shop/db', ['shop-db-1']],
      ['shop/web', ['shop-web-1', 'shop-web-2']],
    ]);
    const web = snapshots.find((s) => s.workload === 'shop/web')?.body;
    if (!web) throw new Error('no shop/web snapshot');
    expect(web.artifacts.map((a) => `${a.kind} ${a.name}`)).toEqual([
      'docker-inspect docker-inspect',
      'docker-image-inspect docker-image-inspect',
      'processes top shop-web-1',
      'processes top shop-web-2',
      'docker-events docker-events',
      'docker-info docker-info',
    ]);
    expect((artifact(web, 'docker-inspect')[0]?.content as { Name: string }[]).map((c) => c.Name)).toEqual(['/shop-web-1', '/shop-web-2']);
    // Two replicas of one image: inspected once, listed once.
    expect(artifact(web, 'docker-image-inspect')[0]?.content).toHaveLength(1);
    expect(artifact(web, 'docker-info')[0]?.content).toEqual(fixtureJson('info.json'));
    expect(web).toMatchObject({ workload: 'shop/web', environment: 'prod', observedAt: '2026-03-11T10:00:00.318Z' });
    expect(web.ci.idempotencyId).toBe(idempotencyKey('0f6d3a2e-8c41-4b7e-9a55-2e7c1d9b4f80', '2026-03-11T10:00:00.318Z', 'shop/web'));
  });

  it('gives each workload the events of its own containers, replaced ones included', async () => {
    const { snapshots } = await snapshotsOf();
    const events = (w: string) => {
      const body = snapshots.find((s) => s.workload === w)?.body;
      const text = body ? String(artifact(body, 'docker-events')[0]?.content) : '';
      return text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { Action: string }).Action.split(':')[0]);
    };
    // The exec'd database container was destroyed and recreated: its events belong to shop/db by their labels.
    expect(events('shop/db')).toEqual(['exec_create', 'exec_start', 'die', 'destroy', 'create', 'start']);
    expect(events('jumpbox')).toEqual(['create', 'start', 'exec_create', 'exec_start']);
    expect(events('shop/web')).toEqual([]);
  });

  it('lets the engine judge 3.10 from the round: access to a running container fails, a replaced one passes', async () => {
    const { snapshots } = await snapshotsOf();
    const body = (w: string) => {
      const b = snapshots.find((s) => s.workload === w)?.body;
      if (!b) throw new Error(`no ${w}`);
      return b;
    };
    expect(statusOf(body('jumpbox'), '3.10')).toBe('fail');
    expect(statusOf(body('shop/db'), '3.10')).toBe('pass');
    expect(statusOf(body('shop/web'), '3.10')).toBe('pass');
    // The agent behind the socket proxy is compliant with 3.15; so is the proxy itself (declared, filtering, read-only).
    expect(statusOf(body('csvs-agent/socket-proxy'), '3.15')).toBe('pass');
    for (const s of snapshots) {
      const result = evaluate({ artifacts: s.body.artifacts });
      const unreadable = result.controls.flatMap((c) => c.findings).filter((f) => /could not be read|is no evidence/.test(f.message));
      expect(unreadable, s.workload).toEqual([]);
    }
  });

  it('redacts secrets in the environment before anything leaves the host', async () => {
    const { snapshots } = await snapshotsOf();
    const text = JSON.stringify(snapshots.map((s) => s.body));
    expect(text).not.toContain('Wq8vR2nXe4');
    expect(text).not.toContain('7f1c8a2e9d4b6f3a0c5e8d1b2a7f4c9e');
    expect(text).not.toContain('9hTq2LmZ');
    expect(text).toContain('POSTGRES_PASSWORD=[REDACTED]');
  });

  it('groups by a configured label first', async () => {
    const { snapshots } = await snapshotsOf({ groupLabel: 'com.example.workload' });
    const billing = snapshots.find((s) => s.workload === 'billing');
    expect(billing?.containers).toEqual(['billing-worker-blue', 'billing-worker-green']);
    expect(snapshots.some((s) => s.workload.startsWith('billing-worker'))).toBe(false);
  });

  it('reads only the containers named, and reports names that do not exist', async () => {
    const { round, snapshots } = await snapshotsOf({ only: ['jumpbox', 'no-such-thing'], fixedWorkload: 'ci/app' });
    expect(round.missing).toEqual(['no-such-thing']);
    expect(snapshots.map((s) => [s.workload, s.containers])).toEqual([['ci/app', ['jumpbox']]]);
  });

  it('only ever sends GET requests, negotiating the API version once', async () => {
    await snapshotsOf();
    expect(fake.requests.length).toBeGreaterThan(20);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fake.requests.filter((r) => r.path === '/_ping')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path !== '/_ping').every((r) => r.path.startsWith('/v1.47/'))).toBe(true);
    const paths = new Set(fake.requests.map((r) => r.path.replace(/[0-9a-f]{64}/, 'ID')));
    expect([...paths].sort()).toEqual([
      '/_ping',
      '/v1.47/containers/ID/json',
      '/v1.47/containers/ID/top',
      '/v1.47/containers/json',
      '/v1.47/events',
      '/v1.47/images/sha256:ID/json',
      '/v1.47/info',
    ]);
    const events = fake.requests.find((r) => r.path === '/v1.47/events');
    expect(events?.query.get('since')).toBe('1773136800.318406214');
    expect(events?.query.get('until')).toBe('1773223200.318406214');
    expect(JSON.parse(events?.query.get('filters') ?? '{}')).toEqual({
      type: ['container'],
      event: ['exec_create', 'exec_start', 'create', 'start', 'restart', 'die', 'destroy'],
    });
  });

  it('reads consecutive windows that meet exactly, each event once', async () => {
    const window = new EventWindow(null, 10_000);
    const first = await readRound(docker, options({ window }));
    expect(first.events.length).toBeGreaterThan(0);
    // An event exactly at the boundary was in the first window; the second must not repeat it.
    fake.addEvent(`{"Type":"container","Action":"start","Actor":{"ID":"${'e'.repeat(64)}","Attributes":{"name":"late"}},"scope":"local","time":1773223200,"timeNano":1773223200318406214}`);
    fake.setNow('2026-03-11T10:05:00.000000001Z');
    const second = await readRound(docker, options({ window }));
    const windows = fake.requests.filter((r) => r.path === '/v1.47/events').map((r) => [r.query.get('since'), r.query.get('until')]);
    expect(windows).toEqual([
      ['1773136800.318406214', '1773223200.318406214'],
      ['1773223200.318406214', '1773223500.000000001'],
    ]);
    expect(second.events).toEqual([]);
  });

  it('carries exec events of a container until it is replaced', async () => {
    const first = await readRound(docker, options());
    const jumpbox = first.containers.find((c) => c.name === 'jumpbox')?.id ?? '';
    expect(first.carried.map((c) => c.containerId)).toEqual([jumpbox, jumpbox]);
    fake.setNow('2026-03-11T10:05:00.318406214Z');
    const window = new EventWindow(1773223200318406214n, 10_000);
    const second = await readRound(docker, options({ window, carried: first.carried }));
    const { snapshots } = buildSnapshots(second, { environment: null, maxProcessLists: 40, agentVersion: 'test' });
    const body = snapshots.find((s) => s.workload === 'jumpbox')?.body;
    if (!body) throw new Error('no jumpbox');
    // No new event in the window, but the accessed instance still runs: still a 3.10 failure.
    expect(statusOf(body, '3.10')).toBe('fail');
    // Once the container is gone, its carried events go with it.
    fake.host.inspects.delete(jumpbox);
    const third = await readRound(docker, options({ window, carried: second.carried }));
    expect(third.carried).toEqual([]);
  });

  it('still reports a round when a proxy refuses the events, without claiming an empty log', async () => {
    const first = await readRound(docker, options());
    fake.deny.push('/events');
    fake.setNow('2026-03-11T10:05:00.318406214Z');
    const window = new EventWindow(1773223200318406214n, 10_000);
    const second = await readRound(docker, options({ window, carried: first.carried }));
    expect(second.eventsRead).toBe(false);
    expect(second.notes).toContain("events could not be read (403: 403 Forbidden Request forbidden by administrative rules.); this round's snapshots carry no event window");
    expect(window.lastUntil).toBe(1773223200318406214n);
    const { snapshots } = buildSnapshots(second, { environment: null, maxProcessLists: 40, agentVersion: 'test' });
    const web = snapshots.find((s) => s.workload === 'shop/web')?.body;
    expect(web?.artifacts.map((a) => a.kind)).not.toContain('docker-events');
    // What is known still goes up: the exec into the jumpbox, which still runs.
    const jumpbox = snapshots.find((s) => s.workload === 'jumpbox')?.body;
    if (!jumpbox) throw new Error('no jumpbox');
    expect(statusOf(jumpbox, '3.10')).toBe('fail');
  });

  it('skips a container that goes away during the round', async () => {
    // Listed, then removed before its inspect: the daemon answers 404.
    const [gone] = [...fake.host.inspects.keys()];
    fake.host.inspects.delete(gone ?? '');
    const { round } = await snapshotsOf();
    expect(round.containers).toHaveLength(8);
    expect(round.notes).toContain(`container ${(gone ?? '').slice(0, 12)} went away during the round`);
  });
});
