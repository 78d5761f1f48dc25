import type { Db } from '../db/client.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Signer } from '../workers/attest/keys.ts';

export const ROLES = ['ingest', 'viewer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Hands a stored, pending snapshot to whatever evaluates in the background. */
export interface EvaluationQueue {
  enqueue(snapshotId: string): Promise<void>;
}

/** Everything a request handler may use. Both runtimes build it and call `createApp(deps)`. */
export interface Deps {
  db: Db;
  config: Config;
  clock: () => Date;
  logger: Logger;
  queue: EvaluationQueue;
  /** Swagger UI's files for /docs (read from swagger-ui-dist on Node, static assets in the Worker). */
  docsAsset: (name: 'swagger-ui.css' | 'swagger-ui-bundle.js') => Promise<string | null>;
  /** Signs attestations (Ed25519); null when no key is configured (a Worker without CSVS_SIGNING_KEY). */
  signer: Signer | null;
}

/** Who is calling: an API key, or the bootstrap admin key from the environment. */
export interface Principal {
  keyId: string;
  role: Role;
  teamId: string | null;
  teamSlug: string | null;
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    principal: Principal;
  };
};
