import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ControlResult, Finding } from '../engine/result.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

interface InspectContainer {
  Name: string;
  HostConfig: { SecurityOpt: string[] | null; Privileged: boolean };
}
interface DockerInfo {
  SecurityOptions: string[];
}

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

function fixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

function nginx(securityOpt: string[] | null, privileged = false): TestArtifact {
  const list = fixture<InspectContainer[]>('docker-inspect/h4-defaults-nginx.json');
  const first = list[0];
  if (first) {
    first.HostConfig.SecurityOpt = securityOpt;
    first.HostConfig.Privileged = privileged;
  }
  return { kind: 'docker-inspect', name: 'inspect.json', content: list };
}

function info(securityOptions?: string[]): TestArtifact {
  const data = fixture<DockerInfo>('docker-info/h4-stock-daemon.json');
  if (securityOptions) data.SecurityOptions = securityOptions;
  return { kind: 'docker-info', name: 'info.json', content: data };
}

function only(result: ControlResult, status: Finding['status']): Finding[] {
  return result.findings.filter((f) => f.status === status);
}

function expectFailFixes(result: ControlResult): void {
  const fails = only(result, 'fail');
  expect(fails.length).toBeGreaterThan(0);
  for (const f of fails) expect(f.remediation, f.message).toMatch(/\S/);
}

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
    const pod = (podContext: string, containerContext: string): TestArtifact => ({
      kind: 'kubernetes',
      name: 'pod.yaml',
      content: dedent(`
        apiVersion: v1
        kind: Pod
        metadata:
          name: payments-7f8d9c-abcde
          namespace: payments
        spec:
          ${podContext}
          initContainers:
            - name: migrate
              image: registry.example.com/payments/migrate:2.0.1
          containers:
            - name: api
              image: registry.example.com/payments/api:2.0.1
              ${containerContext}
      `),
    });

    it('passes Localhost set on the pod for every container, init included', () => {
      const r = check('3.4', pod('securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/payments.json}}', ''));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => [f.container, f.location]).sort()).toEqual([
        ['api', 'spec.securityContext.seccompProfile'],
        ['migrate', 'spec.securityContext.seccompProfile'],
      ]);
    });

    it('fails RuntimeDefault: a generic profile, not this container\'s (known trap)', () => {
      const r = check('3.4', pod(
        'securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/payments.json}}',
        'securityContext: {seccompProfile: {type: RuntimeDefault}}',
      ));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.containers[0].securityContext.seccompProfile' }),
      ]);
      expectFailFixes(r);
    });

    it('fails Unconfined', () => {
      const r = check('3.4', pod('', 'securityContext: {seccompProfile: {type: Unconfined}}'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.container).sort()).toEqual(['api', 'migrate']);
    });

    it('fails when no profile is set anywhere (field omitted), for every container', () => {
      const r = check('3.4', pod('', ''));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.container, f.location]).sort()).toEqual([
        ['api', 'spec.containers[0].securityContext'],
        ['migrate', 'spec.initContainers[0].securityContext'],
      ]);
    });

    it('fails a privileged container even with a Localhost profile', () => {
      const r = check('3.4', pod(
        'securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/payments.json}}',
        'securityContext: {privileged: true}',
      ));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.containers[0].securityContext.privileged' }),
      ]);
    });
  });

  describe('compose', () => {
    const compose = (securityOpt: string): TestArtifact => ({
      kind: 'compose',
      name: 'compose.yaml',
      content: dedent(`
        services:
          api:
            image: registry.example.com/shop/api:4.2.0
            ${securityOpt}
      `),
    });

    it.each(['seccomp:./seccomp/api.json', 'seccomp=./seccomp/api.json'])('passes security_opt %s', (opt) => {
      const r = check('3.4', compose(`security_opt: ["no-new-privileges:true", "${opt}"]`));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'api', kind: 'compose' })]);
      expect(only(r, 'pass')[0]?.location).toMatch(/services\.api\.security_opt\[1\]/);
    });

    it.each(['seccomp:unconfined', 'seccomp=unconfined'])('fails security_opt %s (known trap)', (opt) => {
      const r = check('3.4', compose(`security_opt: ["${opt}"]`));
      expect(r.status).toBe('fail');
      expectFailFixes(r);
    });

    it('fails a service without security_opt (field omitted)', () => {
      const r = check('3.4', compose(''));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.api/);
    });
  });

  describe('mixed artifacts', () => {
    it('fails when one runtime artifact lacks a profile though another has one (worst of)', () => {
      const r = check('3.4', [
        nginx([`seccomp=${INLINE_PROFILE}`]),
        {
          kind: 'kubernetes',
          name: 'deploy.yaml',
          content: dedent(`
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                    - name: web
                      image: nginx:1.27
                      securityContext:
                        seccompProfile:
                          type: RuntimeDefault
          `),
        },
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
