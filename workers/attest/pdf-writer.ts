/**
 * A small typesetter for the PDF report on top of pdf-lib: flowing paragraphs, headings, lists and
 * tables (header repeated on each page, rows split only when one is taller than a page), embedded
 * TrueType fonts, "page N of M" footers, and a structure tree so the PDF is tagged: every piece of
 * text sits in marked content under a structure element (H1, P, Table > TR > TH/TD, L > LI), and
 * rules, fills and footers are artifacts. It writes each page's content stream itself instead of
 * calling drawText per line, which for a thousand-page report would build several objects per line.
 */
import {
  type PDFDocument,
  type PDFFont,
  PDFName,
  PDFNumber,
  type PDFPage,
  type PDFRef,
  rgb,
  typedArrayFor,
  type RGB,
} from 'pdf-lib';
import { yieldEvery } from './yield.ts';

export const A4: [number, number] = [595.28, 841.89];
export const MARGIN = 48;
const TOP = A4[1] - MARGIN;
const BOTTOM = MARGIN + 14;
export const WIDTH = A4[0] - 2 * MARGIN;

export type FontName = 'regular' | 'bold' | 'mono';
export type Fonts = Record<FontName, PDFFont>;

/** A run of text in one font. */
export interface Seg {
  text: string;
  font: FontName;
}
/** Text with code in it: segments, drawn one after the other and wrapped as one. */
export type Rich = Seg[];

export const COLORS = {
  text: rgb(0.12, 0.14, 0.16),
  muted: rgb(0.34, 0.38, 0.42),
  rule: rgb(0.8, 0.82, 0.85),
  head: rgb(0.93, 0.94, 0.96),
  pass: rgb(0.1, 0.45, 0.2),
  fail: rgb(0.66, 0.12, 0.08),
  waived: rgb(0.55, 0.36, 0),
  unknown: rgb(0.34, 0.38, 0.42),
  none: rgb(0.3, 0.33, 0.38),
};

export interface TextStyle {
  size?: number;
  font?: FontName;
  color?: RGB;
  indent?: number;
  gapBefore?: number;
  gapAfter?: number;
}

export interface Cell {
  rich: Rich;
  color?: RGB;
}

export interface Column {
  header: string;
  /** Share of the table's width. */
  width: number;
  align?: 'left' | 'right';
}

interface MarkedRef {
  page: number;
  mcid: number;
}

interface Elem {
  type: string;
  ref: PDFRef;
  kids: (Elem | MarkedRef)[];
  /** Attributes (a TH's scope). */
  scope?: 'Column' | 'Row';
}

interface PageState {
  page: PDFPage;
  ops: string[];
  fontKeys: Map<FontName, string>;
  /** Index = MCID: the element each piece of marked content belongs to. */
  mcids: Elem[];
}

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, ''));
const fillOp = (c: RGB): string => `${num(c.red)} ${num(c.green)} ${num(c.blue)} rg`;
const strokeOp = (c: RGB): string => `${num(c.red)} ${num(c.green)} ${num(c.blue)} RG`;

/** Text as segments: plain text in one font. */
export function plain(text: string, font: FontName = 'regular'): Rich {
  return [{ text, font }];
}

/**
 * `pause` is awaited once per table row and per page finished: the renderer passes one that gives
 * the event loop a turn every so often, so that laying out thousands of rows is not one
 * synchronous stretch.
 */
