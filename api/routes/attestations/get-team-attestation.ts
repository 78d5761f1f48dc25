import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { respondWithAttestation } from '../../attestation-response.ts';
import { AttestationQuery } from '../../../services/schemas/attestation.ts';
import { ATTESTATION_RESPONSES } from './schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/attestations',
  middleware: [access({ team: 'export' })],
  summary: "Attest the team's workloads at a level as of a moment: signed JSON (DSSE / in-toto), HTML, PDF, CSV or OSCAL",
  description:
    'Viewers of the team, auditors and admins. Each workload counts by its latest evaluated snapshot as of `at`; ' +
    'workloads without a snapshot for STALE_AFTER_DAYS are listed as stale and left out of the verdict. Waivers in ' +
    'force at `at` turn a `fail` into `waived`. `format=json` is a DSSE envelope signed with Ed25519 (keys at ' +
    '/.well-known/jwks.json); without a configured key it answers 503. Every export is written to the audit log.',
  tags: ['attestations'],
  request: { params: TeamParam, query: AttestationQuery },
  responses: { ...ATTESTATION_RESPONSES, ...problems(400, 401, 403, 404), 503: { description: 'No signing key is configured (format=json only)' } },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const team = await authorizeTeam(c, c.req.valid('param').team, 'export');
    return (await respondWithAttestation(c, { type: 'team', teams: [team] }, c.req.valid('query'))) as never;
  });
}
