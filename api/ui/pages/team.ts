/**
 * A team: the three levels, the workload × control grid, the trend (per level or per control),
 * stale workloads and the waivers in force.
 */
import type { TeamRef } from '../../../services/deps.ts';
import { LEVELS, type ControlStatus } from '../../../workers/model/result.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import type { Waiver } from '../../../services/schemas/waiver.ts';
import { daysBetween } from '../../../services/control-history.ts';
import { globMatches } from '../../../workers/model/waivers.ts';
import type { TrendPoint } from '../../../services/trend.ts';
import { levelBadges, levelStat, notice, richText, scrollBox, statusCell, statusLegend, teamHref, workloadHref } from '../components.ts';
import type { Range, TeamView } from '../data.ts';
import { controlTitle, dateOnly, dateTime, percent, percentValue, shortDay } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type Lang, t } from '../i18n.ts';
import { page, type View } from '../layout.ts';
import { type ChartSeries, lineChart } from '../svg.ts';
import { levelSeries } from './overview.ts';

/** Waivers expiring within this many days are flagged. */
export const EXPIRING_DAYS = 14;

export interface TeamPageData {
  team: TeamRef & { name: string };
  view: TeamView;
  environment: string | undefined;
  /** `levels`, or a control id. */
  chart: string;
  range: Range;
  trend: TrendPoint[];
  waivers: Waiver[];
  now: Date;
  /** Only workloads failing at least one control in the grid. */
  failingOnly: boolean;
  /** Auditors and admins grant, change and revoke waivers here. */
  canWaive: boolean;
  /** What was just done (`granted`, `changed`, `revoked`), said once above the waivers. */
  done: 'granted' | 'changed' | 'revoked' | null;
}

/** The first failing cell of the grid: where the "skip to the first failure" link leads. */
export const FIRST_FAIL_ID = 'first-fail';

const STATUSES: ControlStatus[] = ['pass', 'fail', 'waived', 'unknown'];

function filterForm(v: View, d: TeamPageData): Html {
  const { lang } = v;
  return html`<form class="inline" method="get" action="${teamHref(d.team.slug)}">
<div><label for="environment">${t(lang, 'environment')}</label>
<select id="environment" name="environment" data-autosubmit>
<option value="">${t(lang, 'allEnvironments')}</option>
${d.view.environments.map((e) => html`<option value="${e}"${e === d.environment ? ' selected' : ''}>${e}</option>`)}
</select></div>
<div class="check"><input type="checkbox" id="failing" name="failing" value="1" data-autosubmit${d.failingOnly ? ' checked' : ''}><label for="failing">${t(lang, 'failingOnly')}</label></div>
<input type="hidden" name="chart" value="${d.chart}"><input type="hidden" name="range" value="${d.range}">
<button class="button secondary" type="submit">${t(lang, 'apply')}</button>
</form>`;
}

/** The grid's rows: fresh workloads, only those failing something when asked. */
export function gridRows(d: Pick<TeamPageData, 'view' | 'failingOnly'>): TeamView['grid'] {
  return d.view.grid.filter((r) => !r.stale && (!d.failingOnly || r.statuses.includes('fail')));
}

function grid(v: View, d: TeamPageData): Html {
  const { lang } = v;
  const fresh = d.view.grid.filter((r) => !r.stale);
  const rows = gridRows(d);
  if (fresh.length === 0) return html`<p>${t(lang, 'noWorkloads')}</p>`;
  let firstFail = true;
  const count = html`<p class="small muted" data-figure="grid-count">${t(lang, d.failingOnly ? 'gridShownFailing' : 'gridShown', { n: rows.length, total: fresh.length })}</p>`;
  if (rows.length === 0) return html`${count}<p>${t(lang, 'noFailing')}</p>`;
  return html`${statusLegend(lang)}${count}${scrollBox(t(lang, 'grid'), html`<table class="grid">
<caption class="sr-only">${t(lang, 'grid')}</caption>
<thead><tr><th scope="col" class="wl">${t(lang, 'workload')}</th>
${CONTROL_IDS.map((id) => html`<th scope="col" class="ctl"><abbr title="${controlTitle(lang, id)}">${id}</abbr></th>`)}</tr></thead>
<tbody>${rows.map(
    (r) => html`<tr data-workload="${r.workload}" data-environment="${r.environment}">
<th scope="row" class="wl"><a href="${workloadHref(d.team.slug, r.workload, r.environment)}">${r.workload}</a><span class="muted small wl-meta">${r.environment} · ${dateOnly(lang, r.observedAt)}</span>${levelBadges(lang, r.compliant)}</th>
${r.statuses.map((status, i) => {
      const id = CONTROL_IDS[i] ?? '';
      const first = status === 'fail' && firstFail;
      if (first) firstFail = false;
      return html`<td class="cell" data-control="${id}">${statusCell(lang, status, {
        href: workloadHref(d.team.slug, r.workload, r.environment, { control: id }),
        control: id,
        context: `${id} ${controlTitle(lang, id)}, ${r.workload} (${r.environment})`,
        ...(first ? { id: FIRST_FAIL_ID } : {}),
      })}</td>`;
    })}
</tr>`,
  )}</tbody>
</table>`, lang)}`;
}

