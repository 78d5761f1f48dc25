import { z } from '@hono/zod-openapi';
import { LANGS } from '../../../workers/attest/labels.ts';
import { DomainError } from '../../../services/errors.ts';
import { Environment, Level } from '../../../services/schemas/snapshot.ts';
import { ATTESTATION_FORMATS } from '../../../services/attestation.ts';

export const AttestationQuery = z.object({
  level: Level.openapi({ description: 'The level attested: a workload meets it when each of its controls passes or is waived' }),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'The moment attested (default now, never in the future): latest snapshots and waivers in force as of then' }),
  format: z
    .enum(ATTESTATION_FORMATS)
    .default('json')
    .openapi({ description: 'json: a signed DSSE envelope (in-toto Statement v1); html / pdf: printable reports; csv: one row per workload × control; oscal: OSCAL 1.1.2 assessment-results' }),
  lang: z.enum(LANGS).default('en').openapi({ description: 'Language of html, pdf and csv titles; de uses the standard\'s German text' }),
  environment: Environment.optional().openapi({ description: 'Only this environment; all when absent' }),
});
export type AttestationQuery = z.infer<typeof AttestationQuery>;

export const DsseEnvelope = z
  .object({
    payloadType: z.literal('application/vnd.in-toto+json'),
    payload: z.string().openapi({ description: 'base64 of the in-toto Statement v1 (UTF-8 JSON)' }),
    signatures: z.array(
      z.object({
        keyid: z.string().openapi({ description: 'RFC 7638 thumbprint of a key in /.well-known/jwks.json' }),
        sig: z.string().openapi({ description: 'base64 Ed25519 signature over the DSSE pre-authentication encoding' }),
      }),
    ),
  })
  .openapi('DsseEnvelope');

export const OscalAssessmentResults = z
  .object({ 'assessment-results': z.record(z.string(), z.unknown()) })
  .openapi('OscalAssessmentResults', { description: 'An OSCAL 1.1.2 assessment-results document' });

export const ATTESTATION_RESPONSES = {
  200: {
    description: 'The attestation in the requested format (Cache-Control: no-store)',
    content: {
      'application/json': { schema: z.union([DsseEnvelope, OscalAssessmentResults]) },
      'text/html': { schema: z.string() },
      'application/pdf': { schema: z.string().openapi({ format: 'binary' }) },
      'text/csv': { schema: z.string() },
    },
  },
} as const;

/** The moment attested: `at` if given (never in the future), else now. */
export function attestationMoment(at: string | undefined, now: Date): Date {
  if (at === undefined) return now;
  const d = new Date(at);
  if (d > now) throw new DomainError('an attestation cannot look ahead', [{ path: 'at', message: `must not be after now (${now.toISOString()})` }]);
  return d;
}
