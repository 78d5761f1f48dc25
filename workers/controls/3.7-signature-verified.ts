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
import { EMPTY, type Text, defineTexts, joinTexts, lit, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, roleText } from './control.ts';
import { normaliseDigest, parseImageRef, policyPatternMatches, repositoryOf } from './shared/images.ts';

const T = defineTexts('3.7', {
  signAndVerify: {
    en: 'Sign the image in CI (`cosign sign <image>@sha256:<digest>`) and verify it before deployment (`cosign verify --key … <image>@sha256:<digest> --output json`), uploading that output as a `signature` artifact.',
    de: 'Signieren Sie das Image in der CI (`cosign sign <image>@sha256:<digest>`) und prüfen Sie es vor dem Deployment (`cosign verify --key … <image>@sha256:<digest> --output json`); laden Sie diese Ausgabe als Artefakt `signature` hoch.',
  },
  imageNamed: { en: 'image {name}', de: 'Image {name}' },
  noRepoDigests: {
    en: 'image {name} has no RepoDigests (built locally or loaded, never pulled from a registry): cannot tell which signed digest it is',
    de: 'Image {name} hat keine RepoDigests (lokal gebaut oder geladen, nie aus einer Registry gezogen): welcher signierte Digest es ist, lässt sich nicht sagen',
  },
  containerImage: { en: '{role} image `{repository}`', de: '{role} mit Image `{repository}`' },
  noDigest: {
    en: '{role} image `{image}` carries no digest: cannot tell which digest runs, so no signature can be matched to it',
    de: '{role} mit Image `{image}` trägt keinen Digest: welcher Digest läuft, lässt sich nicht sagen, also passt keine Signatur dazu',
  },
  nothingVerified: {
    en: 'the verification output holds no verified signature{why}',
    de: 'die Ausgabe der Prüfung enthält keine geprüfte Signatur{why}',
  },
  why: { en: ': {errors}', de: ': „{errors}“' },
  errors: { en: 'the verification output reports errors: {errors}', de: 'die Ausgabe der Prüfung meldet Fehler: „{errors}“' },
  fixErrors: {
    en: 'Find out why verification failed (wrong key or identity, an unsigned image among several) and verify again.',
    de: 'Klären Sie, warum die Prüfung scheiterte (falscher Schlüssel oder falsche Identität, ein unsigniertes Image unter mehreren), und prüfen Sie erneut.',
  },
  covered: { en: '{what} runs {digests}, covered by a verified signature', de: '{what} läuft mit {digests}, abgedeckt durch eine geprüfte Signatur' },
  admitted: {
    en: '{what} runs {digests}, which the verification output does not list; an enforcing admission policy verifies it instead',
    de: '{what} läuft mit {digests}, den die Ausgabe der Prüfung nicht nennt; stattdessen prüft eine durchgesetzte Admission-Policy',
  },
  uncovered: {
    en: '{what} runs {digests}, which no verified signature in the snapshot covers',
    de: '{what} läuft mit {digests}, den keine geprüfte Signatur im Snapshot abdeckt',
  },
  anImage: { en: 'an image', de: 'ein Image' },
  verified: { en: 'verified signature for {name}', de: 'geprüfte Signatur für {name}' },
  verifiedUnused: {
    en: 'verified signature for {name}, which no container or image of the snapshot runs',
    de: 'geprüfte Signatur für {name}, das kein Container und kein Image des Snapshots ausführt',
  },
  kyverno: { en: 'Kyverno policy {name}', de: 'Kyverno-Policy {name}' },
  sigstore: { en: 'ClusterImagePolicy {name}', de: 'ClusterImagePolicy {name}' },
  noPattern: { en: '(no pattern)', de: '(kein Muster)' },
  noPod: {
    en: '{policy} verifies signatures of images matching {patterns}, but the snapshot holds no pod to check it against',
    de: '{policy} prüft Signaturen von Images, die auf {patterns} passen, aber der Snapshot enthält keinen Pod, an dem sich das prüfen ließe',
  },
  enforced: {
    en: '{role} image `{image}` must carry a valid signature: {policies} enforces it',
    de: '{role} mit Image `{image}` braucht eine gültige Signatur: {policies} setzt das durch',
  },
  audit: {
    en: '{role} image `{image}` is checked by {policies} in Audit mode only: an unsigned image is reported, not refused',
    de: '{role} mit Image `{image}` wird von {policies} nur im Audit-Modus geprüft: ein unsigniertes Image wird gemeldet, nicht abgewiesen',
  },
  noPolicy: {
    en: '{role} image `{image}` matches no image-verification policy: it is admitted unsigned',
    de: '{role} mit Image `{image}` passt auf keine Policy zur Image-Prüfung: es wird unsigniert zugelassen',
  },
  fixPolicy: {
    en: 'Add its repository to a verifying policy, e.g. Kyverno `verifyImages.imageReferences: ["{kyverno}*"]` with `validationFailureAction: Enforce`, or a ClusterImagePolicy `glob: "{glob}**"`.',
    de: 'Nehmen Sie sein Repository in eine prüfende Policy auf, z. B. Kyverno `verifyImages.imageReferences: ["{kyverno}*"]` mit `validationFailureAction: Enforce`, oder eine ClusterImagePolicy `glob: "{glob}**"`.',
  },
  remediation: {
    en: 'Sign images in CI (cosign or notation) and verify before use: upload the `cosign verify --output json` output for the digests you deploy, or enforce verification at admission with a Kyverno `verifyImages` policy (`validationFailureAction: Enforce`) or a Sigstore `ClusterImagePolicy` covering every image of the workload.',
    de: 'Signieren Sie Images in der CI (cosign oder notation) und prüfen Sie sie vor der Verwendung: laden Sie die Ausgabe von `cosign verify --output json` für die ausgerollten Digests hoch, oder erzwingen Sie die Prüfung bei der Zulassung mit einer Kyverno-Policy `verifyImages` (`validationFailureAction: Enforce`) oder einer Sigstore-`ClusterImagePolicy`, die jedes Image der Anwendung abdeckt.',
  },
});

