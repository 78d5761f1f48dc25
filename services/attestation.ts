/**
 * Attestations: for a team or the whole organisation, at a level, as of a moment, what each
 * workload's latest evaluated snapshot shows, in one of five formats. The verdicts are settled
 * first from the stored statuses (one small row per workload); the evidence (content hashes,
 * deciding findings) is then read in chunks, so CSV, HTML and OSCAL stream with bounded memory.
 * The signed JSON and the PDF need the whole document (a signature covers all of it; pdf-lib
 * builds in memory) and are linear in the workloads.
 */
import { decidingResults, snapshotHeads } from '../db/queries/attestations.ts';
import { recordAudit } from '../db/queries/audit.ts';
import type { Db } from '../db/client.ts';
import { statesAsOf } from '../db/queries/states.ts';
import { csvReport } from '../workers/attest/csv.ts';
import { sha256, toHex, utf8 } from '../workers/attest/encoding.ts';
import { htmlReport } from '../workers/attest/html.ts';
import type { Signer } from '../workers/attest/keys.ts';
import type { Lang } from '../workers/attest/labels.ts';
import { oscalAssessmentResults } from '../workers/attest/oscal.ts';
import { completeWorkload, planReport, type ReportPlan, type StateInput, type WorkloadReport } from '../workers/attest/report.ts';
import { buildStatement, signStatement } from '../workers/attest/statement.ts';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../workers/attest/dsse.ts';
import type { ReportFontSource } from '../workers/attest/fonts.ts';
import type { Level } from '../workers/model/result.ts';
import type { ServiceDeps } from './deps.ts';
import type { AttestationQuery } from './schemas/attestation.ts';
import { waiverRulesInForce } from './reports.ts';
import { isStale } from './scorecard.ts';
import { momentUpToNow } from './time.ts';

export const ATTESTATION_FORMATS = ['json', 'html', 'pdf', 'csv', 'oscal'] as const;
export type AttestationFormat = (typeof ATTESTATION_FORMATS)[number];

/** Workloads whose evidence is read per query: bounds both memory and the size of an IN list. */
export const EVIDENCE_CHUNK = 500;

export interface AttestationRequest {
  scope: { type: 'team' | 'org'; teams: readonly { id: string; slug: string }[] };
  level: Level;
  at: Date;
  environment?: string | undefined;
  staleAfterDays: number;
  now: Date;
}

/**
 * Every workload's verdict as of `at`: latest evaluated snapshot (statesAsOf), stale ones (no
 * snapshot within STALE_AFTER_DAYS before `at`, as the scorecard counts them) set apart, the
 * team's waivers in force at `at` applied.
 */
export async function planAttestation(db: Db, r: AttestationRequest): Promise<ReportPlan> {
  const teamIds = r.scope.teams.map((t) => t.id);
  const slugs = new Map(r.scope.teams.map((t) => [t.id, t.slug]));
  const [states, waivers] = await Promise.all([statesAsOf(db, teamIds, r.at, r.environment), waiverRulesInForce(db, teamIds, r.at)]);
  const fresh: StateInput[] = [];
  const stale: StateInput[] = [];
  for (const s of states) {
    const input = { ...s, team: slugs.get(s.teamId) ?? s.teamId };
    (isStale(s.observedAt, r.at, r.staleAfterDays) ? stale : fresh).push(input);
  }
  return planReport({
    scope: { type: r.scope.type, teams: r.scope.teams.map((t) => t.slug) },
    level: r.level,
    asOf: r.at,
    generatedAt: r.now,
    environment: r.environment ?? null,
    staleAfterDays: r.staleAfterDays,
    fresh,
    stale,
    waivers,
  });
}

/** The planned workloads with their evidence, EVIDENCE_CHUNK at a time, in the plan's order. */
export async function* workloadChunks(db: Db, plan: ReportPlan, size = EVIDENCE_CHUNK): AsyncGenerator<WorkloadReport[]> {
  for (let start = 0; start < plan.workloads.length; start += size) {
    const chunk = plan.workloads.slice(start, start + size);
    const ids = chunk.map((p) => p.snapshotId);
    const [heads, results] = await Promise.all([snapshotHeads(db, ids), decidingResults(db, ids)]);
    const headById = new Map(heads.map((h) => [h.id, h]));
    const resultsById = new Map<string, typeof results>();
    for (const r of results) {
      const list = resultsById.get(r.snapshotId);
      if (list) list.push(r);
      else resultsById.set(r.snapshotId, [r]);
    }
    yield chunk.map((p) =>
      completeWorkload(
        p,
        {
          contentHash: headById.get(p.snapshotId)?.contentHash ?? '',
          engineVersion: headById.get(p.snapshotId)?.engineVersion ?? null,
          results: resultsById.get(p.snapshotId) ?? [],
        },
        plan.header.levelControls,
      ),
    );
  }
}

async function allWorkloads(db: Db, plan: ReportPlan): Promise<WorkloadReport[]> {
  const out: WorkloadReport[] = [];
  for await (const chunk of workloadChunks(db, plan)) out.push(...chunk);
  return out;
}

export interface RenderedAttestation {
  contentType: string;
  /** Whole documents as bytes; streamed formats as text pieces. */
  body: Uint8Array | AsyncIterable<string>;
  /** SHA-256 (hex) of the whole body, where it is known before sending (json, pdf). */
  sha256?: string;
  /** For json (and pdf, which carries the signed statement): the key that signed it. */
  keyid?: string;
  /** For pdf: the SHA-256 (hex) of the signed statement it quotes and carries. */
  statementSha256?: string;
  extension: string;
}

