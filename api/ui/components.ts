/** Small pieces the pages share: status badges, level figures, notices. */
import { LEVELS, type ControlStatus, type Level } from '../../workers/model/result.ts';
import { percent, statusLabel } from './format.ts';
import { type Html, html } from './html.ts';
import { type Lang, t } from './i18n.ts';

export const SYMBOL: Record<ControlStatus, string> = { pass: '✓', fail: '✗', waived: '⚑', unknown: '?' };

/**
 * A status as colour, symbol and word: never colour alone. `context` is read out after the word
 * (e.g. which control of which workload), for links that would otherwise all say "fail".
 */
export function statusBadge(lang: Lang, status: ControlStatus, o: { href?: string; context?: string } = {}): Html {
  const inner = html`<span aria-hidden="true">${SYMBOL[status]}</span>${statusLabel(lang, status)}${o.context ? html`<span class="sr-only">: ${o.context}</span>` : ''}`;
  if (o.href) return html`<a class="badge ${status}" href="${o.href}" data-status="${status}">${inner}</a>`;
  return html`<span class="badge ${status}" data-status="${status}">${inner}</span>`;
}

/**
 * A status in a dense grid: colour and symbol for the eye, the word (and what it is about) for
 * screen readers and as a tooltip. On a phone the control's id shows beside the symbol, since
 * the column headers are gone there.
 */
export function statusCell(lang: Lang, status: ControlStatus, o: { href: string; control: string; context: string; id?: string }): Html {
  const word = statusLabel(lang, status);
  return html`<a class="sym ${status}" href="${o.href}" data-status="${status}" title="${o.control}: ${word}"${o.id ? html` id="${o.id}"` : ''}><span class="ctl-label" aria-hidden="true">${o.control}</span><span aria-hidden="true">${SYMBOL[status]}</span><span class="sr-only">${word}: ${o.context}</span></a>`;
}

/** What the grid's symbols mean, shown once above it. */
export function statusLegend(lang: Lang): Html {
  return html`<ul class="sym-legend small" aria-hidden="true">${(['pass', 'fail', 'waived', 'unknown'] as const).map(
    (s) => html`<li><span class="sym ${s}">${SYMBOL[s]}</span> ${statusLabel(lang, s)}</li>`,
  )}</ul>`;
}

/** A horizontal bar for a share, drawn in SVG (the CSP allows no inline styles). */
export function meter(compliant: number, total: number, label: string): Html {
  const width = total === 0 ? 0 : Math.round((compliant / total) * 1000) / 10;
  return html`<div class="meter"><svg viewBox="0 0 100 8" preserveAspectRatio="none" width="100%" height="8" role="img" aria-label="${label}" focusable="false"><rect class="fill" x="0" y="0" width="${width}" height="8"/></svg></div>`;
}

/** One level's figure: share, count, bar. */
export function levelStat(lang: Lang, level: Level, counts: { compliant: number; total: number }): Html {
  const of = t(lang, 'compliantOf', counts);
  return html`<div class="stat" data-level="${level}">
<p class="label">${t(lang, 'levelShort', { level })}</p>
<p class="value" data-figure="percent">${percent(lang, counts.compliant, counts.total)}</p>
<p class="detail" data-figure="count" data-compliant="${counts.compliant}" data-total="${counts.total}">${of}</p>
${meter(counts.compliant, counts.total, `${level}: ${of}`)}
</div>`;
}

/** Which levels a workload or snapshot meets, as three badges. */
export function levelBadges(lang: Lang, compliant: Record<Level, boolean>): Html {
  return html`<span class="levels-inline">${LEVELS.map((level) =>
    compliant[level]
      ? html`<span class="badge pass" data-level="${level}" data-compliant="true"><span aria-hidden="true">✓</span>${level}<span class="sr-only"> ${t(lang, 'compliant')}</span></span>`
      : html`<span class="badge unknown" data-level="${level}" data-compliant="false"><span aria-hidden="true">–</span>${level}<span class="sr-only"> ${t(lang, 'notCompliant')}</span></span>`,
  )}</span>`;
}

export function notice(text: string, kind: 'info' | 'error' = 'info'): Html {
  return html`<p class="notice${kind === 'error' ? ' error' : ''}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** A link to a team's page. */
export function teamHref(slug: string): string {
  return `/ui/teams/${encodeURIComponent(slug)}`;
}

/** A link to a workload's page, optionally at one snapshot and one control. */
export function workloadHref(team: string, workload: string, environment: string, o: { snapshot?: string; control?: string } = {}): string {
  const q = new URLSearchParams({ name: workload, environment });
  if (o.snapshot) q.set('snapshot', o.snapshot);
  return `${teamHref(team)}/workload?${q.toString()}${o.control ? `#control-${o.control}` : ''}`;
}

/**
 * A horizontally scrollable wrapper for wide tables. Focusable and named, so keyboard users can
 * scroll it too (WCAG 2.1.1; axe `scrollable-region-focusable`).
 */
export function scrollBox(label: string, content: Html, lang: Lang = 'en'): Html {
  // Named apart from the section around it (axe landmark-unique): "Table: …".
  return html`<div class="scroll" role="region" aria-label="${t(lang, 'tableOf', { what: label })}" tabindex="0">${content}</div>`;
}

/** Text from the engine and the registry, where `backticks` mark code: shown as code, all escaped. */
export function richText(text: string): Html {
  const parts = text.split('`');
  // An unmatched backtick leaves the rest as plain text.
  if (parts.length % 2 === 0) return html`${text}`;
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}
