/** The attestation page: choose scope, level and date; preview the verdict; download the documents. */
import { LEVELS, type Level } from '../../../workers/model/result.ts';
import type { ReportPlan } from '../../../workers/attest/report.ts';
import { resultOf } from '../../../workers/attest/labels.ts';
import { notice, richText, scrollBox, statusBadge, workloadHref } from '../components.ts';
import { controlTitle, dateTime } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type Lang, t } from '../i18n.ts';
import { page, type View } from '../layout.ts';

export const DOWNLOAD_FORMATS = ['json', 'pdf', 'csv', 'oscal', 'html'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export interface AttestationChoice {
  scope: string;
  level: Level;
  /** `YYYY-MM-DD` (UTC). */
  date: string;
}

export interface AttestationPageData {
  scopes: { value: string; label: string }[];
  choice: AttestationChoice;
  /** Today, UTC: the latest date that may be attested. */
  today: string;
  preview: { plan: ReportPlan; links: { format: DownloadFormat; href: string }[]; apiPath: string } | null;
  signer: boolean;
}

const FORMAT_LABEL: Record<DownloadFormat, Parameters<typeof t>[1]> = {
  json: 'formatJson',
  pdf: 'formatPdf',
  csv: 'formatCsv',
  oscal: 'formatOscal',
  html: 'formatHtml',
};

function form(v: View, d: AttestationPageData): Html {
  const { lang } = v;
  return html`<form class="inline" method="get" action="/ui/attestation">
<div><label for="scope">${t(lang, 'scope')}</label>
<select id="scope" name="scope">${d.scopes.map((s) => html`<option value="${s.value}"${s.value === d.choice.scope ? ' selected' : ''}>${s.label}</option>`)}</select></div>
<div><label for="level">${t(lang, 'level')}</label>
<select id="level" name="level">${LEVELS.map((l) => html`<option value="${l}"${l === d.choice.level ? ' selected' : ''}>${l}</option>`)}</select></div>
<div><label for="date">${t(lang, 'date')}</label>
<input id="date" name="date" type="date" value="${d.choice.date}" max="${d.today}" required></div>
<button class="primary" type="submit">${t(lang, 'previewButton')}</button>
</form>`;
}

function verdict(lang: Lang, plan: ReportPlan): Html {
  const v = plan.header.verdict;
  const result = resultOf(v);
  const badge =
    result === 'NONE'
      ? html`<span class="badge unknown big" data-figure="result"><span aria-hidden="true">–</span>${t(lang, 'noVerdict')}</span>`
      : html`<span class="badge ${result === 'PASSED' ? 'pass' : 'fail'} big" data-figure="result"><span aria-hidden="true">${result === 'PASSED' ? '✓' : '✗'}</span>${t(lang, result === 'PASSED' ? 'passed' : 'failedVerdict')}</span>`;
  return html`<div class="stats" data-verdict="${result}">
<div class="stat"><p class="label">${t(lang, 'verdict')}</p>
<p class="value">${badge}</p>
<p class="detail" data-figure="verdict" data-compliant="${v.compliant}" data-total="${v.total}">${result === 'NONE' ? t(lang, 'emptyScope', { level: plan.header.level }) : t(lang, 'verdictText', { compliant: v.compliant, total: v.total, level: plan.header.level })}</p></div>
<div class="stat"><p class="label">${t(lang, 'date')}</p><p class="detail">${dateTime(lang, plan.header.asOf)}</p>
<p class="detail muted">${t(lang, 'workloadsStale', { n: plan.header.stale.workloads.length })}</p></div>
</div>`;
}

function workloads(lang: Lang, plan: ReportPlan): Html {
  const inLevel = new Set<string>(plan.header.levelControls);
  const rows = plan.workloads.map((w) => {
    const holding = w.controls.filter((c) => inLevel.has(c.id) && (c.status === 'fail' || c.status === 'unknown'));
    return html`<tr data-subject="${w.subject}" data-compliant="${w.compliant}">
<th scope="row"><a href="${workloadHref(w.team, w.workload, w.environment, { snapshot: w.snapshotId })}">${w.team}/${w.workload}</a> <span class="muted small">${w.environment}</span></th>
<td>${dateTime(lang, w.observedAt)}</td>
<td>${w.compliant
  ? html`<span class="badge pass"><span aria-hidden="true">✓</span>${t(lang, 'yes')}</span>`
  : html`<span class="badge fail"><span aria-hidden="true">✗</span>${t(lang, 'no')}</span>`}</td>
<td>${holding.map((c) => html`${statusBadge(lang, c.status, { href: workloadHref(w.team, w.workload, w.environment, { snapshot: w.snapshotId, control: c.id }), context: `${c.id} ${controlTitle(lang, c.id)}, ${w.workload}` })} <span class="small">${c.id}</span> `)}</td>
</tr>`;
  });
  return scrollBox(
    t(lang, 'workloads'),
    html`<table class="attested"><thead><tr><th scope="col">${t(lang, 'subject')}</th><th scope="col">${t(lang, 'observed')}</th><th scope="col">${t(lang, 'meetsLevel', { level: plan.header.level })}</th><th scope="col">${t(lang, 'holdsBack')}</th></tr></thead>
<tbody>${rows}</tbody></table>`,
    lang,
  );
}

function stale(lang: Lang, plan: ReportPlan): Html {
  const list = plan.header.stale.workloads;
  if (list.length === 0) return html``;
  return html`<h3>${t(lang, 'staleTitle')}</h3>
<p class="small muted">${t(lang, 'staleIntro', { days: plan.header.stale.afterDays })}</p>
<ul class="small">${list.map((w) => html`<li data-stale="${w.workload}"><a href="${workloadHref(w.team, w.workload, w.environment)}">${w.team}/${w.workload}</a> ${w.environment} · ${t(lang, 'lastSeen')}: ${dateTime(lang, w.observedAt)}</li>`)}</ul>`;
}

function waivers(lang: Lang, plan: ReportPlan): Html {
  if (plan.header.waivers.length === 0) return html``;
  return html`<h3>${t(lang, 'waiversRelied')}</h3>
<ul class="small">${plan.header.waivers.map((w) => html`<li><strong>${w.control}</strong> ${w.team}: <span class="mono">${w.workloads}</span> — ${richText(w.justification)} (${t(lang, 'expires')} ${dateTime(lang, w.expiresAt)})</li>`)}</ul>`;
}

function downloads(v: View, d: AttestationPageData, p: NonNullable<AttestationPageData['preview']>): Html {
  const { lang } = v;
  return html`<h3>${t(lang, 'download')}</h3>
<div class="downloads">${p.links.map(
    (l) => html`<a class="button${l.format === 'html' ? ' secondary' : ''}" href="${l.href}" data-format="${l.format}"${l.format === 'html' ? '' : ' download'}>${t(lang, FORMAT_LABEL[l.format])}</a>`,
  )}</div>
${d.signer ? '' : html`<p class="small muted">${t(lang, 'noSigner')}</p>`}
<p class="small muted">${t(lang, 'fromApi')}<br><code>GET ${p.apiPath}&amp;format=pdf</code></p>`;
}

export function attestationPage(v: View, d: AttestationPageData): Html {
  const { lang } = v;
  const p = d.preview;
  const body = html`<h1>${t(lang, 'attestationTitle')}</h1>
<p class="lead">${t(lang, 'attestationIntro')}</p>
<section class="card" aria-labelledby="choose-h"><h2 id="choose-h">${t(lang, 'whatToAttest')}</h2>
${d.scopes.length === 0 ? notice(t(lang, 'noAttestationScope')) : form(v, d)}
</section>
${p
    ? html`<section class="card" aria-labelledby="preview-h" data-level="${p.plan.header.level}">
<h2 id="preview-h">${t(lang, 'preview')}</h2>
${verdict(lang, p.plan)}
${workloads(lang, p.plan)}
${stale(lang, p.plan)}
${waivers(lang, p.plan)}
${downloads(v, d, p)}
</section>`
    : ''}`;
  return page(v, { title: t(lang, 'attestationTitle'), section: 'attestation', body });
}
