import type { ArtifactKind } from './evidence.ts';

export interface ArtifactInput {
  kind: ArtifactKind;
  /** A display name (`Dockerfile`, `k8s/deploy.yaml`); defaults to the kind. */
  name?: string | null;
  /** Text, or for JSON kinds the parsed JSON itself. */
  content: unknown;
}
