import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerfile, dockerInspect, expectFailFixes, fixtureText, imageInspect, type Json, kubernetes, only } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

const NODE_DIGEST = 'sha256:2e1a5c0b9d4f7e3a6c8b1d0f5e9a2c7b4d6f8e1a3c5b7d9f0e2a4c6b8d1f3e5a';
const DISTROLESS_DIGEST = 'sha256:6b3f0d8a1c5e9b2f7d4a0c6e8b1f3d5a9c2e7b0d4f6a8c1e3b5d7f9a0c2e4b6d';

/** `docker inspect web jumpbox` (web runs by digest, jumpbox by tag), `Config.Image` replaced by container name. */
function inspect(images: Record<string, string> = {}): TestArtifact {
  const list = JSON.parse(fixtureText('docker-inspect/h5-web-and-jumpbox.json')) as { Name: string; Config: Json }[];
  for (const c of list) c.Config.Image = images[c.Name.slice(1)] ?? c.Config.Image;
  return dockerInspect(list);
}

/** The checkout Deployment: `api` runs the app image, the init container `migrate` the migration image. */
function checkout(app: string, init: string): TestArtifact {
  return kubernetes(deployment({
    name: 'checkout',
    namespace: 'shop',
    replicas: 3,
    initContainers: [{ name: 'migrate', image: init, command: ['/app/migrate', 'up'] }],
    containers: [{ name: 'api', image: app, ports: [{ containerPort: 8080 }] }],
  }), 'k8s/checkout.yaml');
}

