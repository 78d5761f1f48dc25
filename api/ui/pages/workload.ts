/**
 * A workload: one snapshot's findings with evidence and remediation (the latest unless another
 * is chosen), the history of its snapshots, and what changed between two of them.
 */
import type { TeamRef } from '../../../services/deps.ts';
import { controlById } from '../../../workers/controls/index.ts';
import type { Level } from '../../../workers/model/result.ts';
import { findingIn } from '../../../workers/model/text.ts';
import type { Snapshot } from '../../../services/schemas/snapshot.ts';
import type { OpenFailure } from '../../../services/control-history.ts';
import { type Excerpt, excerptKey } from '../../../services/excerpts.ts';
import { levelBadges, notice, richText, scrollBox, statusBadge, teamHref, workloadHref } from '../components.ts';
import type { SnapshotDiff } from '../diff.ts';
import { controlTitle, dateOnly, dateTime, shortId } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type Lang, t } from '../i18n.ts';
import { page, type View } from '../layout.ts';

export interface WorkloadPageData {
  team: TeamRef & { name: string };
  workload: string;
  environment: string | undefined;
  history: Snapshot[];
  shown: Snapshot;
  comparison: { before: Snapshot; after: Snapshot; diff: SnapshotDiff } | null;
  /** Controls failing in the latest snapshot: since when, and which snapshot brought it. */
  failures: Map<string, OpenFailure>;
  /** Source excerpts of the shown snapshot's findings, by excerptKey. */
  excerpts: Map<string, Excerpt>;
  now: Date;
  /** Auditors and admins may waive a failing control from here. */
  canWaive: boolean;
}

type Control = Snapshot['controls'][number];

function compliance(s: Snapshot): Record<Level, boolean> {
  return { L1: s.levels?.L1.compliant ?? false, L2: s.levels?.L2.compliant ?? false, L3: s.levels?.L3.compliant ?? false };
}

function snapshotLabel(lang: Lang, s: Snapshot): string {
  return `${dateTime(lang, s.observedAt)} · ${shortId(s.id)}`;
}

function facts(v: View, s: Snapshot): Html {
  const { lang } = v;
  return html`<dl class="facts">
<dt>${t(lang, 'observed')}</dt><dd>${dateTime(lang, s.observedAt)}</dd>
<dt>${t(lang, 'received')}</dt><dd>${dateTime(lang, s.receivedAt)}</dd>
<dt>${t(lang, 'environment')}</dt><dd>${s.environment}</dd>
<dt>${t(lang, 'engine')}</dt><dd class="mono">${s.engineVersion ?? '–'}</dd>
<dt>${t(lang, 'artifacts')}</dt><dd>${s.artifacts.map((a, i) => html`${i > 0 ? ', ' : ''}<span class="mono">${a.name}</span> (${a.kind})`)}</dd>
${s.ci?.commit ? html`<dt>${t(lang, 'commit')}</dt><dd class="mono">${s.ci.commit}</dd>` : ''}
${s.ci?.pipelineUrl && /^https?:\/\//.test(s.ci.pipelineUrl) ? html`<dt>${t(lang, 'pipeline')}</dt><dd><a href="${s.ci.pipelineUrl}" rel="noreferrer">${s.ci.pipelineUrl}</a></dd>` : ''}
<dt>ID</dt><dd class="mono">${s.id}</dd>
${s.levels ? html`<dt>${t(lang, 'levelsMet')}</dt><dd>${levelBadges(lang, compliance(s))}</dd>` : ''}
</dl>`;
}

function excerptHtml(e: Excerpt | undefined): Html {
  if (!e) return html``;
  if (e.type === 'value') return html`<pre class="excerpt"><code>"${e.key}": ${e.value === '' ? html`<span class="muted">–</span>` : e.value}</code></pre>`;
  return html`<pre class="excerpt">${e.lines.map((l) => html`<code${l.hit ? html` class="hit"` : ''}><span class="ln" aria-hidden="true">${l.n}</span>${l.text}</code>`)}</pre>`;
}

