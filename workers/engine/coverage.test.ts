/**
 * Coverage per container (CONTROLS.md "Coverage, precisely"): a control passes only when every
 * container the snapshot describes is shown compliant or exempt, and how other artifacts close a
 * container one artifact leaves silent. Realistic snapshots, the whole engine, one control each.
 */
import { describe, expect, it } from 'vitest';
import {
  compose,
  deployment,
  dockerfile,
  dockerInfo,
  dockerInspect,
  imageInspect,
  kubernetes,
  nginxContainer,
  only,
  postgresImage,
  redisContainer,
} from '../controls/fixtures.ts';
import { check, type TestArtifact } from '../controls/testing.ts';

/** The gap findings: `unknown`, naming a container no artifact speaks for. */
function gaps(r: ReturnType<typeof check>): (string | null)[] {
  return only(r, 'unknown').filter((f) => /^no artifact shows this/.test(f.message)).map((f) => f.container);
}

/** A shop: web sets its user, db and cache (official images) say nothing. */
const shop = (extra: Record<string, unknown> = {}): TestArtifact => compose({
  web: { image: 'ghcr.io/acme/shop-web:2.4.1', user: '10001:10001', ports: ['127.0.0.1:8080:8080'] },
  db: { image: 'postgres:16.8', environment: { POSTGRES_PASSWORD_FILE: '/run/secrets/db' } },
  cache: { image: 'redis:7.4' },
  ...extra,
});

const APP_DOCKERFILE = dockerfile(`
  FROM node:22-bookworm-slim
  WORKDIR /app
  COPY --chown=node:node . .
  RUN npm ci --omit=dev
  USER node
  CMD ["node", "server.js"]
`);

