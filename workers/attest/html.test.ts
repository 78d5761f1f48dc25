import { describe, expect, it } from 'vitest';
import { controlById } from '../controls/index.ts';
import { escapeHtml, htmlReport } from './html.ts';
import { collect, inChunks, sampleReport } from './testing.ts';

describe('html', () => {
  it('is one self-contained printable page: no scripts, nothing fetched, print CSS', async () => {
    const { plan, workloads } = sampleReport('L2');
    const html = await collect(htmlReport(plan.header, plan.workloads, inChunks(workloads), 'en'));
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // Every link stays in the document.
    for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    expect(html).toContain('@media print');
    expect(html).toContain('break-before: page');
    expect(html).toContain('2 of 4 workloads meet L2');
    expect(html).toContain(escapeHtml(controlById('3.9')?.title.en ?? '?'));
    // A finding message is text, never markup.
    expect(html).toContain('=HYPERLINK(&quot;http://x&quot;)');
    expect(html.match(/<section class="workload"/g)).toHaveLength(4);
    expect(html).toContain('old-api');
  });

  it('speaks German with lang=de, with the standard\'s own titles and texts', async () => {
    const { plan, workloads } = sampleReport('L2');
    const html = await collect(htmlReport(plan.header, plan.workloads, inChunks(workloads), 'de'));
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('CSVS-V3-Attestierungsbericht');
    expect(html).toContain('2 von 4 Workloads erfüllen L2');
    for (const id of plan.header.levelControls) {
      expect(html).toContain(escapeHtml(controlById(id)?.title.de ?? '?'));
      // Backticks mark code in the registry's texts: shown as <code>, never as ticks.
      expect(html).toContain(escapeHtml(controlById(id)?.text.de ?? '?').replace(/`([^`]*)`/g, '<code>$1</code>'));
    }
    expect(html).not.toContain('`');
    expect(html).not.toContain(escapeHtml(controlById('3.9')?.title.en ?? '?'));
    // Findings in German where the stored finding carries it, and their lines as "Zeile".
    expect(html).toMatch(/<code>Zeile \d+<\/code> \[app\]: 3\.\d+ ist verletzt \(1\)/);
    expect(html).not.toMatch(/is violated/);
    expect(html).not.toMatch(/<code>line \d+<\/code>/);
    // Dates for people, in German, with the exact moment in the markup.
    expect(html).toContain('<time datetime="2026-11-28T10:00:00.000Z">28. November 2026 um 10:00 UTC</time>');
  });

  it('says an empty scope plainly: no verdict, never "0 of 0"', async () => {
    const { plan } = sampleReport('L2');
    const empty = { ...plan.header, verdict: { compliant: 0, total: 0, result: 'FAILED' as const } };
    const html = await collect(htmlReport(empty, [], inChunks([]), 'en'));
    expect(html).toContain('NO VERDICT');
    expect(html).toContain('No workloads in scope');
    expect(html).not.toMatch(/0 of 0|FAILED:/);
  });
});
