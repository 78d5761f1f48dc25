/**
 * Key management without the API, for bootstrapping and operators:
 *   npm run keys -- create --role ingest --team payments [--name gitlab-ci]
 *   npm run keys -- list
 *   npm run keys -- revoke <id>
 *   npm run keys -- create-team --slug payments --name Payments
 * Uses the same database settings as `npm start` (DATABASE_URL, else the embedded one in DATA_DIR).
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../services/config.ts';
import { ROLES, type Role } from '../api/env.ts';
import { DomainError } from '../services/errors.ts';
import { openConfiguredDatabase } from '../api/node-deps.ts';
import { createApiKey } from '../services/api-keys.ts';
import { listApiKeys, revokeApiKey } from '../db/queries/api-keys.ts';
import { recordAudit } from '../db/queries/audit.ts';
import { insertTeam } from '../db/queries/teams.ts';
import { DataDirInUse } from '../db/data-dir.ts';

const ACTOR = 'cli';
const USAGE = `usage: npm run keys -- <command>
  create --role ingest|viewer|auditor|admin [--team SLUG] [--name NAME]
  list
  revoke ID
  create-team --slug SLUG --name NAME`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, team: { type: 'string' }, name: { type: 'string' }, slug: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const database = await openConfiguredDatabase(parseConfig(process.env));
  try {
    const db = database.db;
    switch (command) {
      case 'create': {
        const role = values.role as Role | undefined;
        if (!role || !ROLES.includes(role)) throw new DomainError(`--role must be one of ${ROLES.join(', ')}`);
        const created = await createApiKey(db, { role, team: values.team, name: values.name ?? `${role} key` }, ACTOR);
        console.log(JSON.stringify(created, null, 2));
        console.error('The key is shown only this once; store it now.');
        return 0;
      }
      case 'list':
        for (const k of await listApiKeys(db)) {
          console.log([k.id, k.prefix, k.role, k.teamSlug ?? '-', k.name, k.revokedAt ? 'revoked' : 'active'].join('\t'));
        }
        return 0;
      case 'revoke': {
        if (!arg) throw new DomainError('revoke needs the key id');
        if (!(await revokeApiKey(db, arg, new Date()))) throw new DomainError(`no active key ${arg}`);
        await recordAudit(db, { actor: ACTOR, action: 'api-key.revoke', target: arg });
        console.log(`revoked ${arg}`);
        return 0;
      }
      case 'create-team': {
        if (!values.slug || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.slug)) throw new DomainError('--slug must match ^[a-z0-9][a-z0-9-]{0,62}$');
        const team = await insertTeam(db, { slug: values.slug, name: values.name ?? values.slug });
        if (!team) throw new DomainError(`team ${values.slug} exists already`);
        await recordAudit(db, { actor: ACTOR, action: 'team.create', teamId: team.id, target: team.slug });
        console.log(JSON.stringify({ id: team.id, slug: team.slug, name: team.name }));
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof DomainError || e instanceof DataDirInUse ? `error: ${e.message}` : e);
    process.exit(e instanceof DomainError || e instanceof DataDirInUse ? 2 : 1);
  },
);