export interface RenderOptions {
  format: AttestationFormat;
  lang: Lang;
  /** The service's own origin, so OSCAL references resolve. */
  baseUrl: string;
  /** Required for json; the caller answers "not configured" before asking without one. For pdf, it signs the statement the report quotes and carries. */
  signer: Signer | null;
  /** The fonts the PDF embeds (needed for pdf only). */
  fonts?: ReportFontSource | null;
}

/** Renders a planned attestation in the requested format. */
export async function renderAttestation(db: Db, plan: ReportPlan, o: RenderOptions): Promise<RenderedAttestation> {
  switch (o.format) {
    case 'json': {
      if (!o.signer) throw new Error('renderAttestation: json needs a signer');
      const envelope = await signStatement(await buildStatement(plan.header, await allWorkloads(db, plan)), o.signer);
      const bytes = utf8(`${JSON.stringify(envelope)}\n`);
      return { contentType: 'application/json', body: bytes, sha256: toHex(await sha256(bytes)), keyid: o.signer.keyid, extension: 'dsse.json' };
    }
    case 'pdf': {
      // Loaded on demand: pdf-lib is the largest dependency and only this format needs it.
      const { renderPdf } = await import('../workers/attest/pdf.ts');
      if (!o.fonts) throw new Error('renderAttestation: pdf needs the report fonts');
      const workloads = await allWorkloads(db, plan);
      // The statement the signed JSON would hold for the same plan: the report names its key and
      // digest, and carries the envelope, so the paper and the signature can be matched.
      let signature = null;
      if (o.signer) {
        const payload = utf8(JSON.stringify(await buildStatement(plan.header, workloads)));
        const envelope = await signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, o.signer);
        signature = {
          keyid: o.signer.keyid,
          statementSha256: toHex(await sha256(payload)),
          envelope: utf8(`${JSON.stringify(envelope)}\n`),
          filename: attestationFilename(plan, 'dsse.json'),
        };
      }
      const bytes = await renderPdf(plan.header, plan.workloads, workloads, o.lang, { fonts: await o.fonts(), signature });
      return {
        contentType: 'application/pdf',
        body: bytes,
        sha256: toHex(await sha256(bytes)),
        ...(signature ? { keyid: signature.keyid, statementSha256: signature.statementSha256 } : {}),
        extension: 'pdf',
      };
    }
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8', body: csvReport(plan.header, workloadChunks(db, plan), o.lang), extension: 'csv' };
    case 'html':
      return {
        contentType: 'text/html; charset=utf-8',
        body: htmlReport(plan.header, plan.workloads, workloadChunks(db, plan), o.lang),
        extension: 'html',
      };
    case 'oscal':
      return {
        contentType: 'application/json',
        body: oscalAssessmentResults(plan.header, plan.workloads, workloadChunks(db, plan), { baseUrl: o.baseUrl }),
        extension: 'oscal-ar.json',
      };
  }
}

/** `csvs-attestation-payments-L2-20261128T100000Z.pdf` */
export function attestationFilename(plan: ReportPlan, extension: string): string {
  const scope = plan.header.scope.type === 'team' ? (plan.header.scope.teams[0] ?? 'team') : 'org';
  const at = plan.header.asOf.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `csvs-attestation-${scope}-${plan.header.level}-${at}.${extension}`;
}

export interface AttestationExport {
  plan: ReportPlan;
  rendered: RenderedAttestation;
  filename: string;
}

/**
 * One export, as both the API and the dashboard hand it out: planned as of `q.at` (never in the
 * future), rendered, and written to the audit log. Whole documents (json, pdf) are audited with
 * their SHA-256; streamed ones (csv, html, oscal) before their first byte is read. A json export
 * needs `deps.signer`: the caller answers "not configured" before asking without one.
 */
export async function exportAttestation(
  deps: Pick<ServiceDeps, 'db' | 'clock' | 'config' | 'signer' | 'reportFonts'>,
  actor: string,
  scope: AttestationRequest['scope'],
  q: AttestationQuery,
  baseUrl: string,
): Promise<AttestationExport> {
  const { db, clock, config, signer, reportFonts } = deps;
  const now = clock();
  const at = momentUpToNow(q.at, now, 'an attestation');
  const plan = await planAttestation(db, {
    scope,
    level: q.level,
    at,
    environment: q.environment,
    staleAfterDays: config.STALE_AFTER_DAYS,
    now,
  });
  const rendered = await renderAttestation(db, plan, { format: q.format, lang: q.lang, baseUrl, signer, fonts: reportFonts });
  await recordAudit(db, {
    actor,
    action: 'attestation.export',
    teamId: scope.type === 'team' ? (scope.teams[0]?.id ?? null) : null,
    target: scope.type === 'team' ? (scope.teams[0]?.slug ?? null) : 'org',
    details: {
      scope: scope.type,
      format: q.format,
      level: q.level,
      at: plan.header.asOf,
      environment: q.environment ?? null,
      lang: q.lang,
      compliant: plan.header.verdict.compliant,
      total: plan.header.verdict.total,
      stale: plan.header.stale.workloads.length,
      ...(rendered.sha256 ? { sha256: rendered.sha256 } : {}),
      ...(rendered.keyid ? { keyid: rendered.keyid } : {}),
      ...(rendered.statementSha256 ? { statementSha256: rendered.statementSha256 } : {}),
    },
  });
  return { plan, rendered, filename: attestationFilename(plan, rendered.extension) };
}
