import { z } from '@hono/zod-openapi';

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
