import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerfile, expectFailFixes, fixtureText, imageInspect, type Json, kubernetes, only, pod } from './fixtures.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

const DIGEST = 'sha256:0b6a9c3e7d1f5b9a2c6e0d4f8b3a7c1e5d9f2b6a0c4e8d3f7b1a5c9e2d6f0a4b';

/** `docker image inspect acme/jumpbox:2.3`, with the `Config` settings given. */
function image(config: Json): TestArtifact {
  return imageInspect({
    Id: 'sha256:c2e7a9f1b4d0c6e3a8f5b2d9c1e4a7f0b3d6c9e2a5f8b1d4c7e0a3f6b9d2c5e8',
    RepoTags: ['acme/jumpbox:2.3'],
    RepoDigests: [],
    Created: '2025-05-11T16:20:04.31823401Z',
    Config: { User: '', Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ...config },
    Architecture: 'amd64',
    Os: 'linux',
  });
}

const inspect: TestArtifact = { kind: 'docker-inspect', name: 'inspect.json', content: fixtureText('docker-inspect/h5-web-and-jumpbox.json') };

describe('3.12 no SSH or RDP', () => {
  describe('dockerfile', () => {
    it('fails installing, exposing and starting sshd, each at its line', () => {
      const r = check('3.12', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends openssh-server \\
         && mkdir /run/sshd
        EXPOSE 22
        CMD ["/usr/sbin/sshd", "-D", "-e"]
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 3', 'line 5', 'line 6']);
      expect(only(r, 'fail').every((f) => f.container === null && f.artifact === 'Dockerfile')).toBe(true);
      expectFailFixes(r);
    });

    it('fails RDP like SSH: xrdp and EXPOSE 3389/udp (known trap)', () => {
      const r = check('3.12', dockerfile(`
        FROM ubuntu:24.04@${DIGEST}
        RUN apt-get update && apt-get install -y --no-install-recommends xrdp xfce4
        EXPOSE 3389/tcp 3389/udp
        CMD ["/bin/sh", "-c", "xrdp-sesman && xrdp --nodaemon"]
      `));
      expect(r.status).toBe('fail');
      const messages = only(r, 'fail').map((f) => f.message).join('\n');
      expect(messages).toContain('xrdp');
      expect(messages).toContain('3389/udp');
      expect(messages).toContain('RDP');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 2', 'line 3', 'line 3', 'line 4']);
    });

    it("fails Alpine's openssh package and a shell-form `service ssh start` entrypoint", () => {
      const apk = check('3.12', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        RUN apk add --no-cache openssh
      `));
      expect(apk.status).toBe('fail');
      expect(only(apk, 'fail')[0]?.message).toContain('openssh');

      const service = check('3.12', dockerfile(`
        FROM nginx:1.27@${DIGEST}
        CMD service ssh start && nginx -g 'daemon off;'
      `));
      expect(service.status).toBe('fail');
      expect(only(service, 'fail')).toEqual([expect.objectContaining({ location: 'line 2' })]);
    });

    it('passes openssh-client and other ports: a client is not a server', () => {
      const r = check('3.12', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get update && apt-get install -y --no-install-recommends openssh-client git
        EXPOSE 8080
        CMD ["/app/server"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 1' })]);
    });

    it('ignores a build stage that installs an SSH server; counts only what ends up in the image', () => {
      const r = check('3.12', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST} AS test-harness
        RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
        FROM gcr.io/distroless/static-debian12@${DIGEST}
        COPY --from=test-harness /etc/ssl/certs /etc/ssl/certs
      `));
      expect(r.status).toBe('pass');
    });

    it('follows the stage chain for the start command: a later ENTRYPOINT resets an inherited CMD', () => {
      const inherited = check('3.12', dockerfile(`
        FROM alpine:3.20@${DIGEST} AS base
        CMD ["/usr/sbin/sshd", "-D"]
        FROM base
        COPY app /app
      `));
      expect(inherited.status).toBe('fail');
      expect(only(inherited, 'fail')).toEqual([expect.objectContaining({ location: 'line 2' })]);

      const reset = check('3.12', dockerfile(`
        FROM alpine:3.20@${DIGEST} AS base
        CMD ["/usr/sbin/sshd", "-D"]
        FROM base
        ENTRYPOINT ["/app/server"]
      `));
      expect(reset.status).toBe('pass');
    });

    it('does not count an SSH server purged later in the same image', () => {
      const r = check('3.12', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get update && apt-get install -y --no-install-recommends openssh-server \\
         && ssh-keygen -A \\
         && apt-get purge -y openssh-server
      `));
      expect(r.status).toBe('pass');
    });
  });

  describe('docker-inspect', () => {
    it('fails the container publishing 22 and running sshd; passes the other one', () => {
      const r = check('3.12', inspect);
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.container, f.location])).toEqual([
        ['jumpbox', '/1/NetworkSettings/Ports/22~1tcp/0'],
        ['jumpbox', '/1/NetworkSettings/Ports/22~1tcp/1'],
        ['jumpbox', '/1/Path'],
      ]);
      expect(only(r, 'fail')[0]?.message).toMatch(/SSH port 22\/tcp on host port 2222/);
      expect(only(r, 'fail')[2]?.message).toContain('sshd');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'web', artifact: 'inspect.json' })]);
      expectFailFixes(r);
    });
  });

  describe('docker-image-inspect', () => {
    it('fails ExposedPorts 22 and a Cmd that starts sshd behind tini', () => {
      const r = check('3.12', image({ ExposedPorts: { '22/tcp': {} }, Entrypoint: ['/usr/bin/tini', '--'], Cmd: ['/usr/sbin/sshd', '-D'] }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['/0/Config/ExposedPorts/22~1tcp', '/0/Config/Cmd']);
    });

    it('passes an image exposing other ports only', () => {
      const r = check('3.12', image({ ExposedPorts: { '8080/tcp': {} }, Entrypoint: null, Cmd: ['/app/server'] }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ artifact: 'image.json', location: '/0' })]);
    });
  });

  describe('kubernetes', () => {
    it('fails containerPort 22, a Service port and a named targetPort, and an sshd command; passes a plain Service', () => {
      const bastion = deployment({
        name: 'bastion',
        namespace: 'ops',
        containers: [
          { name: 'sshd', image: 'ghcr.io/acme/bastion:1.4', command: ['/usr/sbin/sshd', '-D', '-e', '-p', '2222'], ports: [{ name: 'ssh', containerPort: 2222 }] },
          { name: 'metrics', image: 'ghcr.io/acme/exporter:0.9', ports: [{ containerPort: 9100 }] },
        ],
      });
      const service = (name: string, spec: Json): Json =>
        ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ops' }, spec: { ...spec, selector: { app: 'bastion' } } });
      const r = check('3.12', kubernetes([
        bastion,
        service('bastion', { type: 'LoadBalancer', ports: [{ name: 'ssh', port: 22, targetPort: 'ssh' }] }),
        service('metrics', { ports: [{ port: 9100, targetPort: 9100 }] }),
      ], 'k8s/bastion.yaml'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.container, f.location])).toEqual([
        ['sshd', '[0].spec.template.spec.containers[0].command'],
        [null, '[1].spec.ports[0]'],
      ]);
      expect(only(r, 'pass').map((f) => f.container ?? f.message)).toEqual(['metrics', expect.stringContaining('Service metrics')]);
      expectFailFixes(r);
    });

    it('fails an RDP containerPort in an init or sidecar container too', () => {
      const r = check('3.12', kubernetes(pod({
        name: 'desktop',
        containers: [
          { name: 'app', image: 'ghcr.io/acme/desktop-app:3.1' },
          { name: 'rdp', image: 'ghcr.io/acme/xrdp-sidecar:1.0', ports: [{ containerPort: 3389, protocol: 'UDP' }] },
        ],
      }), 'k8s/bastion.yaml'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'rdp', location: 'spec.containers[1].ports[0]' })]);
      expect(only(r, 'fail')[0]?.message).toContain('3389/udp');
      expect(only(r, 'pass').map((f) => f.container)).toEqual(['app']);
    });
  });

  describe('compose', () => {
    it('fails a published 22 and an exposed 3389; a host port 22 mapped to a web server is not SSH', () => {
      const r = check('3.12', compose({
        jumpbox: { image: 'linuxserver/openssh-server:9.7_p1-r4-ls165', ports: ['2222:22'] },
        desktop: { image: 'ghcr.io/acme/desktop:2.0', expose: ['3389'] },
        web: { image: 'nginx:1.27', ports: ['22:8080'] },
      }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.container)).toEqual(['jumpbox', 'desktop']);
      expect(only(r, 'fail').map((f) => f.location)).toEqual([
        expect.stringMatching(/^services\.jumpbox\.ports/),
        expect.stringMatching(/^services\.desktop\.expose/),
      ]);
      expect(only(r, 'pass').map((f) => f.container)).toEqual(['web']);
    });

    it('fails a command that runs dropbear', () => {
      const r = check('3.12', compose({ debug: { image: 'alpine:3.20', command: ['dropbear', '-F', '-E', '-p', '2200'] } }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'debug', location: 'services.debug.command' })]);
    });
  });

  describe('processes', () => {

    it('names the container of a list called `top NAME`', () => {
      const r = check('3.12', { kind: 'processes', name: 'top jumpbox', content: JSON.stringify({
        Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
        Processes: [['root', '812', '790', '0', '03:33', '?', '00:00:00', '/usr/sbin/sshd -D']],
      }) });
      expect(r.findings).toEqual([expect.objectContaining({ status: 'fail', container: 'jumpbox', artifact: 'top jumpbox' })]);
    });
    it('fails a running sshd (ps shows it as `sshd: …`) and passes a list without one', () => {
      const bad = check('3.12', {
        kind: 'processes',
        name: 'top.txt',
        content: dedent(`
          UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD
          root                52210               52188               0                   08:14               ?                   00:00:00            /usr/bin/tini -- /usr/local/bin/start.sh
          root                52244               52210               0                   08:14               ?                   00:00:00            sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups
          10001               52245               52210               1                   08:14               ?                   00:14:07            python3 -m gunicorn app:wsgi -b 0.0.0.0:8000
        `),
      });
      expect(bad.status).toBe('fail');
      expect(only(bad, 'fail')).toEqual([expect.objectContaining({ artifact: 'top.txt', location: 'line 3' })]);

      const good = check('3.12', {
        kind: 'processes',
        name: 'ps.txt',
        content: dedent(`
          USER         PID    PPID COMMAND         COMMAND
          app            1       0 tini            /usr/bin/tini -- node server.js
          app            7       1 node            node server.js
          app           38       0 ps              ps -eo user,pid,ppid,comm,args
        `),
      });
      expect(good.status).toBe('pass');
    });
  });

  describe('sbom / packages', () => {
    it('finds xrdp in syft\'s table output', () => {
      const r = check('3.12', { kind: 'packages', name: 'syft.txt', content: fixtureText('packages/syft-table-shop-web.txt') });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 22' })]);
      expect(only(r, 'fail')[0]?.message).toBe('xrdp, a remote-access server, is installed');
    });

    it('fails openssh-server in an SBOM; passes one with only openssh-client', () => {
      const bom = JSON.parse(fixtureText('sbom/h5-shop-web.cdx.json')) as { components: unknown[] };
      const clean = check('3.12', { kind: 'sbom', name: 'sbom.json', content: bom });
      expect(clean.status).toBe('pass');

      bom.components.push({ type: 'library', name: 'openssh-server', version: '1:9.2p1-2+deb12u3', purl: 'pkg:deb/debian/openssh-server@1:9.2p1-2+deb12u3?arch=amd64&distro=debian-12' });
      const bad = check('3.12', { kind: 'sbom', name: 'sbom.json', content: bom });
      expect(bad.status).toBe('fail');
      expect(only(bad, 'fail')).toEqual([expect.objectContaining({ location: '/components/19' })]);
      expectFailFixes(bad);
    });

    it("fails Alpine's openssh, openssh-server and its -common part in apk info", () => {
      const r = check('3.12', { kind: 'packages', name: 'apk.txt', content: fixtureText('packages/h5-alpine-apk-info.txt') });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['line 19', 'line 20', 'line 21']);
    });

    it('does not take netcat for a remote-administration server (that is 3.8)', () => {
      const r = check('3.12', { kind: 'packages', name: 'dpkg.txt', content: fixtureText('packages/h5-debian-dpkg-query.txt') });
      expect(r.status).toBe('pass');
    });
  });

  describe('what says nothing', () => {
    it('signature and docker-info artifacts leave 3.12 unknown', () => {
      const r = check('3.12', { kind: 'signature', content: fixtureText('signature/h5-cosign-verify-v1-worker.json') });
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
    });
  });

  describe('mixed artifacts', () => {
    it('is the worst of all: a clean Dockerfile does not outweigh a running sshd', () => {
      const r = check('3.12', [
        dockerfile(`
          FROM gcr.io/distroless/nodejs20-debian12@${DIGEST}
          COPY dist /app
          CMD ["/app/server.js"]
        `),
        inspect,
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.artifact)).toEqual(['Dockerfile', 'inspect.json']);
      expect(new Set(only(r, 'fail').map((f) => f.container))).toEqual(new Set(['jumpbox']));
    });
  });
});
