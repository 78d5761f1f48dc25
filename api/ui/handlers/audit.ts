/** The audit log page: the query GET /v1/audit-log uses, for auditors and admins only. */
import { listAuditEntries } from '../../../db/queries/audit-log.ts';
import { listTeams } from '../../../db/queries/teams.ts';
import { orgWideOnly } from '../access.ts';
import { type UiContext, viewOf } from '../middleware.ts';
import { AUDIT_ACTIONS, auditPage } from '../pages/audit.ts';

const PAGE = 50;

export async function audit(c: UiContext): Promise<Response> {
  orgWideOnly(c.var.principal);
  const db = c.var.deps.db;
  const teams = await listTeams(db);
  const actionParam = c.req.query('action') ?? '';
  const action = (AUDIT_ACTIONS as readonly string[]).includes(actionParam) ? actionParam : '';
  const team = teams.find((x) => x.slug === c.req.query('team'));
  const cursor = c.req.query('cursor');
  const rows = await listAuditEntries(db, {
    action: action || undefined,
    teamId: team?.id,
    beforeId: cursor && /^[1-9][0-9]{0,15}$/.test(cursor) ? Number(cursor) : undefined,
    limit: PAGE + 1,
  });
  const shown = rows.slice(0, PAGE);
  const last = shown[shown.length - 1];
  return c.html(
    auditPage(viewOf(c), {
      rows: shown,
      action,
      team: team?.slug ?? '',
      teams: teams.map((x) => ({ slug: x.slug, name: x.name })),
      next: rows.length > PAGE && last ? String(last.id) : null,
    }),
  );
}
