/**
 * The in-toto Statement v1 of a report, and its signed DSSE envelope. The predicate type is ours
 * (documented in docs/attestations.md); bump the version in it whenever a field changes meaning.
 */
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.ts';
import { sha256, toHex, utf8 } from './encoding.ts';
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

/**
 * One subject per workload: its name and the SHA-256 content hash of the snapshot judged. A scope
 * with no counted workload is the subject itself (in-toto requires at least one): see scopeSubject.
 */
export async function buildStatement(header: ReportHeader, workloads: readonly WorkloadReport[]): Promise<Statement> {
  const subject = workloads.map((w) => ({ name: w.subject, digest: { sha256: contentDigestHex(w.contentHash) } }));
  return {
    _type: STATEMENT_TYPE,
    subject: subject.length > 0 ? subject : [await scopeSubject(header)],
    predicateType: PREDICATE_TYPE,
    predicate: { ...header, workloads: workloads.map(withoutExcerpts) },
  };
}

/**
 * The statement attests verdicts; the source excerpts of findings are for people reading the HTML
 * and PDF reports, and would make an organisation-wide statement many times larger, so the signed
 * predicate leaves them out.
 */
function withoutExcerpts(w: WorkloadReport): WorkloadReport {
  if (!w.controls.some((c) => c.findings?.some((f) => f.excerpt))) return w;
  return {
    ...w,
    controls: w.controls.map((c) => (c.findings ? { ...c, findings: c.findings.map(({ excerpt: _excerpt, ...f }) => f) } : c)),
  };
}

/**
 * The subject standing for a scope without workloads: named `scope:org` or `scope:team/<slug>`
 * (with `@<environment>` when the attestation is about one), its digest the SHA-256 of
 * `<name>\n<level>\n<asOf>` in UTF-8, so a verifier can recompute it from the predicate.
 */
export async function scopeSubject(header: Pick<ReportHeader, 'scope' | 'level' | 'asOf' | 'environment'>): Promise<Statement['subject'][number]> {
  const scope = header.scope.type === 'org' ? 'org' : `team/${header.scope.teams[0] ?? ''}`;
  const name = `scope:${scope}${header.environment ? `@${header.environment}` : ''}`;
  return { name, digest: { sha256: toHex(await sha256(utf8(`${name}\n${header.level}\n${header.asOf}`))) } };
}

/** The statement serialised (compact JSON, UTF-8) and signed; what `format=json` answers. */
export async function signStatement(statement: Statement, signer: Signer): Promise<Envelope> {
  return signEnvelope(utf8(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, signer);
}
