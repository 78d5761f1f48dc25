import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Container, EvidencePart, Source } from '../model/evidence.ts';
import { parseKubernetes } from './kubernetes.ts';
import { ArtifactError } from './util.ts';

/** Local copy of the controls' `dedent`: importing that module would load every parser. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

const source: Source = { artifact: 'k8s/manifest.yaml', kind: 'kubernetes' };

function fixture(name: string): string {
  return readFileSync(new URL(`../../test/fixtures/kubernetes/${name}`, import.meta.url), 'utf8');
}

function parse(content: unknown): EvidencePart {
  return parseKubernetes(content, source);
}

function container(part: EvidencePart, name: string, index = 0): Container {
  const found = (part.containers ?? []).filter((c) => c.name === name)[index];
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** A Deployment whose pod spec is built from the given YAML fragments (indented for `spec:`). */
function deployment(podSpec: string, templateMetadata = 'labels: {app: demo}'): string {
  const indent = (text: string, n: number) =>
    dedent(text)
      .split('\n')
      .map((l) => ' '.repeat(n) + l)
      .join('\n');
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: demo}',
    'spec:',
    '  template:',
    '    metadata:',
    indent(templateMetadata, 6),
    '    spec:',
    indent(podSpec, 6),
  ].join('\n');
}

describe('parseKubernetes: a Deployment with init containers and sidecars', () => {
  const part = parse(fixture('checkout-deployment.yaml'));

  it('reads every container of the pod template, with its role', () => {
    const roles = Object.fromEntries((part.containers ?? []).map((c) => [c.name, c.role]));
    expect(roles).toEqual({ api: 'app', 'log-shipper': 'app', 'migrate-db': 'init', 'istio-proxy': 'app' });
    expect(part.pods).toHaveLength(1);
    expect(part.pods?.[0]?.owner).toEqual({ kind: 'Deployment', name: 'checkout-api', namespace: 'shop' });
    expect(part.pods?.[0]?.isPodObject).toBe(false);
  });

  it('prefixes paths with the index of the document, counting only non-empty documents', () => {
    const api = container(part, 'api');
    expect(api.path).toBe('[0].spec.template.spec.containers[0]');
    expect(container(part, 'migrate-db').path).toBe('[0].spec.template.spec.initContainers[0]');
    expect(part.services?.[0]?.path).toBe('[1].spec');
  });

  it('lets the container securityContext override the pod one', () => {
    const api = container(part, 'api');
    expect(api.user).toEqual({
      value: { kind: 'nonroot', raw: '10001' },
      path: '[0].spec.template.spec.securityContext.runAsUser',
    });
    expect(container(part, 'migrate-db').user).toEqual({
      value: { kind: 'root', raw: '0' },
      path: '[0].spec.template.spec.initContainers[0].securityContext.runAsUser',
    });
    expect(api.seccomp?.value).toEqual({ kind: 'custom', profile: 'profiles/checkout-api.json' });
    expect(container(part, 'log-shipper').seccomp).toEqual({
      value: { kind: 'runtime-default' },
      path: '[0].spec.template.spec.securityContext.seccompProfile',
    });
  });

  it('reads the container-only flags, with the place to write them when absent', () => {
    const api = container(part, 'api');
    expect(api.noNewPrivileges?.value).toBe(true);
    expect(api.readOnlyRootfs).toEqual({
      value: true,
      path: '[0].spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
    });
    const shipper = container(part, 'log-shipper');
    expect(shipper.privileged?.value).toBe(true);
    expect(shipper.noNewPrivileges).toEqual({
      value: false,
      path: '[0].spec.template.spec.containers[1].securityContext.privileged',
    });
    expect(shipper.readOnlyRootfs).toEqual({ value: null, path: '[0].spec.template.spec.containers[1].securityContext' });
    expect(api.pidsLimit).toBeNull();
    expect(api.usernsMode).toBeNull();
  });

  it('keeps args only with a command (args alone leave the entrypoint to the image)', () => {
    expect(container(part, 'api').command).toBeNull();
    expect(container(part, 'istio-proxy').command).toBeNull();
    expect(container(part, 'log-shipper').command?.value).toEqual([
      '/fluent-bit/bin/fluent-bit',
      '-c',
      '/fluent-bit/etc/fluent-bit.conf',
    ]);
  });

  it('resolves volume mounts against the volumes', () => {
    expect(container(part, 'log-shipper').mounts).toEqual([
      {
        type: 'hostPath',
        hostPath: '/var/log',
        target: '/var/log',
        readOnly: true,
        path: '[0].spec.template.spec.containers[1].volumeMounts[0]',
      },
    ]);
    expect(container(part, 'api').mounts?.map((m) => [m.type, m.hostPath, m.target, m.readOnly])).toEqual([
      ['volume', null, '/tmp', false],
      ['volume', null, '/etc/checkout', true],
    ]);
    expect(part.pods?.[0]?.hostPathVolumes).toEqual([
      { name: 'varlog', hostPath: '/var/log', path: '[0].spec.template.spec.volumes[2].hostPath', mountedBy: ['log-shipper'] },
    ]);
  });

  it('reads ports, env (valueFrom has no value here) and template labels', () => {
    const api = container(part, 'api');
    expect(api.ports.map((p) => [p.containerPort, p.protocol, p.published, p.hostIp])).toEqual([
      [8080, 'tcp', false, null],
      [9090, 'tcp', false, null],
    ]);
    expect(api.ports.map((p) => p.name)).toEqual(['http', 'metrics']);
    expect(api.env?.map((e) => [e.name, e.value, e.valueFrom])).toEqual([
      ['SPRING_PROFILES_ACTIVE', 'production', null],
      ['DB_PASSWORD', '', 'secretKeyRef checkout-db/password'],
      ['MAX_CONNECTIONS', '50', null],
    ]);
    expect(api.labels).toEqual({ 'app.kubernetes.io/name': 'checkout-api', 'app.kubernetes.io/component': 'api' });
    expect(api.image?.value).toBe('registry.example.com/shop/checkout-api:2.14.1');
    expect(api.startedAt).toBeNull();
    expect(api.running).toBeNull();
  });

  it('reads the NodePort Service and notes the ConfigMap', () => {
    expect(part.services).toEqual([
      {
        source,
        name: 'checkout-api',
        type: 'NodePort',
        path: '[1].spec',
        selector: { 'app.kubernetes.io/name': 'checkout-api' },
        ports: [
          { port: 80, targetPort: 'http', nodePort: 30080, protocol: 'tcp', path: '[1].spec.ports[0]' },
          { port: 9090, targetPort: null, nodePort: null, protocol: 'tcp', path: '[1].spec.ports[1]' },
        ],
      },
    ]);
    expect(part.notes).toEqual([expect.stringContaining('ConfigMap/checkout-config')]);
  });
});

