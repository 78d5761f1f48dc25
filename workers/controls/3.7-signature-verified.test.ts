import { describe, expect, it } from 'vitest';
import type { Finding } from '../model/result.ts';
import { deployment, expectFailFixes, fixtureText, imageInspect, type Json, kubernetes, only } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

const WEB_DIGEST = 'sha256:4f1c9d2b7e8a3f6c5d0e9b1a2c7f4e8d3b6a9c0f5e2d1b8a7c4f3e6d9b0a2c5e';
const WORKER_DIGEST = 'sha256:7c2a9e4f1b8d3c6a0e5f2b9d4a7c1e8f3b6d0a9c2e5f8b1d4a7c0e3f6b9d2a5c';
const CHECKOUT_DIGEST = 'sha256:1b5d9f3a7c0e4b8d2f6a1c5e9b3d7f0a4c8e2b6d1f5a9c3e7b0d4f8a2c6e1b5d';

/** Containers in no particular order: the parser lists a pod's containers as it likes. */
function containers(findings: Finding[]): (string | null)[] {
  return findings.map((f) => f.container).sort();
}

const webSignature: TestArtifact = { kind: 'signature', name: 'cosign-web.txt', content: fixtureText('signature/h5-cosign-verify-shop-web.txt') };
const workerSignature: TestArtifact = { kind: 'signature', name: 'cosign-worker.json', content: fixtureText('signature/h5-cosign-verify-v1-worker.json') };
const failedSignature: TestArtifact = { kind: 'signature', name: 'cosign-failed.txt', content: fixtureText('signature/h5-cosign-verify-failed.txt') };
/** `web` runs by digest (WEB_DIGEST), `jumpbox` by tag only. */
const inspect: TestArtifact = { kind: 'docker-inspect', name: 'inspect.json', content: fixtureText('docker-inspect/h5-web-and-jumpbox.json') };

/** `docker image inspect` of the shop-worker image, with the given RepoDigests and RepoTags. */
function workerImage(repoDigests: string[], repoTags = ['ghcr.io/acme/shop-worker:5.0.2']): TestArtifact {
  return imageInspect({
    Id: 'sha256:0e3b7d1f5a9c2e6b0d4f8a3c7e1b5d9f2a6c0e4b8d3f7a1c5e9b2d6f0a4c8e3b',
    RepoTags: repoTags,
    RepoDigests: repoDigests,
    Parent: '',
    Created: '2025-05-10T14:02:11.55210933Z',
    Config: { User: '10001', Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/worker'], Entrypoint: null, Labels: null },
    Architecture: 'amd64',
    Os: 'linux',
    Size: 48213870,
    RootFS: { Type: 'layers', Layers: ['sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'] },
  });
}

/** The checkout Deployment (migrate by tag, api by digest, a Docker Hub redis sidecar by tag), then the policies. */
function pods(...policies: Json[]): TestArtifact {
  const checkout = deployment({
    name: 'checkout',
    namespace: 'shop',
    initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/checkout-migrate:1.8.0' }],
    containers: [
      { name: 'api', image: `ghcr.io/acme/checkout@${CHECKOUT_DIGEST}` },
      { name: 'cache', image: 'redis:7.2-alpine' },
    ],
  });
  return kubernetes([checkout, ...policies], 'k8s/checkout.yaml');
}

/** A Kyverno policy verifying cosign keyless signatures of the images matching `patterns`; `null`: no validationFailureAction. */
function kyverno(patterns: string[], action: 'Enforce' | 'Audit' | null = 'Enforce'): Json {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'verify-images' },
    spec: {
      ...(action ? { validationFailureAction: action } : { background: true }),
      webhookTimeoutSeconds: 30,
      rules: [{
        name: 'verify-cosign-keyless',
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
        verifyImages: [{
          imageReferences: patterns,
          attestors: [{
            entries: [{
              keyless: {
                subject: 'https://github.com/acme/*',
                issuer: 'https://token.actions.githubusercontent.com',
                rekor: { url: 'https://rekor.sigstore.dev' },
              },
            }],
          }],
        }],
      }],
    },
  };
}

/** A Sigstore policy-controller ClusterImagePolicy for the given globs. */
function clusterImagePolicy(globs: string[]): Json {
  return {
    apiVersion: 'policy.sigstore.dev/v1beta1',
    kind: 'ClusterImagePolicy',
    metadata: { name: 'signed-images' },
    spec: {
      images: globs.map((glob) => ({ glob })),
      authorities: [{
        keyless: {
          url: 'https://fulcio.sigstore.dev',
          identities: [{ issuer: 'https://token.actions.githubusercontent.com', subjectRegExp: 'https://github.com/acme/.*' }],
        },
      }],
    },
  };
}

