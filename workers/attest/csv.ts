/**
 * CSV: one row per workload × control (RFC 4180), streamed chunk by chunk. Cells that a
 * spreadsheet would run as a formula get a leading apostrophe (OWASP "CSV injection").
 */
import { controlTitle, findingText, type Lang } from './labels.ts';
import type { ReportHeader, WorkloadReport } from './report.ts';

export const CSV_COLUMNS = [
  'team',
  'workload',
  'environment',
  'snapshot_id',
  'observed_at',
  'content_hash',
  'engine_version',
  'level',
  'workload_meets_level',
  'control',
  'title',
  'in_level',
  'status',
  'waiver_id',
  'deciding_findings',
  'findings_omitted',
  'decided_by',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: neutralised if a spreadsheet would evaluate it, quoted if it holds a quote, comma or line break. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: readonly (string | number | boolean | null | undefined)[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** The fifteen rows of one workload. */
export function workloadRows(header: ReportHeader, w: WorkloadReport, lang: Lang): string {
  const inLevel = new Set<string>(header.levelControls);
  let out = '';
  for (const c of w.controls) {
    out += csvLine([
      w.team,
      w.workload,
      w.environment,
      w.snapshotId,
      w.observedAt,
      w.contentHash,
      w.engineVersion,
      header.level,
      w.compliant,
      c.id,
      controlTitle(c.id, lang),
      inLevel.has(c.id),
      c.status,
      c.waiver ?? '',
      (c.findings ?? []).map((f) => {
        const { location, message } = findingText(f, lang);
        return `${f.artifact} ${location}: ${message}`;
      }).join(' | '),
      c.findingsOmitted ?? 0,
      (c.decidedBy ?? []).join(' '),
    ]);
  }
  return out;
}

/** The whole CSV as a stream of text pieces: the header line, then one piece per chunk of workloads. */
export async function* csvReport(header: ReportHeader, chunks: AsyncIterable<readonly WorkloadReport[]>, lang: Lang): AsyncGenerator<string> {
  yield csvLine(CSV_COLUMNS);
  for await (const chunk of chunks) {
    let piece = '';
    for (const w of chunk) piece += workloadRows(header, w, lang);
    if (piece) yield piece;
  }
}
