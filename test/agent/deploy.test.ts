/**
 * The agent's own deployment must pass the controls it reports on: evaluated with the engine,
 * as a user would upload it (the image's Dockerfile with the Compose file or the Kubernetes
 * manifest), it meets L1, and the socket proxy allows exactly what the agent reads.
 */
import { readFileSync } from 'node:fs';
import { load, loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../workers/agent/docker-client.ts';
import { EventWindow } from '../../workers/agent/events.ts';
import { readRound } from '../../workers/agent/round.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import type { EvaluationResult } from '../../workers/model/result.ts';
import { type FakeDocker, startFakeDocker } from './fake-docker.ts';

const file = (name: string) => readFileSync(new URL(`../../deploy/agent/${name}`, import.meta.url), 'utf8');
const DOCKERFILE = { kind: 'dockerfile' as const, name: 'deploy/agent/Dockerfile', content: file('Dockerfile') };
const COMPOSE = { kind: 'compose' as const, name: 'deploy/agent/compose.yaml', content: file('compose.yaml') };
const KUBERNETES = { kind: 'kubernetes' as const, name: 'deploy/agent/kubernetes.yaml', content: file('kubernetes.yaml') };

const status = (r: EvaluationResult, id: string) => r.controls.find((c) => c.id === id)?.status;
const failures = (r: EvaluationResult, level: 'L1' | 'L2' | 'L3') =>
  r.controls.filter((c) => c.levels.includes(level) && c.status !== 'pass').map((c) => `${c.id} ${c.status}`);

describe("the agent's own deployment passes our controls", () => {
  it.each([
    ['Compose', COMPOSE],
    ['Kubernetes', KUBERNETES],
  ])('meets L1 with %s and the image Dockerfile', (_name, manifest) => {
    const result = evaluate({ artifacts: [DOCKERFILE, manifest], workload: 'csvs-agent' });
    const unreadable = result.controls.flatMap((c) => c.findings).filter((f) => /could not be read|is no evidence/.test(f.message));
    expect(unreadable).toEqual([]);
    expect(failures(result, 'L1')).toEqual([]);
    expect(result.levels.L1.compliant).toBe(true);
    // Beyond L1, what these files can show: non-root (3.1, 3.3), read-only root file system (3.9).
    for (const id of ['3.1', '3.3', '3.5', '3.8', '3.9', '3.11', '3.12', '3.13', '3.15']) expect(status(result, id), id).toBe('pass');
  });

  it('lets the proxy, and only the proxy, hold the socket, declared and filtered', () => {
    for (const manifest of [COMPOSE, KUBERNETES]) {
      const result = evaluate({ artifacts: [manifest] });
      const findings = result.controls.find((c) => c.id === '3.15')?.findings ?? [];
      const socket = findings.filter((f) => /docker\.sock is mounted/.test(f.message));
      expect(socket, manifest.name).toHaveLength(1);
      expect(socket[0]?.container).toBe('socket-proxy');
      expect(socket[0]?.status).toBe('pass');
      expect(socket[0]?.message).toMatch(/declared monitoring container .* filtering socket proxy/);
      const agent = findings.filter((f) => f.container === 'agent');
      expect(agent.map((f) => f.status)).toEqual(['pass']);
      expect(agent[0]?.message).toMatch(/mounts no container runtime socket/);
    }
  });

  it('would fail without the monitoring declaration: the test can tell', () => {
    const undeclared = COMPOSE.content.replaceAll('org.owasp.csvs.docker-socket: monitoring', 'org.example.note: none');
    expect(status(evaluate({ artifacts: [{ ...COMPOSE, content: undeclared }] }), '3.15')).toBe('fail');
    // The agent declares itself too, though it mounts no socket.
    const compose = load(COMPOSE.content) as { services: Record<string, { labels?: Record<string, string> }> };
    expect(compose.services.agent?.labels).toEqual({ 'org.owasp.csvs.docker-socket': 'monitoring', 'org.owasp.csvs.docker-socket-access': 'filtered' });
  });
});

describe('the socket proxy allows what the agent reads, and nothing more', () => {
  let fake: FakeDocker;
  beforeAll(async () => {
    fake = await startFakeDocker();
  });
  afterAll(async () => fake.close());

  /** tecnativa/docker-socket-proxy sections by path, as its haproxy.cfg matches them. */
  const section = (path: string) => {
    const m = /^(?:\/v[\d.]+)?\/(_ping|[a-z]+)/.exec(path);
    const name = m?.[1] ?? '';
    return name === '_ping' ? 'PING' : name.toUpperCase();
  };

  it('matches the sections a round uses', async () => {
    const docker = createDockerClient({ endpoint: { socketPath: fake.socketPath, host: null, port: null, tls: null, display: 'fake' } });
    await readRound(docker, { only: null, groupLabel: null, window: new EventWindow(null, 1000), lookbackMs: 3_600_000, carried: [], concurrency: 2, clock: () => new Date() });
    docker.close();
    const used = new Set(fake.requests.map((r) => section(r.path)));
    expect([...used].sort()).toEqual(['CONTAINERS', 'EVENTS', 'IMAGES', 'INFO', 'PING']);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);

    const compose = load(COMPOSE.content) as { services: Record<string, { environment: Record<string, number> }> };
    const composeEnv = compose.services['socket-proxy']?.environment ?? {};
    const docs = loadAll(KUBERNETES.content) as { kind: string; spec?: { template?: { spec?: { containers: { name: string; env?: { name: string; value: string }[] }[] } } } }[];
    const proxy = docs.find((d) => d.kind === 'DaemonSet')?.spec?.template?.spec?.containers.find((c) => c.name === 'socket-proxy');
    const k8sEnv = Object.fromEntries((proxy?.env ?? []).map((e) => [e.name, Number(e.value)]));
    for (const env of [composeEnv, k8sEnv]) {
      expect(env.POST).toBe(0);
      const allowed = Object.entries(env).filter(([k, v]) => v === 1 && k !== 'DISABLE_IPV6').map(([k]) => k).sort();
      // VERSION is harmless and lets `docker version` through the proxy for troubleshooting.
      expect(allowed).toEqual([...used, 'VERSION'].sort());
    }
  });
});
