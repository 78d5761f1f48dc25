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
  // EXPORT_CONCURRENCY exports are worked on at once: a whole document (json, pdf) holds its
  // permit while it is made; a streamed one (csv, html, oscal) takes one for each piece it makes
  // and gives it back while that piece is sent, so a client reading slowly holds up nobody.
  const permits = c.var.deps.exports;
  const release = await permits.acquire();
  let exported: Awaited<ReturnType<typeof exportAttestation>>;
  try {
    exported = await exportAttestation(c.var.deps, c.var.principal.keyId, scope, q, new URL(c.req.url).origin);
  } finally {
    release();
  }
  const { rendered, filename } = exported;
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
  const onError = (e: unknown) => logger.error('attestation stream failed', { requestId: c.var.requestId, error: String(e) });
  return c.body(textStream(rendered.body, onError, () => permits.acquire({ refuse: false })), 200, headers);
}

/**
 * Text pieces as a byte stream, pulled only as fast as the client reads; each piece is made
 * holding a permit from `permit` (given back before the piece is sent).
 */
function textStream(pieces: AsyncIterable<string>, onError: (e: unknown) => void, permit: () => Promise<() => void>): ReadableStream<Uint8Array> {
  const it = pieces[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const release = await permit();
        let next: IteratorResult<string>;
        try {
          next = await it.next();
        } finally {
          release();
        }
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
