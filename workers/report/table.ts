/**
 * A plain-text verdict table for terminals and CI logs: one row per control, then whether each
 * level is met. Finding text comes from untrusted artifacts, so control characters (terminal
 * escape sequences among them) are removed before anything is printed.
 */
import type { ControlResult, ControlStatus, EvaluationResult, Level, LevelSummary } from '../model/result.ts';
import { LEVELS } from '../model/result.ts';

export interface TableOptions {
  /** ANSI colours for the status column and level lines. Off unless asked for. */
  color?: boolean;
  /** Maximum line length (a terminal's width); the finding column is cut to fit. Unlimited by default. */
  width?: number;
}

const COLORS: Record<ControlStatus | 'met' | 'notMet', string> = {
  pass: '32',
  fail: '31',
  unknown: '33',
  waived: '36',
  met: '32',
  notMet: '31',
};
const MAX_TITLE = 44;
const MIN_FINDING = 20;

/** Renders the verdict table. Pure. */
export function toTable(result: EvaluationResult, options: TableOptions = {}): string {
  const paint = (code: string, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const rows = result.controls.map((c) => ({
    id: c.id,
    status: c.status,
    levels: c.levels.join(' '),
    title: cut(clean(c.title), MAX_TITLE),
    finding: findingCell(c),
  }));
  const header = { id: 'ID', status: 'STATUS', levels: 'LEVELS', title: 'TITLE', finding: { text: 'FINDING', more: '' } };
  const w = {
    id: widest([header, ...rows].map((r) => r.id)),
    status: widest([header, ...rows].map((r) => r.status)),
    levels: widest([header, ...rows].map((r) => r.levels)),
    title: widest([header, ...rows].map((r) => r.title)),
  };
  const prefix = w.id + w.status + w.levels + w.title + 8;
  const findingWidth = Math.max(MIN_FINDING, (options.width ?? Infinity) - prefix);
  const line = (r: typeof header, status: string) =>
    [r.id.padEnd(w.id), status, r.levels.padEnd(w.levels), r.title.padEnd(w.title), fit(r.finding, findingWidth)]
      .join('  ')
      .trimEnd();
  const out = [line(header, header.status.padEnd(w.status))];
  for (const r of rows) out.push(line(r, paint(COLORS[r.status], r.status.padEnd(w.status))));
  out.push('');
  for (const level of LEVELS) {
    const s = result.levels[level];
    out.push(`${level}: ${paint(s.compliant ? COLORS.met : COLORS.notMet, levelVerdict(s))}`);
  }
  return out.join('\n') + '\n';
}

/** `met (6 pass)`, `not met (1 fail, 1 unknown)`. */
export function levelVerdict(s: LevelSummary): string {
  const parts = s.compliant
    ? [`${s.pass} pass`, ...(s.waived > 0 ? [`${s.waived} waived`] : [])]
    : [...(s.fail > 0 ? [`${s.fail} fail`] : []), ...(s.unknown > 0 ? [`${s.unknown} unknown`] : [])];
  return `${s.compliant ? 'met' : 'not met'} (${parts.join(', ')})`;
}

/** One line summarising a level, e.g. for a CLI that wrote its report to a file. */
export function levelLine(level: Level, s: LevelSummary): string {
  return `${level}: ${levelVerdict(s)}`;
}

/** The first finding that explains the status, and how many more there are (kept when cut). */
function findingCell(c: ControlResult): { text: string; more: string } {
  const wanted = c.status === 'waived' ? 'fail' : c.status;
  const relevant = c.findings.filter((f) => f.status === wanted);
  const first = relevant[0];
  if (!first) {
    const text = c.status === 'unknown' && c.decidedBy?.length ? `no evidence (needs ${c.decidedBy.join(', ')})` : '';
    return { text, more: '' };
  }
  const where = [first.artifact, first.container ? `[${first.container}]` : '', first.location]
    .filter((s) => s !== '')
    .join(' ');
  const more = relevant.length > 1 ? ` (+${relevant.length - 1} more)` : '';
  return { text: clean(`${c.status === 'waived' ? 'waived: ' : ''}${where}: ${first.message}`), more };
}

// C0, DEL and C1 controls: ESC alone would let an artifact repaint or retitle the terminal.
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]+/g;

function clean(s: string): string {
  return s.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' ').trim();
}

function fit(cell: { text: string; more: string }, max: number): string {
  return cut(cell.text, Math.max(1, max - cell.more.length)) + cell.more;
}

function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function widest(values: string[]): number {
  return Math.max(...values.map((v) => v.length));
}
