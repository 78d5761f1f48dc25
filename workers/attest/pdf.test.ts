import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDocument, PDFRawStream, type PDFRef, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { controlById } from '../controls/index.ts';
import { pdfLiteral, renderPdf, toWinAnsi } from './pdf.ts';
import { sampleReport } from './testing.ts';

/** A page's drawing instructions, inflated, as the Latin-1 text they are written in. */
function pageContent(doc: PDFDocument, index: number): string {
  const contents = doc.getPage(index).node.Contents();
  const refs = contents instanceof PDFArray ? contents.asArray() : [contents];
  return refs
    .map((ref) => {
      const stream = doc.context.lookup(ref as PDFRef);
      if (!(stream instanceof PDFRawStream)) throw new Error('not a raw stream');
      return Buffer.from(inflateSync(stream.contents)).toString('latin1');
    })
    .join('');
}

const helvetica = async () => new Set((await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica)).getCharacterSet());

describe('pdf', () => {
  it('keeps German letters and replaces what WinAnsi cannot encode', async () => {
    const cs = await helvetica();
    expect(toWinAnsi('Prüfung ÄÖÜäöüß – „gut“ €', cs)).toBe('Prüfung ÄÖÜäöüß – „gut“ €');
    expect(toWinAnsi('a → b ≥ c ✓ 中 ő\tx\u0000y', cs)).toBe('a -> b >= c v ? o x y');
  });

  it('writes text as PDF literal strings in Windows-1252', () => {
    expect(pdfLiteral('a(b)\\c')).toBe('(a\\(b\\)\\\\c)');
    expect(pdfLiteral('Prüfung – 5 €')).toBe(`(Pr\u00fcfung \u0096 5 \u0080)`);
  });

  it('renders a summary page, one page per workload and the requirements page; pdf-lib loads it back', async () => {
    const { plan, workloads } = sampleReport('L2');
    for (const lang of ['en', 'de'] as const) {
      const bytes = await renderPdf(plan.header, plan.workloads, workloads, lang);
      expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
      const doc = await PDFDocument.load(bytes);
      expect(doc.getPageCount()).toBe(1 + workloads.length + 1);
      expect(doc.getTitle()).toContain(lang === 'de' ? 'CSVS-V3-Attestierungsbericht' : 'CSVS V3 attestation report');
      // Page 2 is the first workload (sorted): its subject, and each control title in the language.
      const page = pageContent(doc, 1);
      expect(page).toContain('(payments/batch-job@staging)');
      expect(page).toContain(`(3.9 ${controlById('3.9')?.title[lang]}: ${lang === 'de' ? 'unbekannt' : 'unknown'})`);
      expect(pageContent(doc, 0)).toContain(lang === 'de' ? '(Ergebnis: 2 von 4 Workloads erf\u00fcllen L2' : '(Verdict: 2 of 4 workloads meet L2');
    }
  });

  it('continues a workload onto further pages when its findings need them', async () => {
    const { plan, workloads } = sampleReport('L3');
    const first = workloads[0];
    if (!first) throw new Error('fixture');
    const finding = { artifact: 'Dockerfile', kind: 'dockerfile', container: 'app', location: 'line 1', message: 'x'.repeat(300), status: 'fail' as const };
    const crowded = { ...first, controls: first.controls.map((c) => ({ ...c, status: 'fail' as const, findings: Array(5).fill(finding), findingsOmitted: 3 })) };
    const doc = await PDFDocument.load(await renderPdf(plan.header, plan.workloads.slice(0, 1), [crowded], 'en'));
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(4);
    // Every run of text starts inside the page and, at its line height, ends above the bottom margin.
    let runs = 0;
    for (let i = 0; i < doc.getPageCount(); i++) {
      for (const m of pageContent(doc, i).matchAll(/ ([\d.]+) TL ([\d.]+) ([\d.]+) Td (.*?) ET/g)) {
        const [lineHeight, x, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
        const lines = (m[4]?.match(/ Tj T\* /g)?.length ?? 0) + 1;
        runs++;
        expect(x).toBeGreaterThanOrEqual(48);
        expect(y).toBeLessThanOrEqual(841.89 - 48);
        if (y > 20) expect(y - (lines - 1) * lineHeight).toBeGreaterThanOrEqual(48);
      }
    }
    expect(runs).toBeGreaterThan(50);
  });
});
