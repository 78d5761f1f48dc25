import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { podSnapshots, podWorkload, readPods } from '../../workers/agent/kubernetes.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import { ArtifactError } from '../../workers/parsers/util.ts';

const KUBECTL = readFileSync(new URL('../fixtures/kubernetes/h12-kubectl-pods.json', import.meta.url), 'utf8');
const options = { environment: 'prod', observedAt: '2026-03-11T10:00:00.000Z', agentVersion: 'test' };

describe('live pods from kubectl', () => {
  it('groups pods by their owner', () => {
    const { pods, notes } = readPods(KUBECTL);
    expect(notes).toEqual([]);
    expect(pods.map(podWorkload)).toEqual([
      'payments/checkout-api',
      'payments/checkout-api',
      'payments/redis',
      'kube-system/kube-proxy',
      'kube-system/kube-apiserver',
      'batch/report-28950720',
      'default/debug-shell',
    ]);
    const snapshots = podSnapshots(pods, options);
    expect(snapshots.map((s) => [s.workload, s.containers])).toEqual([
      ['batch/report-28950720', ['report-28950720-wxq2z']],
      ['default/debug-shell', ['debug-shell']],
      ['kube-system/kube-apiserver', ['kube-apiserver-cp-1']],
      ['kube-system/kube-proxy', ['kube-proxy-x7k2p']],
      ['payments/checkout-api', ['checkout-api-7d9f8b6c5d-x2k4q', 'checkout-api-7d9f8b6c5d-q8m2z']],
      ['payments/redis', ['redis-0']],
    ]);
  });

  it('uploads the Pod objects as a kubernetes artifact, so a debug container fails 3.10', () => {
    const snapshots = podSnapshots(readPods(KUBECTL).pods, options);
    const checkout = snapshots.find((s) => s.workload === 'payments/checkout-api')?.body;
    if (!checkout) throw new Error('no checkout snapshot');
    expect(checkout.artifacts.map((a) => [a.kind, a.name])).toEqual([['kubernetes', 'pods']]);
    expect(checkout).toMatchObject({ environment: 'prod', observedAt: '2026-03-11T10:00:00.000Z' });
    const result = evaluate({ artifacts: checkout.artifacts });
    const c310 = result.controls.find((c) => c.id === '3.10');
    expect(c310?.status).toBe('fail');
    expect(c310?.findings.filter((f) => f.status === 'fail').map((f) => f.container)).toEqual(['debugger-7wl4c']);
    const redis = snapshots.find((s) => s.workload === 'payments/redis')?.body;
    expect(evaluate({ artifacts: redis?.artifacts ?? [] }).controls.find((c) => c.id === '3.10')?.status).toBe('pass');
  });

  it('redacts literal secrets in pod specs and leaves references alone', () => {
    const text = JSON.stringify(podSnapshots(readPods(KUBECTL).pods, options).map((s) => s.body));
    expect(text).not.toContain('s3cr3t-from-k8s');
    expect(text).toContain('"name":"CHECKOUT_DB_PASSWORD","value":"[REDACTED]"');
    expect(text).toContain('"secretKeyRef":{"key":"api-key","name":"stripe"}');
    // By the service's rule every literal value is redacted unless its name is harmless: a host name too.
    expect(text).toContain('"name":"CHECKOUT_DB_HOST","value":"[REDACTED]"');
    expect(text).toContain('"name":"NODE_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}');
  });

  it('derives the same Idempotency-Key for the same pods at the same time, another for another cluster', () => {
    const { pods } = readPods(KUBECTL);
    const a = podSnapshots(pods, options).map((s) => s.idempotencyKey);
    expect(podSnapshots(pods, options).map((s) => s.idempotencyKey)).toEqual(a);
    expect(podSnapshots(pods, { ...options, cluster: 'eu-1' }).map((s) => s.idempotencyKey)).not.toEqual(a);
    expect(new Set(a).size).toBe(a.length);
  });

  it('reads -o yaml and single pods, and skips what is not a Pod', () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata: {name: solo, namespace: tools}\nspec: {containers: [{name: c, image: busybox}]}\n---\nkind: Service\nmetadata: {name: s}\n';
    const { pods, notes } = readPods(yaml);
    expect(pods.map(podWorkload)).toEqual(['tools/solo']);
    expect(notes).toEqual(['1 object(s) that are not Pods were skipped']);
  });

  it('refuses input that holds nothing to read, with a clear error', () => {
    expect(() => readPods('')).toThrow(ArtifactError);
    expect(() => readPods('{ not: [json')).toThrow(ArtifactError);
    expect(readPods('{"kind":"List","items":[{"kind":"Pod","spec":"nope"},{"__proto__":{"kind":"Pod"}},42]}')).toEqual({
      pods: [],
      notes: ['3 object(s) that are not Pods were skipped'],
    });
  });
});