export function writer(doc: PDFDocument, fonts: Fonts, pause: () => Promise<void> = async () => {}) {
  const charsets = new Map<FontName, Set<number>>(
    (Object.keys(fonts) as FontName[]).map((name) => [name, new Set(fonts[name].getCharacterSet())]),
  );
  const advances = new Map<FontName, Map<string, number>>((Object.keys(fonts) as FontName[]).map((n) => [n, new Map()]));
  const glyphHex = new Map<FontName, Map<string, string>>((Object.keys(fonts) as FontName[]).map((n) => [n, new Map()]));
  const pages: PageState[] = [];
  let y = TOP;

  const root: Elem = { type: 'Document', ref: doc.context.nextRef(), kids: [] };
  const open: Elem[] = [root];
  const current = (): Elem => open[open.length - 1] ?? root;

  /** Drawable text for a font: control characters as spaces, characters it lacks as U+FFFD. */
  const clean = (text: string, font: FontName): string => {
    const set = charsets.get(font);
    let out = '';
    for (const ch of text.normalize('NFC')) {
      const cp = ch.codePointAt(0) ?? 0x3f;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += ' ';
      else if (!set || set.has(cp)) out += ch;
      else out += set.has(0xfffd) ? '\ufffd' : '?';
    }
    return out;
  };

  const measure = (text: string, font: FontName, size: number): number => {
    const cache = advances.get(font);
    let units = 0;
    for (const ch of text) {
      let a = cache?.get(ch);
      if (a === undefined) {
        a = fonts[font].widthOfTextAtSize(ch, 1000);
        cache?.set(ch, a);
      }
      units += a;
    }
    return (units * size) / 1000;
  };

  const page = (): PageState => {
    const p = pages[pages.length - 1];
    return p ?? newPage();
  };

  const fontKey = (p: PageState, font: FontName): string => {
    let key = p.fontKeys.get(font);
    if (!key) {
      key = p.page.node.newFontDictionary(fonts[font].name, fonts[font].ref).asString();
      p.fontKeys.set(font, key);
    }
    return key;
  };

  function newPage(): PageState {
    const p: PageState = { page: doc.addPage(A4), ops: [], fontKeys: new Map(), mcids: [] };
    pages.push(p);
    y = TOP;
    return p;
  }

  /** Marked content of `elem` on the current page. */
  const marked = (elem: Elem, draw: (p: PageState) => void): void => {
    const p = page();
    const mcid = p.mcids.length;
    p.mcids.push(elem);
    elem.kids.push({ page: pages.length - 1, mcid });
    p.ops.push(`/${elem.type} <</MCID ${mcid}>> BDC\n`);
    draw(p);
    p.ops.push('EMC\n');
  };

  const artifact = (p: PageState, ops: string): void => {
    p.ops.push(`/Artifact BMC\n${ops}EMC\n`);
  };

  /**
   * A text's glyph ids in the font subset, as the hex string a Tj shows, one character at a time
   * as `measure` counts them. pdf-lib's encodeText shapes every string with the font's OpenType
   * tables (DejaVu's are large): 15 s of a 1,000-workload report went there. Per character, each
   * is shaped once per font, and what is drawn is exactly what was measured.
   */
  const encode = (text: string, font: FontName): string => {
    const cache = glyphHex.get(font);
    let hex = '';
    for (const ch of text) {
      let h = cache?.get(ch);
      if (h === undefined) {
        h = fonts[font].encodeText(ch).toString().slice(1, -1);
        cache?.set(ch, h);
      }
      hex += h;
    }
    return `<${hex}>`;
  };

  const lineOps = (p: PageState, line: Rich, x: number, baseline: number, size: number, color: RGB): string => {
    let out = `BT ${fillOp(color)} ${num(x)} ${num(baseline)} Td`;
    for (const seg of line) {
      if (!seg.text) continue;
      out += ` ${fontKey(p, seg.font)} ${num(size)} Tf ${encode(seg.text, seg.font)} Tj`;
    }
    return `${out} ET\n`;
  };

  /** Wraps rich text to a width; words longer than the width (digests, paths) are cut hard. */
  const wrap = (rich: Rich, size: number, width: number): Rich[] => {
    // Words keep their font; a word may span segments (`a`b → one word, two fonts). "\n" breaks the line.
    type Piece = Seg & { w: number };
    const BREAK: Piece = { text: '', font: 'regular', w: 0 };
    const words: Piece[][] = [[]];
    for (const seg of rich) {
      const text = seg.text.split('\n').map((t) => clean(t, seg.font)).join('\n');
      text.split(/( |\n)/).forEach((part) => {
        if (part === ' ') words.push([]);
        else if (part === '\n') words.push([BREAK], []);
        else if (part) words[words.length - 1]?.push({ text: part, font: seg.font, w: measure(part, seg.font, size) });
      });
    }
    const lines: Rich[] = [];
    let line: Piece[] = [];
    let lineW = 0;
    const push = () => {
      lines.push(merge(line));
      line = [];
      lineW = 0;
    };
    for (const word of words) {
      if (word.length === 0) continue;
      if (word[0] === BREAK) {
        push();
        continue;
      }
      const space = line.length > 0 ? measure(' ', line[line.length - 1]?.font ?? 'regular', size) : 0;
      const w = word.reduce((a, p) => a + p.w, 0);
      if (line.length > 0 && lineW + space + w <= width) {
        line.push({ text: ' ', font: line[line.length - 1]?.font ?? 'regular', w: space }, ...word);
        lineW += space + w;
        continue;
      }
      if (line.length > 0) push();
      if (w <= width) {
        line.push(...word);
        lineW = w;
        continue;
      }
      // Cut the long word character by character.
      for (const piece of word) {
        for (const ch of piece.text) {
          const cw = measure(ch, piece.font, size);
          if (lineW + cw > width && line.length > 0) push();
          line.push({ text: ch, font: piece.font, w: cw });
          lineW += cw;
        }
      }
    }
    if (line.length > 0 || lines.length === 0) push();
    return lines;
  };

  return {
    measure,
    wrap,
    newPage(): void {
      newPage();
    },
    /** Opens a structure element under the current one (ended with `end`). */
    begin(type: string, o: { scope?: 'Column' | 'Row' } = {}): Elem {
      const elem: Elem = { type, ref: doc.context.nextRef(), kids: [], ...(o.scope ? { scope: o.scope } : {}) };
      current().kids.push(elem);
      open.push(elem);
      return elem;
    },
    end(): void {
      if (open.length > 1) open.pop();
    },
    gap(h: number): void {
      y -= h;
    },
    /** Starts a new page unless `h` points still fit on this one. */
    need(h: number): void {
      if (pages.length === 0 || y - h < BOTTOM) newPage();
    },
    /** A paragraph (or heading) as one structure element, wrapped, flowing across pages. */
    text(type: string, rich: Rich, style: TextStyle = {}): void {
      const size = style.size ?? 9;
      const lh = size * 1.32;
      const indent = style.indent ?? 0;
      const color = style.color ?? COLORS.text;
      y -= style.gapBefore ?? 0;
      const lines = wrap(rich, size, WIDTH - indent);
      const elem = this.begin(type);
      let i = 0;
      while (i < lines.length) {
        if (pages.length === 0 || y - lh < BOTTOM) newPage();
        marked(elem, (p) => {
          while (i < lines.length && y - lh >= BOTTOM) {
            const line = lines[i] ?? [];
            p.ops.push(lineOps(p, line, MARGIN + indent, y - size, size, color));
            y -= lh;
            i++;
          }
        });
      }
      this.end();
      y -= style.gapAfter ?? 0;
    },
    /** A bulleted list: L > LI > Lbl + LBody. */
    list(items: Rich[], style: TextStyle = {}): void {
      const size = style.size ?? 9;
      this.begin('L');
      for (const item of items) {
        this.begin('LI');
        const lh = size * 1.32;
        this.need(lh);
        const lbl = this.begin('Lbl');
        marked(lbl, (p) => p.ops.push(lineOps(p, plain('•'), MARGIN + 4, y - size, size, COLORS.text)));
        this.end();
        this.text('LBody', item, { ...style, indent: 14 });
        this.end();
      }
      this.end();
      y -= style.gapAfter ?? 0;
    },
    /** A coloured bar with text beside it: the verdict. */
    callout(rich: Rich, o: { color: RGB; size?: number; font?: FontName }): void {
      const size = o.size ?? 12;
      const lines = wrap(rich.map((s) => ({ ...s, font: o.font ?? s.font })), size, WIDTH - 16);
      const lh = size * 1.3;
      const h = lines.length * lh + 12;
      this.need(h);
      const p = page();
      artifact(p, `q ${fillOp(o.color)} ${num(MARGIN)} ${num(y - h)} 4 ${num(h)} re f Q\n`);
      const elem = this.begin('P');
      let top = y - 6;
      marked(elem, (pg) => {
        for (const line of lines) {
          pg.ops.push(lineOps(pg, line, MARGIN + 14, top - size, size, o.color));
          top -= lh;
        }
      });
      this.end();
      y -= h + 6;
    },
    /**
     * A table: header row (repeated as an artifact on continuation pages), rows that move to the
     * next page whole unless one is taller than a page, rules between rows.
     */
    async table(columns: readonly Column[], rows: readonly Cell[][], o: { size?: number; header?: boolean; rowHeaders?: boolean } = {}): Promise<void> {
      const size = o.size ?? 8.5;
      const lh = size * 1.3;
      const pad = 3.5;
      const widths = columns.map((c) => c.width * WIDTH);
      const xs = widths.map((_, i) => MARGIN + widths.slice(0, i).reduce((a, b) => a + b, 0));
      const layout = (cells: readonly Cell[], bold = false) =>
        cells.map((c, i) => wrap(bold ? c.rich.map((s) => ({ ...s, font: 'bold' as const })) : c.rich, size, (widths[i] ?? 0) - 2 * pad));
      const showHeader = o.header !== false;
      const headCells = columns.map((c) => ({ rich: plain(c.header, 'bold') }));
      const headLines = layout(headCells, true);
      const headH = Math.max(...headLines.map((l) => l.length)) * lh + 2 * pad;
      const table = this.begin('Table');

      const drawRow = (
        lines: Rich[][],
        cells: readonly Cell[],
        elems: Elem[] | null,
        h: number,
        fill: RGB | null,
        from: number,
        count: number,
      ) => {
        const p = page();
        const top = y;
        artifact(
          p,
          `q ${fill ? `${fillOp(fill)} ${num(MARGIN)} ${num(top - h)} ${num(WIDTH)} ${num(h)} re f ` : ''}${strokeOp(COLORS.rule)} 0.5 w ${num(MARGIN)} ${num(top - h)} m ${num(MARGIN + WIDTH)} ${num(top - h)} l S Q\n`,
        );
        lines.forEach((cellLines, ci) => {
          const col = columns[ci];
          const draw = (pg: PageState) => {
            let baseTop = top - pad;
            for (const line of cellLines.slice(from, from + count)) {
              const w = line.reduce((a, s) => a + measure(s.text, s.font, size), 0);
              const x = col?.align === 'right' ? (xs[ci] ?? 0) + (widths[ci] ?? 0) - pad - w : (xs[ci] ?? 0) + pad;
              pg.ops.push(lineOps(pg, line, x, baseTop - size, size, cells[ci]?.color ?? COLORS.text));
              baseTop -= lh;
            }
          };
          const elem = elems?.[ci];
          if (elem) {
            if (cellLines.slice(from, from + count).some((l) => l.some((s) => s.text.trim() !== ''))) marked(elem, draw);
          } else {
            const ops: string[] = [];
            draw({ ...p, ops });
            artifact(p, ops.join(''));
          }
        });
        y -= h;
      };

      const header = (asArtifact: boolean) => {
        if (!showHeader) return;
        if (asArtifact) {
          drawRow(headLines, headCells, null, headH, COLORS.head, 0, Infinity);
          return;
        }
        const tr = this.begin('TR');
        const ths = columns.map(() => {
          const th = this.begin('TH', { scope: 'Column' });
          this.end();
          return th;
        });
        drawRow(headLines, headCells, ths, headH, COLORS.head, 0, Infinity);
        this.end();
        void tr;
      };

      this.need(headH + lh + 2 * pad);
      header(false);
      for (const cells of rows) {
        await pause();
        const lines = layout(cells);
        const total = Math.max(1, ...lines.map((l) => l.length));
        const tr = this.begin('TR');
        const elems = cells.map((_, ci) => {
          const cell = this.begin(ci === 0 && o.rowHeaders ? 'TH' : 'TD', ci === 0 && o.rowHeaders ? { scope: 'Row' } : {});
          this.end();
          return cell;
        });
        let from = 0;
        while (from < total) {
          const left = total - from;
          const fits = Math.floor((y - BOTTOM - 2 * pad) / lh);
          const onFresh = Math.floor((TOP - BOTTOM - headH - 2 * pad) / lh);
          if (fits < left && (fits < 1 || left <= onFresh) && from === 0) {
            newPage();
            header(true);
            continue;
          }
          const count = Math.min(left, Math.max(1, fits));
          drawRow(lines, cells, elems, count * lh + 2 * pad, null, from, count);
          from += count;
          if (from < total) {
            newPage();
            header(true);
          }
        }
        this.end();
        void tr;
      }
      this.end();
      void table;
      y -= 8;
    },
    /** Blank lines to write on (the sign-off), drawn as artifacts under a label. */
    field(label: string, width: number, x: number): void {
      const p = page();
      const elem = this.begin('P');
      marked(elem, (pg) => pg.ops.push(lineOps(pg, plain(label), x, y - 8, 8, COLORS.muted)));
      this.end();
      artifact(p, `q ${strokeOp(COLORS.muted)} 0.6 w ${num(x)} ${num(y - 34)} m ${num(x + width)} ${num(y - 34)} l S Q\n`);
    },
    /** Moves down past a row of fields. */
    afterFields(): void {
      y -= 44;
    },
    /** Writes every page, the footers ("page N of M") and the structure tree; call once, before saving. */
    async finish(footer: (n: number, total: number) => { left: string; right: string }): Promise<void> {
      const total = pages.length;
      for (const [i, p] of pages.entries()) {
        await pause();
        const f = footer(i + 1, total);
        const size = 7.5;
        const right = clean(f.right, 'regular');
        const rw = measure(right, 'regular', size);
        const left = wrap(plain(f.left), size, WIDTH - rw - 16)[0] ?? [];
        artifact(
          p,
          `q ${strokeOp(COLORS.rule)} 0.5 w ${num(MARGIN)} ${num(MARGIN + 2)} m ${num(MARGIN + WIDTH)} ${num(MARGIN + 2)} l S Q\n` +
            lineOps(p, left, MARGIN, MARGIN - 8, size, COLORS.muted) +
            lineOps(p, plain(right), MARGIN + WIDTH - rw, MARGIN - 8, size, COLORS.muted),
        );
        p.page.node.set(PDFName.of('StructParents'), PDFNumber.of(i));
        p.page.node.set(PDFName.of('Tabs'), PDFName.of('S'));
      }
      // Compressed by the runtime's zlib (CompressionStream, off the main thread), a few pages at a
      // time; pdf-lib's own flateStream deflates in JavaScript (pako), a third of a large report's time.
      for (let at = 0; at < pages.length; at += 8) {
        const batch = pages.slice(at, at + 8);
        const zipped = await Promise.all(batch.map((p) => deflate(typedArrayFor(p.ops.join('')))));
        batch.forEach((p, k) => {
          p.page.node.addContentStream(doc.context.register(doc.context.stream(zipped[k] ?? new Uint8Array(), { Filter: 'FlateDecode' })));
          p.ops.length = 0;
        });
      }
      await writeStructure(doc, root, pages);
    },
    pageCount: () => pages.length,
  };
}

