import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerInfo, dockerInspect, expectFailFixes, type Json, kubernetes, nginxContainer, only, pod } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

/** What `docker run --security-opt seccomp=./api.json` stores: the profile document itself. */
const INLINE_PROFILE = JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  syscalls: [
    {
      names: ['accept4', 'bind', 'brk', 'close', 'epoll_ctl', 'epoll_pwait', 'exit_group', 'futex', 'listen', 'mmap', 'openat', 'read', 'write'],
      action: 'SCMP_ACT_ALLOW',
    },
  ],
});

/** `docker run -d --name web -p 8080:80 nginx:1.27` with `--security-opt` (and `--privileged`) as given. */
const nginx = (SecurityOpt: string[] | null, Privileged = false): TestArtifact =>
  dockerInspect(nginxContainer({ HostConfig: { SecurityOpt, Privileged } }));

/** A stock Docker 27 daemon, with `SecurityOptions` as given. */
const info = (SecurityOptions?: string[]): TestArtifact => dockerInfo({ SecurityOptions });

describe('3.4 specific seccomp profile', () => {
  describe('docker-inspect', () => {
    it('fails a container without a seccomp entry (the default: builtin, not specific)', () => {
      const r = check('3.4', nginx(null));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'web', location: '/0/HostConfig/SecurityOpt', artifact: 'inspect.json' }),
      ]);
      expectFailFixes(r);
    });

    it.each(['seccomp=unconfined', 'seccomp:unconfined'])('fails %s (known trap)', (opt) => {
      const r = check('3.4', nginx(['no-new-privileges:true', opt]));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/HostConfig/SecurityOpt/1' })]);
      expect(only(r, 'fail')[0]?.message).toMatch(/unconfined/);
    });

    it('passes a profile whose JSON Docker stored inline (known trap)', () => {
      const r = check('3.4', nginx(['no-new-privileges:true', `seccomp=${INLINE_PROFILE}`]));
      expect(r.status).toBe('pass');
      const [f] = only(r, 'pass');
      expect(f?.location).toBe('/0/HostConfig/SecurityOpt/1');
      expect(f?.message).not.toContain('SCMP_ACT_ALLOW');
    });

    it('fails seccomp=builtin: the generic default named explicitly', () => {
      expect(check('3.4', nginx(['seccomp=builtin'])).status).toBe('fail');
    });

    it('fails a privileged container whatever profile it names: seccomp is not applied', () => {
      const r = check('3.4', nginx([`seccomp=${INLINE_PROFILE}`], true));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/0/HostConfig/Privileged', container: 'web' })]);
      expectFailFixes(r);
    });
  });

  describe('docker-info', () => {
    it('says nothing about the daemon default builtin on its own', () => {
      const r = check('3.4', info());
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'unknown', location: '/SecurityOptions' })]);
      expect(r.findings[0]?.message).toMatch(/builtin/);
    });

    it('fails a daemon whose default profile is unconfined', () => {
      const r = check('3.4', info(['name=apparmor', 'name=seccomp,profile=unconfined', 'name=cgroupns']));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: '/SecurityOptions', kind: 'docker-info', container: null })]);
      expectFailFixes(r);
    });

    it('lets a container\'s own profile outrank the daemon default', () => {
      const r = check('3.4', [info(), nginx([`seccomp=${INLINE_PROFILE}`])]);
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => f.kind)).toEqual(['docker-inspect']);
    });
  });

  describe('kubernetes', () => {
    /** The pod's securityContext, then the api container's (the init container sets none). */
    const payments = (podSecurity?: Json, securityContext?: Json): TestArtifact => kubernetes(pod({
      name: 'payments-7f8d9c-abcde',
      namespace: 'payments',
      spec: { securityContext: podSecurity },
      initContainers: [{ name: 'migrate', image: 'registry.example.com/payments/migrate:2.0.1' }],
      containers: [{ name: 'api', image: 'registry.example.com/payments/api:2.0.1', securityContext }],
    }), 'pod.yaml');
    const localhost = { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/payments.json' } };

    it('passes Localhost set on the pod for every container, init included', () => {
      const r = check('3.4', payments(localhost));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => [f.container, f.location]).sort()).toEqual([
        ['api', 'spec.securityContext.seccompProfile'],
        ['migrate', 'spec.securityContext.seccompProfile'],
      ]);
    });

    it('fails RuntimeDefault: a generic profile, not this container\'s (known trap)', () => {
      const r = check('3.4', payments(localhost, { seccompProfile: { type: 'RuntimeDefault' } }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.containers[0].securityContext.seccompProfile' }),
      ]);
      expectFailFixes(r);
    });

    it('fails Unconfined', () => {
      const r = check('3.4', payments(undefined, { seccompProfile: { type: 'Unconfined' } }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.container).sort()).toEqual(['api', 'migrate']);
    });

    it('fails when no profile is set anywhere (field omitted), for every container', () => {
      const r = check('3.4', payments());
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.container, f.location]).sort()).toEqual([
        ['api', 'spec.containers[0].securityContext'],
        ['migrate', 'spec.initContainers[0].securityContext'],
      ]);
    });

    it('fails a privileged container even with a Localhost profile', () => {
      const r = check('3.4', payments(localhost, { privileged: true }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.containers[0].securityContext.privileged' }),
      ]);
    });
  });

  describe('compose', () => {
    const api = (security_opt?: string[]): TestArtifact => compose({ api: { image: 'registry.example.com/shop/api:4.2.0', security_opt } });

    it.each(['seccomp:./seccomp/api.json', 'seccomp=./seccomp/api.json'])('passes security_opt %s', (opt) => {
      const r = check('3.4', api(['no-new-privileges:true', opt]));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'api', kind: 'compose' })]);
      expect(only(r, 'pass')[0]?.location).toMatch(/services\.api\.security_opt\[1\]/);
    });

    it.each(['seccomp:unconfined', 'seccomp=unconfined'])('fails security_opt %s (known trap)', (opt) => {
      const r = check('3.4', api([opt]));
      expect(r.status).toBe('fail');
      expectFailFixes(r);
    });

    it('fails a service without security_opt (field omitted)', () => {
      const r = check('3.4', api());
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.api/);
    });
  });

  describe('mixed artifacts', () => {
    it('fails when one runtime artifact lacks a profile though another has one (worst of)', () => {
      const r = check('3.4', [
        nginx([`seccomp=${INLINE_PROFILE}`]),
        kubernetes(deployment({
          name: 'web',
          containers: [{ name: 'web', image: 'nginx:1.27', securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }],
        }), 'deploy.yaml'),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.kind)).toEqual(['docker-inspect']);
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ kind: 'kubernetes', container: 'web', location: 'spec.template.spec.containers[0].securityContext.seccompProfile' }),
      ]);
    });

    it('is unknown with only a Dockerfile, which cannot set a profile', () => {
      const r = check('3.4', { kind: 'dockerfile', content: 'FROM alpine:3.21\n' });
      expect(r.status).toBe('unknown');
      expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'kubernetes', 'compose']));
    });
  });
});