describe('coverage per container', () => {
  it('one Compose service with user: does not pass 3.1 for the services that say nothing', () => {
    const r = check('3.1', shop());
    expect(r.status).toBe('unknown');
    expect(only(r, 'pass').map((f) => f.container)).toEqual(['web']);
    expect(gaps(r)).toEqual(['db', 'cache']);
    const gap = only(r, 'unknown').find((f) => f.container === 'db' && /^no artifact/.test(f.message));
    expect(gap).toMatchObject({ artifact: 'compose.yaml', kind: 'compose', location: 'services.db' });
    // Names the image and the kinds that would decide it.
    expect(gap?.message).toContain('image `postgres:16.8`');
    expect(gap?.message).toMatch(/dockerfile, docker-image-inspect, docker-inspect, kubernetes, compose, processes/);
    expect(r.decidedBy).toContain('docker-image-inspect');
  });

  it('still fails when one container fails, whatever the others say', () => {
    const r = check('3.1', shop({ cache: { image: 'redis:7.4', user: 'root' } }));
    expect(r.status).toBe('fail');
    expect(gaps(r)).toEqual([]);
  });

  it('an image inspect closes a silent service when its RepoTags name the service\'s image', () => {
    const db = imageInspect(postgresImage({ Config: { User: 'postgres' } }));
    const r = check('3.1', [shop({ cache: { image: 'redis:7.4', user: '999:999' } }), db]);
    expect(r.status).toBe('pass');
    expect(only(r, 'pass').map((f) => f.artifact)).toContain('image.json');
  });

  it('an image inspect of another image closes nothing', () => {
    const other = imageInspect(postgresImage({ RepoTags: ['postgres:15.10'], RepoDigests: [], Config: { User: 'postgres' } }));
    const r = check('3.1', [shop({ cache: { image: 'redis:7.4', user: '999:999' } }), other]);
    expect(r.status).toBe('unknown');
    expect(gaps(r)).toEqual(['db']);
  });

  it('the Dockerfile closes the service built from it (`build:`), not the services that pull an image', () => {
    const files = compose({
      web: { build: { context: '.', dockerfile: 'Dockerfile' }, image: 'ghcr.io/acme/shop-web:dev', ports: ['8080:8080'] },
      cache: { image: 'redis:7.4' },
    });
    const r = check('3.1', [files, APP_DOCKERFILE]);
    expect(r.status).toBe('unknown');
    expect(only(r, 'pass')).toEqual([expect.objectContaining({ artifact: 'Dockerfile', kind: 'dockerfile' })]);
    expect(gaps(r)).toEqual(['cache']);
    const all = check('3.1', [compose({ web: { build: '.', ports: ['8080:8080'] } }), APP_DOCKERFILE]);
    expect(all.status).toBe('pass');
  });

  it('with several Dockerfiles, each closes the service whose build path names it', () => {
    const files = compose({ api: { build: './api' }, web: { build: { context: 'web', dockerfile: 'Dockerfile.prod' } } });
    const api = { ...APP_DOCKERFILE, name: 'api/Dockerfile' };
    const web = { ...APP_DOCKERFILE, name: 'web/Dockerfile.prod' };
    expect(check('3.1', [files, api, web]).status).toBe('pass');
    const r = check('3.1', [files, api, { ...APP_DOCKERFILE, name: 'worker/Dockerfile' }]);
    expect(r.status).toBe('unknown');
    expect(gaps(r)).toEqual(['web']);
  });

  it('where every container runs one image, image-level evidence covers them all', () => {
    const replicas = dockerInspect([
      nginxContainer({ Name: '/web-1', Config: { User: '' } }),
      nginxContainer({ Name: '/web-2', Id: 'b'.repeat(64), Config: { User: '' } }),
    ]);
    // docker inspect says root for both (empty User): fails regardless.
    expect(check('3.1', replicas).status).toBe('fail');
    // 3.11 only a Dockerfile decides: it covers both replicas of the one image.
    const add = dockerfile(`
      FROM nginx:1.27
      COPY site/ /usr/share/nginx/html/
    `);
    expect(check('3.11', [replicas, add]).status).toBe('pass');
  });

  it('a Dockerfile does not speak for a sidecar running another image', () => {
    const app = deployment({
      name: 'checkout-api',
      containers: [
        { name: 'api', image: 'registry.example.com/shop/checkout-api:1.8.2' },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31.2' },
      ],
    });
    const r = check('3.11', [kubernetes(app, 'deploy.yaml'), APP_DOCKERFILE]);
    expect(r.status).toBe('unknown');
    expect(gaps(r)).toEqual(['api', 'envoy']);
    const same = deployment({
      name: 'checkout-api',
      containers: [
        { name: 'api', image: 'registry.example.com/shop/checkout-api:1.8.2' },
        { name: 'worker', image: 'registry.example.com/shop/checkout-api:1.8.2', args: ['worker'] },
      ],
    });
    expect(check('3.11', [kubernetes(same, 'deploy.yaml'), APP_DOCKERFILE]).status).toBe('pass');
  });

  it('an entry of another artifact with the same container name (or Compose service) closes it', () => {
    const files = compose({ web: { image: 'ghcr.io/acme/shop-web:2.4.1' }, cache: { image: 'redis:7.4', user: '999:999' } });
    const running = dockerInspect(nginxContainer({
      Name: '/shop-web-1',
      Config: { User: '10001', Image: 'ghcr.io/acme/shop-web:2.4.1', Labels: { 'com.docker.compose.service': 'web' } },
    }));
    const r = check('3.1', [files, running]);
    expect(r.status).toBe('pass');
    expect(gaps(r)).toEqual([]);
  });

  it('init containers are exempt from 3.1: root during initialisation is allowed', () => {
    const app = deployment({
      name: 'checkout-api',
      initContainers: [{ name: 'migrate', image: 'registry.example.com/shop/migrate:1.8.2', securityContext: { runAsUser: 0 } }],
      containers: [{ name: 'api', image: 'registry.example.com/shop/checkout-api:1.8.2', securityContext: { runAsNonRoot: true } }],
    });
    const r = check('3.1', kubernetes(app));
    expect(r.status).toBe('pass');
    expect(only(r, 'unknown')).toEqual([expect.objectContaining({ container: 'migrate' })]);
  });

  it('a daemon\'s user-namespace remapping covers every container it runs (3.2)', () => {
    const userns = dockerInfo({ SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=userns', 'name=cgroupns'] });
    const r = check('3.2', [userns, dockerInspect([nginxContainer(), redisContainer()])]);
    expect(r.status).toBe('pass');
    const host = check('3.2', [userns, dockerInspect([nginxContainer(), redisContainer({ HostConfig: { UsernsMode: 'host' } })])]);
    expect(host.status).toBe('fail');
  });

  it('a KubeletConfiguration\'s podPidsLimit covers the pods (3.14)', () => {
    const kubelet = {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      podPidsLimit: 1024,
    };
    const app = deployment({ name: 'api', containers: [{ name: 'api', image: 'registry.example.com/api:1' }] });
    expect(check('3.14', kubernetes([app, kubelet])).status).toBe('pass');
  });

  it('an SBOM closes the service whose image its metadata.component names (syft: repository, image ID as version)', () => {
    const sbom = (name: string): TestArtifact => ({
      kind: 'sbom',
      name: `${name.replace(/\W+/g, '-')}.cdx.json`,
      content: JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        metadata: { component: { type: 'container', name, version: `sha256:${'4'.repeat(64)}` } },
        components: [{ type: 'library', name: 'musl', version: '1.2.5-r0' }, { type: 'library', name: 'busybox', version: '1.36.1-r29' }],
      }),
    });
    const files = compose({ web: { build: '.' }, cache: { image: 'redis:7.4-alpine' } });
    const built = dockerfile(`
      FROM alpine:3.20
      RUN apk add --no-cache ca-certificates
      USER 10001
    `);
    expect(check('3.8', [files, built, sbom('redis')]).status).toBe('pass');
    expect(check('3.8', [files, built, sbom('docker.io/library/redis:7.4-alpine')]).status).toBe('pass');
    const r = check('3.8', [files, built, sbom('valkey/valkey:8')]);
    expect(r.status).toBe('unknown');
    expect(gaps(r)).toEqual(['cache']);
  });

  it('a snapshot that lists no container describes one image: the Dockerfile alone decides', () => {
    expect(check('3.1', APP_DOCKERFILE).status).toBe('pass');
  });

  it('a process list covers the one container of a snapshot with one container, not one of several', () => {
    const ps: TestArtifact = { kind: 'processes', name: 'top.txt', content: 'USER PID COMMAND COMMAND\nnginx 1 nginx nginx -g daemon off;\n' };
    const one = compose({ web: { image: 'nginxinc/nginx-unprivileged:1.27' } });
    expect(check('3.1', [one, ps]).status).toBe('pass');
    const two = compose({ web: { image: 'nginxinc/nginx-unprivileged:1.27' }, cache: { image: 'redis:7.4' } });
    expect(check('3.1', [two, ps]).status).toBe('unknown');
  });
});
