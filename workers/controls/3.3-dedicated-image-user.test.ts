import { describe, expect, it } from 'vitest';
import { dockerfile, dockerInspect, expectFailFixes, imageInspect, kubernetes, nginxContainer, only, pod, postgresImage } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

/** The nginx container or the postgres image, with `Config.User` as given. */
function withUser(kind: 'docker-inspect' | 'docker-image-inspect', User: string): TestArtifact {
  return kind === 'docker-inspect'
    ? dockerInspect(nginxContainer({ Config: { User } }), 'docker-inspect.json')
    : imageInspect(postgresImage({ Config: { User } }), 'docker-image-inspect.json');
}

describe('3.3 a new user in every image', () => {
  describe('dockerfile', () => {
    it('passes useradd followed by USER naming that user', () => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        RUN groupadd --system --gid 10001 app \\
         && useradd --system --uid 10001 --gid app --no-create-home app
        COPY api /usr/local/bin/api
        USER app
        ENTRYPOINT ["/usr/local/bin/api"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 5', artifact: 'Dockerfile', container: null })]);
      expect(only(r, 'pass')[0]?.message).toMatch(/useradd/);
    });

    it('passes USER naming the created user by UID (and group)', () => {
      const r = check('3.3', dockerfile(`
        FROM alpine:3.21
        RUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app app
        USER 10001:10001
        CMD ["/usr/local/bin/worker"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('line 3');
    });

    it('passes a user created in the stage the final stage is built FROM', () => {
      const r = check('3.3', dockerfile(`
        FROM python:3.12-slim AS base
        RUN useradd --create-home --uid 10001 svc

        FROM base AS runtime
        COPY --chown=svc:svc app /home/svc/app
        USER svc
        CMD ["python", "-m", "app"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('line 6');
    });

    it('passes a UID given by a build argument with a default, used for both useradd and USER', () => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        ARG APP_UID=10001
        RUN useradd --system --uid \${APP_UID} app
        USER \${APP_UID}
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('line 4');
    });

    it('says nothing about USER ${ARG} without a default', () => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        ARG APP_USER
        RUN useradd --system app
        USER \${APP_USER}
      `));
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'unknown', location: 'line 4' })]);
    });

    it('fails when no USER is set (field omitted: the base image\'s user)', () => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        RUN useradd --uid 10001 app
        CMD ["/usr/local/bin/api"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 1' })]);
      expectFailFixes(r);
    });

    it.each(['root', '0', '0:0', 'root:root'])('fails USER %s (known trap)', (user) => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        RUN useradd --uid 10001 app
        USER ${user}
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('line 3');
    });

    it('fails a base image\'s user that the image never created (created where?)', () => {
      const r = check('3.3', dockerfile(`
        FROM node:22-bookworm-slim
        WORKDIR /home/node/app
        COPY --chown=node:node . .
        USER node
        CMD ["node", "server.js"]
      `));
      expect(r.status).toBe('fail');
      const [f] = only(r, 'fail');
      expect(f?.location).toBe('line 4');
      expect(f?.message).toMatch(/created where/);
      expect(f?.remediation).toMatch(/useradd|adduser/);
    });

    it('fails a numeric UID that no useradd creates, suggesting useradd', () => {
      const r = check('3.3', dockerfile(`
        FROM gcr.io/distroless/static-debian12
        COPY app /app
        USER 65532
        ENTRYPOINT ["/app"]
      `));
      expect(r.status).toBe('fail');
      const [f] = only(r, 'fail');
      expect(f?.message).toMatch(/65532/);
      expect(f?.remediation).toMatch(/useradd --system --uid 65532/);
    });

    it('fails a user created only in a build stage the final stage does not descend from', () => {
      const r = check('3.3', dockerfile(`
        FROM golang:1.23 AS build
        RUN useradd --uid 10001 app
        RUN go build -o /out/api .

        FROM debian:bookworm-slim
        COPY --from=build /out/api /api
        COPY --from=build /etc/passwd /etc/passwd
        USER app
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('line 8');
    });

    it('fails when the USER names a different user than the one created', () => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        RUN useradd --uid 10001 app
        USER www-data
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/app/);
    });

    it('fails a group created without any user', () => {
      const r = check('3.3', dockerfile(`
        FROM debian:bookworm-slim
        RUN groupadd --gid 10001 app
        USER app
      `));
      expect(r.status).toBe('fail');
    });
  });

  describe('docker-image-inspect', () => {
    it('fails an empty User (the default: root)', () => {
      const r = check('3.3', withUser('docker-image-inspect', ''));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/Config/User', artifact: 'docker-image-inspect.json' })]);
      expectFailFixes(r);
    });

    it.each(['root', '0:0'])('fails User %s', (user) => {
      expect(check('3.3', withUser('docker-image-inspect', user)).status).toBe('fail');
    });

    it('passes a non-root user, saying creation cannot be seen here', () => {
      const r = check('3.3', withUser('docker-image-inspect', 'postgres'));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.message).toMatch(/not visible/);
    });
  });

  describe('docker-inspect', () => {
    it('fails an empty Config.User, for the container', () => {
      const r = check('3.3', withUser('docker-inspect', ''));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/Config/User', container: 'web' })]);
      expectFailFixes(r);
    });

    it('passes a non-root Config.User', () => {
      const r = check('3.3', withUser('docker-inspect', '101:101'));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'web' })]);
    });
  });

  describe('kinds that cannot speak', () => {
    it('ignores Kubernetes runAsUser: it overrides the user, it does not create one', () => {
      const r = check('3.3', kubernetes(pod({
        name: 'api',
        containers: [{ name: 'api', image: 'registry.example.com/api:1.0.0', securityContext: { runAsUser: 0 } }],
      })));
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
    });
  });

  describe('mixed artifacts', () => {
    it('fails when the container runs as root though the Dockerfile creates and uses a user (worst of)', () => {
      const r = check('3.3', [
        dockerfile(`
          FROM debian:bookworm-slim
          RUN useradd --uid 101 web
          USER web
        `),
        withUser('docker-inspect', 'root'),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.kind)).toEqual(['dockerfile']);
      expect(only(r, 'fail').map((f) => f.kind)).toEqual(['docker-inspect']);
    });

    it('passes when Dockerfile and image agree', () => {
      const r = check('3.3', [
        dockerfile(`
          FROM debian:bookworm-slim
          RUN useradd --uid 101 web
          USER 101
        `),
        withUser('docker-image-inspect', '101'),
      ]);
      expect(r.status).toBe('pass');
      expect(r.findings).toHaveLength(2);
    });
  });
});
