import { type Db, withTransaction } from '../db/client.ts';
import { recordAudit } from '../db/queries/audit.ts';
import { findTeamsByIds } from '../db/queries/teams.ts';
import { findWaiver, insertWaiver, listWaivers, revokeWaiver, type WaiverRow } from '../db/queries/waivers.ts';
import type { ServiceDeps, TeamRef } from './deps.ts';
import { Conflict, DomainError, NotFound } from './errors.ts';
import { type Waiver, waiverView } from './schemas/waiver.ts';
import { DAY_MS } from './time.ts';

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

/** The terms of a new waiver, as the API's CreateWaiver validates them. */
export interface WaiverInput {
  control: string;
  workloads: string;
  environment?: string | undefined;
  justification: string;
  expiresAt: string;
}

/**
 * Grants a waiver for `team`, approved by `actor` (an API key id): expiresAt must lie in the
 * future and at most WAIVER_MAX_DAYS ahead. Writes `waiver.create` to the audit log (with
 * `replaces` when it supersedes another). The API and the dashboard both grant through here.
 */
export async function grantWaiver(
  deps: Pick<ServiceDeps, 'db' | 'clock' | 'config'>,
  actor: string,
  team: TeamRef,
  input: WaiverInput,
  o: { replaces?: string } = {},
): Promise<Waiver> {
  const { db, clock, config } = deps;
  const now = clock();
  const expiresAt = new Date(input.expiresAt);
  const latest = new Date(now.getTime() + config.WAIVER_MAX_DAYS * DAY_MS);
  if (Number.isNaN(expiresAt.getTime()) || expiresAt <= now) {
    throw new DomainError('the waiver would never be in force', [{ path: 'expiresAt', message: `must be in the future (now is ${now.toISOString()})` }]);
  }
  if (expiresAt > latest) {
    throw new DomainError('the waiver runs too long', [{ path: 'expiresAt', message: `at most ${config.WAIVER_MAX_DAYS} days ahead (${latest.toISOString()})` }]);
  }
  const row = await insertWaiver(db, {
    teamId: team.id,
    controlId: input.control,
    workloads: input.workloads,
    environment: input.environment ?? null,
    justification: input.justification,
    approvedBy: actor,
    // The service's clock, not the database's: "in force at" comparisons use the same clock.
    createdAt: now,
    expiresAt,
  });
  await recordAudit(db, {
    actor,
    action: 'waiver.create',
    teamId: team.id,
    target: row.id,
    details: {
      control: row.controlId,
      workloads: row.workloads,
      environment: row.environment,
      expiresAt: row.expiresAt.toISOString(),
      ...(o.replaces ? { replaces: o.replaces } : {}),
    },
  });
  return waiverView(row, team.slug, now);
}

/** A stored waiver and its team, or NotFound. */
export async function findWaiverWithTeam(db: Db, id: string): Promise<{ row: WaiverRow; team: TeamRef }> {
  const row = await findWaiver(db, id);
  const team = row ? (await findTeamsByIds(db, [row.teamId]))[0] : undefined;
  if (!row || !team) throw new NotFound(`no waiver ${id}`);
  return { row, team: { id: team.id, slug: team.slug } };
}

/**
 * Revokes a waiver (the caller has checked the actor may waive for its team): it stops counting at
 * once and stays on record. Conflict when it was already revoked. Writes `waiver.revoke`.
 */
export async function revokeWaiverAs(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  actor: string,
  found: { row: WaiverRow; team: TeamRef },
  o: { replacedBy?: string } = {},
): Promise<Waiver> {
  const { db, clock } = deps;
  const now = clock();
  const { row, team } = found;
  if (!(await revokeWaiver(db, row.id, actor, now))) throw new Conflict(`waiver ${row.id} was already revoked`);
  await recordAudit(db, {
    actor,
    action: 'waiver.revoke',
    teamId: team.id,
    target: row.id,
    details: { control: row.controlId, workloads: row.workloads, ...(o.replacedBy ? { replacedBy: o.replacedBy } : {}) },
  });
  return waiverView({ ...row, revokedAt: now, revokedBy: actor }, team.slug, now);
}

/**
 * Changes a waiver's terms by superseding it: the old one is revoked and a new one granted, in one
 * transaction, so what was in force at any past moment stays on record exactly (an attestation of
 * last week still shows last week's terms). Both steps are audited and point at each other.
 */
export async function replaceWaiver(
  deps: Pick<ServiceDeps, 'db' | 'clock' | 'config'>,
  actor: string,
  found: { row: WaiverRow; team: TeamRef },
  input: WaiverInput,
): Promise<Waiver> {
  return withTransaction(deps.db, async (tx) => {
    const d = { ...deps, db: tx };
    if (found.row.revokedAt) throw new Conflict(`waiver ${found.row.id} was already revoked`);
    const granted = await grantWaiver(d, actor, found.team, input, { replaces: found.row.id });
    await revokeWaiverAs(d, actor, found, { replacedBy: granted.id });
    return granted;
  });
}