describe('parseKubernetes: a CronJob', () => {
  const part = parse(fixture('nightly-report-cronjob.yaml'));
  const report = container(part, 'report');

  it('finds the pod template under spec.jobTemplate, with single-document paths', () => {
    expect(report.path).toBe('spec.jobTemplate.spec.template.spec.containers[0]');
    expect(part.pods?.[0]?.owner.kind).toBe('CronJob');
    expect(part.pods?.[0]?.hostUsers).toEqual({ value: false, path: 'spec.jobTemplate.spec.template.spec.hostUsers' });
  });

  it('reads runAsNonRoot, a pod-level Unconfined profile and allowPrivilegeEscalation: true', () => {
    expect(report.user).toEqual({
      value: { kind: 'nonroot', raw: 'runAsNonRoot' },
      path: 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsNonRoot',
    });
    expect(report.seccomp?.value).toEqual({ kind: 'unconfined' });
    expect(report.noNewPrivileges).toEqual({
      value: false,
      path: 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
    });
    expect(report.command?.value[0]).toBe('/bin/sh');
  });
});

describe('parseKubernetes: `kubectl get pods -o yaml` output', () => {
  const part = parse(fixture('kubectl-get-pods.yaml'));

  it('reads the List items as Pod objects, paths starting at items[N]', () => {
    expect(part.pods?.map((p) => [p.owner.name, p.isPodObject, p.path])).toEqual([
      ['checkout-api-7c9f8d6b5d-q4m2x', true, 'items[0].spec'],
      ['checkout-api-7c9f8d6b5d-z8n5w', true, 'items[1].spec'],
    ]);
    // managedFields mention containers too; they are not containers.
    expect(part.containers).toHaveLength(3);
  });

  it('lists ephemeral (debug) containers on the pod and as containers', () => {
    expect(part.pods?.[0]?.ephemeralContainers).toEqual({ value: ['debugger-x7k2p'], path: 'items[0].spec.ephemeralContainers' });
    expect(part.pods?.[1]?.ephemeralContainers.value).toEqual([]);
    const debug = container(part, 'debugger-x7k2p');
    expect(debug.role).toBe('ephemeral');
    expect(debug.path).toBe('items[0].spec.ephemeralContainers[0]');
    expect(debug.running).toBe(false);
  });

  it('takes start time and running state from the status', () => {
    const first = container(part, 'api', 0);
    expect(first.startedAt).toBe('2024-06-03T08:12:51Z');
    expect(first.running).toBe(true);
    const crashing = container(part, 'api', 1);
    expect(crashing.startedAt).toBeNull();
    expect(crashing.running).toBe(false);
  });

  it('reads an empty pod securityContext as saying nothing', () => {
    const api = container(part, 'api', 0);
    expect(api.seccomp).toEqual({ value: { kind: 'unset' }, path: 'items[0].spec.containers[0].securityContext' });
    expect(api.noNewPrivileges).toEqual({ value: false, path: 'items[0].spec.containers[0].securityContext' });
  });
});

