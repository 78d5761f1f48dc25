/**
 * The PDF report, laid out as an auditor's report: the verdict and what it rests on (scope, level,
 * moment, the signing key and the SHA-256 of the signed statement), summary tables, the waivers
 * relied on, stale workloads, a sign-off block; then an appendix with each workload's evidence
 * from a new page, and one with the level's requirements. pdf-lib (pure JavaScript, so it runs in
 * Workers too) with DejaVu fonts embedded (subset), tagged for accessibility (pdf-writer.ts). The
 * signed statement, when there is a signing key, is attached to the file.
 */
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type RGB } from 'pdf-lib';
import type { ReportFonts } from './fonts.ts';
import { codeParts, controlText, controlTitle, findingText, humanDate, humanDateTime, type Labels, labels, type Lang, resultOf, scopeText } from './labels.ts';
import { type Cell, COLORS, plain, type Rich, writer } from './pdf-writer.ts';
import { type ControlVerdict, excerptText, type PlannedWorkload, type ReportHeader, type WorkloadReport } from './report.ts';
import { yieldEvery } from './yield.ts';

/** What the signature says about this report: the key and the digest of the statement it signed. */
export interface PdfSignature {
  keyid: string;
  /** Hex SHA-256 of the DSSE payload (the in-toto statement, as signed). */
  statementSha256: string;
  /** The DSSE envelope, attached to the PDF. */
  envelope: Uint8Array;
  filename: string;
}

export interface PdfOptions {
  fonts: ReportFonts;
  /** Absent when the service has no signing key: the report says so. */
  signature?: PdfSignature | null;
}

const STATUS_COLOR: Record<ControlVerdict['status'], RGB> = COLORS;

/** Engine text with backticks: the code in the mono font, the ticks gone. */
export function rich(text: string, font: 'regular' | 'bold' = 'regular'): Rich {
  return codeParts(text).map((p) => ({ text: p.text, font: p.code ? 'mono' : font }));
}

const cell = (text: string, o: { mono?: boolean; color?: RGB; bold?: boolean } = {}): Cell => ({
  rich: o.mono ? plain(text, 'mono') : rich(text, o.bold ? 'bold' : 'regular'),
  ...(o.color ? { color: o.color } : {}),
});

/**
 * Renders the whole report. `workloads` must be complete (PDF cannot be streamed with pdf-lib);
 * `planned` gives the overview table in the same order.
 */