function findingsTable(v: View, c: Control, excerpts: Map<string, Excerpt>): Html {
  const { lang } = v;
  if (c.findings.length === 0) return html`<p class="muted small">${t(lang, 'noFindings')}</p>`;
  const table = html`<table class="findings">
<colgroup><col class="c-status"><col class="c-artifact"><col class="c-location"><col></colgroup>
<thead><tr><th scope="col">${t(lang, 'findings')}</th><th scope="col">${t(lang, 'artifact')}</th><th scope="col">${t(lang, 'location')}</th><th scope="col">${t(lang, 'message')}</th></tr></thead>
<tbody>${c.findings.map((f) => {
    // Shown in the page's language. The excerpt stored with the finding outlives the artifact's
    // text; findings stored before excerpts were kept fall back to the text, found by their location.
    const shown = findingIn(f, lang);
    const excerpt = f.excerpt ?? excerpts.get(excerptKey(f.artifact, f.location));
    return html`<tr data-finding-status="${f.status}">
<td>${statusBadge(lang, f.status)}</td>
<td><span class="mono">${f.artifact}</span><br><span class="muted small">${f.kind}${f.container ? html` · ${t(lang, 'container')} <span class="mono">${f.container}</span>` : ''}</span></td>
<td><span class="mono">${shown.location}</span>${f.status === 'pass' ? '' : excerptHtml(excerpt)}</td>
<td>${richText(shown.message)}${shown.remediation ? html`<br><span class="small"><strong>${t(lang, 'remediation')}:</strong> ${richText(shown.remediation)}</span>` : ''}</td>
</tr>`;
  })}</tbody></table>`;
  return scrollBox(`${c.id} ${t(lang, 'findings')}`, table, lang);
}

/** Failing since when, how many days, and the snapshot (commit, pipeline) that brought it. */
function failingSince(v: View, d: WorkloadPageData, f: OpenFailure | undefined): Html {
  if (!f) return html``;
  const { lang } = v;
  const ci = f.snapshot.ci;
  const pipeline = ci?.pipelineUrl && /^https?:\/\//.test(ci.pipelineUrl) ? ci.pipelineUrl : null;
  return html`<p class="since small" data-since="${f.since}" data-days="${f.days}">${t(lang, f.complete ? 'failingSince' : 'failingAtLeastSince', { date: dateTime(lang, f.since) })} · <strong>${t(lang, f.days === 1 ? 'daysOpenOne' : 'daysOpen', { n: f.days })}</strong><br>${t(lang, 'introducedBy')} <a href="${workloadHref(d.team.slug, d.workload, d.shown.environment, { snapshot: f.snapshot.id })}" class="mono">${shortId(f.snapshot.id)}</a>${ci?.commit ? html` · ${t(lang, 'commit')} <span class="mono">${ci.commit}</span>` : ''}${ci?.ref ? html` · <span class="mono">${ci.ref}</span>` : ''}${pipeline ? html` · <a href="${pipeline}" rel="noreferrer">${t(lang, 'pipeline')}</a>` : ''}</p>`;
}

function controlSection(v: View, d: WorkloadPageData, c: Control): Html {
  const { lang } = v;
  const meta = controlById(c.id);
  const findings = findingsTable(v, c, d.excerpts);
  return html`<article class="control" id="control-${c.id}" data-control="${c.id}" data-status="${c.status}" aria-labelledby="control-${c.id}-h">
<header><h3 id="control-${c.id}-h">${c.id} ${controlTitle(lang, c.id)}</h3>${statusBadge(lang, c.status)}<span class="muted small">${c.levels.join(' · ')}</span></header>
${failingSince(v, d, d.failures.get(c.id))}
${c.waiver ? html`<p class="small">${t(lang, 'waivedBy', { date: dateOnly(lang, c.waiver.expiresAt), justification: c.waiver.justification })}</p>` : ''}
${c.status === 'unknown' && c.decidedBy ? html`<p class="small muted">${t(lang, 'decidedBy', { kinds: c.decidedBy.join(', ') })}</p>` : ''}
${c.status === 'pass' && c.findings.length > 0 ? html`<details><summary class="small">${t(lang, 'showFindings', { n: c.findings.length })}</summary>${findings}</details>` : findings}
${c.status === 'fail' || c.status === 'waived' ? html`<p class="fix small"><strong>${t(lang, 'howToFix')}:</strong> ${richText(meta?.remediation[lang] ?? c.remediation)}</p>` : ''}
${c.status === 'fail' && d.canWaive ? html`<p class="small"><a href="${teamHref(d.team.slug)}/waivers/new?${new URLSearchParams({ control: c.id, workload: d.workload, environment: d.shown.environment }).toString()}">${t(lang, 'waiverThis')}<span class="sr-only"> ${c.id}</span></a></p>` : ''}
${meta ? html`<details><summary class="small">${t(lang, 'requirement')}</summary><p class="small">${meta.text[lang]}</p></details>` : ''}
</article>`;
}