describe('parseKubernetes: a StatefulSet mounting the Docker socket', () => {
  const part = parse(fixture('docker-agent-statefulset.yaml'));
  const runner = container(part, 'runner');

  it('resolves hostPath mounts, including subPath into a host folder', () => {
    expect(runner.mounts?.map((m) => [m.type, m.hostPath, m.target, m.readOnly])).toEqual([
      ['hostPath', '/var/run/docker.sock', '/var/run/docker.sock', false],
      ['hostPath', '/run/containerd/containerd.sock', '/host/containerd.sock', true],
      // a volumeClaimTemplate: not in `volumes`, still no host path
      ['volume', null, '/home/gitlab-runner', false],
    ]);
  });

  it('names hostPath volumes nobody mounts', () => {
    expect(part.pods?.[0]?.hostPathVolumes.map((v) => [v.name, v.hostPath, v.mountedBy])).toEqual([
      ['docker-sock', '/var/run/docker.sock', ['runner']],
      ['run', '/run/', ['runner']],
      ['host-root', '/', []],
    ]);
  });

  it('publishes hostPorts and reads hostNetwork', () => {
    expect(runner.ports.map((p) => [p.containerPort, p.published, p.hostIp, p.hostPort])).toEqual([
      [9252, true, '127.0.0.1', 9252],
      [2375, true, '', 2375],
    ]);
    expect(runner.networkMode).toEqual({ value: 'host', path: 'spec.template.spec.hostNetwork' });
    expect(part.pods?.[0]?.hostNetwork.value).toBe(true);
  });

  it('reads the legacy seccomp annotations, the container one first', () => {
    expect(runner.seccomp).toEqual({
      value: { kind: 'custom', profile: 'ci-runner.json' },
      path: 'spec.template.metadata.annotations["container.seccomp.security.alpha.kubernetes.io/runner"]',
    });
    expect(container(part, 'exporter').seccomp?.value).toEqual({ kind: 'runtime-default' });
  });

  it('treats CAP_SYS_ADMIN as allowing escalation whatever allowPrivilegeEscalation says', () => {
    expect(container(part, 'exporter').noNewPrivileges).toEqual({
      value: false,
      path: 'spec.template.spec.containers[1].securityContext.capabilities.add[0]',
    });
  });

  it('says nothing about the user when neither runAsUser nor runAsNonRoot is set', () => {
    expect(runner.user).toEqual({ value: { kind: 'unset' }, path: 'spec.template.spec.containers[0].securityContext' });
  });
});

