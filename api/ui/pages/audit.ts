/** The audit log for auditors and admins: newest first, filtered by action and team, paged. */
import type { AuditRow } from '../../../db/queries/audit-log.ts';
import { teamHref } from '../components.ts';
import { dateTime } from '../format.ts';
import { type Html, html } from '../html.ts';
import { t } from '../i18n.ts';
import { page, type View } from '../layout.ts';

export const AUDIT_ACTIONS = ['attestation.export', 'waiver.create', 'waiver.revoke', 'team.create', 'api-key.create', 'api-key.revoke', 'webhook.create', 'webhook.delete'] as const;

export interface AuditPageData {
  rows: AuditRow[];
  action: string;
  team: string;
  teams: { slug: string; name: string }[];
  next: string | null;
}

function details(d: unknown): string {
  if (!d || typeof d !== 'object') return '';
  return Object.entries(d as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

export function auditPage(v: View, d: AuditPageData): Html {
  const { lang } = v;
  const q = (cursor: string) => {
    const p = new URLSearchParams({ cursor });
    if (d.action) p.set('action', d.action);
    if (d.team) p.set('team', d.team);
    return `/ui/audit?${p}`;
  };
  const body = html`<h1>${t(lang, 'auditTitle')}</h1>
<p class="lead">${t(lang, 'auditIntro')}</p>
<form class="inline" method="get" action="/ui/audit">
<div><label for="action">${t(lang, 'auditAction')}</label>
<select id="action" name="action" data-autosubmit><option value="">${t(lang, 'auditAll')}</option>${AUDIT_ACTIONS.map((a) => html`<option value="${a}"${a === d.action ? ' selected' : ''}>${a}</option>`)}</select></div>
<div><label for="team">${t(lang, 'team')}</label>
<select id="team" name="team" data-autosubmit><option value="">${t(lang, 'auditAll')}</option>${d.teams.map((x) => html`<option value="${x.slug}"${x.slug === d.team ? ' selected' : ''}>${x.name}</option>`)}</select></div>
<button class="button secondary" type="submit">${t(lang, 'apply')}</button>
</form>
<section class="card" aria-labelledby="audit-h"><h2 id="audit-h" class="sr-only">${t(lang, 'auditTitle')}</h2>
${d.rows.length === 0
    ? html`<p>${t(lang, 'auditNone')}</p>`
    : html`<table class="audit"><thead><tr><th scope="col">${t(lang, 'auditWhen')}</th><th scope="col">${t(lang, 'auditAction')}</th><th scope="col">${t(lang, 'auditWho')}</th><th scope="col">${t(lang, 'team')}</th><th scope="col">${t(lang, 'auditWhat')}</th></tr></thead>
<tbody>${d.rows.map(
        (r) => html`<tr data-audit="${r.id}" data-action="${r.action}"><th scope="row">${dateTime(lang, r.at)}</th><td class="mono">${r.action}</td><td>${r.actorName ?? r.actor}<br><span class="muted small">${r.actorRole ?? ''} <span class="mono">${r.actor}</span></span></td><td>${r.teamSlug ? html`<a href="${teamHref(r.teamSlug)}">${r.teamSlug}</a>` : (r.target ?? '')}</td><td class="small">${r.target ? html`<span class="mono">${r.target}</span><br>` : ''}${details(r.details)}</td></tr>`,
      )}</tbody></table>`}
${d.next ? html`<p><a href="${q(d.next)}">${t(lang, 'auditOlder')}</a></p>` : ''}
</section>`;
  return page(v, { title: t(lang, 'auditTitle'), section: 'audit', body });
}
