/**
 * What both attestation routes do once they know the scope: plan, render, write the audit entry,
 * answer. Whole documents (json, pdf) are audited with their SHA-256 after rendering; streamed
 * ones (csv, html, oscal) before the first byte leaves.
 */
import type { Context } from 'hono';
import { recordAudit } from '../../../db/queries/audit.ts';
import { HTML_CSP } from '../../../workers/attest/html.ts';
import type { AppEnv } from '../../env.ts';
import { problem } from '../../problem.ts';
import { attestationFilename, planAttestation, renderAttestation } from '../../../services/attestation.ts';
import { type AttestationQuery, attestationMoment } from './schemas.ts';

export async function respondWithAttestation(
  c: Context<AppEnv>,
  scope: { type: 'team' | 'org'; teams: readonly { id: string; slug: string }[] },
  q: AttestationQuery,
): Promise<Response> {
  const { db, clock, config, signer, logger } = c.var.deps;
  if (q.format === 'json' && !signer) {
    return problem(
      c,
      'unavailable',
      'signed attestations need a signing key: set the CSVS_SIGNING_KEY secret (a private Ed25519 JWK, see docs/attestations.md); the html, pdf, csv and oscal formats work without one',
    );
  }
  const now = clock();
  const at = attestationMoment(q.at, now);
  const plan = await planAttestation(db, {
    scope,
    level: q.level,
    at,
    environment: q.environment,
    staleAfterDays: config.STALE_AFTER_DAYS,
    now,
  });
  const rendered = await renderAttestation(db, plan, { format: q.format, lang: q.lang, baseUrl: new URL(c.req.url).origin, signer });
  await recordAudit(db, {
    actor: c.var.principal.keyId,
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
    },
  });

  const filename = attestationFilename(plan, rendered.extension);
  const headers: Record<string, string> = {
    'content-type': rendered.contentType,
    'cache-control': 'no-store',
    'content-disposition': `${q.format === 'html' ? 'inline' : 'attachment'}; filename="${filename}"`,
    'x-content-type-options': 'nosniff',
  };
  if (q.format === 'html') headers['content-security-policy'] = HTML_CSP;
  if (rendered.body instanceof Uint8Array) {
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, headers);
  }
  return c.body(textStream(rendered.body, (e) => logger.error('attestation stream failed', { requestId: c.var.requestId, error: String(e) })), 200, headers);
}

/** Text pieces as a byte stream, pulled only as fast as the client reads. */
function textStream(pieces: AsyncIterable<string>, onError: (e: unknown) => void): ReadableStream<Uint8Array> {
  const it = pieces[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await it.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        onError(e);
        controller.error(e);
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
}
