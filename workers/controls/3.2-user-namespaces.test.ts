import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerInfo, dockerInspect, expectFailFixes, kubernetes, nginxContainer, OMIT, only } from './fixtures.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

/** A stock Docker 27 daemon, with `SecurityOptions` as given. */
const info = (SecurityOptions?: string[]): TestArtifact => dockerInfo({ SecurityOptions });

/** `docker run -d --name web -p 8080:80 nginx:1.27`, with `HostConfig.UsernsMode` as given. */
const nginx = (UsernsMode: string): TestArtifact => dockerInspect(nginxContainer({ HostConfig: { UsernsMode } }));

describe('3.2 user namespaces', () => {
  describe('docker-info', () => {
    it('fails a stock daemon: no name=userns, no name=rootless (default: container root is host root)', () => {
      const r = check('3.2', info());
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([
        expect.objectContaining({ location: '/SecurityOptions', artifact: 'info.json', kind: 'docker-info', container: null }),
      ]);
      expectFailFixes(r);
    });

    it('passes userns-remap (name=userns)', () => {
      const r = check('3.2', info(['name=apparmor', 'name=seccomp,profile=builtin', 'name=userns', 'name=cgroupns']));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.location).toBe('/SecurityOptions');
    });

    it('passes a rootless daemon (name=rootless)', () => {
      const r = check('3.2', info(['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns']));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.message).toMatch(/rootless/);
    });

    it('fails an empty SecurityOptions list', () => {
      expect(check('3.2', info([])).status).toBe('fail');
    });

    it('says nothing when the output does not carry SecurityOptions: a missing field is no "none listed"', () => {
      const r = check('3.2', dockerInfo({ SecurityOptions: OMIT }));
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([
        expect.objectContaining({ status: 'unknown', artifact: 'info.json', location: '/SecurityOptions', message: expect.stringMatching(/no SecurityOptions list/) }),
      ]);
      // And it does not stand in for the daemon a container opts out of: host mode still fails.
      expect(check('3.2', [dockerInfo({ SecurityOptions: OMIT }), nginx('host')]).status).toBe('fail');
      // Nor does it hide a container's failure elsewhere, or make one up: 3.4 and 3.5 read it as no daemon default.
      expect(check('3.4', dockerInfo({ SecurityOptions: OMIT })).status).toBe('unknown');
      expect(check('3.5', [dockerInfo({ SecurityOptions: OMIT }), nginx('')]).status).toBe('fail');
    });
  });

  describe('docker-inspect (fail only)', () => {
    it('fails UsernsMode host: the container opts out', () => {
      const r = check('3.2', nginx('host'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'web', location: '/0/HostConfig/UsernsMode' })]);
      expectFailFixes(r);
    });

    it('says nothing when UsernsMode is empty: the daemon decides', () => {
      const r = check('3.2', nginx(''));
      expect(r.status).toBe('unknown');
      expect(r.findings.every((f) => f.status === 'unknown')).toBe(true);
      expect(r.decidedBy).toContain('docker-info');
    });

    it('fails host mode even on a remapping daemon, and passes the daemon otherwise (worst of)', () => {
      const remap = info(['name=seccomp,profile=builtin', 'name=userns']);
      expect(check('3.2', [remap, nginx('host')]).status).toBe('fail');
      const r = check('3.2', [remap, nginx('')]);
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => f.kind)).toEqual(['docker-info']);
    });
  });

  describe('compose (fail only)', () => {
    const agent = (userns_mode?: string): TestArtifact => compose({
      agent: { image: 'registry.example.com/ops/node-agent:2.4.0', userns_mode },
    });

    it('fails userns_mode: host', () => {
      const r = check('3.2', agent('host'));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'agent', kind: 'compose' })]);
      expect(only(r, 'fail')[0]?.location).toMatch(/services\.agent/);
      expectFailFixes(r);
    });

    it('says nothing without userns_mode', () => {
      const r = check('3.2', agent());
      expect(r.status).toBe('unknown');
      expect(r.findings.filter((f) => f.status !== 'unknown')).toEqual([]);
    });
  });

  describe('kubernetes', () => {
    const checkout = (hostUsers?: boolean): TestArtifact => kubernetes(deployment({
      name: 'checkout-api',
      namespace: 'shop',
      spec: { hostUsers },
      containers: [
        { name: 'api', image: 'registry.example.com/shop/checkout-api:1.8.2' },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.33.0' },
      ],
    }), 'deploy.yaml');

    it('passes hostUsers: false, once for the pod', () => {
      const r = check('3.2', checkout(false));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'spec.template.spec.hostUsers', artifact: 'deploy.yaml' })]);
      expect(only(r, 'pass')[0]?.message).toMatch(/Deployment\/checkout-api/);
    });

    it('fails when hostUsers is absent (the default shares host users)', () => {
      const r = check('3.2', checkout());
      expect(r.status).toBe('fail');
      const fails = only(r, 'fail');
      expect(fails).toHaveLength(1);
      expect(fails[0]?.location).toMatch(/^spec\.template\.spec/);
      expect(fails[0]?.message).toMatch(/default/);
      expectFailFixes(r);
    });

    it('fails hostUsers: true', () => {
      const r = check('3.2', checkout(true));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('spec.template.spec.hostUsers');
    });

    it('judges every pod of a multi-document file, with document-indexed paths', () => {
      const r = check('3.2', {
        kind: 'kubernetes',
        name: 'all.yaml',
        content: dedent(`
          apiVersion: v1
          kind: Pod
          metadata:
            name: sandbox
          spec:
            hostUsers: false
            containers:
              - name: runner
                image: registry.example.com/ci/runner:5.1.0
          ---
          apiVersion: batch/v1
          kind: CronJob
          metadata:
            name: nightly-report
          spec:
            schedule: "0 2 * * *"
            jobTemplate:
              spec:
                template:
                  spec:
                    hostUsers: true
                    restartPolicy: OnFailure
                    containers:
                      - name: report
                        image: registry.example.com/shop/report:0.9.0
        `),
      });
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.location)).toEqual(['[0].spec.hostUsers']);
      expect(only(r, 'fail').map((f) => f.location)).toEqual(['[1].spec.jobTemplate.spec.template.spec.hostUsers']);
    });
  });

  it('is unknown with only a Dockerfile, which cannot speak to user namespaces', () => {
    const r = check('3.2', { kind: 'dockerfile', content: 'FROM alpine:3.21\nUSER 10001\n' });
    expect(r.status).toBe('unknown');
    expect(r.findings).toEqual([]);
  });
});
