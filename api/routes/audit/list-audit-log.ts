import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ORG_WIDE_ROLES } from '../../../services/visibility.ts';
import { dateTime, text } from '../../../services/schemas/fields.ts';
import { listAuditEntries } from '../../../db/queries/audit-log.ts';
import { findTeamBySlug } from '../../../db/queries/teams.ts';
import { access, requireOrgWide } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { DomainError, NotFound } from '../../../services/errors.ts';
import { problems } from '../responses.ts';
import { TeamSlug } from '../../../services/schemas/team.ts';

const AuditEntry = z
  .object({
    id: z.string().openapi({ description: 'Increasing with time' }),
    at: z.string(),
    actor: z.object({
      keyId: z.string().openapi({ description: 'The API key that acted (`admin-env` for CSVS_ADMIN_KEY)' }),
      name: z.string().nullable(),
      role: z.string().nullable(),
    }),
    action: z.string().openapi({ example: 'attestation.export' }),
    team: z.string().nullable(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEntry');

const route = createRoute({
  method: 'get',
  path: '/v1/audit-log',
  middleware: [access({ roles: ORG_WIDE_ROLES })],
  summary: 'The audit log, newest first (auditor or admin)',
  description:
    'Administrative actions and every export: `team.create`, `api-key.create`, `api-key.revoke`, `waiver.create`, ' +
    '`waiver.revoke`, `attestation.export` (details: scope, format, level, at, environment, verdict, and for json/pdf ' +
    'the SHA-256 of what was handed out). Filters combine; page with `cursor` = the previous `nextCursor`.',
  tags: ['audit'],
  request: {
    query: z.object({
      actor: text().max(100).optional().openapi({ description: 'An API key id (or `admin-env`)' }),
      action: text().max(100).optional().openapi({ example: 'attestation.export' }),
      team: TeamSlug.optional(),
      from: dateTime().optional(),
      to: dateTime().optional(),
      cursor: text().max(20).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: 'One page',
      content: { 'application/json': { schema: z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }) } },
    },
    ...problems(400, 401, 403, 404),
  },
});

function decodeCursor(cursor: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw new DomainError('the cursor is not valid', [{ path: 'cursor', message: 'use nextCursor from the previous page' }]);
  return Number(cursor);
}

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireOrgWide(c.var.principal);
    const q = c.req.valid('query');
    const { db } = c.var.deps;
    let teamId: string | undefined;
    if (q.team) {
      const team = await findTeamBySlug(db, q.team);
      if (!team) throw new NotFound(`no team "${q.team}"`, [{ path: 'team', message: 'unknown team' }]);
      teamId = team.id;
    }
    const rows = await listAuditEntries(db, {
      actor: q.actor,
      action: q.action,
      teamId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return c.json(
      {
        items: page.map((r) => ({
          id: String(r.id),
          at: r.at.toISOString(),
          actor: { keyId: r.actor, name: r.actorName, role: r.actorRole },
          action: r.action,
          team: r.teamSlug,
          target: r.target,
          details: r.details && typeof r.details === 'object' ? (r.details as Record<string, unknown>) : null,
        })),
        nextCursor: rows.length > q.limit && last ? String(last.id) : null,
      },
      200,
    );
  });
}