function chartSeries(lang: Lang, d: TeamPageData): { series: ChartSeries[]; max: number; ticks: number[]; format: (n: number) => string; title: string } {
  if (d.chart === 'levels') {
    return {
      series: levelSeries(d.trend),
      max: 100,
      ticks: [0, 25, 50, 75, 100],
      format: (n) => percentValue(lang, n),
      title: t(lang, 'trendLevels'),
    };
  }
  const series = STATUSES.map((status) => ({
    key: status,
    label: t(lang, `status_${status}`),
    values: d.trend.map((p) => p.controls[d.chart]?.[status] ?? null),
  }));
  const top = Math.max(1, ...d.trend.map((p) => p.workloads.total));
  const step = Math.max(1, Math.ceil(top / 4));
  const ticks = [0, step, 2 * step, 3 * step, 4 * step];
  return { series, max: 4 * step, ticks, format: (n) => String(n), title: `${t(lang, 'trendControl', { id: d.chart })} — ${controlTitle(lang, d.chart)}` };
}

function trendSection(v: View, d: TeamPageData): Html {
  const { lang } = v;
  const c = chartSeries(lang, d);
  const interval = d.range === '1y' ? 'week' : 'day';
  // Long charts (and any crossing a new year) name the year on their axis.
  const years = new Set(d.trend.map((p) => p.at.slice(0, 4)));
  const labels = d.trend.map((p) => shortDay(lang, p.at, d.range !== '30d' || years.size > 1));
  const first = d.trend[0];
  const last = d.trend[d.trend.length - 1];
  const description =
    first && last
      ? `${first.at} – ${last.at}: ${c.series.map((s) => `${s.label} ${fmt(s.values[0], c.format)} → ${fmt(s.values[s.values.length - 1], c.format)}`).join('; ')}`
      : '';
  return html`<section class="card" aria-labelledby="trend-h">
<h2 id="trend-h">${t(lang, 'trendTitle')}</h2>
<form class="inline" method="get" action="${teamHref(d.team.slug)}">
${d.environment ? html`<input type="hidden" name="environment" value="${d.environment}">` : ''}
<div><label for="chart">${t(lang, 'chartFor')}</label>
<select id="chart" name="chart" data-autosubmit>
<option value="levels"${d.chart === 'levels' ? ' selected' : ''}>${t(lang, 'allLevels')}</option>
${CONTROL_IDS.map((id) => html`<option value="${id}"${d.chart === id ? ' selected' : ''}>${id} ${controlTitle(lang, id)}</option>`)}
</select></div>
<div><label for="range">${t(lang, 'range')}</label>
<select id="range" name="range" data-autosubmit>
${(['30d', '90d', '1y'] as const).map((r) => html`<option value="${r}"${d.range === r ? ' selected' : ''}>${t(lang, r === '30d' ? 'range30' : r === '90d' ? 'range90' : 'range365')}</option>`)}
</select></div>
<button class="button secondary" type="submit">${t(lang, 'showChart')}</button>
</form>
<h3>${c.title}</h3>
${lineChart({ id: 'trend', title: c.title, description, labels, series: c.series, max: c.max, ticks: c.ticks, formatY: c.format, className: 'wide' })}
${lineChart({ id: 'trend-phone', title: c.title, description, labels, series: c.series, max: c.max, ticks: c.ticks, formatY: c.format, width: 400, height: 260, maxLabels: 3, className: 'phone' })}
<details><summary>${t(lang, 'chartData')}</summary>
${scrollBox(t(lang, 'chartData'), html`<table class="trend-data" data-chart="${d.chart}">
<thead><tr><th scope="col">${t(lang, interval === 'week' ? 'week' : 'day')}</th>${d.chart === 'levels'
    ? LEVELS.map((l) => html`<th scope="col" class="num">${l}</th>`)
    : STATUSES.map((s) => html`<th scope="col" class="num">${t(lang, `status_${s}`)}</th>`)}</tr></thead>
<tbody>${d.trend.map(
    (p) => html`<tr data-at="${p.at}"><th scope="row">${p.at}</th>${d.chart === 'levels'
      ? LEVELS.map(
          (l) => html`<td class="num" data-level="${l}" data-compliant="${p.levels[l].compliant}" data-total="${p.levels[l].total}">${p.levels[l].compliant}/${p.levels[l].total} (${percent(lang, p.levels[l].compliant, p.levels[l].total)})</td>`,
        )
      : STATUSES.map((s) => html`<td class="num" data-status="${s}">${p.controls[d.chart]?.[s] ?? 0}</td>`)}</tr>`,
  )}</tbody>
</table>`, lang)}
</details>
</section>`;
}

