/**
 * The PDF report, checked the way a reader meets it: its text as poppler's pdftotext extracts it
 * (tables, dates in the language, page totals, the key and digest), its pages rendered by pdftoppm,
 * and its structure (tagged, fonts embedded, the signed statement attached). The poppler tools
 * come from Debian (`apt-get install -y poppler-utils`); without them those checks are skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef } from 'pdf-lib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { nodeReportFonts } from '../../api/node-deps.ts';
import { controlById } from '../controls/index.ts';
import { verifyEnvelope } from './dsse.ts';
import { ephemeralSigner } from './keys.ts';
import { type PdfSignature, renderPdf, rich } from './pdf.ts';
import { planReport } from './report.ts';
import { buildStatement, signStatement } from './statement.ts';
import { AS_OF, sampleReport } from './testing.ts';

const POPPLER = ['/usr/bin/pdftotext', '/usr/bin/pdftoppm'].every((p) => existsSync(p));
if (!POPPLER) console.warn('[pdf] skipping text extraction and rendering checks: install poppler-utils (apt-get install -y poppler-utils)');

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempFile(bytes: Uint8Array): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'csvs-pdf-'));
  dirs.push(dir);
  const file = join(dir, 'report.pdf');
  await writeFile(file, bytes);
  return { dir, file };
}

/** The text of the PDF as pdftotext reads it (layout kept, so table rows stay on their lines). */
async function text(bytes: Uint8Array): Promise<string> {
  const { file } = await tempFile(bytes);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

async function signature(): Promise<PdfSignature & { jwk: { kid: string; x: string } }> {
  const signer = await ephemeralSigner();
  const { plan, workloads } = sampleReport('L2');
  const envelope = await signStatement(await buildStatement(plan.header, workloads), signer);
  return {
    keyid: signer.keyid,
    statementSha256: 'c'.repeat(64),
    envelope: new TextEncoder().encode(JSON.stringify(envelope)),
    filename: 'csvs-attestation-payments-L2.dsse.json',
    jwk: { kid: signer.keyid, x: signer.publicJwk.x },
  };
}

describe('pdf', () => {
  it('turns backticks into code, not characters on the page', () => {
    expect(rich('Use `COPY` instead of `ADD`.')).toEqual([
      { text: 'Use ', font: 'regular' },
      { text: 'COPY', font: 'mono' },
      { text: ' instead of ', font: 'regular' },
      { text: 'ADD', font: 'mono' },
      { text: '.', font: 'regular' },
    ]);
    expect(rich('an odd ` tick')).toEqual([{ text: 'an odd ` tick', font: 'regular' }]);
  });

  it('renders the report, one appendix page per workload and the requirements; tagged, fonts embedded', async () => {
    const { plan, workloads } = sampleReport('L2');
    const fonts = await nodeReportFonts();
    for (const lang of ['en', 'de'] as const) {
      const bytes = await renderPdf(plan.header, plan.workloads, workloads, lang, { fonts });
      const doc = await PDFDocument.load(bytes);
      // Two report pages, one per workload, one of requirements.
      expect(doc.getPageCount()).toBe(2 + workloads.length + 1);
      expect(doc.getTitle()).toContain(lang === 'de' ? 'CSVS-V3-Attestierungsbericht' : 'CSVS V3 attestation report');
      // Tagged: a structure tree, marked content, the language.
      const catalog = doc.catalog;
      expect(catalog.get(PDFName.of('StructTreeRoot'))).toBeInstanceOf(PDFRef);
      expect(String(catalog.lookup(PDFName.of('MarkInfo'), PDFDict).get(PDFName.of('Marked')))).toBe('true');
      expect(String(catalog.get(PDFName.of('Lang')))).toContain(lang);
      const types = new Set<string>();
      for (const [, obj] of doc.context.enumerateIndirectObjects()) {
        if (obj instanceof PDFDict && String(obj.get(PDFName.of('Type'))) === '/StructElem') types.add(String(obj.get(PDFName.of('S'))));
      }
      for (const t of ['/Document', '/H1', '/H2', '/P', '/Table', '/TR', '/TH', '/TD', '/L', '/LI']) expect(types, t).toContain(t);
      // The fonts are embedded TrueType (FontFile2), not the standard 14.
      const embedded = [...doc.context.enumerateIndirectObjects()].filter(([, o]) => o instanceof PDFDict && o.has(PDFName.of('FontFile2')));
      expect(embedded.length).toBe(3);
    }
  });

  it.skipIf(!POPPLER)('quotes the line stored with a finding, numbered, under the finding', async () => {
    const { plan, workloads } = sampleReport('L2');
    const fonts = await nodeReportFonts();
    const pdf = await text(await renderPdf(plan.header, plan.workloads, workloads, 'en', { fonts }));
    // pdftotext gives runs of spaces as one; the finding's own line follows it (not the lines around).
    expect(pdf).toMatch(/ADD fetches[^\n]*\n[^\n]*"remote" content[^\n]*\n +> 3 +ADD https:\/\/example\.com\/app\.tgz \/srv\/app\.tgz\n/);
    expect(pdf).not.toContain('WORKDIR /srv');
  });

  it.skipIf(!POPPLER)('reads like a report: tables, human dates, page N of M, no backticks, in both languages', async () => {
    const { plan, workloads } = sampleReport('L2');
    const fonts = await nodeReportFonts();
    const sig = await signature();
    const en = await text(await renderPdf(plan.header, plan.workloads, workloads, 'en', { fonts, signature: sig }));
    const pages = 2 + workloads.length + 1;
    for (let n = 1; n <= pages; n++) expect(en).toContain(`Page ${n} of ${pages}`);
    expect(en).toContain('NOT PASSED: 2 of 4 workloads meet L2');
    expect(en).toContain('28 November 2026 at 10:00 UTC');
    expect(en).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(en).not.toContain('`');
    expect(en).not.toContain(' | ');
    // A table row keeps its cells on one line, in columns.
    expect(en).toMatch(/payments\/legacy-api +prod +28 November 2026 +no +3\.11 \(fail\)/);
    expect(en).toMatch(/3\.11 COPY instead of ADD +yes +3 +1 +0 +0/);
    expect(en).toContain(sig.keyid);
    expect(en).toContain(sig.statementSha256);
    expect(en).toMatch(/Sign-off[\s\S]*Name[\s\S]*Role[\s\S]*Date[\s\S]*Signature/);
    // Full Unicode: the finding's arrow, tick and accented letters print as written.
    expect(en).toContain('→ replace with COPY ✓');

    const de = await text(await renderPdf(plan.header, plan.workloads, workloads, 'de', { fonts }));
    expect(de).toContain(`Seite 1 von ${pages}`);
    expect(de).toContain('NICHT BESTANDEN: 2 von 4 Workloads erfüllen L2');
    expect(de).toContain('28. November 2026 um 10:00 UTC');
    expect(de).toContain('Freigabe');
    expect(de).toContain('Nicht signiert');
    expect(de).toContain(`3.9 ${controlById('3.9')?.title.de}`);
  });

  it.skipIf(!POPPLER)('says an empty scope plainly instead of "FAILED 0 of 0"', async () => {
    const plan = planReport({
      scope: { type: 'team', teams: ['payments'] },
      level: 'L2',
      asOf: AS_OF,
      generatedAt: AS_OF,
      environment: null,
      staleAfterDays: 30,
      fresh: [],
      stale: [],
      waivers: new Map(),
    });
    const fonts = await nodeReportFonts();
    const en = await text(await renderPdf(plan.header, [], [], 'en', { fonts }));
    expect(en).toContain('NO VERDICT');
    expect(en).toContain('No workloads in scope');
    expect(en).toContain('This is not a pass.');
    expect(en).not.toMatch(/0 of 0|FAILED/);
    const de = await text(await renderPdf(plan.header, [], [], 'de', { fonts }));
    expect(de).toContain('KEIN ERGEBNIS');
    expect(de).not.toMatch(/0 von 0/);
  });

  it.skipIf(!POPPLER)('renders every page with pdftoppm', async () => {
    const { plan, workloads } = sampleReport('L3');
    const bytes = await renderPdf(plan.header, plan.workloads, workloads, 'de', { fonts: await nodeReportFonts() });
    const { dir, file } = await tempFile(bytes);
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '30', file, join(dir, 'page')]);
    const pngs = (await readdir(dir)).filter((f) => f.endsWith('.png'));
    expect(pngs).toHaveLength((await PDFDocument.load(bytes)).getPageCount());
    for (const png of pngs) expect((await readFile(join(dir, png))).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('carries the signed statement it names, as an attachment that verifies', async () => {
    const { plan, workloads } = sampleReport('L2');
    const sig = await signature();
    const doc = await PDFDocument.load(await renderPdf(plan.header, plan.workloads, workloads, 'en', { fonts: await nodeReportFonts(), signature: sig }));
    const files = [...doc.context.enumerateIndirectObjects()]
      .map(([, o]) => o)
      .filter((o): o is PDFRawStream => o instanceof PDFRawStream && String(o.dict.get(PDFName.of('Type'))) === '/EmbeddedFile');
    expect(files).toHaveLength(1);
    const { inflateSync } = await import('node:zlib');
    const raw = files[0]?.contents ?? new Uint8Array();
    const body = String(files[0]?.dict.get(PDFName.of('Filter'))) === '/FlateDecode' ? inflateSync(raw) : raw;
    const envelope = JSON.parse(Buffer.from(body).toString('utf8'));
    expect(envelope.payload).toBe(JSON.parse(new TextDecoder().decode(sig.envelope)).payload);
    const result = await verifyEnvelope(envelope, [sig.jwk]);
    expect(result.ok).toBe(true);
  });

  it.skipIf(!POPPLER)('continues a long table onto further pages, header repeated', async () => {
    const { plan, workloads } = sampleReport('L3');
    const first = workloads[0];
    if (!first) throw new Error('fixture');
    const finding = { artifact: 'Dockerfile', kind: 'dockerfile', container: 'app', location: 'line 1', message: 'x '.repeat(150), status: 'fail' as const };
    const crowded = { ...first, controls: first.controls.map((c) => ({ ...c, status: 'fail' as const, findings: Array(5).fill(finding), findingsOmitted: 3 })) };
    const bytes = await renderPdf(plan.header, plan.workloads.slice(0, 1), [crowded], 'en', { fonts: await nodeReportFonts() });
    const pages = (await PDFDocument.load(bytes)).getPageCount();
    expect(pages).toBeGreaterThanOrEqual(5);
    const all = await text(bytes);
    expect(all).toContain(`Page ${pages} of ${pages}`);
    // The evidence table's header on the appendix's every page.
    const appendix = all.split('\f').slice(2, -2);
    for (const p of appendix) expect(p).toMatch(/Control +Status +Evidence/);
  });
});

describe('a large report leaves the event loop to others', () => {
  /**
   * Not a timing: a stand-in for other tenants' requests takes a turn whenever the event loop is
   * free (each turn is one `setImmediate`, as an incoming request's I/O callback would be), and
   * the test counts the turns it got while the report was laid out, before pdf-lib's `save`
   * (which yields on its own) began. Laid out in one synchronous stretch, that count is 0.
   */
  it('serves others while it lays out hundreds of workloads, not only while pdf-lib saves', async () => {
    const { plan, workloads } = sampleReport('L2');
    const N = 120;
    const many = Array.from({ length: N }, (_, i) => workloads[i % workloads.length]).map((r, i) => (r ? { ...r, workload: `w${i}`, subject: `payments/w${i}` } : r));
    const planned = Array.from({ length: N }, (_, i) => plan.workloads[i % plan.workloads.length]).map((p, i) => (p ? { ...p, workload: `w${i}` } : p));
    const fonts = await nodeReportFonts();

    let turns = 0;
    let turnsBeforeSave: number | null = null;
    const save = PDFDocument.prototype.save;
    const spy = vi.spyOn(PDFDocument.prototype, 'save').mockImplementation(function (this: PDFDocument, ...args: Parameters<PDFDocument['save']>) {
      turnsBeforeSave ??= turns;
      return save.apply(this, args);
    });
    let rendering = true;
    const others = (async () => {
      while (rendering) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turns += 1;
      }
    })();
    try {
      const bytes = await renderPdf(plan.header, planned as typeof plan.workloads, many as typeof workloads, 'en', { fonts });
      // One appendix page per workload at least: the whole report was made.
      expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThan(N + 2);
    } finally {
      rendering = false;
      spy.mockRestore();
    }
    await others;
    // At least a turn per 25 workloads of the appendix, besides those of the overview's rows.
    expect(turnsBeforeSave).toBeGreaterThanOrEqual(N / 25);
  }, 60_000);
});
