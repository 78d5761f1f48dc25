import { describe, expect, it } from 'vitest';
import { CONTROLS } from '../controls/index.ts';
import { controlById } from '../controls/index.ts';
import { CSV_COLUMNS, csvCell, csvReport } from './csv.ts';
import { collect, inChunks, parseCsv, sampleReport } from './testing.ts';

describe('csv', () => {
  it('quotes per RFC 4180 and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(s).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });

  it('writes one row per workload × control, streamed chunk by chunk, and reads back cell for cell', async () => {
    const { plan, workloads } = sampleReport('L2');
    const text = await collect(csvReport(plan.header, inChunks(workloads, 3), 'en'));
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + workloads.length * CONTROLS.length);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const row = (workload: string, control: string) => rows.find((r) => r[col('workload')] === workload && r[col('control')] === control) ?? [];
    expect(row('orders-api', '3.9')[col('status')]).toBe('waived');
    expect(row('orders-api', '3.9')[col('waiver_id')]).toBe(plan.header.waivers[0]?.id);
    expect(row('orders-api', '3.9')[col('workload_meets_level')]).toBe('true');
    const legacy = row('legacy-api', '3.11');
    expect(legacy[col('status')]).toBe('fail');
    expect(legacy[col('in_level')]).toBe('true');
    expect(legacy[col('findings_omitted')]).toBe('2');
    // The finding that starts with "=" is mid-cell here, but the cell as a whole starts with the artifact name.
    expect(legacy[col('deciding_findings')]).toContain('=HYPERLINK("http://x")');
    expect(legacy[col('title')]).toBe(controlById('3.11')?.title.en);
    expect(row('batch-job', '3.5')[col('decided_by')]).toBe((controlById('3.5')?.decidedBy ?? []).join(' '));
    expect(row('checkout-api', '3.4')[col('in_level')]).toBe('false');
  });

  it('uses the German titles with lang=de', async () => {
    const { plan, workloads } = sampleReport('L1');
    const rows = parseCsv(await collect(csvReport(plan.header, inChunks(workloads), 'de')));
    expect(rows.find((r) => r[9] === '3.15')?.[10]).toBe(controlById('3.15')?.title.de);
  });
});