describe('parseKubernetes: effective user', () => {
  const cases: [string, string, string, unknown][] = [
    ['runAsUser 0 with runAsNonRoot', 'securityContext: {runAsUser: 0, runAsNonRoot: true}', '', { kind: 'root', raw: '0' }],
    ['a container UID over a pod root', 'securityContext: {runAsUser: 1000}', 'securityContext: {runAsUser: 0}', { kind: 'nonroot', raw: '1000' }],
    ['a container root over pod runAsNonRoot', 'securityContext: {runAsUser: 0}', 'securityContext: {runAsNonRoot: true}', { kind: 'root', raw: '0' }],
    ['pod runAsNonRoot only', '', 'securityContext: {runAsNonRoot: true}', { kind: 'nonroot', raw: 'runAsNonRoot' }],
    ['runAsNonRoot false', 'securityContext: {runAsNonRoot: false}', '', { kind: 'unset' }],
    ['Windows ContainerAdministrator', 'securityContext: {windowsOptions: {runAsUserName: ContainerAdministrator}}', '', { kind: 'root', raw: 'ContainerAdministrator' }],
    ['Windows ContainerUser from the pod', '', 'securityContext: {windowsOptions: {runAsUserName: ContainerUser}}', { kind: 'nonroot', raw: 'ContainerUser' }],
    ['a negative UID (invalid) with nothing else', 'securityContext: {runAsUser: -1}', '', { kind: 'unset' }],
  ];
  it.each(cases)('%s', (_label, containerExtra, podExtra, expected) => {
    const c = containerExtra ? `\n    ${containerExtra}` : '';
    const part = parse(deployment(`${podExtra}\ncontainers:\n  - name: app\n    image: app:1${c}`));
    expect(container(part, 'app').user?.value).toEqual(expected);
  });
});

describe('parseKubernetes: effective seccomp profile', () => {
  const annotations = dedent(`
    annotations:
      seccomp.security.alpha.kubernetes.io/pod: unconfined
      container.seccomp.security.alpha.kubernetes.io/app: docker/default`);

  it('puts the container field before the container annotation', () => {
    const part = parse(
      deployment(
        `containers:\n  - name: app\n    securityContext: {seccompProfile: {type: Localhost, localhostProfile: app.json}}`,
        annotations,
      ),
    );
    expect(container(part, 'app').seccomp?.value).toEqual({ kind: 'custom', profile: 'app.json' });
  });

  it('puts the container annotation before the pod field', () => {
    const part = parse(
      deployment(`securityContext: {seccompProfile: {type: Unconfined}}\ncontainers:\n  - name: app`, annotations),
    );
    expect(container(part, 'app').seccomp).toEqual({
      value: { kind: 'runtime-default' },
      path: 'spec.template.metadata.annotations["container.seccomp.security.alpha.kubernetes.io/app"]',
    });
  });

  it('falls back to the pod annotation last', () => {
    const part = parse(deployment(`containers:\n  - name: other`, annotations));
    expect(container(part, 'other').seccomp?.value).toEqual({ kind: 'unconfined' });
  });
});

describe('parseKubernetes: admission policies', () => {
  const part = parse(fixture('image-policies.yaml'));
  const summary = (part.imagePolicies ?? []).map((p) => [p.engine, p.name, p.imagePatterns, p.enforcing]);

  it('reads Kyverno verifyImages with the policy-wide and per-entry failure actions', () => {
    expect(summary.filter(([engine]) => engine === 'kyverno')).toEqual([
      ['kyverno', 'verify-shop-images', ['registry.example.com/shop/*', 'ghcr.io/example/*'], true],
      ['kyverno', 'check-image-legacy', ['ghcr.io/example/report-runner:*'], false],
      ['kyverno', 'verify-platform-images', ['registry.example.com/platform/*'], true],
      ['kyverno', 'verify-platform-images', ['docker.io/*'], false],
      ['kyverno', 'background-only', ['*'], false],
    ]);
    expect(part.imagePolicies?.[0]?.path).toBe('[0].spec.rules[0].verifyImages[0]');
  });

  it('reads Sigstore ClusterImagePolicies, enforcing unless mode: warn', () => {
    expect(summary.filter(([engine]) => engine === 'sigstore')).toEqual([
      ['sigstore', 'shop-keyless', ['registry.example.com/shop/**', 'ghcr.io/example/*'], true],
      ['sigstore', 'thirdparty-warn', ['docker.io/**'], false],
    ]);
  });

  it('does not take another group’s ClusterPolicy for Kyverno', () => {
    expect(part.notes).toEqual([expect.stringContaining('ClusterPolicy/gpu-cluster-policy (nvidia.com)')]);
  });

  it('notes a Kyverno policy without verifyImages', () => {
    const only = parse('apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: labels}\nspec: {rules: [{name: r, validate: {}}]}');
    expect(only.imagePolicies).toEqual([]);
    expect(only.notes).toEqual([expect.stringContaining('without verifyImages')]);
  });
});

