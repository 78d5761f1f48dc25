import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { text } from '../../../services/schemas/fields.ts';
import { recordAudit } from '../../../db/queries/audit.ts';
import { insertTeam } from '../../../db/queries/teams.ts';
import { access, requireRole } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { Conflict } from '../../../services/errors.ts';
import { problems } from '../responses.ts';
import { TeamSlug } from '../../../services/schemas/team.ts';
import { Team } from './schemas.ts';

const CreateTeam = z.object({ slug: TeamSlug, name: text().trim().min(1).max(200) }).openapi('CreateTeam');

const route = createRoute({
  method: 'post',
  path: '/v1/teams',
  middleware: [access({ roles: ['admin'] })],
  summary: 'Create a team (admin)',
  tags: ['setup'],
  request: { body: { required: true, content: { 'application/json': { schema: CreateTeam } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: Team } } },
    ...problems(400, 401, 403, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const p = c.var.principal;
    requireRole(p, 'admin');
    const body = c.req.valid('json');
    const team = await insertTeam(c.var.deps.db, body);
    if (!team) throw new Conflict(`team "${body.slug}" exists already`, [{ path: 'slug', message: 'taken' }]);
    await recordAudit(c.var.deps.db, { actor: p.keyId, action: 'team.create', teamId: team.id, target: team.slug });
    return c.json({ id: team.id, slug: team.slug, name: team.name, createdAt: team.createdAt.toISOString() }, 201);
  });
}
