/**
 * The PDF report with pdf-lib (pure JavaScript, so it runs in Workers too) and the standard
 * Helvetica fonts. Those encode WinAnsi only: German umlauts and ß are in it, anything else is
 * mapped to a close ASCII form or "?" before drawing, so no text can make rendering fail.
 * Layout: a summary (page 1 onward), each workload from a new page, the level's requirements last.
 */
import { yieldEvery } from './yield.ts';
import { type PDFFont, type PDFPage, PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import { controlText, controlTitle, type Labels, labels, type Lang, scopeText } from './labels.ts';
import type { ControlVerdict, PlannedWorkload, ReportHeader, WorkloadReport } from './report.ts';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const FOOTER = 28;
const WIDTH = A4[0] - 2 * MARGIN;

const COLORS = {
  text: rgb(0.12, 0.14, 0.16),
  muted: rgb(0.34, 0.38, 0.42),
  pass: rgb(0.1, 0.5, 0.22),
  fail: rgb(0.7, 0.14, 0.09),
  waived: rgb(0.6, 0.4, 0),
  unknown: rgb(0.34, 0.38, 0.42),
};

const statusColor = (s: ControlVerdict['status']) => COLORS[s];

/** Close WinAnsi stand-ins for characters findings and names are likely to hold. */
const REPLACEMENTS: Record<string, string> = {
  '→': '->', '←': '<-', '⇒': '=>', '≥': '>=', '≤': '<=', '≠': '!=', '✓': 'v', '✔': 'v', '✗': 'x', '✘': 'x',
  '\u00a0': ' ', '\u2009': ' ', '\u202f': ' ', '\u2010': '-', '\u2011': '-', '\u2212': '-', 'ẞ': 'SS',
};

interface Style {
  size?: number;
  bold?: boolean;
  mono?: boolean;
  indent?: number;
  color?: ReturnType<typeof rgb>;
  gapAfter?: number;
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

/** Makes text drawable with a standard font: control characters become spaces, the unencodable a stand-in. */
export function toWinAnsi(text: string, supported: ReadonlySet<number>): string {
  // Most text (ids, paths, English messages) is printable ASCII, which every standard font encodes.
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += ' ';
    else if (supported.has(cp)) out += ch;
    else out += REPLACEMENTS[ch] ?? fold(ch, supported);
  }
  return out;
}

/** Strips accents the font lacks (ő → o) before giving up with "?". */
function fold(ch: string, supported: ReadonlySet<number>): string {
  const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return base.length > 0 && [...base].every((c) => supported.has(c.codePointAt(0) ?? 0)) ? base : '?';
}

/** Text widths from per-character advances, measured once per font (pdf-lib re-encodes on every call). */
function measurer(font: PDFFont): (text: string, size: number) => number {
  const advance = new Map<string, number>();
  return (text, size) => {
    let units = 0;
    for (const ch of text) {
      let a = advance.get(ch);
      if (a === undefined) {
        a = font.widthOfTextAtSize(ch, 1000);
        advance.set(ch, a);
      }
      units += a;
    }
    return (units * size) / 1000;
  };
}

/** Unicode → Windows-1252 for the 27 characters the code page puts at 0x80–0x9F; the rest of Latin-1 maps to itself. */
const CP1252_HIGH: Record<string, number> = {
  '€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c,
  'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b,
  'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
};

/**
 * A PDF literal string of WinAnsi text (as toWinAnsi leaves it): bytes as Latin-1 characters, which
 * is how pdf-lib turns a content stream string into bytes; `\`, `(` and `)` escaped.
 */
export function pdfLiteral(text: string): string {
  let out = '(';
  for (const ch of text) {
    if (ch === '\\' || ch === '(' || ch === ')') out += `\\${ch}`;
    else {
      const cp = ch.codePointAt(0) ?? 0x3f;
      out += cp < 0x80 || (cp >= 0xa0 && cp <= 0xff) ? ch : String.fromCharCode(CP1252_HIGH[ch] ?? 0x3f);
    }
  }
  return `${out})`;
}

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, ''));
const colorOp = (c: ReturnType<typeof rgb>): string => `${num(c.red)} ${num(c.green)} ${num(c.blue)} rg`;

