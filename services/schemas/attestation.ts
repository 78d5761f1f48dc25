import { z } from '@hono/zod-openapi';
import { dateTime } from './fields.ts';
import { LANGS } from '../../workers/attest/labels.ts';
import { ATTESTATION_FORMATS } from '../attestation.ts';
import { Environment, Level } from './snapshot.ts';

/** What an attestation export asks for: the API's query, and the dashboard's download link. */
export const AttestationQuery = z.object({
  level: Level.openapi({ description: 'The level attested: a workload meets it when each of its controls passes or is waived' }),
  at: dateTime()
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
