import { describe, expect, it } from 'vitest';
import type { Finding } from '../model/result.ts';
import { compose, deployment, dockerInspect, type Json, kubernetes, OMIT, pod, redisContainer } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

/** The recorded redis container with HostConfig.ReadonlyRootfs set as given (undefined: field left out). */
function inspect(readonly: boolean | undefined): TestArtifact {
  return dockerInspect(redisContainer({ HostConfig: { ReadonlyRootfs: readonly ?? OMIT } }));
}

const byContainer = (findings: Finding[], name: string): Finding[] => findings.filter((f) => f.container === name);

describe('3.9 read-only root file system', () => {
  it('has its levels and texts as data', () => {
    const r = check('3.9', inspect(true));
    expect(r.levels).toEqual(['L2', 'L3']);
    expect(r.title).toBe('Read-only root file system');
  });

  describe('docker-inspect', () => {
    it('passes HostConfig.ReadonlyRootfs: true', () => {
      const r = check('3.9', inspect(true));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([
        expect.objectContaining({ status: 'pass', container: 'cache', location: '/0/HostConfig/ReadonlyRootfs', artifact: 'inspect.json' }),
      ]);
    });

    it('fails ReadonlyRootfs: false (Docker\'s default) with a remediation', () => {
      const r = check('3.9', inspect(false));
      expect(r.status).toBe('fail');
      const [f] = r.findings;
      expect(f).toMatchObject({ status: 'fail', container: 'cache', location: '/0/HostConfig/ReadonlyRootfs' });
      expect(f?.remediation).toMatch(/--read-only/);
    });

    it('fails when the field is missing: the default is writable', () => {
      const r = check('3.9', inspect(undefined));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.remediation).toBeTruthy();
    });
  });

  describe('kubernetes', () => {
    /** The api container's securityContext, then the init container's. */
    const checkout = (appSecurity?: Json, initSecurity?: Json, name?: string): TestArtifact => kubernetes(deployment({
      name: 'checkout',
      namespace: 'shop',
      initContainers: [{ name: 'migrate', image: 'registry.example.com/shop/checkout:2.1.0', command: ['/app/migrate'], securityContext: initSecurity }],
      containers: [{ name: 'api', image: 'registry.example.com/shop/checkout:2.1.0', securityContext: appSecurity }],
    }), name);
    const ro = { readOnlyRootFilesystem: true };
    const rw = { readOnlyRootFilesystem: false };

    it('passes when every container, init included, sets readOnlyRootFilesystem: true', () => {
      const r = check('3.9', checkout(ro, ro, 'deploy.yaml'));
      expect(r.status).toBe('pass');
      expect(r.findings).toHaveLength(2);
      expect(byContainer(r.findings, 'api')[0]).toMatchObject({
        status: 'pass',
        location: 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      });
      expect(byContainer(r.findings, 'migrate')[0]).toMatchObject({
        status: 'pass',
        location: 'spec.template.spec.initContainers[0].securityContext.readOnlyRootFilesystem',
      });
    });

    it('fails an init container without it: every container counts', () => {
      const r = check('3.9', checkout(ro, undefined, 'deploy.yaml'));
      expect(r.status).toBe('fail');
      const [f] = byContainer(r.findings, 'migrate');
      expect(f?.status).toBe('fail');
      expect(f?.location).toMatch(/^spec\.template\.spec\.initContainers\[0\]/);
      expect(f?.remediation).toMatch(/readOnlyRootFilesystem: true/);
      expect(byContainer(r.findings, 'api')[0]?.status).toBe('pass');
    });

    it('fails an explicit false', () => {
      const r = check('3.9', checkout(rw, ro));
      expect(byContainer(r.findings, 'api')[0]).toMatchObject({
        status: 'fail',
        location: 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      });
    });

    it('does not take a pod-level readOnlyRootFilesystem (no such field) for the containers\'', () => {
      const r = check('3.9', kubernetes(pod({
        name: 'tool',
        spec: { securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true } },
        containers: [{ name: 'tool', image: 'alpine:3.20' }],
      })));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.container).toBe('tool');
    });

    it('counts an ephemeral debug container of a Pod object', () => {
      const r = check('3.9', kubernetes(pod({
        name: 'api-0',
        namespace: 'shop',
        containers: [{ name: 'api', image: 'registry.example.com/shop/api:1.0.0', securityContext: { readOnlyRootFilesystem: true } }],
        ephemeralContainers: [{ name: 'debugger-x7k2p', image: 'busybox:1.36', targetContainerName: 'api' }],
      })));
      expect(r.status).toBe('fail');
      expect(byContainer(r.findings, 'debugger-x7k2p')[0]).toMatchObject({
        status: 'fail',
        location: expect.stringMatching(/^spec\.ephemeralContainers\[0\]/),
      });
    });
  });

  describe('compose', () => {
    const web = (read_only?: boolean, name?: string): TestArtifact =>
      compose({ web: { image: 'ghcr.io/acme/web:1.4.2', read_only, tmpfs: ['/tmp'] } }, {}, name);

    it('passes read_only: true', () => {
      const r = check('3.9', web(true, 'compose.yaml'));
      expect(r.status).toBe('pass');
      expect(r.findings[0]).toMatchObject({ container: 'web', location: 'services.web.read_only', artifact: 'compose.yaml' });
    });

    it('fails read_only: false', () => {
      const r = check('3.9', web(false));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.remediation).toMatch(/read_only: true/);
    });

    it('fails when read_only is absent (default: writable)', () => {
      const r = check('3.9', web());
      expect(r.status).toBe('fail');
      expect(r.findings[0]).toMatchObject({ status: 'fail', container: 'web', location: 'services.web.read_only' });
      expect(r.findings[0]?.remediation).toBeTruthy();
    });
  });

  it('says whether the setting was not set or set to false: different observations', () => {
    const notSet = (r: ReturnType<typeof check>) => r.findings[0]?.message;
    expect(notSet(check('3.9', inspect(undefined)))).toMatch(/^HostConfig\.ReadonlyRootfs is not set \(the default is a writable root file system\)/);
    expect(notSet(check('3.9', inspect(false)))).toMatch(/^HostConfig\.ReadonlyRootfs is set to false: the root file system is writable/);
    const k8s = (securityContext?: Json) => check('3.9', kubernetes(deployment({ name: 'api', containers: [{ name: 'api', image: 'api:1', securityContext }] })));
    expect(notSet(k8s())).toMatch(/^securityContext\.readOnlyRootFilesystem is not set \(the default/);
    expect(k8s().findings[0]?.location).toBe('spec.template.spec.containers[0].securityContext');
    expect(notSet(k8s({ readOnlyRootFilesystem: false }))).toMatch(/^securityContext\.readOnlyRootFilesystem is set to false/);
    expect(k8s({ readOnlyRootFilesystem: false }).findings[0]?.location).toBe('spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem');
    const svc = (extra: Json) => check('3.9', compose({ web: { image: 'nginx:1.27', ...extra } }));
    expect(notSet(svc({}))).toMatch(/^read_only is not set \(the default is a writable root file system\)/);
    expect(notSet(svc({ read_only: false }))).toMatch(/^read_only is set to false/);
  });

  it('takes the worst of mixed artifacts', () => {
    const composeOk = compose({ web: { image: 'ghcr.io/acme/web:1.4.2', read_only: true } });
    const r = check('3.9', [composeOk, inspect(false)]);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => [f.kind, f.status])).toEqual([
      ['compose', 'pass'],
      ['docker-inspect', 'fail'],
    ]);
  });

  it('stays unknown with only a Dockerfile, naming the kinds that decide', () => {
    const r = check('3.9', { kind: 'dockerfile', content: 'FROM alpine:3.20\nUSER 10001\n' });
    expect(r.status).toBe('unknown');
    expect(r.findings).toEqual([]);
    expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'kubernetes', 'compose']));
  });

  it('puts a remediation on every failing finding', () => {
    const r = check('3.9', [inspect(false), { kind: 'compose', content: 'services:\n  a:\n    image: x:1\n' }]);
    for (const f of r.findings.filter((x) => x.status === 'fail')) expect(f.remediation).toBeTruthy();
  });
});