interface Run {
  font: PDFFont;
  size: number;
  color: ReturnType<typeof rgb>;
  x: number;
  /** Baseline of the first line. */
  y: number;
  /** Baseline of the last line: the next one joins the run only if it follows right below. */
  lastY: number;
  lineHeight: number;
  lines: string[];
}

/**
 * A flowing text writer: wraps to the column, starts new pages, numbers them. It writes each
 * page's content stream itself (BT … Tj T* … ET per run of equally styled lines) instead of
 * calling drawText per line: a thousand-page report has tens of thousands of lines, and pdf-lib
 * builds several objects for every one of them.
 */
function writer(doc: PDFDocument, fonts: Fonts, l: Labels, footer: string) {
  const supported = new Set(fonts.regular.getCharacterSet());
  const widths = new Map<PDFFont, (text: string, size: number) => number>(
    [fonts.regular, fonts.bold, fonts.mono].map((f) => [f, measurer(f)]),
  );
  let page: PDFPage | null = null;
  let fontKeys = new Map<PDFFont, string>();
  let ops: string[] = [];
  let y = 0;
  let pageNo = 0;
  let run: Run | null = null;

  const fontKey = (font: PDFFont): string => {
    let key = fontKeys.get(font);
    if (!key && page) {
      key = page.node.newFontDictionary(font.name, font.ref).asString();
      fontKeys.set(font, key);
    }
    return key ?? '/F0';
  };

  const emit = (r: Run) => {
    const body = r.lines.map(pdfLiteral).join(' Tj T* ');
    ops.push(`BT ${fontKey(r.font)} ${num(r.size)} Tf ${colorOp(r.color)} ${num(r.lineHeight)} TL ${num(r.x)} ${num(r.y)} Td ${body} Tj ET\n`);
  };

  const flush = () => {
    if (run) emit(run);
    run = null;
  };

  const closePage = () => {
    flush();
    if (!page) return;
    const stream = doc.context.flateStream(ops.join(''));
    page.node.addContentStream(doc.context.register(stream));
    ops = [];
  };

  const newPage = (): PDFPage => {
    closePage();
    page = doc.addPage(A4);
    fontKeys = new Map();
    pageNo++;
    y = A4[1] - MARGIN;
    emit({ font: fonts.regular, size: 7.5, color: COLORS.muted, x: MARGIN, y: FOOTER - 8, lastY: 0, lineHeight: 0, lines: [toWinAnsi(`${footer}  ·  ${l.page(pageNo)}`, supported)] });
    return page;
  };

  const wrap = (text: string, font: PDFFont, size: number, width: number): string[] => {
    const measure = widths.get(font) ?? ((t: string, s: number) => font.widthOfTextAtSize(t, s));
    const lines: string[] = [];
    const space = measure(' ', size);
    let line = '';
    let lineWidth = 0;
    for (const word of text.split(' ')) {
      let w = measure(word, size);
      let rest = word;
      // A word longer than the column (a digest, a path) is cut hard.
      while (w > width) {
        let cut = Math.max(1, Math.floor((rest.length * width) / w));
        while (cut > 1 && measure(rest.slice(0, cut), size) > width) cut--;
        if (line) lines.push(line);
        lines.push(rest.slice(0, cut));
        line = '';
        lineWidth = 0;
        rest = rest.slice(cut);
        w = measure(rest, size);
      }
      if (!line) {
        line = rest;
        lineWidth = w;
      } else if (lineWidth + space + w <= width) {
        line += ` ${rest}`;
        lineWidth += space + w;
      } else {
        lines.push(line);
        line = rest;
        lineWidth = w;
      }
    }
    if (line || lines.length === 0) lines.push(line);
    return lines;
  };

  return {
    newPage,
    /** Draws a paragraph, wrapped, and moves below it. */
    text(raw: string, style: Style = {}): void {
      const size = style.size ?? 9;
      const font = style.mono ? fonts.mono : style.bold ? fonts.bold : fonts.regular;
      const x = MARGIN + (style.indent ?? 0);
      const color = style.color ?? COLORS.text;
      const lineHeight = size * 1.3;
      for (const line of wrap(toWinAnsi(raw, supported), font, size, WIDTH - (style.indent ?? 0))) {
        if (page === null || y - lineHeight < MARGIN) newPage();
        y -= lineHeight;
        const r: Run | null = run;
        if (r && r.font === font && r.size === size && r.color === color && r.x === x && r.lastY - lineHeight === y) {
          r.lines.push(line);
          r.lastY = y;
        } else {
          flush();
          run = { font, size, color, x, y, lastY: y, lineHeight, lines: [line] };
        }
      }
      y -= style.gapAfter ?? 0;
    },
    gap(h: number): void {
      y -= h;
    },
    /** Writes the last page's content; call before saving. */
    finish: closePage,
  };
}

