import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerInfo, dockerInspect, type Json, kubernetes, OMIT, redisContainer } from './fixtures.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

/** The recorded redis container with HostConfig.PidsLimit as given (undefined: the field left out). */
function inspect(limit: number | null | undefined): TestArtifact {
  return dockerInspect(redisContainer({ HostConfig: { PidsLimit: limit === undefined ? OMIT : limit } }));
}

const worker = (settings: Json): TestArtifact => compose({ worker: { image: 'ghcr.io/acme/worker:3.0.1', ...settings } });

const kubelet = (line: string): { kind: 'kubernetes'; content: string; name: string } => ({
  kind: 'kubernetes',
  name: 'kubelet-config.yaml',
  content: dedent(`
    apiVersion: kubelet.config.k8s.io/v1beta1
    kind: KubeletConfiguration
    authentication:
      anonymous:
        enabled: false
    cgroupDriver: systemd
    ${line}
  `),
});

const workers = kubernetes(deployment({
  name: 'worker',
  namespace: 'jobs',
  containers: [{ name: 'worker', image: 'ghcr.io/acme/worker:3.0.1', resources: { limits: { cpu: '500m', memory: '256Mi' } } }],
}), 'deploy.yaml');

describe('3.14 pids limit', () => {
  it('is an L3 control', () => {
    expect(check('3.14', inspect(100)).levels).toEqual(['L3']);
  });

  describe('docker-inspect', () => {
    it('passes a positive HostConfig.PidsLimit', () => {
      const r = check('3.14', inspect(256));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([
        expect.objectContaining({ status: 'pass', container: 'cache', location: '/0/HostConfig/PidsLimit', kind: 'docker-inspect' }),
      ]);
      expect(r.findings[0]?.message).toMatch(/256/);
    });

    it.each([
      ['null (not set, current Docker)', null],
      ['0 (not set, older Docker)', 0],
      ['-1 (explicitly unlimited)', -1],
      ['absent', undefined],
    ])('fails PidsLimit %s: unlimited', (_label, limit) => {
      const r = check('3.14', inspect(limit));
      expect(r.status).toBe('fail');
      expect(r.findings[0]).toMatchObject({ status: 'fail', container: 'cache' });
      expect(r.findings[0]?.location).toMatch(/^\/0/);
      expect(r.findings[0]?.remediation).toMatch(/--pids-limit/);
    });
  });

  describe('compose', () => {
    it('passes pids_limit > 0', () => {
      const r = check('3.14', worker({ pids_limit: 100 }));
      expect(r.status).toBe('pass');
      expect(r.findings[0]).toMatchObject({ container: 'worker', location: 'services.worker.pids_limit' });
    });

    it('passes deploy.resources.limits.pids > 0', () => {
      const r = check('3.14', worker({ deploy: { resources: { limits: { pids: 50, memory: '256M' } } } }));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.location).toMatch(/^services\.worker\.deploy/);
    });

    it.each([['pids_limit: 0', { pids_limit: 0 }], ['pids_limit: -1', { pids_limit: -1 }], ['', {}]])('fails "%s" (absent is the default: unlimited)', (_line, settings) => {
      const r = check('3.14', worker(settings));
      expect(r.status).toBe('fail');
      expect(r.findings[0]).toMatchObject({ status: 'fail', container: 'worker' });
      expect(r.findings[0]?.remediation).toMatch(/pids_limit/);
    });
  });

  describe('kubernetes', () => {
    it('passes a KubeletConfiguration with podPidsLimit > 0', () => {
      const r = check('3.14', kubelet('podPidsLimit: 4096'));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'pass', location: 'podPidsLimit', container: null })]);
    });

    it.each([['podPidsLimit: -1'], ['podPidsLimit: 0'], ['']])('fails a KubeletConfiguration with "%s" (default -1)', (line) => {
      const r = check('3.14', kubelet(line));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.remediation).toMatch(/podPidsLimit/);
    });

    it('says nothing from pod specs alone (a pod cannot set a PIDs limit), noting why', () => {
      const r = check('3.14', workers);
      expect(r.status).toBe('unknown');
      expect(r.findings.every((f) => f.status === 'unknown')).toBe(true);
      expect(r.findings[0]?.message).toMatch(/podPidsLimit/);
      expect(r.findings[0]?.location).toBe('spec.template.spec');
    });

    it('lets the KubeletConfiguration decide for the pods beside it', () => {
      const r = check('3.14', [workers, kubelet('podPidsLimit: 1024')]);
      expect(r.status).toBe('pass');
      expect(r.findings.filter((f) => f.status === 'unknown')).toEqual([]);
    });
  });

  it('does not take docker info\'s PidsLimit: true (kernel support) for a limit', () => {
    const r = check('3.14', dockerInfo({ PidsLimit: true }));
    expect(r.status).toBe('unknown');
    expect(r.findings).toEqual([]);
    expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'compose', 'kubernetes']));
  });

  it('takes the worst of mixed artifacts', () => {
    const r = check('3.14', [kubelet('podPidsLimit: 1024'), worker({ pids_limit: 200 }), inspect(-1)]);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => `${f.kind}:${f.status}`).sort()).toEqual(['compose:pass', 'docker-inspect:fail', 'kubernetes:pass']);
  });
});
