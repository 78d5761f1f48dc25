import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import * as createApiKey from './api-keys/create-api-key.ts';
import * as listApiKeys from './api-keys/list-api-keys.ts';
import * as revokeApiKey from './api-keys/revoke-api-key.ts';
import * as createSnapshot from './snapshots/create-snapshot.ts';
import * as getSnapshot from './snapshots/get-snapshot.ts';
import * as listSnapshots from './snapshots/list-snapshots.ts';
import * as docs from './system/docs.ts';
import * as health from './system/health.ts';
import * as createTeam from './teams/create-team.ts';
import * as listTeams from './teams/list-teams.ts';
import * as listWorkloads from './workloads/list-workloads.ts';
import * as createWaiver from './waivers/create-waiver.ts';
import * as listWaivers from './waivers/list-waivers.ts';
import * as revokeWaiver from './waivers/revoke-waiver.ts';
import * as getScorecard from './scorecards/get-scorecard.ts';
import * as listScorecards from './scorecards/list-scorecards.ts';
import * as getTrend from './trends/get-trend.ts';
import * as getTeamAttestation from './attestations/get-team-attestation.ts';
import * as getOrgAttestation from './attestations/get-org-attestation.ts';
import * as oscalDocuments from './attestations/oscal-documents.ts';
import * as jwks from './system/jwks.ts';
import * as listAuditLog from './audit/list-audit-log.ts';
import * as dashboard from '../ui/routes.ts';
import * as createWebhook from './webhooks/create-webhook.ts';
import * as listWebhooks from './webhooks/list-webhooks.ts';
import * as deleteWebhook from './webhooks/delete-webhook.ts';
import * as listWebhookDeliveries from './webhooks/list-deliveries.ts';

/** Every operation of the API, one module each. */
const ROUTES = [
  health,
  docs,
  createTeam,
  listTeams,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  createSnapshot,
  getSnapshot,
  listSnapshots,
  listWorkloads,
  createWaiver,
  listWaivers,
  revokeWaiver,
  getScorecard,
  listScorecards,
  getTrend,
  getTeamAttestation,
  getOrgAttestation,
  oscalDocuments,
  jwks,
  listAuditLog,
  dashboard,
  createWebhook,
  listWebhooks,
  deleteWebhook,
  listWebhookDeliveries,
];

export function registerRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const route of ROUTES) route.register(app);
}
