import { describe, expect, it } from 'vitest';
import {
  compose,
  deployment,
  dockerfile,
  dockerInfo,
  dockerInspect,
  expectFailFixes,
  imageInspect,
  type Json,
  kubernetes,
  nginxContainer,
  only,
  type Overrides,
  pod,
  postgresImage,
} from './fixtures.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

/** `docker inspect` of `docker run -d --name web -p 8080:80 nginx:1.27`, changed per case. */
const nginx = (...overrides: Overrides[]): TestArtifact => dockerInspect(nginxContainer(...overrides));

/** `docker image inspect postgres:16.8`, changed per case. */
const postgres = (...overrides: Overrides[]): TestArtifact => imageInspect(postgresImage(...overrides));

const CHECKOUT_API = 'registry.example.com/shop/checkout-api:1.8.2';

describe('3.1 root only during initialisation', () => {
  describe('dockerfile', () => {
    it('passes when the final stage switches to a created non-root user', () => {
      const r = check('3.1', dockerfile(`
        FROM golang:1.23 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/api ./cmd/api

        FROM debian:bookworm-slim
        RUN useradd --system --uid 10001 app
        COPY --from=build /out/api /usr/local/bin/api
        USER app
        ENTRYPOINT ["/usr/local/bin/api"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 9', artifact: 'Dockerfile' })]);
    });

    it('fails on USER root in the final stage, at that line, with a fix', () => {
      const r = check('3.1', dockerfile(`
        FROM node:22-bookworm-slim
        WORKDIR /app
        COPY . .
        USER root
        CMD ["node", "server.js"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 4', container: null })]);
      expectFailFixes(r);
    });

    it.each(['0', '0:0', 'root:root', '0:1000', 'root:staff'])('treats USER %s as root (known trap)', (user) => {
      const r = check('3.1', dockerfile(`
        FROM alpine:3.21
        RUN adduser -D -u 10001 app
        USER ${user}
        CMD ["/usr/local/bin/worker"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('line 3');
    });

    it('treats a root group with a non-root user as non-root', () => {
      const r = check('3.1', dockerfile(`
        FROM registry.access.redhat.com/ubi9/ubi-minimal:9.5
        USER 1001:0
        CMD ["/opt/app/run"]
      `));
      expect(r.status).toBe('pass');
    });

    it('fails when no USER is set (field omitted, the base image decides) and says the base was not checked', () => {
      const r = check('3.1', dockerfile(`
        FROM python:3.12-slim
        COPY app.py /app/app.py
        CMD ["python", "/app/app.py"]
      `));
      expect(r.status).toBe('fail');
      const [f] = only(r, 'fail');
      expect(f?.location).toBe('line 1');
      expect(f?.message).toMatch(/python:3\.12-slim/);
      expect(f?.message).toMatch(/not checked/);
      expectFailFixes(r);
    });

    it('fails FROM scratch without USER: scratch has no users, so root', () => {
      const r = check('3.1', dockerfile(`
        FROM golang:1.23 AS build
        RUN CGO_ENABLED=0 go build -o /out/app .
        FROM scratch
        COPY --from=build /out/app /app
        ENTRYPOINT ["/app"]
      `));
      expect(r.status).toBe('fail');
      const [f] = only(r, 'fail');
      expect(f?.location).toBe('line 3');
      expect(f?.message).toMatch(/scratch/);
    });

    it('follows the final stage to the earlier stage it is built FROM', () => {
      const r = check('3.1', dockerfile(`
        FROM debian:bookworm-slim AS runtime-base
        RUN useradd --uid 10001 app
        USER app

        FROM runtime-base
        COPY api /usr/local/bin/api
        CMD ["api"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('line 3');
    });

    it('counts only the final stage: a non-root builder does not help a root runtime', () => {
      const r = check('3.1', dockerfile(`
        FROM node:22 AS build
        USER node
        RUN npm ci && npm run build
        FROM nginx:1.27
        COPY --from=build /home/node/dist /usr/share/nginx/html
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('line 4');
    });

    it('takes the last USER of the final stage', () => {
      const r = check('3.1', dockerfile(`
        FROM ubuntu:24.04
        RUN useradd -u 10001 app
        USER app
        RUN id
        USER root
        CMD ["/opt/run.sh"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('line 5');
    });

    it.each([
      ['gosu (exec form)', 'ENTRYPOINT ["gosu", "app", "/usr/local/bin/api"]', 'line 4'],
      ['su-exec (shell form)', 'ENTRYPOINT exec su-exec app:app /usr/local/bin/api', 'line 4'],
      ['setpriv --reuid', 'ENTRYPOINT ["setpriv", "--reuid=10001", "--regid=10001", "--init-groups", "/usr/local/bin/api"]', 'line 4'],
      ['runuser -u', 'ENTRYPOINT ["runuser", "-u", "app", "--", "/usr/local/bin/api"]', 'line 4'],
      ['s6-setuidgid', 'CMD ["s6-setuidgid", "app", "/usr/local/bin/api"]', 'line 4'],
      ['chpst -u', 'CMD ["chpst", "-u", "app", "/usr/local/bin/api"]', 'line 4'],
    ])('passes root that the entrypoint drops with %s (known trap)', (_tool, instruction, location) => {
      const r = check('3.1', dockerfile(`
        FROM debian:bookworm-slim
        RUN useradd --uid 10001 app && apt-get update && apt-get install -y --no-install-recommends gosu
        USER root
        ${instruction}
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location })]);
      expect(only(r, 'pass')[0]?.message).toMatch(/drops/);
    });

    it('passes a missing USER when the entrypoint drops privileges', () => {
      const r = check('3.1', dockerfile(`
        FROM alpine:3.21
        RUN apk add --no-cache su-exec && adduser -D -u 10001 app
        ENTRYPOINT ["su-exec", "app", "/usr/local/bin/worker"]
      `));
      expect(r.status).toBe('pass');
    });

    it('does not count gosu to root, or setpriv without --reuid, as dropping privileges', () => {
      expect(check('3.1', dockerfile(`
        FROM debian:bookworm-slim
        USER root
        ENTRYPOINT ["gosu", "root", "/usr/local/bin/api"]
      `)).status).toBe('fail');
      expect(check('3.1', dockerfile(`
        FROM debian:bookworm-slim
        USER root
        ENTRYPOINT ["setpriv", "--no-new-privs", "/usr/local/bin/api"]
      `)).status).toBe('fail');
    });

    it('fails an entrypoint script whose contents cannot be seen, and says so', () => {
      const r = check('3.1', dockerfile(`
        FROM postgres:16.8
        COPY init.sql /docker-entrypoint-initdb.d/
        ENTRYPOINT ["docker-entrypoint.sh"]
        CMD ["postgres"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/docker-entrypoint\.sh/);
    });

    it('reads USER ${ARG} with its default, as the build does', () => {
      const r = check('3.1', dockerfile(`
        FROM debian:bookworm-slim
        ARG APP_USER=0
        USER \${APP_USER}
        CMD ["/usr/local/bin/api"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('line 3');
    });

    it('says nothing about USER ${ARG} without a default: only the build knows the user', () => {
      const r = check('3.1', dockerfile(`
        FROM debian:bookworm-slim
        ARG APP_USER
        USER \${APP_USER}
        CMD ["/usr/local/bin/api"]
      `));
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'unknown', location: 'line 3' })]);
    });
  });

  describe('docker-image-inspect', () => {
    it('fails an image whose User is empty (root) and whose entrypoint is a script', () => {
      const r = check('3.1', postgres());
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/Config/User', artifact: 'image.json' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/postgres:16\.8/);
      expectFailFixes(r);
    });

    it('passes an image configured with a non-root user', () => {
      const r = check('3.1', postgres({ Config: { User: '65532:65532' } }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('/0/Config/User');
    });

    it('passes a root image whose entrypoint drops privileges with gosu', () => {
      const r = check('3.1', postgres({ Config: { Entrypoint: ['gosu', 'postgres', 'docker-entrypoint.sh'] } }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('/0/Config/Entrypoint');
    });

    it('fails User "0" like root', () => {
      const r = check('3.1', postgres({ Config: { User: '0' } }));
      expect(r.status).toBe('fail');
    });
  });

  describe('docker-inspect', () => {
    it('fails an empty Config.User (the default: root), at /0/Config/User for the container', () => {
      const r = check('3.1', nginx());
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ location: '/0/Config/User', container: 'web', artifact: 'inspect.json', kind: 'docker-inspect' }),
      ]);
      expectFailFixes(r);
    });

    it.each(['root', '0', '0:0', 'root:root', '0:1000'])('fails Config.User %s', (user) => {
      const r = check('3.1', nginx({ Config: { User: user } }));
      expect(r.status).toBe('fail');
    });

    it.each(['101', '101:101', 'nginx'])('passes Config.User %s', (user) => {
      const r = check('3.1', nginx({ Config: { User: user } }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: '/0/Config/User', container: 'web' })]);
    });

    it('passes a root container whose command drops privileges with gosu', () => {
      const r = check('3.1', nginx({ Path: 'gosu', Args: ['nginx', 'nginx', '-g', 'daemon off;'] }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('/0/Path');
    });

    it('judges each container of an inspect array on its own (worst of)', () => {
      const worker = nginxContainer({ Name: '/worker', Config: { User: '10001' } });
      const r = check('3.1', dockerInspect([nginxContainer(), worker]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.container, f.location])).toEqual([['web', '/0/Config/User']]);
      expect(only(r, 'pass').map((f) => [f.container, f.location])).toEqual([['worker', '/1/Config/User']]);
    });
  });

  describe('kubernetes', () => {
    /** The pod's securityContext, then the container's. */
    const checkout = (podSecurity?: Json, securityContext?: Json): TestArtifact => kubernetes(deployment({
      name: 'checkout-api',
      namespace: 'shop',
      replicas: 2,
      spec: { securityContext: podSecurity },
      containers: [{ name: 'api', image: CHECKOUT_API, ports: [{ containerPort: 8080 }], securityContext }],
    }), 'deploy.yaml');

    it('passes runAsNonRoot: true set on the pod', () => {
      const r = check('3.1', checkout({ runAsNonRoot: true }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.template.spec.securityContext.runAsNonRoot', artifact: 'deploy.yaml' }),
      ]);
    });

    it('passes a non-zero runAsUser', () => {
      const r = check('3.1', checkout(undefined, { runAsUser: 10001 }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('spec.template.spec.containers[0].securityContext.runAsUser');
    });

    it('fails runAsUser: 0 on the container, which overrides the pod', () => {
      const r = check('3.1', checkout({ runAsUser: 10001 }, { runAsUser: 0 }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.template.spec.containers[0].securityContext.runAsUser' }),
      ]);
      expectFailFixes(r);
    });

    it('says nothing when neither runAsUser nor runAsNonRoot is set (the image decides)', () => {
      const r = check('3.1', checkout());
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'unknown', container: 'api' })]);
    });

    it('allows root in an init container: that is initialisation (known trap)', () => {
      const r = check('3.1', kubernetes(deployment({
        name: 'checkout-api',
        spec: { securityContext: { runAsNonRoot: true, runAsUser: 10001 } },
        initContainers: [{
          name: 'fix-permissions',
          image: 'busybox:1.37',
          command: ['sh', '-c', 'chown -R 10001:10001 /data'],
          securityContext: { runAsNonRoot: false, runAsUser: 0 },
        }],
        containers: [{ name: 'api', image: CHECKOUT_API }],
      }), 'deploy.yaml'));
      expect(r.status).toBe('pass');
      const initFinding = r.findings.find((f) => f.container === 'fix-permissions');
      expect(initFinding).toEqual(expect.objectContaining({
        status: 'unknown',
        location: 'spec.template.spec.initContainers[0].securityContext.runAsUser',
      }));
      expect(initFinding?.message).toMatch(/initialisation/);
      expect(only(r, 'pass')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.template.spec.securityContext.runAsUser' }),
      ]);
    });

    it('fails an ephemeral debug container running as root', () => {
      const r = check('3.1', kubernetes(pod({
        name: 'checkout-api-7d9c6b5f4-x2k8q',
        namespace: 'shop',
        spec: { securityContext: { runAsNonRoot: true, runAsUser: 10001 } },
        containers: [{ name: 'api', image: CHECKOUT_API }],
        ephemeralContainers: [{ name: 'debugger-r4z7k', image: 'busybox:1.37', targetContainerName: 'api', securityContext: { runAsUser: 0 } }],
      }), 'pod.yaml'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'debugger-r4z7k', location: 'spec.ephemeralContainers[0].securityContext.runAsUser' }),
      ]);
    });

    it('prefixes the document index when a file holds several documents', () => {
      const r = check('3.1', {
        kind: 'kubernetes',
        name: 'all.yaml',
        content: dedent(`
          apiVersion: v1
          kind: Service
          metadata:
            name: checkout-api
          spec:
            selector:
              app: checkout-api
            ports:
              - port: 80
                targetPort: 8080
          ---
          apiVersion: apps/v1
          kind: StatefulSet
          metadata:
            name: ledger
          spec:
            serviceName: ledger
            selector:
              matchLabels:
                app: ledger
            template:
              metadata:
                labels:
                  app: ledger
              spec:
                containers:
                  - name: ledger
                    image: registry.example.com/shop/ledger:3.0.1
                    securityContext:
                      runAsUser: 0
        `),
      });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('[1].spec.template.spec.containers[0].securityContext.runAsUser');
    });
  });

  describe('compose', () => {
    const webAndCache = (user?: string): TestArtifact => compose({
      web: { image: 'nginxinc/nginx-unprivileged:1.27', ports: ['8080:8080'], user },
      cache: { image: 'redis:7.4', user: '999:999' },
    });

    it('fails user: root on a service', () => {
      const r = check('3.1', webAndCache('root'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'web', kind: 'compose' })]);
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.web\.user/);
      expectFailFixes(r);
    });

    it('fails user: "0:0"', () => {
      expect(check('3.1', webAndCache('0:0')).status).toBe('fail');
    });

    it('passes non-root users', () => {
      const r = check('3.1', webAndCache('101:101'));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => f.container).sort()).toEqual(['cache', 'web']);
    });

    it('says nothing for a service without user:, so one service\'s user does not pass the others', () => {
      const r = check('3.1', webAndCache());
      expect(r.findings.filter((f) => f.container === 'web').map((f) => f.status)).toEqual(['unknown', 'unknown']);
      expect(only(r, 'pass').map((f) => f.container)).toEqual(['cache']);
      // Coverage per container: web is silent, so 3.1 cannot pass for the snapshot.
      expect(r.status).toBe('unknown');
      const gap = only(r, 'unknown').find((f) => /no artifact shows/.test(f.message));
      expect(gap).toMatchObject({ container: 'web', location: 'services.web', artifact: 'compose.yaml' });
      expect(gap?.message).toMatch(/dockerfile, docker-image-inspect, docker-inspect, kubernetes, compose, processes/);
    });
  });

  describe('docker-image-inspect beside the containers that run it', () => {
    // As the agent uploads `docker run --user 101 nginx`: the container's inspect and its image's.
    const running = (user: string) => nginxContainer({ Config: { User: user } });
    const image = () => postgresImage({ Id: String(running('').Image), RepoTags: ['nginx:1.27'], Config: { User: '' } });

    it('says nothing of a root default that every container of the image overrides', () => {
      const r = check('3.1', [dockerInspect(running('101')), imageInspect(image())]);
      expect(r.status).toBe('pass');
      expect(r.findings.filter((f) => f.kind === 'docker-image-inspect')).toEqual([expect.objectContaining({
        status: 'unknown',
        message: expect.stringMatching(/starts as root .* unless told otherwise, but every container of it in this snapshot runs as another user \(web: 101\)/),
      })]);
    });

    it('still fails the default where a container of the image runs it, and where none is shown', () => {
      const root = check('3.1', [dockerInspect(running('')), imageInspect(image())]);
      expect(root.findings.filter((f) => f.kind === 'docker-image-inspect').map((f) => f.status)).toEqual(['fail']);
      expect(check('3.1', imageInspect(image())).status).toBe('fail');
      // A container of another image overrides nothing of this one.
      const other = nginxContainer({ Image: `sha256:${'e'.repeat(64)}`, Config: { User: '101' } });
      expect(check('3.1', [dockerInspect(other), imageInspect(image())]).findings.filter((f) => f.kind === 'docker-image-inspect').map((f) => f.status)).toEqual(['fail']);
    });
  });

  describe('processes', () => {
    const ps = (text: string): TestArtifact => ({ kind: 'processes', name: 'top.txt', content: dedent(text) });

    it('passes a tini-supervised non-root workload, including the ps that listed it', () => {
      const r = check('3.1', ps(`
        USER       PID COMMAND         COMMAND
        root         1 tini            /sbin/tini -- node /app/server.js
        node         7 node            node /app/server.js
        root        42 ps              ps -eo user,pid,comm,args
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toHaveLength(1);
      expect(only(r, 'pass')[0]?.message).toMatch(/node \/app\/server\.js/);
      expect(only(r, 'unknown')).toHaveLength(2);
    });

    it('says nothing where the daemon remaps user namespaces: docker top shows host UIDs there', () => {
      const list = ps(`
        USER       PID COMMAND         COMMAND
        100000       1 redis-server    redis-server *:6379
      `);
      const remap = dockerInfo({ SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=userns', 'name=cgroupns'] });
      const r = check('3.1', [list, remap]);
      expect(r.status).toBe('unknown');
      expect(only(r, 'unknown')).toEqual([expect.objectContaining({ artifact: 'top.txt' })]);
      expect(only(r, 'unknown')[0]?.message).toMatch(/host UIDs.*remaps user namespaces/);
      // Without remapping the same list is read as it stands.
      expect(check('3.1', list).status).toBe('pass');
    });

    it('reads a container opted out of the remapping (--userns=host) as it stands: its processes run as host UIDs', () => {
      // As `docker top` answered on dockerd --userns-remap=default (Docker 20.10) for `docker run --userns=host`.
      const top = { kind: 'processes' as const, name: 'top web', content: JSON.stringify({
        Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
        Processes: [['root', '11191', '11173', '7', '03:33', '?', '00:00:00', 'sleep 300']],
      }) };
      const remap = dockerInfo({ SecurityOptions: ['name=seccomp,profile=default', 'name=userns'] });
      const optedOut = check('3.1', [top, remap, nginx({ HostConfig: { UsernsMode: 'host' } })]);
      expect(optedOut.findings.filter((f) => f.kind === 'processes')).toEqual([
        expect.objectContaining({ status: 'fail', container: 'web', location: '/Processes/0' }),
      ]);
      // The same list of a remapped container says nothing: its root would show as 100000 there.
      const remapped = check('3.1', [top, remap, nginx()]);
      expect(remapped.findings.filter((f) => f.kind === 'processes')).toEqual([
        expect.objectContaining({ status: 'unknown', container: 'web' }),
      ]);
    });

    it('names the container of a list called `top NAME`, and a clean list covers that container', () => {
      const top = (name: string, user: string): TestArtifact => ({ kind: 'processes', name: `top ${name}`, content: JSON.stringify({
        Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
        Processes: [[user, '4242', '4221', '0', '03:33', '?', '00:00:00', 'sleep 3000']],
      }) });
      const r = check('3.1', top('web', 'root'));
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'web', artifact: 'top web' })]);
      expect(check('3.1', ps(`
        USER PID COMMAND
        root 1   sleep 3000
      `)).findings[0]?.container).toBeNull();
      // Two containers in the Engine API's container list (no Config: it says nothing of their user): each one's clean list covers it.
      const a = nginxContainer({ Name: '/a', Id: 'a'.repeat(64), Config: { User: '' } });
      const b = nginxContainer({ Name: '/b', Id: 'b'.repeat(64), Config: { User: '' } });
      const listed = { kind: 'docker-inspect' as const, name: 'ps.json', content: JSON.stringify([a, b].map((c) => ({ Id: c.Id, Names: [c.Name], Image: 'nginx:1.27', Mounts: [], Ports: [] }))) };
      expect(check('3.1', [listed, top('a', '101'), top('b', '101')]).status).toBe('pass');
      expect(check('3.1', [listed, top('a', '101')]).status).toBe('unknown');
    });

    it('fails a long-running workload process as root', () => {
      const r = check('3.1', ps(`
        USER       PID COMMAND         COMMAND
        root         1 nginx           nginx: master process nginx -g daemon off;
        nginx       29 nginx           nginx: worker process
      `));
      expect(r.status).toBe('fail');
      const fails = only(r, 'fail');
      expect(fails).toHaveLength(1);
      expect(fails[0]?.message).toMatch(/master process/);
      expect(fails[0]?.location).toMatch(/\S/);
      expectFailFixes(r);
    });

    it.each(['dumb-init', 'catatonit', 'docker-init', 's6-svscan', 'runsvdir'])('allows %s as a root supervisor', (init) => {
      const r = check('3.1', ps(`
        USER       PID COMMAND         COMMAND
        root         1 ${init}       /usr/bin/${init} /app/start
        10001        8 api             /app/api --listen :8080
      `));
      expect(r.status).toBe('pass');
    });

    it('counts UID 0 as root', () => {
      const r = check('3.1', ps(`
        USER       PID COMMAND         COMMAND
        0            1 python3         python3 -m http.server 8000
      `));
      expect(r.status).toBe('fail');
    });

    it('says nothing for an empty list', () => {
      const r = check('3.1', ps(`
        USER       PID COMMAND         COMMAND
      `));
      expect(r.status).toBe('unknown');
      expect(r.findings.filter((f) => f.status !== 'unknown')).toEqual([]);
    });
  });

  describe('mixed artifacts', () => {
    it('fails when any artifact shows root, though the Dockerfile passes (worst of)', () => {
      const r = check('3.1', [
        dockerfile(`
          FROM nginxinc/nginx-unprivileged:1.27
          USER 101
        `),
        nginx({ Config: { User: 'root' } }),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ kind: 'dockerfile', location: 'line 2' })]);
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ kind: 'docker-inspect', container: 'web' })]);
    });

    it('passes when the Dockerfile and the running container agree on a non-root user', () => {
      const r = check('3.1', [
        dockerfile(`
          FROM nginxinc/nginx-unprivileged:1.27
          USER 101
        `),
        nginx({ Config: { User: '101' } }),
      ]);
      expect(r.status).toBe('pass');
      expect(r.findings.map((f) => f.kind).sort()).toEqual(['docker-inspect', 'dockerfile']);
    });

    it('stays unknown with only evidence that cannot speak to users', () => {
      const r = check('3.1', dockerInfo());
      expect(r.status).toBe('unknown');
      expect(r.decidedBy).toContain('dockerfile');
    });
  });
});