describe('3.7 signatures verified', () => {
  describe('signature output against the digests that run', () => {
    it('passes the container whose running digest is covered (classic cosign shape, stderr text before the JSON)', () => {
      const r = check('3.7', [inspect, webSignature]);
      // jumpbox's digest is unknown, so not every container is shown verified.
      expect(r.status).toBe('unknown');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ container: 'web', location: '/0/Config/Image', artifact: 'inspect.json' })]);
      expect(only(r, 'pass')[0]?.message).toContain(WEB_DIGEST);
      // The tag-only container cannot be matched to any signature: noted, not decided.
      expect(only(r, 'unknown')).toEqual([
        expect.objectContaining({ container: 'jumpbox', location: '/1/Config/Image' }),
        expect.objectContaining({ container: 'jumpbox', location: '/1' }),
      ]);
      expect(only(r, 'unknown')[0]?.message).toMatch(/cannot tell which digest runs/);
      expect(only(r, 'unknown')[1]?.message).toMatch(/no artifact shows this container .* compliant.*signature, kubernetes/);
    });

    it('fails when a running digest is not covered, and notes the signature for an image nothing runs', () => {
      const r = check('3.7', [inspect, workerSignature]);
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'web', location: '/0/Config/Image', artifact: 'inspect.json' })]);
      expect(only(r, 'fail')[0]?.message).toContain(WEB_DIGEST);
      expect(only(r, 'unknown').map((f) => f.artifact)).toEqual(expect.arrayContaining(['cosign-worker.json']));
      expectFailFixes(r);
    });

    it('fails a verification that printed an error and verified nothing', () => {
      const r = check('3.7', [inspect, failedSignature]);
      expect(r.status).toBe('fail');
      const fromOutput = only(r, 'fail').filter((f) => f.artifact === 'cosign-failed.txt');
      expect(fromOutput).toHaveLength(1);
      expect(fromOutput[0]?.message).toMatch(/no verified signature/);
      expectFailFixes(r);
    });

    it('fails an empty verification output (`[]`)', () => {
      const r = check('3.7', { kind: 'signature', name: 'cosign.json', content: '[]' });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toHaveLength(1);
    });

    it('passes the newer sigstore.dev/cosign/sign/v1 shape (optional: null)', () => {
      const r = check('3.7', [workerImage([`ghcr.io/acme/shop-worker@${WORKER_DIGEST}`]), workerSignature]);
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ artifact: 'image.json', location: '/0/RepoDigests', container: null })]);
    });

    it('passes the verified signatures themselves when the snapshot holds no workload image', () => {
      const r = check('3.7', webSignature);
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toHaveLength(1);
      expect(only(r, 'pass')[0]?.message).toContain(WEB_DIGEST);
      expect(only(r, 'pass')[0]?.artifact).toBe('cosign-web.txt');
    });

    it('takes the RepoDigests of an inspected image for a container that runs it by tag', () => {
      const container = JSON.parse(fixtureText('docker-inspect/h5-web-and-jumpbox.json')) as { Config: { Image: string } }[];
      const worker = container[0];
      if (worker) worker.Config.Image = 'ghcr.io/acme/shop-worker:5.0.2';
      const r = check('3.7', [
        { kind: 'docker-inspect', name: 'inspect.json', content: [worker] },
        workerImage([`ghcr.io/acme/shop-worker@${WORKER_DIGEST}`]),
        workerSignature,
      ]);
      expect(r.status).toBe('pass');
      expect(only(r, 'unknown')).toEqual([]);
    });

    it('cannot tell for a locally built image without RepoDigests (unknown, not pass)', () => {
      const r = check('3.7', [workerImage([], ['shop-worker:dev']), workerSignature]);
      expect(r.status).toBe('unknown');
      expect(only(r, 'unknown').map((f) => f.artifact)).toEqual(['image.json', 'cosign-worker.json']);
    });
  });

  describe('kubernetes admission policies', () => {
    it('passes every container a Kyverno Enforce policy covers (`*` spans `/`)', () => {
      const r = check('3.7', pods(kyverno(['ghcr.io/acme/*', 'docker.io/library/redis*'])));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass').map((f) => [f.container, f.location])).toEqual(expect.arrayContaining([
        ['migrate', '[0].spec.template.spec.initContainers[0].image'],
        ['api', '[0].spec.template.spec.containers[0].image'],
        ['cache', '[0].spec.template.spec.containers[1].image'],
      ]));
      expect(only(r, 'pass')).toHaveLength(3);
    });

    it('fails a container no policy covers while policies exist (the Docker Hub sidecar)', () => {
      const r = check('3.7', pods(kyverno(['ghcr.io/*'])));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'cache', location: '[0].spec.template.spec.containers[1].image' })]);
      expect(containers(only(r, 'pass'))).toEqual(['api', 'migrate']);
      expectFailFixes(r);
    });

    it('notes an Audit-mode policy as unknown: it reports, it does not refuse', () => {
      const r = check('3.7', pods(kyverno(['*'], 'Audit')));
      expect(r.status).toBe('unknown');
      expect(containers(only(r, 'unknown'))).toEqual(['api', 'cache', 'migrate']);
      expect(only(r, 'unknown')[0]?.message).toMatch(/Audit/);
    });

    it('takes an omitted validationFailureAction as Kyverno\'s default, Audit: unknown, not pass', () => {
      const r = check('3.7', pods(kyverno(['ghcr.io/acme/*', 'docker.io/library/*'], null)));
      expect(r.status).toBe('unknown');
      expect(only(r, 'pass')).toEqual([]);
    });

    it('reads Sigstore globs: `*` stops at `/`, `**` does not, bare `*` means Docker Hub library images', () => {
      const narrow = check('3.7', pods(clusterImagePolicy(['ghcr.io/*'])));
      expect(narrow.status).toBe('fail');
      expect(containers(only(narrow, 'fail'))).toEqual(['api', 'cache', 'migrate']);

      const wide = check('3.7', pods(clusterImagePolicy(['ghcr.io/acme/**', '*'])));
      expect(wide.status).toBe('pass');
      expect(containers(only(wide, 'pass'))).toEqual(['api', 'cache', 'migrate']);
    });

    it('notes policies when the snapshot holds no pod to hold them against', () => {
      const r = check('3.7', {
        kind: 'kubernetes',
        name: 'policies.yaml',
        content: fixtureText('kubernetes/image-policies.yaml'),
      });
      expect(r.status).toBe('unknown');
      expect(r.findings.length).toBeGreaterThan(0);
      expect(r.findings.every((f) => f.status === 'unknown' && f.artifact === 'policies.yaml')).toBe(true);
    });

    it('says nothing about pods without any policy (the default admits unsigned images, but proves nothing)', () => {
      const r = check('3.7', pods());
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
      expect(r.decidedBy).toEqual(['signature', 'kubernetes']);
    });
  });

  describe('what says nothing', () => {
    it('a Dockerfile, docker-inspect or compose alone leave 3.7 unknown', () => {
      const r = check('3.7', [
        inspect,
        { kind: 'dockerfile', content: 'FROM alpine:3.20\nCMD ["sh"]\n' },
        { kind: 'compose', content: 'services:\n  web:\n    image: nginx:1.27\n' },
      ]);
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
    });
  });

  describe('mixed artifacts', () => {
    it('is the worst of all: a covering signature does not outweigh an uncovered pod', () => {
      const r = check('3.7', [inspect, webSignature, pods(kyverno(['ghcr.io/acme/*']))]);
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.artifact, f.container])).toEqual([['k8s/checkout.yaml', 'cache']]);
      expect(only(r, 'pass').map((f) => f.container)).toEqual(expect.arrayContaining(['web', 'migrate', 'api']));
    });

    it('does not fail a pinned pod image missing from the signature output when an enforcing policy verifies it', () => {
      const r = check('3.7', [webSignature, pods(kyverno(['ghcr.io/acme/*', 'docker.io/library/*']))]);
      expect(r.status).toBe('pass');
      const api = r.findings.filter((f) => f.container === 'api');
      expect(api.map((f) => f.status).sort()).toEqual(['pass', 'unknown']);
      expect(api.find((f) => f.status === 'unknown')?.message).toMatch(/admission policy/);
    });

    it('fails a pinned pod image that neither the signature output nor any policy covers', () => {
      const r = check('3.7', [webSignature, pods()]);
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ container: 'api', location: 'spec.template.spec.containers[0].image' })]);
    });
  });
});
