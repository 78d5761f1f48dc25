/**
 * Our own audit: the service's deployment files (deploy/Dockerfile with deploy/compose.yaml, and
 * with deploy/kubernetes/csvs.yaml) are evaluated by our engine at L3, as a user would upload
 * them. Every control passes, except those these files cannot decide by their nature; each of
 * those is listed below with the evidence that does decide it (CONTROLS.md), and must be open for
 * exactly that reason — any other finding fails the test. Nothing here is made up to fill a gap:
 * signatures, the daemon's user namespaces, the kubelet's PID limit and run-time access are
 * facts of a running deployment, which the agent (`csvs agent`, `csvs collect --kubernetes`)
 * uploads from there.
 */
import { readFileSync } from 'node:fs';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../workers/engine/evaluate.ts';
import type { EvaluationResult } from '../workers/model/result.ts';

const file = (name: string) => readFileSync(new URL(`../deploy/${name}`, import.meta.url), 'utf8');
const DOCKERFILE = { kind: 'dockerfile' as const, name: 'deploy/Dockerfile', content: file('Dockerfile') };
const COMPOSE = { kind: 'compose' as const, name: 'deploy/compose.yaml', content: file('compose.yaml') };
const KUBERNETES = { kind: 'kubernetes' as const, name: 'deploy/kubernetes/csvs.yaml', content: file('kubernetes/csvs.yaml') };

interface Exempt {
  status: 'unknown' | 'fail';
  /** Every finding that is not a pass says this. */
  finding: RegExp | null;
  /** Why these files cannot decide it, and what does. */
  decidedBy: string;
}

/** Controls a file of this kind cannot decide, with the evidence that does (CONTROLS.md, "Which kinds speak"). */
const EXEMPT: Record<'compose' | 'kubernetes', Record<string, Exempt>> = {
  compose: {
    '3.2': {
      status: 'unknown',
      finding: /user namespace mode not set: the daemon decides/,
      decidedBy: "the Docker daemon: `docker info` with `name=userns` (userns-remap) or `name=rootless`; Compose can only opt out",
    },
    '3.7': { status: 'unknown', finding: null, decidedBy: '`cosign verify --output json` of the image digest that is deployed' },
    '3.10': { status: 'unknown', finding: null, decidedBy: 'the running containers: `docker inspect` and `docker events` (the agent uploads them)' },
  },
  kubernetes: {
    '3.6': {
      status: 'fail',
      finding: /image `registry\.example\.com\/csvs:0\.1\.0` names the tag/,
      decidedBy: 'the digest CI pushed, set into the manifest when it is applied (`kustomize edit set image …@sha256:…`)',
    },
    '3.10': { status: 'unknown', finding: null, decidedBy: 'Pod objects of the running workload: `kubectl get pods -o json | csvs collect --kubernetes -`' },
    '3.14': {
      status: 'unknown',
      finding: /a pod spec cannot limit PIDs; the kubelet's podPidsLimit decides/,
      decidedBy: "the cluster's KubeletConfiguration (`podPidsLimit`)",
    },
  },
};

function audit(result: EvaluationResult, exempt: Record<string, Exempt>): string[] {
  const wrong: string[] = [];
  for (const c of result.controls) {
    const allowed = exempt[c.id];
    if (!allowed) {
      if (c.status !== 'pass') wrong.push(`${c.id} ${c.status}: ${c.findings.filter((f) => f.status !== 'pass').map((f) => f.message).join(' | ')}`);
      continue;
    }
    if (c.status !== allowed.status) wrong.push(`${c.id} is ${c.status}, the exemption expects ${allowed.status} (${allowed.decidedBy})`);
    for (const f of c.findings.filter((x) => x.status !== 'pass')) {
      if (!allowed.finding || !allowed.finding.test(f.message)) wrong.push(`${c.id} ${f.status} for another reason: ${f.message}`);
    }
  }
  return wrong;
}

