import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../workers/agent/backoff.ts';
import { ownerOfPod, podOwnerName, sanitizeWorkload, workloadOf } from '../../workers/agent/grouping.ts';
import { REDACTED, redactEnvEntry, redactInspect } from '../../workers/agent/redact.ts';
import { dockerToNanos, isoToNanos, nanosToDocker, nanosToIso } from '../../workers/agent/time.ts';
import { formatDuration, parseDuration, parseSize } from '../../workers/agent/units.ts';

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
  it('replaces secret values and keeps the variable', () => {
    expect(redactEnvEntry('POSTGRES_PASSWORD=Wq8vR2nXe4')).toBe(`POSTGRES_PASSWORD=${REDACTED}`);
    expect(redactEnvEntry('SESSION_SECRET=abc')).toBe(`SESSION_SECRET=${REDACTED}`);
    expect(redactEnvEntry('GITHUB_TOKEN=ghp_x')).toBe(`GITHUB_TOKEN=${REDACTED}`);
    expect(redactEnvEntry('DATABASE_URL=postgres://shop:Wq8vR2nXe4@db:5432/shop')).toBe(`DATABASE_URL=postgres://shop:${REDACTED}@db:5432/shop`);
  });

  it('keeps switches, which are the evidence 3.13 reads', () => {
    expect(redactEnvEntry('ALLOW_EMPTY_PASSWORD=yes')).toBe('ALLOW_EMPTY_PASSWORD=yes');
    expect(redactEnvEntry('MYSQL_ALLOW_EMPTY_PASSWORD=1')).toBe('MYSQL_ALLOW_EMPTY_PASSWORD=1');
    expect(redactEnvEntry('POSTGRES_HOST_AUTH_METHOD=trust')).toBe('POSTGRES_HOST_AUTH_METHOD=trust');
    expect(redactEnvEntry('NODE_ENV=production')).toBe('NODE_ENV=production');
    expect(redactEnvEntry('NOVALUE')).toBe('NOVALUE');
  });

  it('copies the inspect instead of changing it', () => {
    const inspect = { Id: 'x', Config: { Env: ['REDIS_PASSWORD=hunter2', 'A=b'] } };
    const out = redactInspect(inspect);
    expect(out.Config.Env).toEqual([`REDIS_PASSWORD=${REDACTED}`, 'A=b']);
    expect(inspect.Config.Env[0]).toBe('REDIS_PASSWORD=hunter2');
    expect(redactInspect({ Id: 'y', Config: 'odd' })).toEqual({ Id: 'y', Config: 'odd' });
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