function fmt(v: number | null | undefined, format: (n: number) => string): string {
  return v === null || v === undefined ? '–' : format(v);
}

function staleSection(v: View, d: TeamPageData): Html {
  const { lang } = v;
  const stale = d.view.card.staleWorkloads;
  return html`<section class="card" aria-labelledby="stale-h">
<h2 id="stale-h">${t(lang, 'staleTitle')}</h2>
<p class="muted small">${t(lang, 'staleIntro', { days: d.view.card.staleAfterDays })}</p>
${stale.length === 0
    ? html`<p>${t(lang, 'noStale')}</p>`
    : html`<table class="stale"><thead><tr><th scope="col">${t(lang, 'workload')}</th><th scope="col">${t(lang, 'environment')}</th><th scope="col">${t(lang, 'lastSeen')}</th></tr></thead>
<tbody>${stale.map(
        (s) => html`<tr data-workload="${s.workload}"><th scope="row"><a href="${workloadHref(d.team.slug, s.workload, s.environment)}">${s.workload}</a></th><td>${s.environment}</td><td>${dateTime(lang, s.observedAt)}</td></tr>`,
      )}</tbody></table>`}
</section>`;
}

/** Whole UTC days until a waiver expires (a waiver expiring on the 12th is 5 days away on the 7th). */
export function daysLeft(expiresAt: string, now: Date): number {
  return daysBetween(now, new Date(expiresAt));
}

