/**
 * Attestations in the browser. The preview is the attestation service's own plan; the downloads
 * are answered by the very function behind GET /v1/…/attestations (same document, same audit
 * entry), authorised by the session instead of a bearer key — a link cannot carry a header.
 */
import { listTeams } from '../../../db/queries/teams.ts';
import { storableMoment } from '../../../services/schemas/fields.ts';
import { LEVELS, type Level } from '../../../workers/model/result.ts';
import { orgWideOnly, teamOf } from '../access.ts';
import { localized } from '../errors.ts';
import { DomainError } from '../../../services/errors.ts';
import { respondWithAttestation } from '../../attestation-response.ts';
import { AttestationQuery } from '../../../services/schemas/attestation.ts';
import { planAttestation } from '../../../services/attestation.ts';
import { isOrgWide, visibleTeams } from '../../../services/visibility.ts';
import { t } from '../i18n.ts';
import { type UiContext, viewOf } from '../middleware.ts';
import { type AttestationChoice, attestationPage as render, DOWNLOAD_FORMATS } from '../pages/attestation.ts';

const ORG = 'org';
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

type Scope = { type: 'team' | 'org'; teams: { id: string; slug: string }[] };

/** The teams a scope covers, checked as the API checks it: the org needs auditor or admin. */
async function resolveScope(c: UiContext, scope: string): Promise<Scope> {
  if (scope === ORG) {
    orgWideOnly(c.var.principal);
    return { type: 'org', teams: await listTeams(c.var.deps.db) };
  }
  return { type: 'team', teams: [await teamOf(c, 'export', scope)] };
}

/** A UTC day means its end, or now for today: an attestation never looks ahead. */
function momentOf(day: string, now: Date): Date {
  if (!DAY_RE.test(day) || !storableMoment(Date.parse(`${day}T00:00:00Z`))) throw localized(new DomainError(`"${day}" is not a date (YYYY-MM-DD)`), 'badDate', { value: day });
  const end = new Date(`${day}T23:59:59.999Z`);
  if (new Date(`${day}T00:00:00Z`) > now) throw localized(new DomainError('an attestation cannot look ahead'), 'noLookingAhead');
  return end < now ? end : now;
}

function apiPath(scope: Scope, level: Level, at: Date): string {
  const q = new URLSearchParams({ level, at: at.toISOString() });
  const team = scope.teams[0];
  return scope.type === 'org' || !team ? `/v1/attestations?${q}` : `/v1/teams/${team.slug}/attestations?${q}`;
}

export async function attestationPage(c: UiContext): Promise<Response> {
  const v = viewOf(c);
  const p = c.var.principal;
  const deps = c.var.deps;
  const now = deps.clock();
  const teams = await visibleTeams(deps.db, p);
  const scopes = [
    ...(isOrgWide(p) ? [{ value: ORG, label: t(v.lang, 'scopeOrg') }] : []),
    ...teams.map((team) => ({ value: team.slug, label: team.name === team.slug ? team.slug : `${team.name} (${team.slug})` })),
  ];
  const today = now.toISOString().slice(0, 10);
  const levelParam = c.req.query('level');
  const choice: AttestationChoice = {
    scope: c.req.query('scope') ?? scopes[0]?.value ?? '',
    level: LEVELS.find((l) => l === levelParam) ?? 'L1',
    date: c.req.query('date') || today,
  };
  let preview = null;
  if (choice.scope) {
    const scope = await resolveScope(c, choice.scope);
    const at = momentOf(choice.date, now);
    const plan = await planAttestation(deps.db, { scope, level: choice.level, at, staleAfterDays: deps.config.STALE_AFTER_DAYS, now });
    const links = DOWNLOAD_FORMATS.filter((f) => f !== 'json' || deps.signer).map((format) => {
      const q = new URLSearchParams({ scope: choice.scope, level: choice.level, at: at.toISOString(), format, lang: v.lang });
      return { format, href: `/ui/attestation/download?${q}` };
    });
    preview = { plan, links, apiPath: apiPath(scope, choice.level, at) };
  }
  return c.html(render(v, { scopes, choice, today, preview, signer: deps.signer !== null }));
}

export async function attestationDownload(c: UiContext): Promise<Response> {
  const parsed = AttestationQuery.safeParse(c.req.query());
  if (!parsed.success) {
    throw localized(new DomainError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')), 'badDownload');
  }
  const scope = await resolveScope(c, c.req.query('scope') ?? '');
  return respondWithAttestation(c, scope, parsed.data);
}