describe('the service\'s own deployment passes our controls at L3', () => {
  it.each([
    ['compose', COMPOSE],
    ['kubernetes', KUBERNETES],
  ] as const)('Dockerfile with %s: every control passes but the ones only a running deployment decides', (kind, manifest) => {
    const result = evaluate({ artifacts: [DOCKERFILE, manifest], workload: 'csvs' });
    expect(result.controls).toHaveLength(15);
    expect(audit(result, EXEMPT[kind])).toEqual([]);
    // Nothing the files can show is missing: L1 is met outright.
    expect(result.levels.L1.compliant).toBe(true);
    const passing = result.controls.filter((c) => c.status === 'pass').length;
    console.log(`[deploy] ${kind}: ${passing} of 15 pass; open: ${Object.entries(EXEMPT[kind]).map(([id, e]) => `${id} (${e.decidedBy})`).join('; ')}`);
  });

  it('the Dockerfile alone shows what an image can: digest-pinned bases, a user of its own, COPY only, nothing needless', () => {
    const result = evaluate({ artifacts: [DOCKERFILE] });
    for (const id of ['3.1', '3.3', '3.6', '3.8', '3.11', '3.12']) expect(result.controls.find((c) => c.id === id)?.status, id).toBe('pass');
    const from = DOCKERFILE.content.split('\n').filter((l) => /^FROM\s/i.test(l));
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const line of from) expect(line).toMatch(/^FROM node:24-alpine@sha256:[0-9a-f]{64}(\s|$)/);
    expect(DOCKERFILE.content).not.toMatch(/^ADD\s/im);
    expect(DOCKERFILE.content).toMatch(/^HEALTHCHECK [^\n]*\\\n\s*CMD \[[^\n]*\/healthz/m);
    // No package manager left in the final image: apk removes itself, npm and friends are deleted.
    expect(DOCKERFILE.content).toMatch(/apk --purge del apk-tools/);
    expect(DOCKERFILE.content).toMatch(/rm -rf \/usr\/local\/lib\/node_modules \/usr\/local\/bin\/npm \/usr\/local\/bin\/npx \/usr\/local\/bin\/corepack/);
    expect(DOCKERFILE.content).toMatch(/^CMD \["node", "api\/node-server\.ts"\]$/m);
  });

  it('the audit can fail: each hardening taken out is caught', () => {
    const cases: [string, typeof COMPOSE | typeof KUBERNETES | typeof DOCKERFILE, string, string][] = [
      ['3.4', COMPOSE, '      - seccomp:./seccomp.json\n', ''],
      ['3.5', COMPOSE, '      - no-new-privileges:true\n', ''],
      ['3.9', COMPOSE, '    read_only: true\n', ''],
      ['3.14', COMPOSE, '    pids_limit: 128\n', ''],
      ['3.1', COMPOSE, 'user: "10001:10001"', 'user: "0:0"'],
      ['3.2', KUBERNETES, 'hostUsers: false', 'hostUsers: true'],
      ['3.4', KUBERNETES, 'type: Localhost', 'type: RuntimeDefault'],
      ['3.7', KUBERNETES, 'glob: "registry.example.com/csvs**"', 'glob: "registry.example.com/other**"'],
      ['3.6', DOCKERFILE, '@sha256:', ':24-alpine-'],
      ['3.3', DOCKERFILE, 'USER csvs', 'USER root'],
      ['3.11', DOCKERFILE, 'COPY package.json ./\n', 'ADD package.json ./\n'],
    ];
    for (const [id, artifact, from, to] of cases) {
      expect(artifact.content.includes(from), `${id}: ${from}`).toBe(true);
      const changed = { ...artifact, content: artifact.content.replaceAll(from, to) };
      const artifacts = [DOCKERFILE, artifact === DOCKERFILE ? COMPOSE : artifact].map((a) => (a === artifact ? changed : a));
      const status = evaluate({ artifacts, workload: 'csvs' }).controls.find((c) => c.id === id)?.status;
      expect(status, `${id} with ${JSON.stringify(to)} instead of ${JSON.stringify(from)}`).toBe('fail');
    }
  });

  it('both manifests use our seccomp profile, which denies by default and allows no namespace, mount, tracing or kernel changes', () => {
    const profile = JSON.parse(file('seccomp.json')) as { defaultAction: string; syscalls: { names: string[]; action: string; args?: { index: number; value: number; op: string }[] }[] };
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    const allowed = new Set(profile.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args).flatMap((s) => s.names));
    // What Node needs to start and serve at all.
    for (const name of ['execve', 'openat', 'read', 'write', 'mmap', 'mprotect', 'futex', 'epoll_wait', 'epoll_ctl', 'accept4', 'socket', 'connect', 'getrandom', 'exit_group']) {
      expect(allowed.has(name), name).toBe(true);
    }
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'ptrace', 'process_vm_readv', 'bpf', 'perf_event_open', 'keyctl', 'add_key', 'init_module', 'finit_module', 'delete_module', 'kexec_load', 'reboot', 'swapon', 'pivot_root', 'chroot', 'userfaultfd', 'open_by_handle_at', 'personality', 'clone3']) {
      expect(allowed.has(name), name).toBe(false);
    }
    // clone is allowed for threads only: the namespace flags must be clear.
    const clone = profile.syscalls.find((s) => s.names.includes('clone') && s.action === 'SCMP_ACT_ALLOW');
    expect(clone?.args).toEqual([{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ', valueTwo: 0 }]);

    const compose = load(COMPOSE.content) as { services: { csvs: { security_opt: string[] } } };
    expect(compose.services.csvs.security_opt).toContain('seccomp:./seccomp.json');
    const deployment = (loadAll(KUBERNETES.content) as { kind: string; spec: { template: { spec: Record<string, unknown> } } }[]).find((d) => d.kind === 'Deployment');
    expect(deployment?.spec.template.spec.securityContext).toMatchObject({ seccompProfile: { type: 'Localhost', localhostProfile: 'csvs/seccomp.json' } });
  });

  it('the Kubernetes pods probe /healthz for liveness and /readyz for readiness, and mount no socket', () => {
    const deployment = (loadAll(KUBERNETES.content) as { kind: string; spec: { template: { spec: { containers: Record<string, { httpGet?: { path: string } }>[]; volumes: Record<string, unknown>[] } } } }[]).find((d) => d.kind === 'Deployment');
    const container = deployment?.spec.template.spec.containers[0];
    expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(JSON.stringify(deployment)).not.toMatch(/hostPath|\.sock/);
    expect(container?.resources).toMatchObject({ limits: { memory: expect.any(String) }, requests: { cpu: expect.any(String) } });
  });
});

describe('the Worker deployment', () => {
  it('gives the evaluation queue a dead-letter queue and runs the housekeeping cron (docs/deploy.md)', () => {
    const toml = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8');
    const consumer = /\[\[queues\.consumers\]\]([\s\S]*?)(?=\n\[)/.exec(toml)?.[1] ?? '';
    expect(consumer).toMatch(/^queue = "csvs-evaluations"$/m);
    expect(consumer).toMatch(/^max_retries = \d+$/m);
    expect(consumer).toMatch(/^dead_letter_queue = "csvs-evaluations-dlq"$/m);
    expect(toml).toMatch(/^crons = \["\*\/5 \* \* \* \*"\]$/m);
    const deploy = readFileSync(new URL('../docs/deploy.md', import.meta.url), 'utf8');
    expect(deploy).toContain('npx wrangler queues create csvs-evaluations-dlq');
  });
});

