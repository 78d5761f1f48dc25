import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../workers/agent/backoff.ts';
import { ownerOfPod, podOwnerName, sanitizeWorkload, workloadOf } from '../../workers/agent/grouping.ts';
import { podSnapshots } from '../../workers/agent/kubernetes.ts';
import type { ContainerRecord, RoundData } from '../../workers/agent/round.ts';
import { buildSnapshots } from '../../workers/agent/snapshot.ts';
import { dockerToNanos, isoToNanos, nanosToDocker, nanosToIso } from '../../workers/agent/time.ts';
import { formatDuration, parseDuration, parseSize } from '../../workers/agent/units.ts';
import { PLACEHOLDER } from '../../workers/redact/index.ts';
import { fixtureJson } from './fake-docker.ts';

const compose = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' };
const k8s = { 'io.kubernetes.pod.namespace': 'payments', 'io.kubernetes.pod.name': 'checkout-api-7d9f8b6c5d-x2k4q', 'io.kubernetes.container.name': 'checkout-api' };

describe('grouping containers into workloads', () => {
  it('groups Compose replicas by project and service', () => {
    expect(workloadOf('shop-web-1', compose, null)).toEqual({ workload: 'shop/web', by: 'compose' });
    expect(workloadOf('shop-web-2', compose, null).workload).toBe('shop/web');
  });

  it('groups Kubernetes containers by namespace and pod owner', () => {
    expect(workloadOf('k8s_checkout-api_checkout-api-7d9f8b6c5d-x2k4q_payments_uid_0', k8s, null)).toEqual({ workload: 'payments/checkout-api', by: 'kubernetes' });
  });

  it('lets the configured label win over the conventions, and falls back to them without it', () => {
    const labels = { ...compose, 'com.example.workload': 'billing' };
    expect(workloadOf('shop-web-1', labels, 'com.example.workload')).toEqual({ workload: 'billing', by: 'label' });
    expect(workloadOf('shop-web-1', compose, 'com.example.workload')).toEqual({ workload: 'shop/web', by: 'compose' });
    expect(workloadOf('shop-web-1', { 'com.example.workload': '  ' }, 'com.example.workload').by).toBe('name');
  });

  it('falls back to the container name, made acceptable to the API', () => {
    expect(workloadOf('/jumpbox', {}, null)).toEqual({ workload: 'jumpbox', by: 'name' });
    expect(sanitizeWorkload('_weird name!')).toBe('weird-name-');
    expect(sanitizeWorkload('x'.repeat(300))).toHaveLength(200);
    expect(sanitizeWorkload('///')).toBe('unnamed');
  });

  it('strips the generated parts of pod names', () => {
    expect(podOwnerName('checkout-api-7d9f8b6c5d-x2k4q')).toBe('checkout-api');
    expect(podOwnerName('fluentd-x2k4q')).toBe('fluentd');
    expect(podOwnerName('node-exporter-bcdfg')).toBe('node-exporter');
    // Not generated: vowels never occur in Kubernetes' random suffixes.
    expect(podOwnerName('api-server')).toBe('api-server');
    expect(podOwnerName('web-0', { 'statefulset.kubernetes.io/pod-name': 'web-0' })).toBe('web');
    expect(podOwnerName('nightly-28950720-wxq2z', { 'batch.kubernetes.io/job-name': 'nightly-28950720' })).toBe('nightly-28950720');
    expect(podOwnerName('shop-5c9d8-h2x7k', { 'pod-template-hash': '5c9d8' })).toBe('shop');
  });

  it('traces a live pod to its controller', () => {
    const labels = { 'pod-template-hash': '7d9f8b6c5d' };
    expect(ownerOfPod({ name: 'checkout-api-7d9f8b6c5d-x2k4q', labels, owner: { kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5d' }, nodeName: null }))
      .toEqual({ kind: 'Deployment', name: 'checkout-api' });
    expect(ownerOfPod({ name: 'legacy-abcde', labels: {}, owner: { kind: 'ReplicaSet', name: 'legacy' }, nodeName: null })).toEqual({ kind: 'ReplicaSet', name: 'legacy' });
    expect(ownerOfPod({ name: 'kube-apiserver-cp-1', labels: {}, owner: { kind: 'Node', name: 'cp-1' }, nodeName: 'cp-1' })).toEqual({ kind: 'Pod', name: 'kube-apiserver' });
    expect(ownerOfPod({ name: 'debug', labels: {}, owner: null, nodeName: 'n1' })).toEqual({ kind: 'Pod', name: 'debug' });
    expect(ownerOfPod({ name: 'db-0', labels: {}, owner: { kind: 'StatefulSet', name: 'db' }, nodeName: 'n1' })).toEqual({ kind: 'StatefulSet', name: 'db' });
  });
});

describe('redacting secrets before upload', () => {
  type Json = Record<string, unknown>;
  const withEnv = (inspect: Json, extra: string[]): Json => {
    const config = inspect.Config as Json;
    return { ...inspect, Config: { ...config, Env: [...(config.Env as string[]), ...extra] } };
  };
  const record = (inspect: Json, image: Json | null, top: Json | null): ContainerRecord => ({
    id: String(inspect.Id),
    name: String(inspect.Name).replace(/^\//, ''),
    workload: { workload: 'shop/db', by: 'compose' },
    inspect,
    image,
    top,
  });
  const round = (containers: ContainerRecord[], info: Json = fixtureJson('info.json')): RoundData => ({
    host: { id: 'host-1', name: 'docker-prod-03' },
    observedAt: '2026-03-11T10:00:00.000Z',
    until: '2026-03-11T10:00:00.000Z',
    info,
    containers,
    packages: new Map(),
    eventsRead: true,
    events: [],
    carried: [],
    missing: [],
    notes: [],
  });
  const uploaded = (data: RoundData) => {
    const { snapshots, notes } = buildSnapshots(data, { environment: null, maxProcessLists: 40, agentVersion: 'test' });
    const body = snapshots[0]?.body;
    if (!body) throw new Error('no snapshot');
    const content = (kind: string) => body.artifacts.find((a) => a.kind === kind)?.content;
    return { body, notes, content, env: (kind: string) => ((content(kind) as Json[])[0]?.Config as Json).Env };
  };
  const db = () => withEnv(fixtureJson('container-shop-db-1.json'), ['SESSION_SECRET=Tq7vB2nLp9', 'GITHUB_TOKEN=ghp_x', 'DATABASE_URL=postgres://shop:Wq8vR2nXe4@db:5432/shop']);
  const top = { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['999', '1', '0', '0', '08:40', '?', '00:00:00', 'redis-server *:6379 --requirepass 9hTq2LmZ']] };

  it('replaces secret values in the uploaded inspect, image inspect and process list, and keeps the variable', () => {
    const image = withEnv(fixtureJson('image-postgres.json'), ['REPLICATION_PASSWORD=Zr5pX8kQ2w']);
    const { body, env, content } = uploaded(round([record(db(), image, top)]));
    expect(env('docker-inspect')).toEqual(expect.arrayContaining([
      `POSTGRES_PASSWORD=${PLACEHOLDER}`,
      `SESSION_SECRET=${PLACEHOLDER}`,
      `GITHUB_TOKEN=${PLACEHOLDER}`,
      `DATABASE_URL=${PLACEHOLDER}`,
    ]));
    expect(env('docker-image-inspect')).toContain(`REPLICATION_PASSWORD=${PLACEHOLDER}`);
    expect(content('processes')).toContain(`--requirepass ${PLACEHOLDER}`);
    const text = JSON.stringify(body);
    for (const secret of ['Wq8vR2nXe4', 'Tq7vB2nLp9', 'ghp_x', 'Zr5pX8kQ2w', '9hTq2LmZ']) expect(text).not.toContain(secret);
  });

  it('keeps switches, which are the evidence 3.13 reads, and harmless values', () => {
    const inspect = withEnv(fixtureJson('container-shop-db-1.json'), ['ALLOW_EMPTY_PASSWORD=yes', 'MYSQL_ALLOW_EMPTY_PASSWORD=1', 'POSTGRES_HOST_AUTH_METHOD=trust', 'NODE_ENV=production', 'NOVALUE']);
    expect(uploaded(round([record(inspect, null, null)])).env('docker-inspect')).toEqual(expect.arrayContaining([
      'ALLOW_EMPTY_PASSWORD=yes',
      'MYSQL_ALLOW_EMPTY_PASSWORD=1',
      'POSTGRES_HOST_AUTH_METHOD=trust',
      'NODE_ENV=production',
      'NOVALUE',
      'PGDATA=/var/lib/postgresql/data',
    ]));
  });

  it('copies what it read instead of changing it', () => {
    const inspect = db();
    uploaded(round([record(inspect, null, top)]));
    expect((inspect.Config as Json).Env).toContain('POSTGRES_PASSWORD=Wq8vR2nXe4');
    expect(top.Processes[0]?.[7]).toBe('redis-server *:6379 --requirepass 9hTq2LmZ');
  });

  it('leaves out, with a note, what cannot be redacted safely, rather than send it as it is', () => {
    const info = { ...fixtureJson('info.json'), Plugins: new Array(5_000_001).fill('x') };
    const { body, notes } = uploaded(round([record(db(), null, null)], info));
    expect(body.artifacts.map((a) => a.kind)).toEqual(['docker-inspect', 'docker-events']);
    expect(notes).toEqual([expect.stringMatching(/^shop\/db: docker-info left out, it cannot be redacted safely: /)]);
  });

  it('replaces literal Kubernetes env values in the uploaded pods, keeping names and references', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'checkout-api-7d9f8b6c5d-x2k4q', namespace: 'payments', managedFields: [{ manager: 'kubectl' }] },
      spec: {
        containers: [{
          name: 'checkout-api',
          image: 'registry.example.com/checkout-api:2.4.1',
          env: [
            { name: 'CHECKOUT_DB_PASSWORD', value: 's3cr3t-from-k8s' },
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'STRIPE_API_KEY', valueFrom: { secretKeyRef: { name: 'stripe', key: 'api-key' } } },
          ],
        }],
        initContainers: [{ name: 'migrate', image: 'registry.example.com/checkout-api:2.4.1', env: [{ name: 'DATABASE_URL', value: 'postgres://shop:Wq8vR2nXe4@db/shop' }] }],
      },
    };
    const [snapshot] = podSnapshots([pod], { environment: null, observedAt: '2026-03-11T10:00:00.000Z', agentVersion: 'test' });
    const items = (snapshot?.body.artifacts[0]?.content as { items: typeof pod[] }).items;
    expect(items[0]?.spec.containers[0]?.env).toEqual([
      { name: 'CHECKOUT_DB_PASSWORD', value: PLACEHOLDER },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'STRIPE_API_KEY', valueFrom: { secretKeyRef: { name: 'stripe', key: 'api-key' } } },
    ]);
    expect(items[0]?.spec.initContainers[0]?.env).toEqual([{ name: 'DATABASE_URL', value: PLACEHOLDER }]);
    expect(items[0]?.metadata).not.toHaveProperty('managedFields');
    expect(pod.spec.containers[0]?.env[0]?.value).toBe('s3cr3t-from-k8s');
  });
});

