/**
 * A plain-text verdict table for terminals and CI logs: one row per control, then whether each
 * level is met. Finding text comes from untrusted artifacts, so control characters (terminal
 * escape sequences among them) are removed before anything is printed.
 */
import type { ControlResult, ControlStatus, EvaluationResult, Level, LevelSummary } from '../model/result.ts';
import { LEVELS } from '../model/result.ts';
import type { Lang } from '../model/text.ts';
import { resultIn } from './localize.ts';

export interface TableOptions {
  /** The language of titles, findings and the words around them; English by default. */
  lang?: Lang;
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
export function toTable(given: EvaluationResult, options: TableOptions = {}): string {
  const lang = options.lang ?? 'en';
  const words = WORDS[lang];
  const result = resultIn(given, lang);
  const paint = (code: string, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const rows = result.controls.map((c) => ({
    id: c.id,
    code: c.status,
    status: words[c.status],
    levels: c.levels.join(' '),
    title: cut(clean(c.title), MAX_TITLE),
    finding: findingCell(c, lang),
  }));
  const header = { id: 'ID', status: words.status, levels: words.levels, title: words.title, finding: { text: words.finding, more: '' } };
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
  for (const r of rows) out.push(line(r, paint(COLORS[r.code], r.status.padEnd(w.status))));
  out.push('');
  for (const level of LEVELS) {
    const s = result.levels[level];
    out.push(`${level}: ${paint(s.compliant ? COLORS.met : COLORS.notMet, levelVerdict(s, lang))}`);
  }
  return out.join('\n') + '\n';
}

/** `met (6 pass)`, `not met (1 fail, 1 unknown)`. */
export function levelVerdict(s: LevelSummary, lang: Lang = 'en'): string {
  const w = WORDS[lang];
  const parts = s.compliant
    ? [`${s.pass} ${w.pass}`, ...(s.waived > 0 ? [`${s.waived} ${w.waived}`] : [])]
    : [...(s.fail > 0 ? [`${s.fail} ${w.fail}`] : []), ...(s.unknown > 0 ? [`${s.unknown} ${w.unknown}`] : [])];
  return `${s.compliant ? w.met : w.notMet} (${parts.join(', ')})`;
}

/** One line summarising a level, e.g. for a CLI that wrote its report to a file. */
export function levelLine(level: Level, s: LevelSummary, lang: Lang = 'en'): string {
  return `${level}: ${levelVerdict(s, lang)}`;
}

const WORDS: Record<Lang, Record<'status' | 'levels' | 'title' | 'finding' | 'pass' | 'fail' | 'unknown' | 'waived' | 'met' | 'notMet' | 'waivedPrefix', string> & {
  more: (n: number) => string;
  noEvidence: (kinds: string) => string;
}> = {
  en: {
    status: 'STATUS', levels: 'LEVELS', title: 'TITLE', finding: 'FINDING', pass: 'pass', fail: 'fail', unknown: 'unknown',
    waived: 'waived', met: 'met', notMet: 'not met', waivedPrefix: 'waived: ',
    more: (n) => ` (+${n} more)`, noEvidence: (k) => `no evidence (needs ${k})`,
  },
  de: {
    status: 'STATUS', levels: 'STUFEN', title: 'TITEL', finding: 'BEFUND', pass: 'erfüllt', fail: 'nicht erfüllt', unknown: 'unbekannt',
    waived: 'ausgenommen', met: 'erfüllt', notMet: 'nicht erfüllt', waivedPrefix: 'ausgenommen: ',
    more: (n) => ` (+${n} weitere)`, noEvidence: (k) => `kein Nachweis (braucht ${k})`,
  },
};

/** The first finding that explains the status, and how many more there are (kept when cut). */
function findingCell(c: ControlResult, lang: Lang): { text: string; more: string } {
  const w = WORDS[lang];
  const wanted = c.status === 'waived' ? 'fail' : c.status;
  const relevant = c.findings.filter((f) => f.status === wanted);
  const first = relevant[0];
  if (!first) {
    const text = c.status === 'unknown' && c.decidedBy?.length ? w.noEvidence(c.decidedBy.join(', ')) : '';
    return { text, more: '' };
  }
  const where = [first.artifact, first.container ? `[${first.container}]` : '', first.location]
    .filter((s) => s !== '')
    .join(' ');
  const more = relevant.length > 1 ? w.more(relevant.length - 1) : '';
  return { text: clean(`${c.status === 'waived' ? w.waivedPrefix : ''}${where}: ${first.message}`), more };
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