/**
 * Renders the whole report. `workloads` must be complete (PDF cannot be streamed with pdf-lib);
 * `planned` gives the overview table in the same order.
 */
export async function renderPdf(
  header: ReportHeader,
  planned: readonly PlannedWorkload[],
  workloads: readonly WorkloadReport[],
  lang: Lang,
): Promise<Uint8Array> {
  const l = labels(lang);
  const doc = await PDFDocument.create();
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const scope = scopeText(header.scope, l);
  doc.setTitle(`${l.title}: ${scope}, ${header.level}`);
  doc.setSubject(l.verdictText(header.verdict.compliant, header.verdict.total, header.level));
  doc.setLanguage(lang);
  doc.setCreator(`${header.engine.name} ${header.engine.version}`);
  doc.setProducer('pdf-lib');
  doc.setCreationDate(new Date(header.generatedAt));
  doc.setModificationDate(new Date(header.generatedAt));

  const w = writer(doc, fonts, l, `${l.title} · ${scope} · ${header.level} · ${l.asOf} ${header.asOf}`);
  const inLevel = new Set<string>(header.levelControls);

  // Summary
  w.text(l.title, { size: 18, bold: true, gapAfter: 6 });
  for (const [k, v] of [
    [l.scope, scope],
    [l.level, header.level],
    [l.asOf, header.asOf],
    [l.environment, header.environment ?? l.allEnvironments],
    [l.engine, `${header.engine.name} ${header.engine.version}`],
    [l.generated, header.generatedAt],
  ] as const) {
    w.text(`${k}: ${v}`, { size: 10 });
  }
  w.gap(6);
  w.text(`${l.verdict}: ${l.verdictText(header.verdict.compliant, header.verdict.total, header.level)} (${header.verdict.result === 'PASSED' ? l.passed : l.failed})`, {
    size: 12,
    bold: true,
    color: header.verdict.result === 'PASSED' ? COLORS.pass : COLORS.fail,
    gapAfter: 4,
  });
  w.text(l.unsigned, { size: 8, color: COLORS.muted, gapAfter: 6 });
  w.text(l.method, { size: 10, bold: true, gapAfter: 1 });
  for (const rule of l.rules(header.level, header.stale.afterDays)) w.text(`- ${rule}`, { size: 8.5, indent: 6 });
  w.gap(8);

  w.text(l.summaryByControl, { size: 12, bold: true, gapAfter: 2 });
  w.text(`${l.control} | ${l.inLevel} | ${l.status.pass} / ${l.status.fail} / ${l.status.waived} / ${l.status.unknown}`, { size: 8, color: COLORS.muted });
  for (const c of header.controls) {
    w.text(`${c.id} ${controlTitle(c.id, lang)} | ${c.inLevel ? l.yes : l.no} | ${c.pass} / ${c.fail} / ${c.waived} / ${c.unknown}`, { size: 9 });
  }
  w.gap(8);

  w.text(l.workloads, { size: 12, bold: true, gapAfter: 2 });
  if (planned.length === 0) w.text(l.noWorkloads);
  const breathe = yieldEvery(200);
  for (const p of planned) {
    await breathe();
    const notMet = p.controls.filter((c) => inLevel.has(c.id) && (c.status === 'fail' || c.status === 'unknown')).map((c) => c.id);
    w.text(`${p.subject}: ${p.compliant ? `${l.meetsLevel} ${header.level}` : `${l.failing} ${header.level} (${notMet.join(', ')})`}`, {
      size: 9,
      color: p.compliant ? COLORS.pass : COLORS.fail,
    });
  }
  w.gap(8);

  w.text(l.waivers, { size: 12, bold: true, gapAfter: 2 });
  if (header.waivers.length === 0) w.text(l.noWaivers);
  for (const x of header.waivers) {
    w.text(`${x.control} · ${x.team}/${x.workloads}${x.environment ? `@${x.environment}` : ''} · ${l.expires} ${x.expiresAt}`, { size: 9, bold: true });
    w.text(`${l.justification}: ${x.justification}`, { size: 9, indent: 12 });
    w.text(`${l.approvedBy}: ${x.approvedBy} · ${x.id}`, { size: 8, indent: 12, color: COLORS.muted });
    w.text(`${l.covers}: ${x.covers.join(', ')}`, { size: 8, indent: 12, gapAfter: 3 });
  }
  w.gap(8);

  w.text(l.stale(header.stale.afterDays), { size: 12, bold: true, gapAfter: 2 });
  if (header.stale.workloads.length === 0) w.text(l.noStale);
  for (const s of header.stale.workloads) w.text(`${s.team}/${s.workload}@${s.environment} · ${l.observed} ${s.observedAt} · ${s.snapshotId}`, { size: 9 });

  // One workload per page (continuing onto more when its findings need them).
  for (const r of workloads) {
    await breathe();
    w.newPage();
    w.text(r.subject, { size: 14, bold: true, gapAfter: 2 });
    w.text(r.compliant ? `${l.meetsLevel} ${header.level}` : `${l.failing} ${header.level}`, {
      size: 11,
      bold: true,
      color: r.compliant ? COLORS.pass : COLORS.fail,
      gapAfter: 4,
    });
    w.text(`${l.snapshot}: ${r.snapshotId}`, { size: 8, mono: true });
    w.text(`${l.observed}: ${r.observedAt}`, { size: 8, mono: true });
    w.text(`${l.contentHash}: ${r.contentHash}`, { size: 8, mono: true });
    w.text(`${l.engine}: ${r.engineVersion ?? ''}`, { size: 8, mono: true, gapAfter: 8 });
    for (const c of r.controls) {
      const mark = inLevel.has(c.id) ? '' : ` (${l.inLevel}: ${l.no})`;
      w.text(`${c.id} ${controlTitle(c.id, lang)}: ${l.status[c.status]}${mark}`, { size: 9.5, bold: true, color: statusColor(c.status) });
      if (c.waiver) w.text(`${l.waivers}: ${c.waiver}`, { size: 8, indent: 12, color: COLORS.muted });
      if (c.decidedBy) w.text(`${l.missingEvidence}: ${c.decidedBy.join(', ')}`, { size: 8, indent: 12, color: COLORS.muted });
      for (const f of c.findings ?? []) {
        w.text(`${f.artifact} ${f.location}${f.container ? ` [${f.container}]` : ''}: ${f.message}`, { size: 8, indent: 12 });
      }
      if (c.findingsOmitted) w.text(l.more(c.findingsOmitted), { size: 8, indent: 12, color: COLORS.muted });
      w.gap(2);
    }
  }

  // The requirements, in the chosen language (the German is the standard's own text).
  w.newPage();
  w.text(`${l.requirements} ${header.level}`, { size: 12, bold: true, gapAfter: 4 });
  for (const id of header.levelControls) {
    w.text(`${id} ${controlTitle(id, lang)}`, { size: 9.5, bold: true });
    w.text(controlText(id, lang), { size: 9, indent: 12, gapAfter: 4 });
  }
  w.finish();
  return doc.save({ useObjectStreams: false });
}