describe('parseKubernetes: KubeletConfiguration', () => {
  it('reads podPidsLimit', () => {
    expect(parse(fixture('kubelet-config.yaml')).kubelets).toEqual([
      { source, path: 'podPidsLimit', podPidsLimit: { value: 4096, path: 'podPidsLimit' } },
    ]);
  });

  it.each([
    ['', null],
    ['podPidsLimit: -1', -1],
    ['podPidsLimit: "0"', 0],
  ])('%j → %j', (line, expected) => {
    const part = parse(`apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${line}`);
    expect(part.kubelets?.[0]?.podPidsLimit.value).toBe(expected);
  });

  it('ignores a KubeletConfiguration of another API group', () => {
    const part = parse('apiVersion: example.com/v1\nkind: KubeletConfiguration\npodPidsLimit: 100');
    expect(part.kubelets).toEqual([]);
    expect(part.notes).toHaveLength(1);
  });
});

describe('parseKubernetes: Services', () => {
  const part = parse(fixture('services.yaml'));

  it('reads the type (default ClusterIP) and ports', () => {
    expect(part.services?.map((s) => [s.name, s.type, s.ports.map((p) => p.port)])).toEqual([
      ['redis-public', 'LoadBalancer', [6379]],
      ['redis-internal', 'ClusterIP', [6379]],
    ]);
  });

  it('leaves a Knative Service to the notes', () => {
    expect(part.notes).toEqual([expect.stringContaining('Service/hello (serving.knative.dev)')]);
    expect(part.containers).toEqual([]);
  });
});

describe('parseKubernetes: other workload kinds and content forms', () => {
  it.each([
    ['DaemonSet', 'spec:\n  template:\n    spec:', 'spec.template.spec.containers[0]'],
    ['ReplicaSet', 'spec:\n  template:\n    spec:', 'spec.template.spec.containers[0]'],
    ['ReplicationController', 'spec:\n  template:\n    spec:', 'spec.template.spec.containers[0]'],
    ['Job', 'spec:\n  template:\n    spec:', 'spec.template.spec.containers[0]'],
    ['PodTemplate', 'template:\n  spec:', 'template.spec.containers[0]'],
  ])('%s', (kind, head, path) => {
    const depth = head.split('\n').length * 2;
    const body = `${' '.repeat(depth)}containers: [{name: app, image: "app:1"}]`;
    const part = parse(`apiVersion: v1\nkind: ${kind}\nmetadata: {name: x}\n${head}\n${body}`);
    expect(container(part, 'app').path).toBe(path);
    expect(part.pods?.[0]?.owner.kind).toBe(kind);
  });

  it('accepts parsed JSON, one object or an array of them', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }] } };
    expect(container(parse(pod), 'a').path).toBe('spec.containers[0]');
    const both = parse([pod, { ...pod, metadata: { name: 'q' } }]);
    expect(both.containers?.map((c) => c.path)).toEqual(['[0].spec.containers[0]', '[1].spec.containers[0]']);
  });

  it('accepts JSON text, including a JSON array', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] } };
    expect(parse(JSON.stringify(pod)).containers).toHaveLength(1);
    expect(parse(JSON.stringify([pod, pod])).containers?.map((c) => c.path)).toEqual([
      '[0].spec.containers[0]',
      '[1].spec.containers[0]',
    ]);
  });

  it('reads a PodList inside a List with nested item paths', () => {
    const part = parse({
      kind: 'List',
      items: [{ kind: 'PodList', items: [{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] } }] }],
    });
    expect(container(part, 'a').path).toBe('items[0].items[0].spec.containers[0]');
  });

  it('notes a workload without a pod spec', () => {
    const part = parse('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: empty}\nspec: {replicas: 1}');
    expect(part.pods).toEqual([]);
    expect(part.notes).toEqual([expect.stringContaining('no pod spec at spec.template.spec')]);
  });
});

