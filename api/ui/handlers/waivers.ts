/**
 * Waivers from the dashboard: granted, changed (superseded) and revoked by auditors and admins
 * through the same service functions as the API (services/waivers.ts), so the same rules apply
 * and the same audit entries are written, with the session's key as the actor.
 */
import { CreateWaiver } from '../../routes/waivers/schemas.ts';
import { DomainError } from '../../../services/errors.ts';
import { findWaiverWithTeam, grantWaiver, replaceWaiver, revokeWaiverAs, type WaiverInput } from '../../../services/waivers.ts';
import { waiverView } from '../../../services/schemas/waiver.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { DAY_MS } from '../../../services/time.ts';
import { teamOf } from '../access.ts';
import { localized } from '../errors.ts';
import { type Lang, t } from '../i18n.ts';
import { type UiContext, viewOf } from '../middleware.ts';
import { type WaiverFormValues, waiverFormPage } from '../pages/waiver-form.ts';
import { teamHref } from '../components.ts';
import { NotFound } from '../../../services/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const day = (d: Date) => d.toISOString().slice(0, 10);

function bounds(c: UiContext): { today: string; latest: string } {
  const now = c.var.deps.clock();
  return { today: day(now), latest: day(new Date(now.getTime() + c.var.deps.config.WAIVER_MAX_DAYS * DAY_MS)) };
}

async function valuesOf(c: UiContext): Promise<WaiverFormValues> {
  const form = await c.req.parseBody();
  const s = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
  return { control: s('control'), workloads: s('workloads'), environment: s('environment'), justification: s('justification'), expires: s('expires') };
}

/**
 * The form checked with the API's own schema; messages in the page's language. A day means the
 * end of that UTC day, so "expires on the 12th" holds all of the 12th.
 */
function validate(lang: Lang, v: WaiverFormValues): { input: WaiverInput } | { errors: Record<string, string> } {
  const expiresAt = /^\d{4}-\d{2}-\d{2}$/.test(v.expires) ? `${v.expires}T23:59:59Z` : v.expires;
  const parsed = CreateWaiver.safeParse({ control: v.control, workloads: v.workloads, ...(v.environment ? { environment: v.environment } : {}), justification: v.justification, expiresAt });
  if (parsed.success) return { input: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const path = String(issue.path[0] ?? '');
    const name = path === 'expiresAt' ? 'expires' : path;
    if (name === 'control' || name === 'workloads' || name === 'environment' || name === 'justification' || name === 'expires') errors[name] ??= t(lang, `waiverError_${name}`);
  }
  return { errors };
}

/** A rule of the service (the expiry's window) as a field error in the page's language. */
function serviceErrors(lang: Lang, e: unknown): Record<string, string> | null {
  if (e instanceof DomainError && e.errors.some((x) => x.path === 'expiresAt')) return { expires: t(lang, 'waiverError_expires') };
  return null;
}

export async function newWaiver(c: UiContext): Promise<Response> {
  const team = await teamOf(c, 'waive');
  const control = c.req.query('control') ?? '';
  const values = {
    control: (CONTROL_IDS as readonly string[]).includes(control) ? control : '3.1',
    workloads: c.req.query('workload') ?? '',
    environment: c.req.query('environment') ?? '',
    justification: '',
    expires: day(new Date(c.var.deps.clock().getTime() + 30 * DAY_MS)),
  };
  return c.html(waiverFormPage(viewOf(c), { team, values, errors: {}, ...bounds(c) }));
}

export async function createWaiver(c: UiContext): Promise<Response> {
  const team = await teamOf(c, 'waive');
  const v = viewOf(c);
  const values = await valuesOf(c);
  const checked = validate(v.lang, values);
  if ('errors' in checked) return c.html(waiverFormPage(v, { team, values, errors: checked.errors, ...bounds(c) }), 400);
  try {
    await grantWaiver(c.var.deps, c.var.principal.keyId, team, checked.input);
  } catch (e) {
    const errors = serviceErrors(v.lang, e);
    if (errors) return c.html(waiverFormPage(v, { team, values, errors, ...bounds(c) }), 400);
    throw e;
  }
  return c.redirect(`${teamHref(team.slug)}?done=granted#waivers-h`, 303);
}

async function waiverOf(c: UiContext, teamSlug: string) {
  const id = c.req.param('id') ?? '';
  if (!UUID.test(id)) throw localized(new NotFound(`no waiver ${id}`), 'noWaiver');
  let found: Awaited<ReturnType<typeof findWaiverWithTeam>>;
  try {
    found = await findWaiverWithTeam(c.var.deps.db, id);
  } catch (e) {
    if (e instanceof NotFound) throw localized(e, 'noWaiver');
    throw e;
  }
  if (found.team.slug !== teamSlug) throw localized(new NotFound(`no waiver ${id} of ${teamSlug}`), 'noWaiver');
  return found;
}

export async function editWaiver(c: UiContext): Promise<Response> {
  const team = await teamOf(c, 'waive');
  const found = await waiverOf(c, team.slug);
  const editing = waiverView(found.row, team.slug, c.var.deps.clock());
  const values = {
    control: editing.control,
    workloads: editing.workloads,
    environment: editing.environment ?? '',
    justification: editing.justification,
    expires: editing.expiresAt.slice(0, 10),
  };
  return c.html(waiverFormPage(viewOf(c), { team, editing, values, errors: {}, ...bounds(c) }));
}

export async function updateWaiver(c: UiContext): Promise<Response> {
  const team = await teamOf(c, 'waive');
  const found = await waiverOf(c, team.slug);
  const v = viewOf(c);
  const editing = waiverView(found.row, team.slug, c.var.deps.clock());
  const values = await valuesOf(c);
  const checked = validate(v.lang, values);
  if ('errors' in checked) return c.html(waiverFormPage(v, { team, editing, values, errors: checked.errors, ...bounds(c) }), 400);
  try {
    await replaceWaiver(c.var.deps, c.var.principal.keyId, found, checked.input);
  } catch (e) {
    const errors = serviceErrors(v.lang, e);
    if (errors) return c.html(waiverFormPage(v, { team, editing, values, errors, ...bounds(c) }), 400);
    throw e;
  }
  return c.redirect(`${teamHref(team.slug)}?done=changed#waivers-h`, 303);
}

export async function revokeWaiver(c: UiContext): Promise<Response> {
  const team = await teamOf(c, 'waive');
  const found = await waiverOf(c, team.slug);
  await revokeWaiverAs(c.var.deps, c.var.principal.keyId, found);
  return c.redirect(`${teamHref(team.slug)}?done=revoked#waivers-h`, 303);
}