export async function renderPdf(
  header: ReportHeader,
  planned: readonly PlannedWorkload[],
  workloads: readonly WorkloadReport[],
  lang: Lang,
  o: PdfOptions,
): Promise<Uint8Array> {
  const l = labels(lang);
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  // A turn for others every 25 table rows, workloads or pages: an org-wide report is thousands.
  const pause = yieldEvery(25);
  const w = writer(
    doc,
    {
      regular: await doc.embedFont(o.fonts.regular, { subset: true }),
      bold: await doc.embedFont(o.fonts.bold, { subset: true }),
      mono: await doc.embedFont(o.fonts.mono, { subset: true }),
    },
    pause,
  );
  const scope = scopeText(header.scope, l);
  const result = resultOf(header.verdict);
  const verdictLine =
    result === 'NONE'
      ? l.resultWord.NONE
      : `${l.resultWord[result]}: ${l.verdictText(header.verdict.compliant, header.verdict.total, header.level)}`;
  doc.setTitle(`${l.title}: ${scope}, ${header.level}`, { showInWindowTitleBar: true });
  doc.setSubject(verdictLine);
  doc.setLanguage(lang === 'de' ? 'de-DE' : 'en-GB');
  doc.setCreator(`${header.engine.name} ${header.engine.version}`);
  doc.setProducer('pdf-lib');
  doc.setCreationDate(new Date(header.generatedAt));
  doc.setModificationDate(new Date(header.generatedAt));

  const inLevel = new Set<string>(header.levelControls);
  const sig = o.signature ?? null;

  // The report.
  w.text('H1', plain(l.title, 'bold'), { size: 18, gapAfter: 2 });
  w.text('P', plain(`${scope} · ${header.level} · ${humanDateTime(header.asOf, lang)}`), { size: 10.5, color: COLORS.muted, gapAfter: 10 });
  w.callout(plain(verdictLine, 'bold'), { color: result === 'PASSED' ? COLORS.pass : result === 'FAILED' ? COLORS.fail : COLORS.none, size: 13 });
  if (result === 'NONE') w.text('P', plain(l.emptyScope(header.level)), { size: 9.5, gapAfter: 8 });
  else w.text('P', plain(header.verdict.result === 'PASSED' ? l.passed : l.failed), { size: 9.5, color: COLORS.muted, gapAfter: 8 });

  const facts: [string, Cell][] = [
    [l.scope, cell(scope)],
    [l.level, cell(header.level)],
    [l.asOf, cell(humanDateTime(header.asOf, lang))],
    [l.environment, cell(header.environment ?? l.allEnvironments)],
    [l.engine, cell(`${header.engine.name} ${header.engine.version}`)],
    [l.generated, cell(humanDateTime(header.generatedAt, lang))],
    [l.signingKey, sig ? cell(sig.keyid, { mono: true }) : cell(l.notSigned, { color: COLORS.fail })],
    ...(sig ? ([[l.statementDigest, cell(sig.statementSha256, { mono: true })]] as [string, Cell][]) : []),
  ];
  await w.table(
    [
      { header: '', width: 0.28 },
      { header: '', width: 0.72 },
    ],
    facts.map(([k, v]) => [cell(k, { bold: true }), v]),
    { header: false, rowHeaders: true, size: 9 },
  );
  if (sig) w.text('P', plain(l.signedAttached(sig.filename)), { size: 8, color: COLORS.muted, gapAfter: 6 });

  w.text('H2', plain(l.method, 'bold'), { size: 12, gapBefore: 6, gapAfter: 3 });
  w.list(l.rules(header.level, header.stale.afterDays).map((r) => plain(r)), { size: 8.5, gapAfter: 4 });

  w.text('H2', plain(l.workloads, 'bold'), { size: 12, gapBefore: 6, gapAfter: 3 });
  if (planned.length === 0) w.text('P', plain(l.emptyScope(header.level)), { size: 9 });
  else {
    await w.table(
      [
        { header: l.workload, width: 0.3 },
        { header: l.environmentCol, width: 0.14 },
        { header: l.observed, width: 0.2 },
        { header: `${l.meetsLevel} ${header.level}`, width: 0.13 },
        { header: l.failing, width: 0.23 },
      ],
      planned.map((p) => {
        const notMet = p.controls.filter((c) => inLevel.has(c.id) && (c.status === 'fail' || c.status === 'unknown'));
        return [
          cell(`${p.team}/${p.workload}`),
          cell(p.environment),
          cell(humanDateTime(p.observedAt, lang)),
          cell(p.compliant ? l.yes : l.no, { color: p.compliant ? COLORS.pass : COLORS.fail, bold: true }),
          cell(notMet.map((c) => `${c.id} (${l.status[c.status]})`).join(', ')),
        ];
      }),
      { rowHeaders: true },
    );
  }

  w.text('H2', plain(l.summaryByControl, 'bold'), { size: 12, gapBefore: 6, gapAfter: 3 });
  await w.table(
    [
      { header: l.control, width: 0.36 },
      { header: l.inLevel, width: 0.1 },
      { header: l.status.pass, width: 0.135, align: 'right' },
      { header: l.status.fail, width: 0.135, align: 'right' },
      { header: l.status.waived, width: 0.135, align: 'right' },
      { header: l.status.unknown, width: 0.135, align: 'right' },
    ],
    header.controls.map((c) => [
      cell(`${c.id} ${controlTitle(c.id, lang)}`),
      cell(c.inLevel ? l.yes : l.no),
      cell(String(c.pass)),
      cell(String(c.fail), c.fail > 0 ? { color: COLORS.fail } : {}),
      cell(String(c.waived)),
      cell(String(c.unknown)),
    ]),
    { rowHeaders: true },
  );

  w.text('H2', plain(l.waivers, 'bold'), { size: 12, gapBefore: 6, gapAfter: 3 });
  if (header.waivers.length === 0) w.text('P', plain(l.noWaivers), { size: 9, gapAfter: 6 });
  else {
    await w.table(
      [
        { header: l.control, width: 0.09 },
        { header: l.workloads, width: 0.2 },
        { header: l.justification, width: 0.33 },
        { header: l.approvedBy, width: 0.14 },
        { header: l.expires, width: 0.12 },
        { header: l.covers, width: 0.12 },
      ],
      header.waivers.map((x) => [
        cell(x.control),
        cell(`${x.team}/${x.workloads}${x.environment ? `@${x.environment}` : ''}`, { mono: true }),
        cell(x.justification),
        cell(x.approvedBy, { mono: true }),
        cell(humanDate(x.expiresAt, lang)),
        cell(x.covers.join(', ')),
      ]),
      { rowHeaders: true, size: 8 },
    );
  }

  w.text('H2', plain(l.stale(header.stale.afterDays), 'bold'), { size: 12, gapBefore: 6, gapAfter: 3 });
  if (header.stale.workloads.length === 0) w.text('P', plain(l.noStale), { size: 9, gapAfter: 6 });
  else {
    await w.table(
      [
        { header: l.workload, width: 0.45 },
        { header: l.observed, width: 0.25 },
        { header: l.snapshot, width: 0.3 },
      ],
      header.stale.workloads.map((s) => [
        cell(`${s.team}/${s.workload}@${s.environment}`),
        cell(humanDateTime(s.observedAt, lang)),
        cell(s.snapshotId, { mono: true }),
      ]),
      { rowHeaders: true },
    );
  }

  signOff(w, l);

  // Appendix A: each workload from a new page.
  for (const [i, r] of workloads.entries()) {
    await pause();
    w.newPage();
    if (i === 0) w.text('H1', plain(l.appendixWorkloads, 'bold'), { size: 14, gapAfter: 6 });
    w.text('H2', plain(r.subject, 'bold'), { size: 13, gapAfter: 2 });
    w.text('P', plain(r.compliant ? l.meets(header.level) : l.fails(header.level), 'bold'), {
      size: 10.5,
      color: r.compliant ? COLORS.pass : COLORS.fail,
      gapAfter: 4,
    });
    await w.table(
      [
        { header: '', width: 0.22 },
        { header: '', width: 0.78 },
      ],
      [
        [cell(l.snapshot, { bold: true }), cell(r.snapshotId, { mono: true })],
        [cell(l.observed, { bold: true }), cell(humanDateTime(r.observedAt, lang))],
        [cell(l.contentHash, { bold: true }), cell(r.contentHash, { mono: true })],
        [cell(l.engine, { bold: true }), cell(r.engineVersion ?? '–', { mono: true })],
      ],
      { header: false, rowHeaders: true, size: 8.5 },
    );
    await w.table(
      [
        { header: l.control, width: 0.3 },
        { header: l.status_, width: 0.14 },
        { header: l.evidence, width: 0.56 },
      ],
      r.controls.map((c) => [
        cell(`${c.id} ${controlTitle(c.id, lang)}${inLevel.has(c.id) ? '' : ` (${l.inLevel}: ${l.no})`}`),
        cell(l.status[c.status], { color: STATUS_COLOR[c.status], bold: true }),
        { rich: evidence(c, l, lang) },
      ]),
      { rowHeaders: true, size: 8 },
    );
  }

  // Appendix B: the requirements, in the chosen language (the German is the standard's own text).
  w.newPage();
  w.text('H1', plain(`${l.appendixRequirements} ${header.level}`, 'bold'), { size: 14, gapAfter: 6 });
  for (const id of header.levelControls) {
    w.text('H3', plain(`${id} ${controlTitle(id, lang)}`, 'bold'), { size: 9.5, gapAfter: 1 });
    w.text('P', rich(controlText(id, lang)), { size: 9, indent: 12, gapAfter: 5 });
  }

  const footerLeft = `${l.title} · ${scope} · ${header.level} · ${l.asOf} ${humanDate(header.asOf, lang)}`;
  await w.finish((n, total) => ({ left: footerLeft, right: l.pageOf(n, total) }));
  if (sig) {
    await doc.attach(sig.envelope, sig.filename, {
      mimeType: 'application/json',
      description: l.signature,
      creationDate: new Date(header.generatedAt),
      modificationDate: new Date(header.generatedAt),
    });
  }
  // pdf-lib waits for a timer turn every `objectsPerTick` objects it writes (50 by default: ~2,600
  // timer turns of at least a millisecond each for a 1,000-workload report's 130,000 objects).
  return doc.save({ useObjectStreams: false, objectsPerTick: 1000 });
}