function waiverSection(v: View, d: TeamPageData): Html {
  const { lang } = v;
  const waiving = new Map(d.view.card.waivers.map((w) => [w.id, new Set(w.covers.map((r) => `${r.workload}\u0000${r.environment}`))]));
  const fresh = d.view.grid.filter((r) => !r.stale);
  const soon = (w: Waiver) => {
    const days = daysLeft(w.expiresAt, d.now);
    if (days > EXPIRING_DAYS) return '';
    return html` <span class="badge soon" data-days="${days}">${days < 1 ? t(lang, 'expiresToday') : days === 1 ? t(lang, 'expiresTomorrow') : t(lang, 'expiresSoon', { n: days })}</span>`;
  };
  // Every current workload the waiver reaches; those whose fail it turns into waived are marked.
  const covers = (w: Waiver) => {
    const reached = fresh.filter((r) => (w.environment === null || w.environment === r.environment) && globMatches(w.workloads, r.workload));
    if (reached.length === 0) return html`<span class="muted small">${t(lang, 'coversNone')}</span>`;
    const used = waiving.get(w.id) ?? new Set();
    return html`<ul class="covers">${reached.map((r) => {
      const waives = used.has(`${r.workload}\u0000${r.environment}`);
      return html`<li data-covers="${r.workload}" data-waives="${String(waives)}"><a href="${workloadHref(d.team.slug, r.workload, r.environment, { control: w.control })}">${r.workload}</a> <span class="muted small">${waives ? t(lang, 'coversWaives') : t(lang, 'coversPasses')}</span></li>`;
    })}</ul>`;
  };
  const actions = (w: Waiver) => html`<td class="actions"><a href="${teamHref(d.team.slug)}/waivers/${w.id}/edit">${t(lang, 'waiverEdit')}<span class="sr-only"> ${w.control} ${w.workloads}</span></a>
<form method="post" action="${teamHref(d.team.slug)}/waivers/${w.id}/revoke"><button class="link danger" type="submit">${t(lang, 'waiverRevoke')}<span class="sr-only"> ${w.control} ${w.workloads}</span></button></form></td>`;
  return html`<section class="card" aria-labelledby="waivers-h">
<h2 id="waivers-h">${t(lang, 'waiversTitle')}</h2>
${d.done ? notice(t(lang, `done_${d.done}`)) : ''}
<p class="muted small">${t(lang, 'waiversIntro', { days: EXPIRING_DAYS })}</p>
${d.canWaive ? html`<p><a class="button secondary" href="${teamHref(d.team.slug)}/waivers/new">${t(lang, 'waiverAdd')}</a></p>` : ''}
${d.waivers.length === 0
    ? html`<p>${t(lang, 'noWaivers')}</p>`
    : scrollBox(t(lang, 'waiversTitle'), html`<table class="waivers"><thead><tr><th scope="col">${t(lang, 'control')}</th><th scope="col">${t(lang, 'pattern')}</th><th scope="col">${t(lang, 'environment')}</th><th scope="col">${t(lang, 'justification')}</th><th scope="col">${t(lang, 'expires')}</th><th scope="col">${t(lang, 'covers')}</th>${d.canWaive ? html`<th scope="col"><span class="sr-only">${t(lang, 'auditAction')}</span></th>` : ''}</tr></thead>
<tbody>${d.waivers.map(
        (w) => html`<tr data-waiver="${w.id}"><th scope="row"><abbr title="${controlTitle(lang, w.control)}">${w.control}</abbr></th><td class="mono">${w.workloads}</td><td>${w.environment ?? t(lang, 'any')}</td><td>${richText(w.justification)}<br><span class="muted small">${t(lang, 'approvedBy')}: <span class="mono">${w.approvedBy}</span></span></td><td>${dateOnly(lang, w.expiresAt)}${soon(w)}</td><td>${covers(w)}</td>${d.canWaive ? actions(w) : ''}</tr>`,
      )}</tbody></table>`, lang)}
</section>`;
}

export function teamPage(v: View, d: TeamPageData): Html {
  const { lang } = v;
  const card = d.view.card;
  const body = html`<p class="crumbs"><a href="/ui">${t(lang, 'navOverview')}</a> › ${d.team.name}</p>
<h1>${d.team.name}${d.team.name !== d.team.slug ? html` <span class="muted slug">${d.team.slug}</span>` : ''}</h1>
<p class="lead">${t(lang, 'asOf', { date: dateTime(lang, card.asOf) })}${d.environment ? ` · ${t(lang, 'environment')}: ${d.environment}` : ''}</p>
${filterForm(v, d)}
<section aria-labelledby="levels-h">
<h2 id="levels-h">${t(lang, 'atAGlance')}</h2>
<div class="stats" data-scope="team">
${LEVELS.map((level) => levelStat(lang, level, card.levels[level]))}
<div class="stat"><p class="label">${t(lang, 'workloads')}</p><p class="value" data-figure="workloads" data-total="${card.workloads.total}" data-stale="${card.workloads.stale}">${card.workloads.total}</p>
<p class="detail">${t(lang, 'workloadsStale', { n: card.workloads.stale })}</p></div>
</div>
</section>
<section class="card" aria-labelledby="grid-h">
<h2 id="grid-h">${t(lang, 'grid')}</h2>
<p class="muted small">${t(lang, 'gridIntro')}</p>
${grid(v, d)}
</section>
${trendSection(v, d)}
${waiverSection(v, d)}
${staleSection(v, d)}`;
  const skips = gridRows(d).some((r) => r.statuses.includes('fail')) ? [{ href: `#${FIRST_FAIL_ID}`, label: t(lang, 'skipToFirstFail') }] : [];
  return page(v, { title: d.team.name, section: 'overview', body, skips });
}
