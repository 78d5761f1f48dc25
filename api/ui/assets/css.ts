/**
 * The dashboard's stylesheet, served as /ui/assets/app.css (a file, so the CSP needs no
 * 'unsafe-inline'). System fonts only: nothing is fetched from outside. Status colours pair a
 * tinted background with dark text of at least 4.5:1 contrast, and always come with a label.
 */
export const APP_CSS = `
:root {
  --bg: #f5f6f8; --surface: #fff; --text: #1b2330; --muted: #505a68; --border: #d5dae1;
  --accent: #1a56b0; --accent-dark: #123f82; --head: #16202d;
  --pass-bg: #e1f2e5; --pass: #1b5a28; --fail-bg: #fbe3e3; --fail: #8c1b1b;
  --waived-bg: #fcefcf; --waived: #664600; --unknown-bg: #e9ecf0; --unknown: #3a4350;
  --radius: 8px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
  color: var(--text); background: var(--bg); line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; font-size: 15px; }
a { color: var(--accent); }
a:hover { color: var(--accent-dark); }
:focus-visible { outline: 3px solid #f2b600; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
.skip + .skip:focus { top: 2.6rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }

header.top { background: var(--head); color: #fff; }
header.top .bar { max-width: 1360px; margin: 0 auto; padding: .65rem 1.25rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
header.top a { color: #fff; text-decoration: none; }
header.top a:hover, header.top a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
.brand { font-weight: 700; letter-spacing: .01em; display: flex; gap: .5rem; align-items: center; }
.brand svg { display: block; }
nav.main ul { list-style: none; display: flex; gap: 1.1rem; margin: 0; padding: 0; }
.who { margin-left: auto; display: flex; gap: 1rem; align-items: center; font-size: .9rem; color: #d8dee8; flex-wrap: wrap; }
.who form { margin: 0; }
.who button { background: transparent; color: #fff; border: 1px solid #8d9ab0; border-radius: 6px; padding: .25rem .7rem; font: inherit; cursor: pointer; }
.who button:hover { background: #2b3747; }

main { max-width: 1360px; margin: 0 auto; padding: 1.25rem; }
h1 { font-size: 1.6rem; margin: .3rem 0 .2rem; }
h1 .slug { font-size: 1rem; font-weight: 400; }
h2 { font-size: 1.2rem; margin: 0 0 .6rem; }
h3 { font-size: 1.02rem; margin: 0 0 .4rem; }
.lead { color: var(--muted); margin: 0 0 1.1rem; max-width: 70ch; }
.crumbs { font-size: .9rem; color: var(--muted); margin: 0; }
.crumbs a { color: var(--muted); }
section.card, .card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1rem 1.15rem; margin: 0 0 1.1rem; }
.muted { color: var(--muted); }
th .muted { font-weight: 400; }
.card h3 { margin-top: 1.1rem; }
.card h2 + h3, .card form + h3 { margin-top: .4rem; }
.badge.big { font-size: 1.3rem; padding: .15rem .8rem; }
.small { font-size: .88rem; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .86em; }

.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .9rem; margin: 0 0 1.1rem; }
.stat { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: .85rem 1rem; }
.stat .label { font-size: .85rem; color: var(--muted); margin: 0; }
.stat .value { font-size: 1.9rem; font-weight: 700; margin: .1rem 0; }
.stat .detail { font-size: .88rem; margin: 0; }
.meter { height: 8px; background: #e3e7ec; border-radius: 4px; overflow: hidden; margin-top: .45rem; }
.meter svg { display: block; }
.meter .fill { fill: var(--accent); }

table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .55rem; border-bottom: 1px solid var(--border); vertical-align: top; }
thead th { font-size: .84rem; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--border); }
tbody tr:hover { background: #f9fafb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; position: relative; }
caption { text-align: left; font-weight: 600; padding: 0 0 .4rem; }

.badge { display: inline-flex; gap: .3em; align-items: center; border-radius: 999px; padding: .08rem .55rem; font-size: .82rem; font-weight: 600; white-space: nowrap; border: 1px solid transparent; text-decoration: none; }
a.badge:hover { text-decoration: underline; }
.badge.pass { background: var(--pass-bg); color: var(--pass); border-color: #b5dcbf; }
.badge.fail { background: var(--fail-bg); color: var(--fail); border-color: #efb9b9; }
.badge.waived { background: var(--waived-bg); color: var(--waived); border-color: #ecd28f; }
.badge.unknown { background: var(--unknown-bg); color: var(--unknown); border-color: #cdd3db; }
.badge.stale { background: #ede7f6; color: #4a2a80; border-color: #d3c4ee; }
.badge.soon { background: #fff0e0; color: #7a3a00; border-color: #f2c99a; }

table.grid { width: auto; min-width: 100%; }
table.grid th.wl { position: sticky; left: 0; z-index: 1; background: var(--surface); min-width: 11rem; max-width: 17rem; font-weight: 600; overflow-wrap: anywhere; box-shadow: inset -1px 0 0 var(--border); }
table.grid thead th.wl { vertical-align: bottom; }
table.grid tbody tr:hover th.wl { background: #f9fafb; }
table.grid .wl-meta { display: block; font-weight: 400; }
table.grid th.wl .levels-inline { margin-top: .25rem; }
table.grid th.wl .levels-inline .badge { font-size: .7rem; padding: 0 .35rem; }
table.grid th.ctl, table.grid td.cell { text-align: center; padding: .4rem .12rem; vertical-align: middle; min-width: 2.4rem; }
table.grid th.ctl { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.grid th.ctl abbr { text-decoration: none; cursor: help; }
.sym { display: inline-flex; align-items: center; justify-content: center; gap: .25em; min-width: 1.8rem; height: 1.8rem; padding: 0 .2rem; border-radius: 6px; font-weight: 700; font-size: .95rem; line-height: 1; text-decoration: none; border: 1px solid transparent; }
a.sym:hover { text-decoration: none; box-shadow: 0 0 0 2px var(--accent); }
.sym.pass { background: var(--pass-bg); color: var(--pass); border-color: #b5dcbf; }
.sym.fail { background: var(--fail-bg); color: var(--fail); border-color: #efb9b9; }
.sym.waived { background: var(--waived-bg); color: var(--waived); border-color: #ecd28f; }
.sym.unknown { background: var(--unknown-bg); color: var(--unknown); border-color: #cdd3db; }
.sym .ctl-label { display: none; font-size: .74rem; font-weight: 600; }
.sym-legend { list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; margin: 0 0 .5rem; padding: 0; }
.sym-legend li { display: inline-flex; gap: .4rem; align-items: center; }
.sym-legend .sym { min-width: 1.5rem; height: 1.5rem; font-size: .85rem; }
form.inline .check { display: flex; gap: .4rem; align-items: center; padding-bottom: .45rem; }
form.inline .check label { margin: 0; }
form.inline .check input { width: 1.1rem; height: 1.1rem; margin: 0; }
.control-list { list-style: none; margin: .9rem 0 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: .35rem .9rem; }
.control-list li { display: flex; gap: .5rem; align-items: baseline; }
.control-list .badge { min-width: 6.2rem; justify-content: flex-start; }
.ctl-id { font-weight: 700; font-variant-numeric: tabular-nums; }
table.findings { table-layout: fixed; min-width: 720px; }
table.findings col.c-status { width: 8.5rem; }
table.findings col.c-artifact { width: 22%; }
table.findings col.c-location { width: 22%; }
table.findings td { overflow-wrap: anywhere; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; background: #eef1f5; border-radius: 3px; padding: 0 .25em; }

.levels-inline { display: flex; gap: .35rem; flex-wrap: wrap; }

.spark { display: block; margin: .25rem 0 0 auto; max-width: 100%; height: auto; }
.spark .base { stroke: #d5dae1; stroke-width: 1; }
table.ranking td.level { min-width: 12rem; }
table.ranking td.level strong { font-size: 1.05rem; }
table.ranking .slug { display: block; font-weight: 400; }
/* Team names are free text (up to 200 characters, maybe without a space): they wrap, the page never scrolls sideways. */
table.ranking th.team { overflow-wrap: anywhere; min-width: 8rem; }
table.ranking .level-head .legend-item { justify-content: flex-end; }
table.ranking td.never { color: var(--muted); font-style: italic; vertical-align: middle; }
.change { display: block; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.change.up { color: var(--pass); }
.change.down { color: var(--fail); }
.change.same, .change.none { color: var(--muted); font-weight: 400; }
.lvl-name { display: none; }
.chart { margin: 0; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .grid line { stroke: #e1e5ea; stroke-width: 1; }
.chart text { font-size: 12px; fill: #505a68; }
.legend { display: flex; gap: 1.2rem; flex-wrap: wrap; font-size: .88rem; margin-top: .4rem; }
.legend-item { display: inline-flex; gap: .4rem; align-items: center; }
.legend svg { width: 28px; height: 10px; }
.series-L1 { stroke: #1a56b0; fill: #1a56b0; }
.series-L2 { stroke: #7a3fb0; fill: #7a3fb0; }
.series-L3 { stroke: #c2410c; fill: #c2410c; }
.series-pass { stroke: #23772f; fill: #23772f; }
.series-fail { stroke: #c62828; fill: #c62828; }
.series-waived { stroke: #a86b00; fill: #a86b00; }
.series-unknown { stroke: #6b7280; fill: #6b7280; }
.legend svg line { stroke: inherit; }

form.inline { display: flex; gap: .8rem; align-items: end; flex-wrap: wrap; margin: 0 0 .8rem; }
form.inline > div { min-width: 0; max-width: 100%; }
label { font-size: .88rem; font-weight: 600; display: block; margin-bottom: .2rem; }
input, select { font: inherit; padding: .4rem .55rem; border: 1px solid #8a94a3; border-radius: 6px; background: #fff; color: var(--text); }
/* A select is as wide as its longest option (a team's name may be 200 characters): never wider than its column. */
select { max-width: 100%; }
button.primary, .button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: .45rem 1rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.primary:hover, .button:hover { background: var(--accent-dark); color: #fff; }
.button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
.downloads { display: flex; gap: .6rem; flex-wrap: wrap; margin: .6rem 0; }

.signin { max-width: 440px; margin: 3rem auto; }
.signin input { width: 100%; }
.signin button { margin-top: .9rem; }
.notice { border-left: 4px solid var(--accent); background: #eef3fb; padding: .6rem .8rem; margin: 0 0 1rem; border-radius: 4px; }
.notice.error { border-color: var(--fail); background: var(--fail-bg); color: var(--fail); }

.control { border-top: 1px solid var(--border); padding: .9rem 0 .5rem; scroll-margin-top: 1rem; }
.control:first-of-type { border-top: 0; }
.control:target { background: #fffbe8; box-shadow: 0 0 0 6px #fffbe8; }
.control header { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
.control .fix { margin: .4rem 0 0; }
.control details { margin-top: .35rem; }
.findings td { font-size: .9rem; }
pre.excerpt { margin: .3rem 0 0; padding: .3rem 0; background: #f3f5f8; border: 1px solid var(--border); border-radius: 4px; font-size: .8rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.excerpt code { display: block; background: none; padding: 0 .45rem; border-radius: 0; }
pre.excerpt code.hit { background: #fde7b0; font-weight: 600; }
pre.excerpt .ln { display: inline-block; min-width: 2.2em; color: var(--muted); user-select: none; }
.since { margin: .25rem 0; }
ul.covers { list-style: none; margin: 0; padding: 0; }
td.actions { white-space: nowrap; }
td.actions form { display: inline; margin-left: .6rem; }
button.link { background: none; border: 0; padding: 0; font: inherit; color: var(--accent); text-decoration: underline; cursor: pointer; }
button.link.danger { color: var(--fail); }
form.stacked > div { margin-bottom: .9rem; max-width: 42rem; }
form.stacked input:not([type=checkbox]), form.stacked select, form.stacked textarea { width: 100%; font: inherit; }
textarea { padding: .4rem .55rem; border: 1px solid #8a94a3; border-radius: 6px; }
.hint { font-size: .82rem; color: var(--muted); margin: .2rem 0 0; }
.field-error { color: var(--fail); font-size: .85rem; font-weight: 600; margin: .2rem 0 0; }
[aria-invalid="true"] { border-color: var(--fail); box-shadow: 0 0 0 1px var(--fail); }
.actions a { margin-left: .8rem; }
table.audit td { overflow-wrap: anywhere; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1.1rem; }
.columns > .card { margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
figure.chart.phone { display: none; }

/* Phones: cards instead of wide tables, charts drawn for the width, nothing scrolls sideways. */
@media (max-width: 40rem) {
  body { font-size: 15px; }
  header.top .bar { gap: .5rem 1rem; padding: .6rem .8rem; }
  .who { margin-left: 0; gap: .6rem; }
  main { padding: .8rem; }
  section.card, .card { padding: .8rem; }
  figure.chart.wide { display: none; }
  figure.chart.phone { display: block; }
  .stats { grid-template-columns: 1fr 1fr; gap: .6rem; }
  .stat .value { font-size: 1.5rem; }
  table.ranking thead, table.grid thead, table.findings thead, table.findings colgroup { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.ranking, table.ranking tbody, table.ranking tr, table.ranking th, table.ranking td,
  table.grid, table.grid tbody, table.grid tr, table.grid th.wl,
  table.findings, table.findings tbody, table.findings tr, table.findings td { display: block; width: auto; min-width: 0; max-width: none; }
  table.ranking tr, table.grid tr, table.findings tr { border: 1px solid var(--border); border-radius: var(--radius); padding: .5rem .6rem; margin: 0 0 .6rem; }
  table.ranking th, table.ranking td, table.grid th.wl, table.findings td { border: 0; padding: .2rem 0; text-align: left; }
  table.ranking td.rank { float: right; color: var(--muted); }
  table.ranking td.level { display: grid; grid-template-columns: 2.2rem auto 1fr; align-items: center; gap: .1rem .5rem; }
  table.ranking td.level .change { grid-column: 2 / 4; }
  table.ranking td.level .spark { grid-column: 1 / 4; width: 100%; margin: 0; }
  .lvl-name { display: inline; font-weight: 700; color: var(--muted); }
  table.ranking td[data-figure="workloads"] .lvl-name { margin-right: .4rem; }
  table.grid { min-width: 0; }
  table.grid th.wl { position: static; box-shadow: none; }
  table.grid td.cell { display: inline-block; border: 0; padding: .15rem; min-width: 0; }
  table.grid .sym { min-width: 3.7rem; justify-content: space-between; padding: 0 .35rem; }
  table.grid .sym .ctl-label { display: inline; }
  table.findings { table-layout: auto; }
  .control-list { grid-template-columns: 1fr; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .3rem; overflow-wrap: anywhere; }
  form.inline > div, form.inline select { max-width: 100%; }
  form.inline select { width: 100%; }
  td.actions { white-space: normal; }
  code, .mono { overflow-wrap: anywhere; word-break: break-all; }
  .badge { white-space: normal; }
  .downloads .button { width: 100%; text-align: center; }
}
footer.page { max-width: 1360px; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: .85rem; }
`;
