/**
 * 3.7: every image's signature is verified before it is used in production. Two kinds of
 * evidence show it: the output of a verification (`cosign verify`, `notation verify`) whose
 * verified digests cover the digests the workload runs, or an admission policy (Kyverno
 * `verifyImages`, Sigstore `ClusterImagePolicy`) that refuses unsigned images for every
 * container of the workload. A signature covers a manifest digest, so a workload whose digest
 * is unknown cannot be matched to one.
 */
import type { Container, Evidence, ImageConfig, ImagePolicy, SignatureReport, Source } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, finding } from './control.ts';
import { normaliseDigest, parseImageRef, policyPatternMatches, repositoryOf } from './shared/images.ts';

const SIGN_AND_VERIFY =
  'Sign the image in CI (`cosign sign <image>@sha256:<digest>`) and verify it before deployment ' +
  '(`cosign verify --key … <image>@sha256:<digest> --output json`), uploading that output as a `signature` artifact.';

/** A digest the workload runs, and where the snapshot says so. */
interface RunningDigest {
  digests: string[];
  source: Source;
  container: string | null;
  /** The containers that run it, which a verified signature shows compliant. */
  containers: Container[];
  location: string;
  what: string;
  /** An enforcing admission policy verifies this container's image; that decides it. */
  admitted: boolean;
}

function roleText(c: Container): string {
  return c.role === 'app' ? 'container' : `${c.role} container`;
}

function sameImage(image: ImageConfig, reference: string): boolean {
  const ref = parseImageRef(reference);
  if (!ref) return false;
  return image.repoTags.some((tag) => {
    const other = parseImageRef(tag);
    return !!other && other.registry === ref.registry && other.repository === ref.repository && (other.tag ?? 'latest') === (ref.tag ?? 'latest');
  });
}

/**
 * Which digests run. A container's reference carries one, or an image inspect of the same
 * image does (its `RepoDigests`); a container with neither gets an `unknown` finding.
 */
function runningDigests(evidence: Evidence): { running: RunningDigest[]; undecided: Finding[] } {
  const running: RunningDigest[] = [];
  const undecided: Finding[] = [];
  for (const image of evidence.images) {
    const digests = image.repoDigests.map((d) => normaliseDigest(d.slice(d.indexOf('@') + 1))).filter((d): d is string => d !== null);
    const name = image.repoTags[0] ?? image.id ?? 'image';
    if (digests.length === 0) {
      undecided.push(finding(image.source, 'unknown', `${image.path}/RepoDigests`,
        `image ${name} has no RepoDigests (built locally or loaded, never pulled from a registry): cannot tell which signed digest it is`));
    } else {
      running.push({ digests, source: image.source, container: null, containers: [], location: `${image.path}/RepoDigests`, what: `image ${name}`, admitted: false });
    }
  }
  for (const c of evidence.containers) {
    if (!c.image) continue;
    const ref = parseImageRef(c.image.value);
    if (ref?.digest) {
      running.push({
        digests: [ref.digest], source: c.source, container: c.name, containers: [c], location: c.image.path,
        what: `${roleText(c)} image \`${repositoryOf(ref)}\``, admitted: admittedByPolicy(evidence, c),
      });
    } else if (!evidence.images.some((i) => sameImage(i, c.image?.value ?? ''))) {
      undecided.push(containerFinding(c, 'unknown', c.image.path,
        `${roleText(c)} image \`${c.image.value}\` carries no digest: cannot tell which digest runs, so no signature can be matched to it`));
    }
  }
  return { running, undecided };
}

function verifiedDigests(reports: readonly SignatureReport[]): Set<string> {
  const set = new Set<string>();
  for (const r of reports) for (const v of r.verified) {
    const d = normaliseDigest(v.digest);
    if (d) set.add(d);
  }
  return set;
}

/** The signature outputs themselves: nothing verified, or errors, fail. */
function checkReports(reports: readonly SignatureReport[]): Finding[] {
  return reports.flatMap((r) => {
    const out: Finding[] = [];
    if (r.verified.length === 0) {
      const why = r.errors.length > 0 ? `: ${r.errors.slice(0, 3).join('; ')}` : '';
      out.push(finding(r.source, 'fail', '', `the verification output holds no verified signature${why}`,
        { remediation: SIGN_AND_VERIFY }));
    } else if (r.errors.length > 0) {
      out.push(finding(r.source, 'fail', '', `the verification output reports errors: ${r.errors.slice(0, 3).join('; ')}`,
        { remediation: 'Find out why verification failed (wrong key or identity, an unsigned image among several) and verify again.' }));
    }
    return out;
  });
}

