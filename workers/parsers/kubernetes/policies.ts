import type { ImagePolicy, Source } from '../../model/evidence.ts';
import { arr, bool, get, str, strArr, type JsonRecord } from '../util.ts';
import { at } from './paths.ts';

/**
 * Kyverno `verifyImages` rules, one policy entry per `verifyImages[]` item (each has its own
 * images and, since Kyverno 1.13, its own `failureAction`). The deprecated policy-wide
 * `validationFailureAction` is the fallback, and Kyverno's default is Audit, which admits
 * unsigned images. A policy with `admission: false` only runs in background scans, so it
 * blocks nothing either.
 */
export function kyvernoPolicies(obj: JsonRecord, prefix: string, source: Source, name: string): ImagePolicy[] {
  const spec = get(obj, 'spec');
  const policyAction = str(get(spec, 'validationFailureAction'));
  const atAdmission = bool(get(spec, 'admission')) !== false;
  const out: ImagePolicy[] = [];
  arr(get(spec, 'rules')).forEach((rule, r) => {
    arr(get(rule, 'verifyImages')).forEach((entry, v) => {
      const references = strArr(get(entry, 'imageReferences'));
      // Before Kyverno 1.7 a rule named one pattern in `image`.
      const legacy = str(get(entry, 'image'));
      const imagePatterns = references.length > 0 ? references : legacy !== null ? [legacy] : [];
      const action = str(get(entry, 'failureAction')) ?? policyAction ?? 'Audit';
      out.push({
        source,
        engine: 'kyverno',
        name,
        path: at(prefix, 'spec', 'rules', r, 'verifyImages', v),
        imagePatterns,
        // Kyverno has accepted the lower-case spellings (`enforce`) since its first releases.
        enforcing: atAdmission && action.trim().toLowerCase() === 'enforce',
      });
    });
  });
  return out;
}

/**
 * A Sigstore policy-controller `ClusterImagePolicy`. It rejects images that fail it unless
 * `spec.mode: warn` turns failures into warnings.
 */
export function sigstorePolicy(obj: JsonRecord, prefix: string, source: Source, name: string): ImagePolicy {
  const spec = get(obj, 'spec');
  const imagePatterns = arr(get(spec, 'images'))
    .map((i) => str(get(i, 'glob')))
    .filter((g): g is string => g !== null);
  const mode = str(get(spec, 'mode'))?.trim().toLowerCase() ?? 'enforce';
  return {
    source,
    engine: 'sigstore',
    name,
    path: at(prefix, 'spec', 'images'),
    imagePatterns,
    enforcing: mode !== 'warn',
  };
}
