/**
 * The organisation overview: every team ranked by L3, L2, L1 compliance, each level with its change
 * against 30 days ago and its own sparkline (so L2 and L3 never hide each other).
 */
import { LEVELS, type Level } from '../../../workers/model/result.ts';
import type { OrgTotals, Scorecard } from '../../../services/scorecard.ts';
import type { TrendPoint } from '../../../services/trend.ts';
import { levelStat, teamHref } from '../components.ts';
import { CHANGE_DAYS } from '../data.ts';
import { dateOnly, dateTime, percent } from '../format.ts';
import { type Html, html } from '../html.ts';
import { t, type Lang } from '../i18n.ts';
import { page, type View } from '../layout.ts';
import { type ChartSeries, sparkline, swatch } from '../svg.ts';

export interface OverviewData {
  asOf: Date;
  items: (Scorecard & { rank: number })[];
  totals: OrgTotals;
  trends: Map<string, TrendPoint[]>;
  /** Display names by slug. */
  names: Map<string, string>;
}

/** Per level, the share of workloads compliant at each point, in percent (null with none counted). */
export function levelSeries(series: readonly TrendPoint[]): ChartSeries[] {
  return LEVELS.map((level) => ({
    key: level,
    label: level,
    values: series.map((p) => {
      const l = p.levels[level];
      return l.total === 0 ? null : Math.round((l.compliant / l.total) * 1000) / 10;
    }),
  }));
}

/** Percentage points between two shares (null where either has no workloads counted). */
export function changePoints(from: { compliant: number; total: number } | undefined, to: { compliant: number; total: number }): number | null {
  if (!from || from.total === 0 || to.total === 0) return null;
  return Math.round((to.compliant / to.total) * 100 - (from.compliant / from.total) * 100);
}

/** `▲ +12 pp` / `▼ −5 pp` / `= 0 pp`, with the words for screen readers; `new` without a past figure. */
function change(lang: Lang, level: Level, series: readonly TrendPoint[], now: { compliant: number; total: number }): Html {
  const first = series[0];
  const d = changePoints(first?.levels[level], now);
  if (!first || d === null) return html`<span class="change none" data-change="none">${t(lang, 'noChange30')}</span>`;
  const since = dateOnly(lang, first.at);
  const n = new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB', { signDisplay: 'exceptZero' }).format(d);
  const kind = d > 0 ? 'up' : d < 0 ? 'down' : 'same';
  const symbol = d > 0 ? '▲' : d < 0 ? '▼' : '=';
  return html`<span class="change ${kind}" data-change="${d}" title="${t(lang, 'changeSince', { date: since })}"><span aria-hidden="true">${symbol} ${n.replace('-', '−')} ${t(lang, 'pp')}</span><span class="sr-only">${t(lang, `change_${kind}`, { n: Math.abs(d), date: since })}</span></span>`;
}

function sparkLabel(lang: Lang, team: string, level: Level, series: readonly TrendPoint[]): string {
  const first = series[0];
  const last = series[series.length - 1];
  if (!first || !last) return team;
  return `${team}, ${level}, ${t(lang, 'trend30')}: ${percent(lang, first.levels[level].compliant, first.levels[level].total)} → ${percent(lang, last.levels[level].compliant, last.levels[level].total)}`;
}

function levelCell(lang: Lang, team: string, level: Level, index: number, l: { compliant: number; total: number }, series: readonly TrendPoint[]): Html {
  const values = levelSeries(series).find((s) => s.key === level);
  return html`<td class="num level" data-level="${level}" data-compliant="${l.compliant}" data-total="${l.total}"><span class="lvl-name" aria-hidden="true">${level}</span><strong>${percent(lang, l.compliant, l.total)}</strong> <span class="muted small">${l.compliant}/${l.total}</span>
${change(lang, level, series, l)}
${values && series.some((p) => p.workloads.total > 0) ? sparkline([{ ...values, key: level }], { max: 100, width: 200, height: 34, dashIndex: index, label: sparkLabel(lang, team, level, series) }) : ''}</td>`;
}

export function overviewPage(v: View, d: OverviewData): Html {
  const { lang } = v;
  const rows = d.items.map((card) => {
    const series = d.trends.get(card.team) ?? [];
    const name = d.names.get(card.team) ?? card.team;
    const empty = card.workloads.total + card.workloads.stale === 0;
    return html`<tr data-team="${card.team}"${empty ? html` data-empty="true"` : ''}>
<td class="num rank" data-figure="rank">${card.rank}</td>
<th scope="row" class="team"><a href="${teamHref(card.team)}">${name}</a>${name !== card.team ? html`<span class="muted small slug">${card.team}</span>` : ''}</th>
<td class="num" data-figure="workloads" data-total="${card.workloads.total}" data-stale="${card.workloads.stale}"><span class="lvl-name" aria-hidden="true">${t(lang, 'workloads')}</span>${card.workloads.total}${card.workloads.stale > 0 ? html`<br><span class="badge stale">${card.workloads.stale} ${t(lang, 'stale')}</span>` : ''}</td>
${empty
      ? html`<td colspan="3" class="never" data-level="none">${t(lang, 'neverUploaded')}</td>`
      : LEVELS.map((level, i) => levelCell(lang, name, level, i, card.levels[level], series))}
</tr>`;
  });
  const body = html`<h1>${t(lang, 'overviewTitle')}</h1>
<p class="lead">${t(lang, 'overviewIntro')}<br>${t(lang, 'asOf', { date: dateTime(lang, d.asOf) })}</p>
<section aria-labelledby="totals-h">
<h2 id="totals-h" class="sr-only">${t(lang, 'totals')}</h2>
<div class="stats" data-scope="org">
<div class="stat"><p class="label">${t(lang, 'totals')}</p><p class="value" data-figure="teams">${d.totals.teams}</p>
<p class="detail">${t(lang, 'teamsCount', { n: d.totals.teams })} · ${t(lang, 'workloadsCounted', { n: d.totals.workloads.total })} · ${t(lang, 'workloadsStale', { n: d.totals.workloads.stale })}</p></div>
${LEVELS.map((level) => levelStat(lang, level, d.totals.levels[level]))}
</div>
</section>
<section class="card" aria-labelledby="ranking-h">
<h2 id="ranking-h">${t(lang, 'ranking')}</h2>
<p class="muted small">${t(lang, 'rankingIntro', { days: CHANGE_DAYS })}</p>
${d.items.length === 0
    ? html`<p>${t(lang, 'noTeams')}</p>`
    : html`<table class="ranking">
<caption class="sr-only">${t(lang, 'ranking')}</caption>
<thead><tr><th scope="col" class="num">${t(lang, 'rank')}</th><th scope="col">${t(lang, 'team')}</th><th scope="col" class="num">${t(lang, 'workloads')}</th>
${LEVELS.map((l, i) => html`<th scope="col" class="num level-head"><span class="legend-item">${swatch(l, i)}${l}</span></th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table>`}
</section>`;
  return page(v, { title: t(lang, 'overviewTitle'), section: 'overview', body });
}