/** A control's evidence in one cell: waiver, deciding findings (code as code), what would decide it. */
function evidence(c: ControlVerdict, l: Labels, lang: Lang): Rich {
  const parts: Rich = [];
  const add = (r: Rich) => {
    if (parts.length > 0) parts.push({ text: '\n', font: 'regular' });
    parts.push(...r);
  };
  if (c.waiver) add(plain(l.waiverApplied(c.waiver)));
  for (const f of c.findings ?? []) {
    const { location, message } = findingText(f, lang);
    add([{ text: `${f.artifact} ${location}${f.container ? ` [${f.container}]` : ''}:`, font: 'mono' }, { text: ' ', font: 'regular' }, ...rich(message)]);
    // The source as it was when the finding was made (it outlives the artifact's text).
    if (f.excerpt) for (const line of excerptText(f.excerpt)) add(plain(line, 'mono'));
  }
  if (c.findingsOmitted) add(plain(l.more(c.findingsOmitted)));
  if (c.decidedBy) add(plain(`${l.missingEvidence}: ${c.decidedBy.join(', ')}`));
  return parts;
}

/** Where the reviewer signs: name, role, date, signature. */
function signOff(w: ReturnType<typeof writer>, l: Labels): void {
  w.need(130);
  w.text('H2', plain(l.signOff, 'bold'), { size: 12, gapBefore: 8, gapAfter: 3 });
  w.text('P', plain(l.signOffText), { size: 9, gapAfter: 10 });
  w.begin('Div');
  const col = 230;
  w.field(l.signOffName, 200, 48);
  w.field(l.signOffRole, 200, 48 + col + 20);
  w.afterFields();
  w.field(l.signOffDate, 200, 48);
  w.field(l.signOffSignature, 200, 48 + col + 20);
  w.afterFields();
  w.end();
}
