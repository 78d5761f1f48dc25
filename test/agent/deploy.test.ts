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

/**
 * The socket proxy is a third-party image: the agent's Dockerfile does not describe it, so the
 * image-level controls (3.8, 3.11) need its own evidence. `syft tecnativa/docker-socket-proxy:v0.3.0
 * -o cyclonedx-json` and `docker buildx imagetools inspect --format '{{json .Image}}'` give it; here
 * in small, made-up but real-shaped form (an Alpine-based HAProxy image).
 */
const PROXY_SBOM = {
  kind: 'sbom' as const,
  name: 'socket-proxy.cdx.json',
  content: JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    metadata: { component: { type: 'container', name: 'tecnativa/docker-socket-proxy:v0.3.0', version: 'sha256:1f0c4a2e9b8d7c6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a21' } },
    components: ['alpine-baselayout', 'apk-tools', 'busybox', 'ca-certificates-bundle', 'haproxy', 'libcrypto3', 'libssl3', 'lua5.4-libs', 'musl', 'pcre2']
      .map((name) => ({ type: 'library', name, version: '1', purl: `pkg:apk/alpine/${name}@1?distro=alpine-3.20.3` })),
  }),
};
const PROXY_IMAGE = {
  kind: 'docker-image-inspect' as const,
  name: 'socket-proxy.image.json',
  content: JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { User: '', Entrypoint: ['docker-entrypoint.sh'], Cmd: ['haproxy', '-f', '/usr/local/etc/haproxy/haproxy.cfg'], ExposedPorts: { '2375/tcp': {} } },
    history: [
      { created_by: 'ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit' },
      { created_by: 'CMD ["/bin/sh"]', empty_layer: true },
      { created_by: 'RUN /bin/sh -c apk add --no-cache haproxy lua5.4-libs # buildkit' },
      { created_by: 'COPY docker-entrypoint.sh /usr/local/bin/ # buildkit' },
      { created_by: 'COPY haproxy.cfg /usr/local/etc/haproxy/haproxy.cfg.template # buildkit' },
      { created_by: 'EXPOSE map[2375/tcp:{}]', empty_layer: true },
      { created_by: 'ENTRYPOINT ["docker-entrypoint.sh"]', empty_layer: true },
    ],
    RepoTags: ['tecnativa/docker-socket-proxy:v0.3.0'],
  }),
};

describe("the agent's own deployment passes our controls", () => {
  it.each([
    ['Compose', COMPOSE],
    ['Kubernetes', KUBERNETES],
  ])('the agent is shown compliant with %s and its Dockerfile; the third-party proxy stays open until its image is shown', (_name, manifest) => {
    const result = evaluate({ artifacts: [DOCKERFILE, manifest], workload: 'csvs-agent' });
    const unreadable = result.controls.flatMap((c) => c.findings).filter((f) => /could not be read|is no evidence/.test(f.message));
    expect(unreadable).toEqual([]);
    // Nothing fails at L1; what is open is open only for lack of evidence about a container's image.
    expect(result.controls.filter((c) => c.levels.includes('L1') && c.status === 'fail')).toEqual([]);
    for (const c of result.controls.filter((x) => x.levels.includes('L1') && x.status === 'unknown')) {
      const open = c.findings.filter((f) => /^no artifact shows this/.test(f.message)).map((f) => f.container);
      expect(open.length, c.id).toBeGreaterThan(0);
      // Compose builds the agent from this Dockerfile; Kubernetes names a registry image the Dockerfile cannot be matched to.
      expect(open.every((n) => n === 'socket-proxy' || (manifest === KUBERNETES && n === 'agent')), c.id).toBe(true);
    }
  });

  it.each([
    ['Compose', COMPOSE],
    ['Kubernetes', KUBERNETES],
  ])('meets L1 with %s, the agent\'s Dockerfile and the proxy image\'s SBOM and config', (_name, manifest) => {
    // Kubernetes pulls the agent from a registry: its image inspect ties that reference to the Dockerfile's build.
    const agentImage = {
      kind: 'docker-image-inspect' as const,
      name: 'agent.image.json',
      content: JSON.stringify([{
        Id: `sha256:${'a'.repeat(64)}`,
        RepoTags: ['registry.example.com/csvs-agent:0.1.0', 'csvs-agent:0.1.0'],
        Config: { User: 'csvs' },
        // The build history of deploy/agent/Dockerfile, as the registry's config blob keeps it.
        History: [
          { created_by: 'ADD rootfs.tar.xz / # buildkit' },
          { created_by: 'RUN |0 /bin/sh -c groupadd --system --gid 10001 csvs && useradd --system --uid 10001 csvs # buildkit' },
          { created_by: 'WORKDIR /app', empty_layer: true },
          { created_by: 'COPY /app/node_modules ./node_modules # buildkit' },
          { created_by: 'COPY package.json ./ # buildkit' },
          { created_by: 'COPY bin/ ./bin/ # buildkit' },
          { created_by: 'USER csvs', empty_layer: true },
        ],
      }]),
    };
    const agentSbom = { ...PROXY_SBOM, name: 'agent.cdx.json', content: PROXY_SBOM.content.replace('tecnativa/docker-socket-proxy:v0.3.0', 'registry.example.com/csvs-agent:0.1.0') };
    const extra = manifest === KUBERNETES ? [agentImage, agentSbom] : [];
    const result = evaluate({ artifacts: [DOCKERFILE, manifest, PROXY_SBOM, PROXY_IMAGE, ...extra], workload: 'csvs-agent' });
    expect(failures(result, 'L1')).toEqual([]);
    expect(result.levels.L1.compliant).toBe(true);
    // Beyond L1, what these files can show: read-only root file system (3.9), non-root where the files say so.
    for (const id of ['3.5', '3.8', '3.9', '3.11', '3.12', '3.13', '3.15']) expect(status(result, id), id).toBe('pass');
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