describe('3.6 base images by digest', () => {
  describe('dockerfile', () => {
    it('passes a multi-stage build whose external bases are pinned; the stage reference is exempt', () => {
      const r = check('3.6', dockerfile(`
        # syntax=docker/dockerfile:1
        FROM node:20-bookworm-slim@${NODE_DIGEST} AS build
        WORKDIR /src
        COPY package*.json ./
        RUN npm ci
        COPY . .
        RUN npm run build

        FROM build AS test
        RUN npm test

        FROM gcr.io/distroless/nodejs20-debian12:nonroot@${DISTROLESS_DIGEST}
        COPY --from=build /src/dist /app
        CMD ["/app/server.js"]
      `));
      expect(r.status).toBe('pass');
      expect(r.findings.map((f) => f.location)).toEqual(['line 2', 'line 12']);
      expect(r.findings.every((f) => f.container === null && f.artifact === 'Dockerfile')).toBe(true);
    });

    it('fails a FROM by tag, naming the line and the pinned form in the fix', () => {
      const r = check('3.6', dockerfile(`
        FROM python:3.12-slim
        COPY app.py /app/
        CMD ["python", "/app/app.py"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 1', container: null })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/tag `3\.12-slim`/);
      expect(only(r, 'fail')[0]?.remediation).toContain('FROM python:3.12-slim@sha256:<digest>');
      expectFailFixes(r);
    });

    it('fails a bare FROM name: omitted tag means latest (default applies)', () => {
      const r = check('3.6', dockerfile(`
        FROM ubuntu
        RUN apt-get update
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/latest/);
      expect(only(r, 'fail')[0]?.remediation).toContain('ubuntu:latest@sha256:<digest>');
    });

    it('resolves FROM ${BASE} from the ARG default: a pinned default passes (known trap)', () => {
      const r = check('3.6', dockerfile(`
        ARG BASE=node:20-bookworm-slim@${NODE_DIGEST}
        FROM \${BASE}
        CMD ["node"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 2' })]);
    });

    it('resolves FROM ${BASE} from the ARG default: a tag-only default fails (known trap)', () => {
      const r = check('3.6', dockerfile(`
        ARG BASE=node:20
        FROM \${BASE}
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toContain('node:20');
      expectFailFixes(r);
    });

    it('fails an ARG without default: nothing proves which base is used', () => {
      const r = check('3.6', dockerfile(`
        ARG BASE_IMAGE
        FROM $BASE_IMAGE
        COPY . /app
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 2' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/without a default|nothing proves/);
      expectFailFixes(r);
    });

    it('exempts FROM scratch (known trap)', () => {
      const r = check('3.6', dockerfile(`
        FROM scratch
        COPY hello /
        ENTRYPOINT ["/hello"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'fail')).toEqual([]);
    });

    it('exempts stage references, case-insensitively, but judges the stage they name', () => {
      const r = check('3.6', dockerfile(`
        FROM golang:1.22 AS Builder
        RUN go build -o /out/app ./cmd/app

        FROM builder
        CMD ["/out/app"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 1']);
    });

    it('reads FROM --platform= flags and still sees the digest', () => {
      const r = check('3.6', dockerfile(`
        FROM --platform=$BUILDPLATFORM golang:1.22-alpine@${NODE_DIGEST} AS build
        RUN go build -o /app .
        FROM scratch
        COPY --from=build /app /app
      `));
      expect(r.status).toBe('pass');
    });

    it('fails a truncated digest', () => {
      const r = check('3.6', dockerfile(`
        FROM alpine:3.20@sha256:beefcafe
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/not a full sha256/);
    });

    it('holds COPY --from=<external image> to the same rule, but not COPY --from=<stage>', () => {
      const r = check('3.6', dockerfile(`
        FROM alpine:3.20@${NODE_DIGEST} AS conf
        RUN echo ok > /ok
        FROM nginx:1.27-alpine@${DISTROLESS_DIGEST}
        COPY --from=conf /ok /ok
        COPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/busybox
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 5' })]);
      expect(only(r, 'fail')[0]?.message).toContain('COPY --from=docker.io/library/busybox:1.36');
      expectFailFixes(r);
    });

    it('fails when one of several FROM lines is unpinned (worst of)', () => {
      const r = check('3.6', dockerfile(`
        FROM node:20-bookworm-slim@${NODE_DIGEST} AS build
        RUN npm ci
        FROM node:20-bookworm-slim
        COPY --from=build /src /app
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.location)).toEqual(['line 1']);
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 3']);
    });
  });

  describe('docker-inspect (Config.Image)', () => {
    it('passes a digest reference and fails a tag, per container', () => {
      const r = check('3.6', inspect());
      expect(r.status).toBe('fail');
      expect(only(r, 'pass')).toEqual([
        expect.objectContaining({ container: 'web', location: '/0/Config/Image', artifact: 'inspect.json', kind: 'docker-inspect' }),
      ]);
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'jumpbox', location: '/1/Config/Image' })]);
      expect(only(r, 'fail')[0]?.remediation).toContain('acme/jumpbox:2.3@sha256:<digest>');
      expectFailFixes(r);
    });

    it('fails an image run by bare name: implicit latest (default applies)', () => {
      const r = check('3.6', inspect({ jumpbox: 'redis' }));
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'jumpbox' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/latest/);
    });

    it('passes when every container runs by digest or by local image ID', () => {
      const r = check('3.6', inspect({
        jumpbox: 'sha256:c2e7a9f1b4d0c6e3a8f5b2d9c1e4a7f0b3d6c9e2a5f8b1d4c7e0a3f6b9d2c5e8',
      }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => f.container)).toEqual(['web', 'jumpbox']);
    });
  });

  describe('kubernetes', () => {
    it('counts init containers: a tag-only migrate image fails although the app is pinned', () => {
      const r = check('3.6', checkout(`ghcr.io/acme/checkout@${NODE_DIGEST}`, 'ghcr.io/acme/checkout-migrate:1.8.0'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'migrate', location: 'spec.template.spec.initContainers[0].image', artifact: 'k8s/checkout.yaml' }),
      ]);
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'api', location: 'spec.template.spec.containers[0].image' })]);
      expectFailFixes(r);
    });

    it('passes when every container is pinned, tag and digest together', () => {
      const r = check('3.6', checkout(`ghcr.io/acme/checkout:3.2.0@${NODE_DIGEST}`, `ghcr.io/acme/checkout-migrate@${DISTROLESS_DIGEST}`));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toHaveLength(2);
    });

    it('fails an image without any tag (implicit latest)', () => {
      const r = check('3.6', checkout('nginx', `ghcr.io/acme/checkout-migrate@${DISTROLESS_DIGEST}`));
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'api' })]);
    });
  });

  describe('compose', () => {
    const web = (image: string): TestArtifact => compose({ web: { image, ports: ['8080:80'] }, builder: { build: './worker' } });

    it('passes a digest-pinned service; a build-only service names no image and says nothing, so it stays open', () => {
      const r = check('3.6', web(`nginx:1.27-alpine@${DISTROLESS_DIGEST}`));
      expect(r.status).toBe('unknown');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'web', location: 'services.web.image' })]);
      expect(only(r, 'unknown').map((f) => f.container)).toEqual(['builder', 'builder']);
    });

    it('a service with build: says nothing about base images, also with an image: tag; its uploaded Dockerfile decides', () => {
      const files = compose({
        web: { image: `nginx:1.27-alpine@${DISTROLESS_DIGEST}` },
        api: { build: { context: '.', dockerfile: 'Dockerfile' }, image: 'registry.acme.io/shop/api:dev' },
      });
      const alone = check('3.6', files);
      // The api's `image:` tag is what the build is called, not a base image: no fail for it.
      expect(only(alone, 'fail')).toEqual([]);
      expect(alone.status).toBe('unknown');
      const api = only(alone, 'unknown').find((f) => f.container === 'api' && f.location === 'services.api.build');
      expect(api?.message).toMatch(/built from a Dockerfile \(`image: registry\.acme\.io\/shop\/api:dev` is the tag the build gets\); that Dockerfile's FROM lines decide/);
      const pinned = dockerfile(`
        FROM node:20-bookworm-slim@${NODE_DIGEST}
        COPY . /app
      `);
      expect(check('3.6', [files, pinned]).status).toBe('pass');
      const tagged = dockerfile(`
        FROM node:20-bookworm-slim
        COPY . /app
      `);
      expect(check('3.6', [files, tagged]).status).toBe('fail');
    });

    it('fails a tag, also one coming from a ${VAR:-default} interpolation', () => {
      const r = check('3.6', web('nginx:${NGINX_TAG:-1.27-alpine}'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'web', location: 'services.web.image' })]);
      expectFailFixes(r);
    });

    it('fails an image whose variable has no default: nothing proves what runs', () => {
      const r = check('3.6', web('registry.acme.io/web:${WEB_TAG}'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/variable/);
    });
  });

  describe('what says nothing', () => {
    it('docker-image-inspect RepoDigests say how the image was pulled, not its base: unknown', () => {
      const r = check('3.6', imageInspect({
        Id: 'sha256:9a0c4e1b7d3f2a8c6e5b0d9f1a4c7e2b8d3f6a0c5e9b1d4f7a2c8e3b6d0f9a1c',
        RepoTags: ['ghcr.io/acme/shop-web:2.4.1'],
        RepoDigests: [`ghcr.io/acme/shop-web@${NODE_DIGEST}`],
        Config: { User: 'node', Cmd: ['node', 'server.js'] },
      }));
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
      expect(r.decidedBy).toEqual(expect.arrayContaining(['dockerfile', 'kubernetes', 'compose', 'docker-inspect']));
    });
  });

  describe('mixed artifacts', () => {
    it('is the worst of all: a pinned Dockerfile does not outweigh a tag-only deployment', () => {
      const r = check('3.6', [
        dockerfile(`
          FROM gcr.io/distroless/static-debian12@${DISTROLESS_DIGEST}
          COPY app /app
        `),
        checkout('ghcr.io/acme/checkout:3.2.0', `ghcr.io/acme/checkout-migrate@${DISTROLESS_DIGEST}`),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.artifact)).toEqual(['Dockerfile', 'k8s/checkout.yaml']);
      expect(only(r, 'fail').map((f) => [f.artifact, f.container])).toEqual([['k8s/checkout.yaml', 'api']]);
    });
  });
});
