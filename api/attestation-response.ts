/**
 * An attestation export as an HTTP answer, for both the API's attestation routes and the
 * dashboard's download link (which is authorised by the session instead of a bearer key). The
 * export itself (plan, render, audit entry) is services/attestation.ts's exportAttestation.
 */
import type { Context } from 'hono';
import { HTML_CSP } from '../workers/attest/html.ts';
import { exportAttestation } from '../services/attestation.ts';
import type { AttestationQuery } from '../services/schemas/attestation.ts';
import type { AppEnv } from './env.ts';
import { problem } from './problem.ts';

export async function respondWithAttestation(
  c: Context<AppEnv>,
  scope: { type: 'team' | 'org'; teams: readonly { id: string; slug: string }[] },
  q: AttestationQuery,
): Promise<Response> {
  const { signer, logger } = c.var.deps;
  if (q.format === 'json' && !signer) {
    return problem(
      c,
      'unavailable',
      'signed attestations need a signing key: set the CSVS_SIGNING_KEY secret (a private Ed25519 JWK, see docs/attestations.md); the html, pdf, csv and oscal formats work without one',
    );
  }
  const { rendered, filename } = await exportAttestation(c.var.deps, c.var.principal.keyId, scope, q, new URL(c.req.url).origin);
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