/** A digest the workload runs, and where the snapshot says so. */
interface RunningDigest {
  digests: string[];
  source: Source;
  container: string | null;
  /** The containers that run it, which a verified signature shows compliant. */
  containers: Container[];
  location: string;
  what: Text;
  /** An enforcing admission policy verifies this container's image; that decides it. */
  admitted: boolean;
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
    const name = image.repoTags[0] ?? image.id ?? '';
    if (digests.length === 0) {
      undecided.push(finding(image.source, 'unknown', `${image.path}/RepoDigests`, tx(T.noRepoDigests, { name })));
    } else {
      running.push({ digests, source: image.source, container: null, containers: [], location: `${image.path}/RepoDigests`, what: tx(T.imageNamed, { name }), admitted: false });
    }
  }
  for (const c of evidence.containers) {
    if (!c.image) continue;
    const ref = parseImageRef(c.image.value);
    if (ref?.digest) {
      running.push({
        digests: [ref.digest], source: c.source, container: c.name, containers: [c], location: c.image.path,
        what: tx(T.containerImage, { role: roleText(c), repository: repositoryOf(ref) }), admitted: admittedByPolicy(evidence, c),
      });
    } else if (!evidence.images.some((i) => sameImage(i, c.image?.value ?? ''))) {
      undecided.push(containerFinding(c, 'unknown', c.image.path, tx(T.noDigest, { role: roleText(c), image: c.image.value })));
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
      const why = r.errors.length > 0 ? tx(T.why, { errors: r.errors.slice(0, 3).join('; ') }) : EMPTY;
      out.push(finding(r.source, 'fail', '', tx(T.nothingVerified, { why }), { remediation: T.signAndVerify }));
    } else if (r.errors.length > 0) {
      out.push(finding(r.source, 'fail', '', tx(T.errors, { errors: r.errors.slice(0, 3).join('; ') }), { remediation: T.fixErrors }));
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
      findings.push(finding(r.source, 'pass', r.location, tx(T.covered, { what: r.what, digests: covered.join(', ') }),
        { container: r.container, covers: r.containers }));
    } else if (r.admitted) {
      findings.push(finding(r.source, 'unknown', r.location, tx(T.admitted, { what: r.what, digests: shown }), { container: r.container }));
    } else {
      findings.push(finding(r.source, 'fail', r.location, tx(T.uncovered, { what: r.what, digests: shown }),
        { container: r.container, remediation: T.signAndVerify }));
    }
  }
  const runningSet = new Set(running.flatMap((r) => r.digests));
  for (const report of reports) {
    for (const v of report.verified) {
      const d = normaliseDigest(v.digest);
      const name: Text = v.reference ? lit(`${v.reference}@${d ?? '?'}`) : d ? lit(d) : T.anImage;
      if (running.length === 0 && undecided.length === 0) {
        // No workload image in the snapshot to hold the signature against: the verification itself is the fact.
        findings.push(finding(report.source, 'pass', v.path, tx(T.verified, { name })));
      } else if (!d || !runningSet.has(d)) {
        findings.push(finding(report.source, 'unknown', v.path, tx(T.verifiedUnused, { name })));
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------- admission policies

function policyName(p: ImagePolicy): Text {
  return tx(p.engine === 'kyverno' ? T.kyverno : T.sigstore, { name: p.name });
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
      tx(T.noPod, { policy: policyName(p), patterns: p.imagePatterns.length > 0 ? p.imagePatterns.join(', ') : T.noPattern })));
  }
  return pods.map((c) => {
    const image = c.image?.value ?? '';
    const at = c.image?.path ?? c.path;
    const role = roleText(c);
    const matching = policies.filter((p) => covers(p, image));
    const enforcing = matching.filter((p) => p.enforcing);
    if (enforcing.length > 0) {
      return containerFinding(c, 'pass', at, tx(T.enforced, { role, image, policies: joinTexts(enforcing.map(policyName)) }));
    }
    if (matching.length > 0) {
      return containerFinding(c, 'unknown', at, tx(T.audit, { role, image, policies: joinTexts(matching.map(policyName)) }));
    }
    const ref = parseImageRef(image);
    return containerFinding(c, 'fail', at, tx(T.noPolicy, { role, image }),
      tx(T.fixPolicy, { kyverno: ref ? `${ref.registry}/${ref.repository}` : image, glob: ref ? repositoryOf(ref) : image }));
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
  remediation: T.remediation,
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
