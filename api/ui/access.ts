/** Access to a team's pages, checked exactly as the API checks it, with errors a page can say. */
import { findTeamsByIds } from '../../db/queries/teams.ts';
import { authorizeTeam, requireOrgWide, type TeamAction } from '../auth.ts';
import type { Principal } from '../env.ts';
import type { TeamRef } from '../../services/deps.ts';
import { Forbidden, NotFound } from '../../services/errors.ts';
import { TEAM_SLUG } from '../../services/schemas/team.ts';
import { localized } from './errors.ts';
import type { UiContext } from './middleware.ts';

/** A team slug from the path, checked for the principal exactly as the API checks it. */
export async function teamOf(c: UiContext, action: TeamAction = 'read', slug = c.req.param('team') ?? ''): Promise<TeamRef & { name: string }> {
  if (!TEAM_SLUG.test(slug)) throw localized(new NotFound(`no team "${slug}"`), 'noTeam', { team: slug });
  try {
    const ref = await authorizeTeam(c, slug, action);
    // Pages show the team's display name; the API's check returns only id and slug.
    const [row] = await findTeamsByIds(c.var.deps.db, [ref.id]);
    return { ...ref, name: row?.name ?? ref.slug };
  } catch (e) {
    if (e instanceof NotFound) throw localized(e, 'noTeam', { team: slug });
    if (e instanceof Forbidden) throw localized(e, action === 'read' ? 'otherTeam' : 'mayNot');
    throw e;
  }
}


/** Auditors and admins only (the organisation, the audit log). */
export function orgWideOnly(p: Principal): void {
  try {
    requireOrgWide(p);
  } catch (e) {
    if (e instanceof Forbidden) throw localized(e, 'orgWideOnly');
    throw e;
  }
}
