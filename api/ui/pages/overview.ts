/** The organisation overview: teams ranked by L3, L2, L1 compliance, each with its 30-day trend. */
import { LEVELS, type Level } from '../../../workers/model/result.ts';
import type { OrgTotals, Scorecard } from '../../../services/scorecard.ts';
import type { TrendPoint } from '../../../services/trend.ts';
import { levelStat, scrollBox, teamHref } from '../components.ts';
import { dateTime, percent } from '../format.ts';
import { type Html, html } from '../html.ts';
import { t, type Lang } from '../i18n.ts';
import { page, type View } from '../layout.ts';
import { type ChartSeries, sparkline, swatch } from '../svg.ts';

export interface OverviewData {
  asOf: Date;
  items: (Scorecard & { rank: number })[];
  totals: OrgTotals;
  trends: Map<string, TrendPoint[]>;
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

function trendLabel(lang: Lang, team: string, series: readonly TrendPoint[]): string {
  const first = series[0];
  const last = series[series.length - 1];
  if (!first || !last) return team;
  const part = (level: Level) =>
    `${level} ${percent(lang, first.levels[level].compliant, first.levels[level].total)} → ${percent(lang, last.levels[level].compliant, last.levels[level].total)}`;
  return `${t(lang, 'trend30')}, ${team}: ${LEVELS.map(part).join(', ')}`;
}

function levelCell(lang: Lang, level: Level, l: { compliant: number; total: number }): Html {
  return html`<td class="num" data-level="${level}" data-compliant="${l.compliant}" data-total="${l.total}"><strong>${percent(lang, l.compliant, l.total)}</strong><br><span class="muted small">${l.compliant}/${l.total}</span></td>`;
}

export function overviewPage(v: View, d: OverviewData): Html {
  const { lang } = v;
  const rows = d.items.map((card) => {
    const series = d.trends.get(card.team) ?? [];
    return html`<tr data-team="${card.team}">
<td class="num" data-figure="rank">${card.rank}</td>
<th scope="row"><a href="${teamHref(card.team)}">${card.team}</a></th>
<td class="num" data-figure="workloads" data-total="${card.workloads.total}" data-stale="${card.workloads.stale}">${card.workloads.total}${card.workloads.stale > 0 ? html`<br><span class="badge stale">${card.workloads.stale} ${t(lang, 'stale')}</span>` : ''}</td>
${LEVELS.map((level) => levelCell(lang, level, card.levels[level]))}
<td>${series.some((p) => p.workloads.total > 0)
      ? sparkline(levelSeries(series), { max: 100, label: trendLabel(lang, card.team, series) })
      : html`<span class="muted">–</span>`}</td>
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
${d.items.length === 0
    ? html`<p>${t(lang, 'noTeams')}</p>`
    : scrollBox(t(lang, 'ranking'), html`<table class="ranking">
<thead><tr><th scope="col" class="num">${t(lang, 'rank')}</th><th scope="col">${t(lang, 'team')}</th><th scope="col" class="num">${t(lang, 'workloads')}</th>
${LEVELS.map((l) => html`<th scope="col" class="num">${l}</th>`)}<th scope="col">${t(lang, 'trend30')} <span class="legend small">${LEVELS.map((l, i) => html`<span class="legend-item">${swatch(l, i)}${l}</span>`)}</span></th></tr></thead>
<tbody>${rows}</tbody>
</table>`)}
</section>`;
  return page(v, { title: t(lang, 'overviewTitle'), section: 'overview', body });
}
