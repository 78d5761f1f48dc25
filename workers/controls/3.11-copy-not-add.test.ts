import { describe, expect, it } from 'vitest';
import { dockerfile, expectFailFixes, only } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

const DIGEST = 'sha256:0b6a9c3e7d1f5b9a2c6e0d4f8b3a7c1e5d9f2b6a0c4e8d3f7b1a5c9e2d6f0a4b';
const TARBALL_SHA = 'sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d';
const COMMIT = 'be1f38efb2a6e7c1d5f9a3b0c4e8d2f6a1b5c9e3';

/** An image config as a registry serves it (`docker buildx imagetools inspect --format '{{json .Image}}'`). */
function imageConfig(history: string[]): TestArtifact {
  return {
    kind: 'docker-image-inspect',
    name: 'image-config.json',
    content: {
      architecture: 'amd64',
      os: 'linux',
      created: '2025-05-12T07:38:55.1Z',
      config: { User: '10001', Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/app/server'], WorkingDir: '/app' },
      rootfs: { type: 'layers', diff_ids: ['sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'] },
      history: history.map((created_by, i) => ({ created: `2025-05-1${i % 10}T07:38:55Z`, created_by })),
    },
  };
}

describe('3.11 COPY, not ADD', () => {
  describe('dockerfile', () => {
    it('passes a Dockerfile that only uses COPY', () => {
      const r = check('3.11', dockerfile(`
        FROM node:20-bookworm-slim@${DIGEST} AS build
        WORKDIR /src
        COPY package.json package-lock.json ./
        RUN npm ci
        COPY . .
        FROM gcr.io/distroless/nodejs20-debian12@${DIGEST}
        COPY --from=build /src/dist /app
      `));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'pass', location: 'line 1', container: null, artifact: 'Dockerfile' })]);
      expect(r.findings[0]?.message).toMatch(/COPY/);
    });

    it('passes a Dockerfile with neither ADD nor COPY', () => {
      const r = check('3.11', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        RUN apk add --no-cache curl
      `));
      expect(r.status).toBe('pass');
    });

    it('fails ADD of local files, in any stage, naming each line', () => {
      const r = check('3.11', dockerfile(`
        FROM golang:1.22@${DIGEST} AS build
        ADD . /src
        RUN go build -o /app ./cmd/app
        FROM debian:bookworm-slim@${DIGEST}
        ADD rootfs.tar.gz /
        COPY --from=build /app /app
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 2', 'line 5']);
      expect(only(r, 'fail')[0]?.remediation).toContain('COPY . <dest>');
      expectFailFixes(r);
    });

    it('fails ADD of a URL without --checksum (the omitted flag means no integrity)', () => {
      const r = check('3.11', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /usr/local/bin/tini
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 2' })]);
      expect(only(r, 'fail')[0]?.remediation).toContain('--checksum=sha256:');
    });

    it('passes ADD --checksum=sha256: of a URL (known trap: integrity-pinned)', () => {
      const r = check('3.11', dockerfile(`
        # syntax=docker/dockerfile:1
        FROM debian:bookworm-slim@${DIGEST}
        ADD --checksum=${TARBALL_SHA} https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /src/
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 3' })]);
    });

    it('fails a git source that follows a tag or branch', () => {
      const r = check('3.11', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        ADD https://github.com/moby/buildkit.git#v0.14.1:docs /buildkit-docs
        ADD git@github.com:acme/config.git /config
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 2', 'line 3']);
      expect(only(r, 'fail')[0]?.message).toMatch(/branch or tag/);
      expectFailFixes(r);
    });

    it('passes a heredoc: its content is written in the Dockerfile itself', () => {
      const r = check('3.11', dockerfile(`
        # syntax=docker/dockerfile:1
        FROM alpine:3.20@${DIGEST}
        ADD <<EOF /etc/motd
        Authorised use only.
        EOF
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 3' })]);
    });

    it('passes a git source pinned to a full commit (fragment or --checksum), not to a short prefix', () => {
      const pinned = check('3.11', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        ADD https://github.com/moby/buildkit.git#${COMMIT}:docs /buildkit-docs
        ADD --checksum=${COMMIT} https://github.com/moby/buildkit.git#v0.14.1 /buildkit
      `));
      expect(pinned.status).toBe('pass');
      expect(only(pinned, 'pass').map((f) => f.location)).toEqual(['line 2', 'line 3']);

      const prefix = check('3.11', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        ADD --checksum=be1f38e https://github.com/moby/buildkit.git#v0.14.1 /buildkit
      `));
      expect(prefix.status).toBe('fail');
    });
  });

  describe('docker-image-inspect build history', () => {
    it("ignores the base's root file system and passes a history with only COPY", () => {
      const r = check('3.11', imageConfig([
        '/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in / ',
        '/bin/sh -c #(nop)  CMD ["bash"]',
        'WORKDIR /app',
        'COPY /src/dist /app # buildkit',
        'USER 10001',
        'CMD ["/app/server"]',
      ]));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'pass', artifact: 'image-config.json', location: '/history/0/created_by' })]);
    });

    it('ignores a root file system that only ARG/LABEL steps precede (Ubuntu images)', () => {
      const r = check('3.11', imageConfig([
        '/bin/sh -c #(nop)  ARG RELEASE',
        '/bin/sh -c #(nop)  ARG LAUNCHPAD_BUILD_ARCH',
        '/bin/sh -c #(nop)  LABEL org.opencontainers.image.ref.name=ubuntu',
        '/bin/sh -c #(nop)  LABEL org.opencontainers.image.version=24.04',
        '/bin/sh -c #(nop) ADD file:b8f3c1e2a9d4f7b0c3e6a9d2f5b8c1e4a7d0f3b6c9e2a5d8f1b4c7e0a3d6f9b2 in / ',
        '/bin/sh -c #(nop)  CMD ["/bin/bash"]',
      ]));
      expect(r.status).toBe('pass');
    });

    it('fails a later ADD file: of the classic builder and a BuildKit ADD of a local archive', () => {
      const r = check('3.11', imageConfig([
        '/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in / ',
        '/bin/sh -c #(nop)  CMD ["bash"]',
        '/bin/sh -c #(nop) ADD dir:8e0f2c7a1b4d9e3f6a5c0b8d2e7f1a4c9b3d6e0f5a8c2b7d1e4f9a3c6b0d5e8f2 in /opt/app ',
        'ADD app.tar.gz /srv/ # buildkit',
      ]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['/history/2/created_by', '/history/3/created_by']);
      expectFailFixes(r);
    });

    it('fails ADD of a URL in the history: BuildKit does not record --checksum there', () => {
      const r = check('3.11', imageConfig([
        '/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in / ',
        'ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini # buildkit',
      ]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/history/1/created_by' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/does not record --checksum/);
    });

    it('accepts the history ADD of a URL that the Dockerfile in the snapshot pins', () => {
      const url = 'https://github.com/krallin/tini/releases/download/v0.19.0/tini';
      const r = check('3.11', [
        dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c ${url} /tini
        `),
        imageConfig([
          '/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in / ',
          `ADD ${url} /tini # buildkit`,
        ]),
      ]);
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => f.artifact)).toEqual(['Dockerfile', 'image-config.json']);
    });

    it('says nothing for an image inspect without history', () => {
      const r = check('3.11', {
        kind: 'docker-image-inspect',
        name: 'image.json',
        content: [{ Id: `sha256:${'a'.repeat(64)}`, RepoTags: ['acme/app:1'], RepoDigests: [], Config: { User: '' } }],
      });
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
    });
  });

  describe('what says nothing', () => {
    it('runtime artifacts leave 3.11 unknown', () => {
      const r = check('3.11', { kind: 'compose', content: 'services:\n  web:\n    image: nginx:1.27\n' });
      expect(r.status).toBe('unknown');
      expect(r.decidedBy).toEqual(['dockerfile', 'docker-image-inspect']);
    });
  });

  describe('mixed artifacts', () => {
    it('is the worst of all: a clean Dockerfile does not outweigh an image history with ADD', () => {
      const r = check('3.11', [
        dockerfile(`
          FROM alpine:3.20@${DIGEST}
          COPY app /app
        `),
        imageConfig(['ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit', 'ADD config.tar /etc/app/ # buildkit']),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.artifact)).toEqual(['Dockerfile']);
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ artifact: 'image-config.json', location: '/history/1/created_by' })]);
    });
  });
});