/** All fifteen at a glance, each a link to its section. */
function controlList(v: View, s: Snapshot): Html {
  const { lang } = v;
  return html`<ol class="control-list" aria-label="${t(lang, 'controlsTitle')}">${s.controls.map(
    (c) => html`<li>${statusBadge(lang, c.status, { href: `#control-${c.id}`, context: `${c.id} ${controlTitle(lang, c.id)}` })} <span class="small"><span class="ctl-id">${c.id}</span> ${controlTitle(lang, c.id)}</span></li>`,
  )}</ol>`;
}

function snapshotSection(v: View, d: WorkloadPageData): Html {
  const { lang } = v;
  const s = d.shown;
  const latest = d.history[0]?.id === s.id;
  return html`<section class="card" aria-labelledby="snapshot-h" data-snapshot="${s.id}">
<h2 id="snapshot-h">${latest ? t(lang, 'latestSnapshot') : t(lang, 'snapshotOf', { date: dateTime(lang, s.observedAt) })}</h2>
${facts(v, s)}
${s.status === 'pending' ? notice(t(lang, 'pending')) : ''}
${s.status === 'failed' ? notice(t(lang, 'failed', { error: s.error ?? '' }), 'error') : ''}
${s.controls.length > 0 ? controlList(v, s) : ''}
</section>
${s.controls.length > 0
    ? html`<section class="card" aria-labelledby="findings-h"><h2 id="findings-h">${t(lang, 'findings')}</h2>${s.controls.map((c) => controlSection(v, d, c))}</section>`
    : ''}`;
}

function historySection(v: View, d: WorkloadPageData): Html {
  const { lang } = v;
  return html`<section class="card" aria-labelledby="history-h">
<h2 id="history-h">${t(lang, 'history')}</h2>
<p class="muted small">${t(lang, 'historyIntro')}</p>
${scrollBox(t(lang, 'history'), html`<table class="history">
<thead><tr><th scope="col">${t(lang, 'observed')}</th><th scope="col">${t(lang, 'environment')}</th><th scope="col">${t(lang, 'levelsMet')}</th><th scope="col" class="num">${t(lang, 'status_fail')}</th><th scope="col" class="num">${t(lang, 'status_unknown')}</th><th scope="col">ID</th></tr></thead>
<tbody>${d.history.map((s) => {
    const count = (status: string) => s.controls.filter((c) => c.status === status).length;
    const here = s.id === d.shown.id;
    return html`<tr data-snapshot="${s.id}"${here ? ' aria-current="true"' : ''}>
<th scope="row">${here ? html`${dateTime(lang, s.observedAt)} <span class="badge unknown">${t(lang, 'viewing')}</span>` : html`<a href="${workloadHref(d.team.slug, d.workload, s.environment, { snapshot: s.id })}">${dateTime(lang, s.observedAt)}</a>`}</th>
<td>${s.environment}</td>
<td>${s.levels ? levelBadges(lang, compliance(s)) : s.status}</td>
<td class="num">${count('fail')}</td><td class="num">${count('unknown')}</td>
<td class="mono">${shortId(s.id)}</td>
</tr>`;
  })}</tbody></table>`, lang)}
</section>`;
}

