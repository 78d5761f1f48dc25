/**
 * The in-toto Statement v1 of a report, and its signed DSSE envelope. The predicate type is ours
 * (documented in docs/attestations.md); bump the version in it whenever a field changes meaning.
 */
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.ts';
import { utf8 } from './encoding.ts';
import type { Signer } from './keys.ts';
import { contentDigestHex, type ReportHeader, type WorkloadReport } from './report.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://csvs.owasp.org/attestation/v1';

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: ReportHeader & { workloads: WorkloadReport[] };
}

/** One subject per workload: its name and the SHA-256 content hash of the snapshot judged. */
export function buildStatement(header: ReportHeader, workloads: readonly WorkloadReport[]): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: workloads.map((w) => ({ name: w.subject, digest: { sha256: contentDigestHex(w.contentHash) } })),
    predicateType: PREDICATE_TYPE,
    predicate: { ...header, workloads: [...workloads] },
  };
}

/** The statement serialised (compact JSON, UTF-8) and signed; what `format=json` answers. */
export async function signStatement(statement: Statement, signer: Signer): Promise<Envelope> {
  return signEnvelope(utf8(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, signer);
}
