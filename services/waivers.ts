import type { Db } from '../db/client.ts';
import { listWaivers } from '../db/queries/waivers.ts';
import type { TeamRef } from './deps.ts';
import { type Waiver, waiverView } from './schemas/waiver.ts';

/**
 * A team's waivers as the API and the dashboard show them, newest first, `active` as of `now`;
 * optionally only those in force now (`active: true`) or not, or of one control.
 */
export async function loadWaiverViews(
  db: Db,
  team: TeamRef,
  now: Date,
  filter: { active?: boolean | undefined; control?: string | undefined } = {},
): Promise<Waiver[]> {
  return (await listWaivers(db, team.id))
    .map((row) => waiverView(row, team.slug, now))
    .filter((w) => (filter.active === undefined || w.active === filter.active) && (filter.control === undefined || w.control === filter.control));
}
