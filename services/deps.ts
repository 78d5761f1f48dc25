import type { RedactionMemo } from './redaction-memo.ts';
import type { Db } from '../db/client.ts';
import type { TeamRow } from '../db/queries/teams.ts';
import type { ReportFontSource } from '../workers/attest/fonts.ts';
import type { Signer } from '../workers/attest/keys.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export const ROLES = ['ingest', 'viewer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: an API key, or the bootstrap admin key from the environment. */
export interface Principal {
  keyId: string;
  role: Role;
  teamId: string | null;
  teamSlug: string | null;
}

/** The team a request acts on. */
export type TeamRef = Pick<TeamRow, 'id' | 'slug'>;

/** Hands a stored, pending snapshot to whatever evaluates in the background. */
export interface EvaluationQueue {
  enqueue(snapshotId: string): Promise<void>;
}

/**
 * What the domain services use. The API's `Deps` extends it; jobs and the CLI build it alone,
 * so nothing below the API needs to know about HTTP.
 */
export interface ServiceDeps {
  db: Db;
  config: Config;
  clock: () => Date;
  logger: Logger;
  queue: EvaluationQueue;
  /** Signs attestations (Ed25519); null when no key is configured (a Worker without CSVS_SIGNING_KEY). */
  signer: Signer | null;
  /** The fonts PDF reports embed (workers/attest/fonts.ts), read the runtime's way. */
  reportFonts: ReportFontSource;
  /** Redaction results for texts seen before (a long-lived process's); none: every upload is redacted afresh. */
  redactionMemo?: RedactionMemo;
}
