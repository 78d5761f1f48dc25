import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, dedent } from './testing.ts';

const cache = readFileSync(new URL('../../test/fixtures/docker-inspect/h6-cache.json', import.meta.url), 'utf8');

/** The fixture's container with HostConfig.PidsLimit as given (undefined: the field left out). */
function inspect(limit: number | null | undefined): { kind: 'docker-inspect'; content: string; name: string } {
  const [c] = JSON.parse(cache) as [{ HostConfig: Record<string, unknown> }];
  if (limit === undefined) delete c.HostConfig.PidsLimit;
  else c.HostConfig.PidsLimit = limit;
  return { kind: 'docker-inspect', content: JSON.stringify([c]), name: 'inspect.json' };
}

const compose = (limits: string): { kind: 'compose'; content: string; name: string } => ({
  kind: 'compose',
  name: 'compose.yaml',
  content: dedent(`
    services:
      worker:
        image: ghcr.io/acme/worker:3.0.1
        ${limits}
  `),
});

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

const deployment = {
  kind: 'kubernetes' as const,
  name: 'deploy.yaml',
  content: dedent(`
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: worker, namespace: jobs}
    spec:
      selector: {matchLabels: {app: worker}}
      template:
        metadata: {labels: {app: worker}}
        spec:
          containers:
            - name: worker
              image: ghcr.io/acme/worker:3.0.1
              resources:
                limits: {cpu: 500m, memory: 256Mi}
  `),
};

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
      const r = check('3.14', compose('pids_limit: 100'));
      expect(r.status).toBe('pass');
      expect(r.findings[0]).toMatchObject({ container: 'worker', location: 'services.worker.pids_limit' });
    });

    it('passes deploy.resources.limits.pids > 0', () => {
      const r = check('3.14', compose('deploy: {resources: {limits: {pids: 50, memory: 256M}}}'));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.location).toMatch(/^services\.worker\.deploy/);
    });

    it.each([['pids_limit: 0'], ['pids_limit: -1'], ['']])('fails "%s" (absent is the default: unlimited)', (line) => {
      const r = check('3.14', compose(line));
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
      const r = check('3.14', deployment);
      expect(r.status).toBe('unknown');
      expect(r.findings.every((f) => f.status === 'unknown')).toBe(true);
      expect(r.findings[0]?.message).toMatch(/podPidsLimit/);
      expect(r.findings[0]?.location).toBe('spec.template.spec');
    });

    it('lets the KubeletConfiguration decide for the pods beside it', () => {
      const r = check('3.14', [deployment, kubelet('podPidsLimit: 1024')]);
      expect(r.status).toBe('pass');
      expect(r.findings.filter((f) => f.status === 'unknown')).toEqual([]);
    });
  });

  it('does not take docker info\'s PidsLimit: true (kernel support) for a limit', () => {
    const info = {
      ID: '7TRN:IPZB:QYBB:VPBQ:UWBM:2XJQ:ZMQZ:MAYZ:KCR3:HNFL:ESZP:4X3E',
      Containers: 3,
      ContainersRunning: 3,
      Driver: 'overlay2',
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      PidsLimit: true,
      KernelVersion: '6.8.0-45-generic',
      OperatingSystem: 'Ubuntu 24.04.1 LTS',
      ServerVersion: '27.3.1',
      SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=cgroupns'],
      CgroupDriver: 'systemd',
      CgroupVersion: '2',
    };
    const r = check('3.14', { kind: 'docker-info', content: info });
    expect(r.status).toBe('unknown');
    expect(r.findings).toEqual([]);
    expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'compose', 'kubernetes']));
  });

  it('takes the worst of mixed artifacts', () => {
    const r = check('3.14', [kubelet('podPidsLimit: 1024'), compose('pids_limit: 200'), inspect(-1)]);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => `${f.kind}:${f.status}`).sort()).toEqual(['compose:pass', 'docker-inspect:fail', 'kubernetes:pass']);
  });
});
