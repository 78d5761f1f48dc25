import { recordAudit } from '../db/queries/audit.ts';
import { insertApiKey } from '../db/queries/api-keys.ts';
import { findTeamBySlug } from '../db/queries/teams.ts';
import type { Db } from '../db/client.ts';
import type { Role } from './deps.ts';
import { InvalidInput, NotFound } from './errors.ts';
import { generateApiKey } from './keys.ts';

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  role: Role;
  team: string | null;
  name: string;
}

const TEAM_ROLES: readonly Role[] = ['ingest', 'viewer'];

/** Creates a key (shared by the API and the `npm run keys` CLI). The key is returned once. */
export async function createApiKey(
  db: Db,
  request: { role: Role; team?: string | undefined; name: string },
  actor: string,
): Promise<CreatedKey> {
  const teamBound = TEAM_ROLES.includes(request.role);
  if (teamBound && !request.team) {
    throw new InvalidInput(`a ${request.role} key belongs to one team`, [{ path: 'team', message: 'required for this role' }]);
  }
  if (!teamBound && request.team) {
    throw new InvalidInput(`a ${request.role} key sees all teams`, [{ path: 'team', message: 'not allowed for this role' }]);
  }
  const team = request.team ? await findTeamBySlug(db, request.team) : null;
  if (request.team && !team) throw new NotFound(`no team "${request.team}"`, [{ path: 'team', message: 'unknown team' }]);
  const generated = await generateApiKey();
  const row = await insertApiKey(db, {
    prefix: generated.prefix,
    hash: generated.hash,
    role: request.role,
    teamId: team?.id ?? null,
    name: request.name,
    createdBy: actor,
  });
  await recordAudit(db, {
    actor,
    action: 'api-key.create',
    teamId: team?.id ?? null,
    target: row.id,
    details: { role: row.role, name: row.name, prefix: row.prefix },
  });
  return { id: row.id, key: generated.key, prefix: row.prefix, role: row.role, team: team?.slug ?? null, name: row.name };
}
