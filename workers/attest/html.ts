/**
 * A printable HTML report: one self-contained page (inline CSS, no scripts, nothing fetched), print
 * styles that start each workload on a new sheet. Streamed: the summary first, then the workloads
 * chunk by chunk as their evidence is read.
 */
import { codeParts, controlText, controlTitle, findingText, humanDate, humanDateTime, type Labels, labels, type Lang, resultOf, scopeText } from './labels.ts';
import { type ControlVerdict, excerptText, type PlannedWorkload, type ReportHeader, type WorkloadReport } from './report.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** The response's Content-Security-Policy: the document may use its own inline styles and nothing else. */
export const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { --pass: #1a7f37; --fail: #b42318; --waived: #9a6700; --unknown: #57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.verdict { font-size: 1.15rem; font-weight: 600; margin: 1rem 0; padding: .6rem .8rem; border-left: .35rem solid; }
.verdict.PASSED { border-color: var(--pass); background: #dafbe1; }
.verdict.FAILED { border-color: var(--fail); background: #ffebe9; }
.verdict.NONE { border-color: var(--unknown); background: #f6f8fa; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .45rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; overflow-wrap: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.s-pass, .s-fail, .s-waived, .s-unknown { white-space: nowrap; }
.s-pass { color: var(--pass); font-weight: 600; }
.s-fail { color: var(--fail); font-weight: 600; }
.s-waived { color: var(--waived); font-weight: 600; }
.s-unknown { color: var(--unknown); font-weight: 600; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; word-break: break-all; }
td.num { overflow-wrap: normal; }
ul.findings { margin: .2rem 0 0; padding-left: 1.1rem; }
pre.excerpt { margin: .15rem 0 .3rem; padding: .2rem .4rem; background: #f3f5f8; font-size: .8em; white-space: pre-wrap; overflow-wrap: anywhere; }
.note { color: #57606a; font-size: .9em; }
section.workload { margin-top: 2rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  section.workload, section.appendix { break-before: page; }
  /* Tables never wider than the sheet: long digests and paths wrap anywhere, headers repeat. */
  table { width: calc(100% - 1px); }
  thead { display: table-header-group; }
  tr, li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

const esc = escapeHtml;
const statusCell = (s: ControlVerdict['status'], l: Labels) => `<span class="s-${s}">${esc(l.status[s])}</span>`;

/** The document head and everything that comes from the plan (summary, overview, waivers, stale). */
export function htmlHead(header: ReportHeader, planned: readonly PlannedWorkload[], lang: Lang): string {
  const l = labels(lang);
  const title = `${l.title}: ${scopeText(header.scope, l)}, ${header.level}`;
  const parts: string[] = [];
  parts.push(
    `<!DOCTYPE html>\n<html lang="${lang}">\n<head>\n<meta charset="utf-8">\n`,
    `<meta http-equiv="Content-Security-Policy" content="${esc(HTML_CSP)}">\n`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${esc(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`,
    `<header>\n<h1>${esc(l.title)}</h1>\n<dl class="meta">\n`,
    meta(l.scope, esc(scopeText(header.scope, l))),
    meta(l.level, esc(header.level)),
    meta(l.asOf, time(header.asOf, lang)),
    meta(l.environment, esc(header.environment ?? l.allEnvironments)),
    meta(l.engine, esc(`${header.engine.name} ${header.engine.version}`)),
    meta(l.generated, time(header.generatedAt, lang)),
    `</dl>\n</header>\n`,
    verdictHtml(header, l),
    `<p class="note">${esc(l.unsigned)}</p>\n`,
    `<h2>${esc(l.method)}</h2>\n<ul>\n${l.rules(header.level, header.stale.afterDays).map((r) => `<li>${esc(r)}</li>\n`).join('')}</ul>\n`,
  );

  parts.push(`<h2>${esc(l.summaryByControl)}</h2>\n<table>\n<thead><tr><th>${esc(l.control)}</th><th>${esc(l.inLevel)}</th>`);
  for (const s of ['pass', 'fail', 'waived', 'unknown'] as const) parts.push(`<th>${esc(l.status[s])}</th>`);
  parts.push('</tr></thead>\n<tbody>\n');
  for (const c of header.controls) {
    parts.push(
      `<tr><td>${esc(c.id)} ${esc(controlTitle(c.id, lang))}</td><td>${c.inLevel ? l.yes : l.no}</td>`,
      `<td class="num">${c.pass}</td><td class="num">${c.fail}</td><td class="num">${c.waived}</td><td class="num">${c.unknown}</td></tr>\n`,
    );
  }
  parts.push('</tbody>\n</table>\n');

  parts.push(`<h2>${esc(l.workloads)}</h2>\n`);
  if (planned.length === 0) parts.push(`<p>${esc(l.noWorkloads)}</p>\n`);
  else {
    parts.push(`<table>\n<thead><tr><th>${esc(l.workload)}</th><th>${esc(l.observed)}</th><th>${esc(l.meetsLevel)} ${esc(header.level)}</th><th>${esc(l.failing)}</th></tr></thead>\n<tbody>\n`);
    const inLevel = new Set<string>(header.levelControls);
    for (const w of planned) {
      const notMet = w.controls.filter((c) => inLevel.has(c.id) && (c.status === 'fail' || c.status === 'unknown'));
      parts.push(
        `<tr><td><a href="#${anchor(w.subject)}">${esc(w.subject)}</a></td><td>${time(w.observedAt, lang)}</td>`,
        `<td>${w.compliant ? `<span class="s-pass">${l.yes}</span>` : `<span class="s-fail">${l.no}</span>`}</td>`,
        `<td>${notMet.map((c) => `${esc(c.id)} (${esc(l.status[c.status])})`).join(', ')}</td></tr>\n`,
      );
    }
    parts.push('</tbody>\n</table>\n');
  }

  parts.push(`<h2>${esc(l.waivers)}</h2>\n`);
  if (header.waivers.length === 0) parts.push(`<p>${esc(l.noWaivers)}</p>\n`);
  else {
    parts.push(
      `<table>\n<thead><tr><th>${esc(l.control)}</th><th>${esc(l.workloads)}</th><th>${esc(l.justification)}</th>`,
      `<th>${esc(l.approvedBy)}</th><th>${esc(l.expires)}</th><th>${esc(l.covers)}</th></tr></thead>\n<tbody>\n`,
    );
    for (const w of header.waivers) {
      parts.push(
        `<tr><td>${esc(w.control)}</td><td><code>${esc(w.team)}/${esc(w.workloads)}${w.environment ? `@${esc(w.environment)}` : ''}</code><br><span class="mono">${esc(w.id)}</span></td>`,
        `<td>${code(w.justification)}</td><td class="mono">${esc(w.approvedBy)}</td><td>${time(w.expiresAt, lang, true)}</td><td>${w.covers.map(esc).join('<br>')}</td></tr>\n`,
      );
    }
    parts.push('</tbody>\n</table>\n');
  }

  parts.push(`<h2>${esc(l.stale(header.stale.afterDays))}</h2>\n`);
  if (header.stale.workloads.length === 0) parts.push(`<p>${esc(l.noStale)}</p>\n`);
  else {
    parts.push(`<table>\n<thead><tr><th>${esc(l.workload)}</th><th>${esc(l.observed)}</th><th>${esc(l.snapshot)}</th></tr></thead>\n<tbody>\n`);
    for (const s of header.stale.workloads) {
      parts.push(`<tr><td>${esc(`${s.team}/${s.workload}@${s.environment}`)}</td><td>${time(s.observedAt, lang)}</td><td class="mono">${esc(s.snapshotId)}</td></tr>\n`);
    }
    parts.push('</tbody>\n</table>\n');
  }
  return parts.join('');
}

/** One workload's section: its snapshot and every control with what decided it. */
export function htmlWorkload(header: ReportHeader, w: WorkloadReport, lang: Lang): string {
  const l = labels(lang);
  const inLevel = new Set<string>(header.levelControls);
  const parts: string[] = [
    `<section class="workload" id="${anchor(w.subject)}">\n<h3>${esc(w.subject)}: `,
    w.compliant ? `<span class="s-pass">${esc(l.meets(header.level))}</span>` : `<span class="s-fail">${esc(l.fails(header.level))}</span>`,
    `</h3>\n<dl class="meta">\n`,
    meta(l.snapshot, `<span class="mono">${esc(w.snapshotId)}</span>`),
    meta(l.observed, time(w.observedAt, lang)),
    meta(l.contentHash, `<span class="mono">${esc(w.contentHash)}</span>`),
    meta(l.engine, esc(w.engineVersion ?? '')),
    `</dl>\n<table>\n<thead><tr><th>${esc(l.control)}</th><th>${esc(l.inLevel)}</th><th>Status</th><th>${esc(l.decidingFindings)}</th></tr></thead>\n<tbody>\n`,
  ];
  for (const c of w.controls) {
    parts.push(
      `<tr><td>${esc(c.id)} ${esc(controlTitle(c.id, lang))}</td><td>${inLevel.has(c.id) ? l.yes : l.no}</td><td>${statusCell(c.status, l)}`,
      c.waiver ? `<br><span class="mono">${esc(c.waiver)}</span>` : '',
      `</td><td>${findingsCell(c, l, lang)}</td></tr>\n`,
    );
  }
  parts.push('</tbody>\n</table>\n</section>\n');
  return parts.join('');
}

function findingsCell(c: ControlVerdict, l: Labels, lang: Lang): string {
  const items = (c.findings ?? []).map((f) => {
    const { location, message } = findingText(f, lang);
    const excerpt = f.excerpt
      ? `<pre class="excerpt">${excerptText(f.excerpt).map(esc).join('\n')}</pre>`
      : '';
    return `<li><code>${esc(f.artifact)}</code> <code>${esc(location)}</code>${f.container ? ` [${esc(f.container)}]` : ''}: ${code(message)}${excerpt}</li>`;
  });
  if (c.findingsOmitted) items.push(`<li>${esc(l.more(c.findingsOmitted))}</li>`);
  const list = items.length > 0 ? `<ul class="findings">${items.join('')}</ul>` : '';
  const missing = c.decidedBy ? `<span class="note">${esc(l.missingEvidence)}: ${c.decidedBy.map(esc).join(', ')}</span>` : '';
  return missing + list;
}

/** The level's requirements in the chosen language, and the end of the document. */
export function htmlTail(header: ReportHeader, lang: Lang): string {
  const l = labels(lang);
  const rows = header.levelControls.map((id) => `<dt>${esc(id)} ${esc(controlTitle(id, lang))}</dt><dd>${code(controlText(id, lang))}</dd>\n`);
  return `<section class="appendix">\n<h2>${esc(l.requirements)} ${esc(header.level)}</h2>\n<dl>\n${rows.join('')}</dl>\n</section>\n</body>\n</html>\n`;
}

/** The whole document as a stream of pieces. */
export async function* htmlReport(
  header: ReportHeader,
  planned: readonly PlannedWorkload[],
  chunks: AsyncIterable<readonly WorkloadReport[]>,
  lang: Lang,
): AsyncGenerator<string> {
  yield htmlHead(header, planned, lang);
  for await (const chunk of chunks) {
    const piece = chunk.map((w) => htmlWorkload(header, w, lang)).join('');
    if (piece) yield piece;
  }
  yield htmlTail(header, lang);
}

/** A moment for people (in the language, UTC), machine-readable in `datetime`. */
function time(at: string | Date, lang: Lang, dateOnly = false): string {
  const iso = typeof at === 'string' ? at : at.toISOString();
  return `<time datetime="${esc(iso)}">${esc(dateOnly ? humanDate(iso, lang) : humanDateTime(iso, lang))}</time>`;
}

/** Engine text whose backticks mark code: escaped, the code in <code>, no ticks left. */
function code(text: string): string {
  return codeParts(text)
    .map((p) => (p.code ? `<code>${esc(p.text)}</code>` : esc(p.text)))
    .join('');
}

/** The verdict in one word and a sentence; an empty scope says so instead of "FAILED 0 of 0". */
function verdictHtml(header: ReportHeader, l: Labels): string {
  const result = resultOf(header.verdict);
  if (result === 'NONE') return `<p class="verdict NONE">${esc(l.resultWord.NONE)}</p>\n<p>${esc(l.emptyScope(header.level))}</p>\n`;
  return (
    `<p class="verdict ${result}">${esc(l.resultWord[result])}: ${esc(l.verdictText(header.verdict.compliant, header.verdict.total, header.level))} ` +
    `(${esc(header.verdict.result === 'PASSED' ? l.passed : l.failed)})</p>\n`
  );
}

function meta(term: string, valueHtml: string): string {
  return `<dt>${esc(term)}</dt><dd>${valueHtml}</dd>\n`;
}

/** A fragment id for a subject (ids may not hold spaces; the rest is escaped where used). */
function anchor(subject: string): string {
  return `w-${subject.replace(/[^A-Za-z0-9_.:-]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}`)}`;
}