function changeRow(lang: Lang, kind: 'added' | 'removed', x: SnapshotDiff['added'][number]): Html {
  const f = findingIn(x.finding, lang);
  return html`<tr data-change="${kind}"><th scope="row"><abbr title="${controlTitle(lang, x.control)}">${x.control}</abbr></th><td>${statusBadge(lang, f.status)}</td><td class="mono">${f.artifact} ${f.location}</td><td>${richText(f.message)}</td></tr>`;
}

function diffSection(v: View, d: WorkloadPageData): Html {
  const { lang } = v;
  const evaluated = d.history.filter((s) => s.status === 'evaluated');
  if (evaluated.length < 2 || !d.comparison) {
    return html`<section class="card" aria-labelledby="diff-h"><h2 id="diff-h">${t(lang, 'changes')}</h2><p>${t(lang, 'onlyOneSnapshot')}</p></section>`;
  }
  const { before, after, diff } = d.comparison;
  const options = (selected: string) =>
    evaluated.map((s) => html`<option value="${s.id}"${s.id === selected ? ' selected' : ''}>${snapshotLabel(lang, s)}</option>`);
  const table = (title: string, kind: 'added' | 'removed', rows: SnapshotDiff['added']) =>
    html`<h3>${title}</h3>${rows.length === 0
      ? html`<p class="muted small">${t(lang, 'noFindingChanges')}</p>`
      : scrollBox(title, html`<table class="changes"><thead><tr><th scope="col">${t(lang, 'control')}</th><th scope="col">${t(lang, 'findings')}</th><th scope="col">${t(lang, 'location')}</th><th scope="col">${t(lang, 'message')}</th></tr></thead><tbody>${rows.map((x) => changeRow(lang, kind, x))}</tbody></table>`, lang)}`;
  return html`<section class="card" aria-labelledby="diff-h" data-from="${before.id}" data-to="${after.id}">
<h2 id="diff-h">${t(lang, 'changes')}</h2>
<p class="muted small">${t(lang, 'changesIntro')}</p>
<form class="inline" method="get" action="${teamHref(d.team.slug)}/workload">
<input type="hidden" name="name" value="${d.workload}">
${d.environment ? html`<input type="hidden" name="environment" value="${d.environment}">` : ''}
<input type="hidden" name="snapshot" value="${d.shown.id}">
<div><label for="from">${t(lang, 'compareFrom')}</label><select id="from" name="from">${options(before.id)}</select></div>
<div><label for="to">${t(lang, 'compareTo')}</label><select id="to" name="to">${options(after.id)}</select></div>
<button class="button secondary" type="submit">${t(lang, 'compare')}</button>
</form>
<h3>${t(lang, 'statusChanges')}</h3>
${diff.statuses.length === 0
    ? html`<p class="muted small">${t(lang, 'noStatusChanges')}</p>`
    : html`<ul class="status-changes">${diff.statuses.map(
        (x) => html`<li data-control="${x.id}"><strong>${x.id}</strong> ${controlTitle(lang, x.id)}: ${statusBadge(lang, x.from)} → ${statusBadge(lang, x.to)}</li>`,
      )}</ul>`}
${table(t(lang, 'findingsAdded'), 'added', diff.added)}
${table(t(lang, 'findingsRemoved'), 'removed', diff.removed)}
</section>`;
}

export function workloadPage(v: View, d: WorkloadPageData): Html {
  const { lang } = v;
  const body = html`<p class="crumbs"><a href="/ui">${t(lang, 'navOverview')}</a> › <a href="${teamHref(d.team.slug)}">${d.team.name}</a> › ${d.workload}</p>
<h1>${t(lang, 'workloadTitle', { workload: d.workload })}</h1>
${snapshotSection(v, d)}
${historySection(v, d)}
${diffSection(v, d)}`;
  return page(v, { title: t(lang, 'workloadTitle', { workload: d.workload }), section: 'overview', body });
}
