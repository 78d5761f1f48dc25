/**
 * Inline SVG charts: no library, no script, nothing fetched. Series differ by colour AND dash
 * pattern (never colour alone), every chart has a title and description for screen readers,
 * and pages put the numbers in a table next to it.
 */
import { type Html, html } from './html.ts';

export interface ChartSeries {
  /** Picks the colour (`.series-<key>` in the stylesheet). */
  key: string;
  label: string;
  /** One value per x position; null where there is nothing to plot. */
  values: readonly (number | null)[];
}

/** Dash patterns by series index, so lines stay apart in greyscale and for colour-blind readers. */
const DASHES = ['', '7 4', '2 3', '10 3 2 3', '1 5'];

export function dashFor(index: number): string {
  return DASHES[index % DASHES.length] ?? '';
}

interface Scale {
  x: (i: number) => number;
  y: (v: number) => number;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Runs of consecutive non-null points as SVG point lists (a gap breaks the line). */
function segments(values: readonly (number | null)[], s: Scale): string[] {
  const out: string[] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length > 0) out.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${round(s.x(i))},${round(s.y(v))}`);
  });
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

function lastIndex(values: readonly (number | null)[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return i;
  return -1;
}

/** A short line in a series' colour and dash, for legends. */
export function swatch(key: string, index: number): Html {
  return html`<svg class="series-${key}" width="28" height="10" viewBox="0 0 28 10" aria-hidden="true" focusable="false"><line x1="1" x2="27" y1="5" y2="5" stroke-width="2.4" stroke-dasharray="${dashFor(index)}"/></svg>`;
}

/** A word-sized chart for tables: the lines only, the last value marked. */
export function sparkline(series: readonly ChartSeries[], o: { max: number; label: string; width?: number; height?: number; dashIndex?: number }): Html {
  const width = o.width ?? 120;
  const height = o.height ?? 32;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const pad = 3;
  const scale: Scale = {
    x: (i) => (n === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (n - 1)),
    y: (v) => height - pad - (o.max === 0 ? 0 : (v / o.max) * (height - 2 * pad)),
  };
  return html`<svg class="spark" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${o.label}" focusable="false">${series.map((s, si) => {
    const last = lastIndex(s.values);
    const lv = s.values[last];
    return html`<g class="series-${s.key}">${segments(s.values, scale).map(
      (points) => html`<polyline points="${points}" fill="none" stroke-width="1.8" stroke-dasharray="${dashFor(o.dashIndex ?? si)}"/>`,
    )}${last >= 0 && typeof lv === 'number' ? html`<circle cx="${round(scale.x(last))}" cy="${round(scale.y(lv))}" r="2.4"/>` : ''}</g>`;
  })}<line class="base" x1="${pad}" x2="${width - pad}" y1="${height - pad}" y2="${height - pad}"/></svg>`;
}

export interface LineChartOptions {
  /** Unique on the page: prefixes the ids that tie the title and description to the chart. */
  id: string;
  title: string;
  description: string;
  /** One label per x position (shown thinned out along the axis, in full in point tooltips). */
  labels: readonly string[];
  series: readonly ChartSeries[];
  max: number;
  ticks: readonly number[];
  formatY: (v: number) => string;
  width?: number;
  height?: number;
  /** Axis labels shown at most (default 7). */
  maxLabels?: number;
  /** `wide` or `phone`: the stylesheet shows the one that fits the screen (a phone gets its own drawing, so its labels stay legible). */
  className?: string;
}

/** Every `every`-th position and the last one, without a label crowding the last. */
function axisTicks(n: number, every: number): number[] {
  const ticks: number[] = [];
  for (let i = 0; i < n; i += every) ticks.push(i);
  const tail = ticks[ticks.length - 1] ?? 0;
  if (tail !== n - 1) {
    if (n - 1 - tail < every / 2) ticks.pop();
    ticks.push(n - 1);
  }
  return ticks;
}

/** A line chart with axes, grid lines, a legend and a tooltip per point. */
export function lineChart(o: LineChartOptions): Html {
  const width = o.width ?? 1000;
  const height = o.height ?? 280;
  const m = { left: 52, right: 16, top: 14, bottom: 30 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const n = Math.max(1, o.labels.length);
  const scale: Scale = {
    x: (i) => m.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1)),
    y: (v) => m.top + plotH - (o.max === 0 ? 0 : (Math.min(v, o.max) / o.max) * plotH),
  };
  const every = Math.max(1, Math.ceil(n / (o.maxLabels ?? 7)));
  const shown = axisTicks(n, every).map((i) => ({ i, label: o.labels[i] ?? '' }));
  const marks = n <= 62;
  return html`<figure class="chart${o.className ? ` ${o.className}` : ''}">
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" focusable="false">
<title id="${o.id}-title">${o.title}</title><desc id="${o.id}-desc">${o.description}</desc>
<g class="grid">${o.ticks.map(
    (v) => html`<line x1="${m.left}" x2="${width - m.right}" y1="${round(scale.y(v))}" y2="${round(scale.y(v))}"/><text x="${m.left - 8}" y="${round(scale.y(v)) + 4}" text-anchor="end">${o.formatY(v)}</text>`,
  )}</g>
<g class="axis">${shown.map(
    ({ label, i }) => html`<text x="${round(scale.x(i))}" y="${height - 8}" text-anchor="${n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle'}">${label}</text>`,
  )}</g>
${o.series.map((s, si) => html`<g class="series-${s.key}">${segments(s.values, scale).map(
    (points) => html`<polyline points="${points}" fill="none" stroke-width="2.2" stroke-dasharray="${dashFor(si)}"/>`,
  )}${s.values.map((v, i) =>
    v === null || (!marks && i !== lastIndex(s.values))
      ? ''
      : html`<circle cx="${round(scale.x(i))}" cy="${round(scale.y(v))}" r="3"><title>${o.labels[i] ?? ''}: ${s.label} ${o.formatY(v)}</title></circle>`,
  )}</g>`)}
</svg>
<figcaption class="legend">${o.series.map(
    (s, si) => html`<span class="legend-item">${swatch(s.key, si)}${s.label}</span>`,
  )}</figcaption>
</figure>`;
}
