/**
 * Path scheme for Kubernetes artifacts (what findings show as a location):
 *
 * - paths are YAML paths relative to the document: `spec.template.spec.containers[1].securityContext`;
 * - when the artifact holds several documents, the document's index comes first: `[2].spec.template…`.
 *   The index counts non-empty documents only (an empty `---` section, as `helm template` leaves
 *   behind, is not a document);
 * - items of a `kind: List` continue the path of the list: `items[3].spec…`, `[1].items[0].spec…`;
 * - map keys that are not plain identifiers are quoted: `metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]`.
 */

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** The path of `key` below `base`, quoting keys with dots, slashes and the like. */
export function child(base: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** The path of a nested field, e.g. `at(c, 'securityContext', 'capabilities', 'add', 0)`. */
export function at(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const s of segments) out = typeof s === 'number' ? `${out}[${s}]` : child(out, s);
  return out;
}