describe('times, durations, sizes, backoff', () => {
  it('keeps the daemon clock to the nanosecond', () => {
    const ns = isoToNanos('2026-03-11T10:00:00.318406214Z');
    expect(ns).toBe(1773223200318406214n);
    expect(nanosToDocker(ns ?? 0n)).toBe('1773223200.318406214');
    expect(dockerToNanos('1773223200.318406214')).toBe(ns);
    expect(dockerToNanos('1773223200')).toBe(1773223200000000000n);
    expect(isoToNanos('2026-03-11T11:00:00.5+01:00')).toBe(1773223200500000000n);
    expect(nanosToIso(1773223200318406214n)).toBe('2026-03-11T10:00:00.318Z');
    expect(isoToNanos('yesterday')).toBeNull();
  });

  it('reads durations and sizes as the options write them', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('5 minutes')).toBeNull();
    expect(parseDuration('-1s')).toBeNull();
    expect(parseSize('256MiB')).toBe(268_435_456);
    expect(parseSize('1g')).toBe(1e9);
    expect(parseSize('12 parsecs')).toBeNull();
    expect(formatDuration(300_000)).toBe('5m');
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { baseMs: 1000, capMs: 60_000 };
    expect(backoffDelay(0, policy, () => 0)).toBe(500);
    expect(backoffDelay(0, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0)).toBe(4000);
    expect(backoffDelay(3, policy, () => 1)).toBe(8000);
    expect(backoffDelay(20, policy, () => 1)).toBe(60_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(30_000);
    const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(4, policy)));
    expect(spread.size).toBeGreaterThan(1);
  });
});
