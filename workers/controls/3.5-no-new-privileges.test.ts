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

function info(securityOptions: string[]): TestArtifact {
  const data = fixture<DockerInfo>('docker-info/h4-stock-daemon.json');
  data.SecurityOptions = securityOptions;
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
    const deployment = (containers: string): TestArtifact => ({
      kind: 'kubernetes',
      name: 'deploy.yaml',
      content: dedent(`
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: checkout-api
          namespace: shop
        spec:
          selector:
            matchLabels:
              app: checkout-api
          template:
            metadata:
              labels:
                app: checkout-api
            spec:
              securityContext:
                runAsNonRoot: true
        ${containers}
      `),
    });

    it('passes when every container, init included, sets allowPrivilegeEscalation: false', () => {
      const r = check('3.5', deployment(`
              initContainers:
                - name: migrate
                  image: registry.example.com/shop/migrate:1.8.2
                  securityContext:
                    allowPrivilegeEscalation: false
              containers:
                - name: api
                  image: registry.example.com/shop/checkout-api:1.8.2
                  securityContext:
                    allowPrivilegeEscalation: false
                    capabilities:
                      drop: ["ALL"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => [f.container, f.location]).sort()).toEqual([
        ['api', 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'],
        ['migrate', 'spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation'],
      ]);
    });

    it('fails an init container that leaves it unset (field omitted: escalation allowed)', () => {
      const r = check('3.5', deployment(`
              initContainers:
                - name: migrate
                  image: registry.example.com/shop/migrate:1.8.2
              containers:
                - name: api
                  image: registry.example.com/shop/checkout-api:1.8.2
                  securityContext:
                    allowPrivilegeEscalation: false
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'migrate', location: 'spec.template.spec.initContainers[0].securityContext' }),
      ]);
      expect(only(r, 'fail')[0]?.message).toMatch(/default/);
      expectFailFixes(r);
    });

    it('fails allowPrivilegeEscalation: true', () => {
      const r = check('3.5', deployment(`
              containers:
                - name: api
                  image: registry.example.com/shop/checkout-api:1.8.2
                  securityContext:
                    allowPrivilegeEscalation: true
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation');
    });

    it('fails privileged: true regardless of allowPrivilegeEscalation', () => {
      const r = check('3.5', deployment(`
              containers:
                - name: api
                  image: registry.example.com/shop/checkout-api:1.8.2
                  securityContext:
                    privileged: true
                    allowPrivilegeEscalation: false
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ container: 'api', location: 'spec.template.spec.containers[0].securityContext.privileged' }),
      ]);
    });

    it('fails an ephemeral debug container without the setting', () => {
      const r = check('3.5', {
        kind: 'kubernetes',
        name: 'pod.yaml',
        content: dedent(`
          apiVersion: v1
          kind: Pod
          metadata:
            name: checkout-api-7d9c6b5f4-x2k8q
          spec:
            containers:
              - name: api
                image: registry.example.com/shop/checkout-api:1.8.2
                securityContext:
                  allowPrivilegeEscalation: false
            ephemeralContainers:
              - name: debugger-r4z7k
                image: busybox:1.37
                targetContainerName: api
        `),
      });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.container)).toEqual(['debugger-r4z7k']);
    });

    it('ignores a Docker daemon default: it does not reach Kubernetes pods', () => {
      const r = check('3.5', [
        info(['name=no-new-privileges']),
        deployment(`
              containers:
                - name: api
                  image: registry.example.com/shop/checkout-api:1.8.2
        `),
      ]);
      expect(r.status).toBe('fail');
    });
  });

  describe('compose', () => {
    const compose = (extra: string): TestArtifact => ({
      kind: 'compose',
      name: 'compose.yaml',
      content: dedent(`
        services:
          api:
            image: registry.example.com/shop/api:4.2.0
            ${extra}
      `),
    });

    it.each(['no-new-privileges:true', 'no-new-privileges=true', 'no-new-privileges'])('passes security_opt %s', (opt) => {
      const r = check('3.5', compose(`security_opt: ["${opt}"]`));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'api', kind: 'compose' })]);
      expect(only(r, 'pass')[0]?.location).toMatch(/services\.api\.security_opt\[0\]/);
    });

    it('fails no-new-privileges:false', () => {
      const r = check('3.5', compose('security_opt: ["no-new-privileges:false"]'));
      expect(r.status).toBe('fail');
      expectFailFixes(r);
    });

    it('fails a service without security_opt (field omitted)', () => {
      const r = check('3.5', compose(''));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.api/);
      expectFailFixes(r);
    });

    it('fails privileged: true even with no-new-privileges', () => {
      const r = check('3.5', compose('privileged: true\n            security_opt: ["no-new-privileges:true"]'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.api\.privileged/);
    });
  });

  describe('mixed artifacts', () => {
    it('fails when one artifact fails though another passes (worst of)', () => {
      const r = check('3.5', [
        nginx(['no-new-privileges:true']),
        {
          kind: 'compose',
          name: 'compose.yaml',
          content: dedent(`
            services:
              worker:
                image: registry.example.com/shop/worker:4.2.0
          `),
        },
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