describe('parseKubernetes: hostile input', () => {
  it('refuses an alias bomb', () => {
    const bomb = dedent(`
      a: &a ["x","x","x","x","x","x","x","x","x","x"]
      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
      f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
      kind: Pod`);
    expect(() => parse(bomb)).toThrow(ArtifactError);
  });

  it('refuses deep nesting in YAML text', () => {
    expect(() => parse(`kind: Pod\nspec: ${'['.repeat(200)}${']'.repeat(200)}`)).toThrow(ArtifactError);
  });

  it('stops at deeply nested Lists in parsed JSON', () => {
    let list: unknown = { kind: 'Pod', metadata: { name: 'deep' }, spec: { containers: [{ name: 'a' }] } };
    for (let i = 0; i < 500; i++) list = { kind: 'List', items: [list] };
    const part = parse(list);
    expect(part.containers).toEqual([]);
    expect(part.notes).toEqual([expect.stringContaining('nested deeper')]);
  });

  it.each([
    ['empty text', ''],
    ['only comments', '# nothing here\n---\n'],
    ['a plain string', 'just some text'],
    ['a list of numbers', '[1, 2, 3]'],
    ['a number', 42],
    ['null', null],
    ['invalid YAML', 'kind: Pod\n  spec: [unclosed'],
  ])('refuses %s with an ArtifactError', (_label, content) => {
    expect(() => parse(content)).toThrow(ArtifactError);
  });

  it('notes documents that are not objects, next to ones that are', () => {
    const part = parse('--- hello\n---\n- 1\n---\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}');
    expect(part.containers).toHaveLength(1);
    expect(part.notes).toEqual([expect.stringContaining('[0]'), expect.stringContaining('[1]')]);
  });

  it('treats __proto__ keys as data', () => {
    const part = parse(
      deployment(`containers:\n  - name: __proto__\n    env: [{name: __proto__, value: x}]`, 'labels: {__proto__: polluted, app: demo}'),
    );
    const c = container(part, '__proto__');
    expect(c.labels['__proto__']).toBe('polluted');
    expect(Object.keys(c.labels)).toEqual(['__proto__', 'app']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('survives numbers, strings and nulls where other shapes are expected', () => {
    const part = parse(
      dedent(`
        kind: Pod
        metadata: {name: 123, namespace: [x]}
        spec:
          hostNetwork: "yes"
          securityContext: "not a map"
          volumes: {name: v}
          containers:
            - name: 7
              image: 1.5
              command: "sh -c sleep"
              ports: [{containerPort: "http"}, {containerPort: 70000}, {containerPort: 80, hostPort: "x"}]
              env: [{name: 1, value: 2}, "FOO=bar", null]
              volumeMounts: [{name: missing, mountPath: /data}, {name: 5}]
              securityContext: {runAsUser: "abc", privileged: "maybe", capabilities: {add: "SYS_ADMIN"}}
            - "a string"
            - null
      `),
    );
    expect(part.pods?.[0]?.owner).toEqual({ kind: 'Pod', name: '123', namespace: null });
    const c = container(part, '7');
    expect(c.image?.value).toBe('1.5');
    expect(c.command).toBeNull();
    expect(c.ports.map((p) => [p.containerPort, p.published])).toEqual([[80, false]]);
    expect(c.env).toEqual([{ name: '1', value: '2', path: 'spec.containers[0].env[0]', valueFrom: null }]);
    expect(c.mounts?.map((m) => [m.type, m.target])).toEqual([['volume', '/data']]);
    expect(c.user?.value).toEqual({ kind: 'unset' });
    expect(c.privileged?.value).toBe(false);
    expect(c.noNewPrivileges?.value).toBe(false);
    expect(part.pods?.[0]?.hostNetwork.value).toBe(true);
    expect(part.containers).toHaveLength(1);
  });

  it('reads a huge pod (parsed JSON has no node cap) without pairwise scans', () => {
    const n = 20_000;
    const names = Array.from({ length: n }, (_, i) => `c${i}`);
    const part = parse({
      kind: 'Pod',
      metadata: { name: 'big' },
      spec: {
        volumes: names.map((v) => ({ name: v, hostPath: { path: `/srv/${v}` } })),
        containers: names.map((c) => ({ name: c, volumeMounts: [{ name: c, mountPath: '/data' }] })),
      },
      status: { containerStatuses: names.map((c) => ({ name: c, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } })) },
    });
    expect(part.containers).toHaveLength(n);
    expect(part.containers?.[n - 1]?.running).toBe(true);
    expect(part.pods?.[0]?.hostPathVolumes[n - 1]?.mountedBy).toEqual([`c${n - 1}`]);
  });

  it('keeps NUL bytes as data', () => {
    const part = parse({ kind: 'Pod', metadata: { name: 'a\u0000b' }, spec: { containers: [{ name: 'c\u0000' }] } });
    expect(part.pods?.[0]?.owner.name).toBe('a\u0000b');
    expect(container(part, 'c\u0000').path).toBe('spec.containers[0]');
  });
});
