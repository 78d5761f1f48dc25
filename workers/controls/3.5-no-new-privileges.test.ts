import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerInfo, dockerInspect, expectFailFixes, type Json, kubernetes, nginxContainer, only, pod, type PodContainer } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

/** `docker run -d --name web -p 8080:80 nginx:1.27` with `--security-opt` (and `--privileged`) as given. */
const nginx = (SecurityOpt: string[] | null, Privileged = false): TestArtifact =>
  dockerInspect(nginxContainer({ HostConfig: { SecurityOpt, Privileged } }));

/** A stock Docker 27 daemon, with `SecurityOptions` as given. */
const info = (SecurityOptions: string[]): TestArtifact => dockerInfo({ SecurityOptions });

describe('3.5 no new privileges', () => {
  describe('docker-inspect', () => {
    it.each(['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true'])('passes %s (known trap)', (opt) => {
      const r = check('3.5', nginx(['apparmor=docker-default', opt]));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([
        expect.objectContaining({ container: 'web', location: '/0/HostConfig/SecurityOpt/1', artifact: 'inspect.json' }),
      ]);
    });

    it('fails no-new-privileges:false (known trap)', () => {
      const r = check('3.5', nginx(['no-new-privileges:false']));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'web', location: '/0/HostConfig/SecurityOpt/0' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/off/);
      expectFailFixes(r);
    });

    it('fails when SecurityOpt says nothing (the default allows escalation)', () => {
      const r = check('3.5', nginx(null));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/HostConfig/SecurityOpt' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/does not set/);
      expectFailFixes(r);
    });

    it('fails a privileged container even with no-new-privileges', () => {
      const r = check('3.5', nginx(['no-new-privileges:true'], true));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/HostConfig/Privileged', container: 'web' })]);
      expectFailFixes(r);
    });
  });

  describe('docker-info', () => {
    it('decides nothing on its own', () => {
      expect(check('3.5', info(['name=seccomp,profile=builtin', 'name=no-new-privileges'])).status).toBe('unknown');
      expect(check('3.5', info(['name=seccomp,profile=builtin'])).status).toBe('unknown');
    });

    it('lets the daemon default stand in for a container that says nothing', () => {
      const r = check('3.5', [info(['name=seccomp,profile=builtin', 'name=no-new-privileges']), nginx(null)]);
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ kind: 'docker-inspect', container: 'web' })]);
      expect(only(r, 'pass')[0]?.message).toMatch(/daemon/);
    });

    it('does not let the daemon default override an explicit :false', () => {
      const r = check('3.5', [info(['name=no-new-privileges']), nginx(['no-new-privileges:false'])]);
      expect(r.status).toBe('fail');
    });

    it('does not help a container when the daemon does not set it', () => {
      expect(check('3.5', [info(['name=seccomp,profile=builtin']), nginx(null)]).status).toBe('fail');
    });
  });

  describe('kubernetes', () => {
    /** checkout-api, whose pod runs as non-root, with the given containers. */
    const checkout = (containers: PodContainer[], initContainers?: PodContainer[]): TestArtifact => kubernetes(deployment({
      name: 'checkout-api',
      namespace: 'shop',
      spec: { securityContext: { runAsNonRoot: true } },
      initContainers,
      containers,
    }), 'deploy.yaml');
    const api = (securityContext?: Json): PodContainer => ({ name: 'api', image: 'registry.example.com/shop/checkout-api:1.8.2', securityContext });
    const migrate = (securityContext?: Json): PodContainer => ({ name: 'migrate', image: 'registry.example.com/shop/migrate:1.8.2', securityContext });

    it('passes when every container, init included, sets allowPrivilegeEscalation: false', () => {
      const r = check('3.5', checkout(
        [api({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })],
        [migrate({ allowPrivilegeEscalation: false })],
      ));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => [f.container, f.location]).sort()).toEqual([
        ['api', 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'],
        ['migrate', 'spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation'],
      ]);
    });

    it('fails an init container that leaves it unset (field omitted: escalation allowed)', () => {
      const r = check('3.5', checkout([api({ allowPrivilegeEscalation: false })], [migrate()]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'migrate', location: 'spec.template.spec.initContainers[0].securityContext' }),
      ]);
      expect(only(r, 'fail')[0]?.message).toMatch(/default/);
      expectFailFixes(r);
    });

    it('fails allowPrivilegeEscalation: true', () => {
      const r = check('3.5', checkout([api({ allowPrivilegeEscalation: true })]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation');
    });

    it('fails privileged: true regardless of allowPrivilegeEscalation', () => {
      const r = check('3.5', checkout([api({ privileged: true, allowPrivilegeEscalation: false })]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.template.spec.containers[0].securityContext.privileged' }),
      ]);
    });

    it('fails an ephemeral debug container without the setting', () => {
      const r = check('3.5', kubernetes(pod({
        name: 'checkout-api-7d9c6b5f4-x2k8q',
        containers: [api({ allowPrivilegeEscalation: false })],
        ephemeralContainers: [{ name: 'debugger-r4z7k', image: 'busybox:1.37', targetContainerName: 'api' }],
      }), 'pod.yaml'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.container)).toEqual(['debugger-r4z7k']);
    });

    it('ignores a Docker daemon default: it does not reach Kubernetes pods', () => {
      const r = check('3.5', [
        info(['name=no-new-privileges']),
        checkout([api()]),
      ]);
      expect(r.status).toBe('fail');
    });
  });

  describe('compose', () => {
    const apiService = (settings: Json): TestArtifact => compose({ api: { image: 'registry.example.com/shop/api:4.2.0', ...settings } });

    it.each(['no-new-privileges:true', 'no-new-privileges=true', 'no-new-privileges'])('passes security_opt %s', (opt) => {
      const r = check('3.5', apiService({ security_opt: [opt] }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'api', kind: 'compose' })]);
      expect(only(r, 'pass')[0]?.location).toMatch(/services\.api\.security_opt\[0\]/);
    });

    it('fails no-new-privileges:false', () => {
      const r = check('3.5', apiService({ security_opt: ['no-new-privileges:false'] }));
      expect(r.status).toBe('fail');
      expectFailFixes(r);
    });

    it('fails a service without security_opt (field omitted)', () => {
      const r = check('3.5', apiService({}));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.api/);
      expectFailFixes(r);
    });

    it('fails privileged: true even with no-new-privileges', () => {
      const r = check('3.5', apiService({ privileged: true, security_opt: ['no-new-privileges:true'] }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.api\.privileged/);
    });
  });

  describe('mixed artifacts', () => {
    it('fails when one artifact fails though another passes (worst of)', () => {
      const r = check('3.5', [
        nginx(['no-new-privileges:true']),
        compose({ worker: { image: 'registry.example.com/shop/worker:4.2.0' } }),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.container)).toEqual(['web']);
      expect(only(r, 'fail').map((f) => f.container)).toEqual(['worker']);
    });

    it('is unknown with only a Dockerfile', () => {
      const r = check('3.5', { kind: 'dockerfile', content: 'FROM alpine:3.21\n' });
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
    });
  });
});
