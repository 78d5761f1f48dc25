import type { ArtifactKind } from './evidence.ts';

export interface ArtifactInput {
  kind: ArtifactKind;
  /** A display name (`Dockerfile`, `k8s/deploy.yaml`); defaults to the kind. */
  name?: string | null;
  /** Text, or for JSON kinds the parsed JSON itself. */
  content: unknown;
}

/** Names that are unique within a snapshot, so findings point at one artifact. */
export function artifactNames(inputs: readonly ArtifactInput[]): string[] {
  const seen = new Map<string, number>();
  return inputs.map((a) => {
    const base = a.name?.trim() || (a.kind === 'dockerfile' ? 'Dockerfile' : a.kind);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}
