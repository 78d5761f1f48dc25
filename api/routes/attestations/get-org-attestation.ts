import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { ORG_WIDE_ROLES } from '../../../services/visibility.ts';
import { listTeams } from '../../../db/queries/teams.ts';
import { access, requireOrgWide } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { respondWithAttestation } from '../../attestation-response.ts';
import { AttestationQuery } from '../../../services/schemas/attestation.ts';
import { ATTESTATION_RESPONSES } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/attestations',
  middleware: [access({ roles: ORG_WIDE_ROLES })],
  summary: 'Attest every team of the organisation at a level as of a moment (auditor or admin)',
  description:
    'The same document as the team attestation, over all teams: one subject per workload (`team/workload@environment`). ' +
    'CSV, HTML and OSCAL stream, so large organisations stay within bounded memory. Every export is written to the audit log.',
  tags: ['attestations'],
  request: { query: AttestationQuery },
  responses: { ...ATTESTATION_RESPONSES, ...problems(400, 401, 403), 503: { description: 'No signing key is configured (format=json only)' } },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireOrgWide(c.var.principal);
    const teams = await listTeams(c.var.deps.db);
    return (await respondWithAttestation(c, { type: 'org', teams }, c.req.valid('query'))) as never;
  });
}