/** zlib-wrapped deflate (what FlateDecode reads), by the runtime: Node and Workers both have CompressionStream. */
async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function merge(pieces: readonly Seg[]): Rich {
  const out: Seg[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && last.font === p.font) last.text += p.text;
    else out.push({ text: p.text, font: p.font });
  }
  return out;
}

/** The structure tree: StructTreeRoot > Document > …, the parent tree from MCIDs back to elements. */
/**
 * The structure tree: one element per heading, paragraph, table, row and cell, about a million for
 * an org-wide report, so the walk gives the event loop a turn every thousand elements.
 */
async function writeStructure(doc: PDFDocument, root: Elem, pages: readonly PageState[]): Promise<void> {
  const step = yieldEvery(1000);
  const ctx = doc.context;
  const treeRef = ctx.nextRef();
  const pageRefs = pages.map((p) => p.page.ref);
  const assign = async (elem: Elem, parent: PDFRef): Promise<void> => {
    await step();
    const kids = [];
    for (const k of elem.kids) {
      if ('type' in k) {
        await assign(k, elem.ref);
        kids.push(k.ref);
      } else kids.push(ctx.obj({ Type: 'MCR', Pg: pageRefs[k.page] ?? null, MCID: k.mcid }));
    }
    const dict: Record<string, unknown> = { Type: 'StructElem', S: elem.type, P: parent, K: kids };
    const firstPage = elem.kids.find((k): k is MarkedRef => !('type' in k));
    if (firstPage) dict.Pg = pageRefs[firstPage.page];
    if (elem.scope) dict.A = ctx.obj({ O: 'Table', Scope: elem.scope });
    ctx.assign(elem.ref, ctx.obj(dict as Parameters<typeof ctx.obj>[0]));
  };
  await assign(root, treeRef);
  const nums: unknown[] = [];
  pages.forEach((p, i) => {
    nums.push(i, ctx.obj(p.mcids.map((e) => e.ref)));
  });
  const parentTree = ctx.register(ctx.obj({ Nums: nums as Parameters<typeof ctx.obj>[0] }));
  ctx.assign(treeRef, ctx.obj({ Type: 'StructTreeRoot', K: [root.ref], ParentTree: parentTree, ParentTreeNextKey: pages.length }));
  doc.catalog.set(PDFName.of('StructTreeRoot'), treeRef);
  doc.catalog.set(PDFName.of('MarkInfo'), ctx.obj({ Marked: true }));
  doc.catalog.set(PDFName.of('ViewerPreferences'), ctx.obj({ DisplayDocTitle: true }));
}