function checkDigests(evidence: Evidence): Finding[] {
  const reports = evidence.signatures;
  const verified = verifiedDigests(reports);
  const { running, undecided } = runningDigests(evidence);
  const findings: Finding[] = [...undecided];
  for (const r of running) {
    const covered = r.digests.filter((d) => verified.has(d));
    const shown = r.digests.join(', ');
    if (covered.length > 0) {
      findings.push(finding(r.source, 'pass', r.location, `${r.what} runs ${covered.join(', ')}, covered by a verified signature`,
        { container: r.container, covers: r.containers }));
    } else if (r.admitted) {
      findings.push(finding(r.source, 'unknown', r.location,
        `${r.what} runs ${shown}, which the verification output does not list; an enforcing admission policy verifies it instead`,
        { container: r.container }));
    } else {
      findings.push(finding(r.source, 'fail', r.location,
        `${r.what} runs ${shown}, which no verified signature in the snapshot covers`,
        { container: r.container, remediation: SIGN_AND_VERIFY }));
    }
  }
  const runningSet = new Set(running.flatMap((r) => r.digests));
  for (const report of reports) {
    for (const v of report.verified) {
      const d = normaliseDigest(v.digest);
      const name = v.reference ? `${v.reference}@${d ?? '?'}` : (d ?? 'an image');
      if (running.length === 0 && undecided.length === 0) {
        // No workload image in the snapshot to hold the signature against: the verification itself is the fact.
        findings.push(finding(report.source, 'pass', v.path, `verified signature for ${name}`));
      } else if (!d || !runningSet.has(d)) {
        findings.push(finding(report.source, 'unknown', v.path, `verified signature for ${name}, which no container or image of the snapshot runs`));
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------- admission policies

function policyName(p: ImagePolicy): string {
  return `${p.engine === 'kyverno' ? 'Kyverno policy' : 'ClusterImagePolicy'} ${p.name}`;
}

function covers(p: ImagePolicy, image: string): boolean {
  return p.imagePatterns.some((pattern) => policyPatternMatches(p.engine, pattern, image));
}

function admittedByPolicy(evidence: Evidence, c: Container): boolean {
  return c.runtime === 'kubernetes' && evidence.imagePolicies.some((p) => p.enforcing && covers(p, c.image?.value ?? ''));
}

function checkPolicies(evidence: Evidence): Finding[] {
  const policies = evidence.imagePolicies;
  if (policies.length === 0) return [];
  const pods = evidence.containers.filter((c) => c.runtime === 'kubernetes');
  if (pods.length === 0) {
    return policies.map((p) => finding(p.source, 'unknown', p.path,
      `${policyName(p)} verifies signatures of images matching ${p.imagePatterns.join(', ') || '(no pattern)'}, ` +
      'but the snapshot holds no pod to check it against'));
  }
  return pods.map((c) => {
    const image = c.image?.value ?? '';
    const at = c.image?.path ?? c.path;
    const matching = policies.filter((p) => covers(p, image));
    const enforcing = matching.filter((p) => p.enforcing);
    if (enforcing.length > 0) {
      return containerFinding(c, 'pass', at, `${roleText(c)} image \`${image}\` must carry a valid signature: ${enforcing.map(policyName).join(', ')} enforces it`);
    }
    if (matching.length > 0) {
      return containerFinding(c, 'unknown', at,
        `${roleText(c)} image \`${image}\` is checked by ${matching.map(policyName).join(', ')} in Audit mode only: an unsigned image is reported, not refused`);
    }
    const ref = parseImageRef(image);
    return containerFinding(c, 'fail', at,
      `${roleText(c)} image \`${image}\` matches no image-verification policy: it is admitted unsigned`,
      `Add its repository to a verifying policy, e.g. Kyverno \`verifyImages.imageReferences: ["${ref ? `${ref.registry}/${ref.repository}` : image}*"]\` ` +
      `with \`validationFailureAction: Enforce\`, or a ClusterImagePolicy \`glob: "${ref ? repositoryOf(ref) : image}**"\`.`);
  });
}

export const control: Control = {
  id: '3.7',
  levels: ['L3'],
  title: { en: 'Image signatures verified', de: 'Image-Signaturen überprüft' },
  text: {
    en: "Every image's signature is verified before it is used in production.",
    de: 'Stellen Sie sicher, dass die Signatur jedes Images vor der produktiven Verwendung überprüft wird.',
  },
  remediation:
    'Sign images in CI (cosign or notation) and verify before use: upload the `cosign verify --output json` output ' +
    'for the digests you deploy, or enforce verification at admission with a Kyverno `verifyImages` policy ' +
    '(`validationFailureAction: Enforce`) or a Sigstore `ClusterImagePolicy` covering every image of the workload.',
  rules: [
    '- **signature** (`cosign verify --output json`, both the classic and the `https://sigstore.dev/cosign/sign/v1` shape; ' +
      '`notation verify`): every digest the workload runs must be covered by a verified signature → pass; a running digest ' +
      'that no verified signature covers → fail. An output with no verified signature, or with errors, fails. With no ' +
      'workload image in the snapshot, the verified signatures themselves pass (they are what was checked).',
    '- **Which digests run**: image references with `@sha256:` (docker-inspect, kubernetes, compose) and the `RepoDigests` ' +
      'of image inspects (one image is covered when any of its repo digests is; a container whose tag matches an inspected ' +
      'image takes that image\'s digests). An image with no digest is noted as `unknown`: a signature covers a digest, so ' +
      'nobody can tell whether what runs is what was verified. A pod\'s digest missing from the verification output is ' +
      'only noted when an enforcing admission policy verifies that container: the policy decides it.',
    '- **kubernetes**: an image-verification admission policy (Kyverno `verifyImages` in Enforce mode, Sigstore ' +
      '`ClusterImagePolicy`) whose image patterns match a container\'s image (Kyverno: `*` spans `/`, Docker Hub as ' +
      '`docker.io/library/…`; Sigstore: `*` stops at `/`, `**` does not, Docker Hub as `index.docker.io/…`) → pass for ' +
      'that container; matched only by a Kyverno policy in Audit mode → `unknown` (it reports, it does not refuse); ' +
      'matched by none while policies exist → fail. Policies with no pod in the snapshot are noted only.',
    '- Nothing else speaks: Docker Content Trust is retired and is no evidence, and no other kind can show a verification.',
  ].join('\n'),
  decidedBy: ['signature', 'kubernetes'],
  evaluate(evidence: Evidence): Finding[] {
    const findings: Finding[] = [];
    if (evidence.signatures.length > 0) findings.push(...checkReports(evidence.signatures), ...checkDigests(evidence));
    findings.push(...checkPolicies(evidence));
    return findings;
  },
};
