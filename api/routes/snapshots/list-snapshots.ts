import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { dateTime, text } from '../../../services/schemas/fields.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv } from '../../env.ts';
import { DomainError } from '../../../services/errors.ts';
import { Environment, Snapshot, Workload } from '../../../services/schemas/snapshot.ts';
import { loadSnapshotViews } from '../../../services/snapshots.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';

const SnapshotSummary = Snapshot.omit({ controls: true })
  .extend({ controls: z.array(z.object({ id: z.string(), status: z.enum(['pass', 'fail', 'unknown', 'waived']) })) })
  .openapi('SnapshotSummary');

const route = createRoute({
  method: 'get',
  path: '/v1/teams/{team}/snapshots',
  middleware: [access({ team: 'read' })],
  summary: "The team's snapshots, newest first (controls without findings; read one for those)",
  tags: ['snapshots'],
  request: {
    params: TeamParam,
    query: z.object({
      workload: Workload.optional(),
      environment: Environment.optional(),
      from: dateTime().optional(),
      to: dateTime().optional(),
      cursor: text().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'One page',
      content: { 'application/json': { schema: z.object({ items: z.array(SnapshotSummary), nextCursor: z.string().nullable() }) } },
    },
    ...problems(400, 401, 403, 404),
  },
});

/** Opaque cursor: base64url of `observedAt|id` of the last item. */
function encodeCursor(observedAt: Date, id: string): string {
  return btoa(`${observedAt.toISOString()}|${id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeCursor(cursor: string): { observedAt: Date; id: string } {
  try {
    const [at, id] = atob(cursor.replace(/-/g, '+').replace(/_/g, '/')).split('|');
    const observedAt = new Date(at ?? '');
    if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(observedAt.getTime())) throw new Error('bad cursor');
    return { observedAt, id };
  } catch {
    throw new DomainError('the cursor is not valid', [{ path: 'cursor', message: 'use nextCursor from the previous page' }]);
  }
}

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { team: slug } = c.req.valid('param');
    const q = c.req.valid('query');
    const team = await authorizeTeam(c, slug, 'read');
    const { db, clock } = c.var.deps;
    const { rows, views } = await loadSnapshotViews(
      db,
      team,
      {
        workload: q.workload,
        environment: q.environment,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      },
      clock(),
    );
    const page = rows.slice(0, q.limit);
    const items = views.slice(0, q.limit).map((view) => ({ ...view, controls: view.controls.map((ctl) => ({ id: ctl.id, status: ctl.status })) }));
    const last = page[page.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor(last.observedAt, last.id) : null;
    return c.json({ items, nextCursor }, 200);
  });
}
