import { describe, expect, it } from 'vitest';
import { sampleResult } from '../../test/fixtures/report/sample-result.ts';
import { summarizeLevels } from '../model/levels.ts';
import { levelVerdict, toTable } from './table.ts';

function rows(table: string): string[] {
  return table.split('\n');
}

function row(table: string, id: string): string {
  const r = rows(table).find((l) => l.startsWith(`${id} `));
  if (r === undefined) throw new Error(`no row ${id}`);
  return r;
}

describe('toTable', () => {
  it('has a header, one row per control in order, and the three level lines', () => {
    const table = toTable(sampleResult());
    const lines = rows(table);
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+LEVELS\s+TITLE\s+FINDING$/);
    expect(lines.slice(1, 16).map((l) => l.split(/\s+/)[0])).toEqual([
      '3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14', '3.15',
    ]);
    expect(lines.slice(-4)).toEqual(['L1: not met (2 fail)', 'L2: not met (3 fail, 1 unknown)', 'L3: not met (4 fail, 3 unknown)', '']);
  });

  it('shows status, levels, title and the first finding with a count of the others', () => {
    const table = toTable(sampleResult());
    expect(row(table, '3.1')).toMatch(/^3\.1\s+fail\s+L2 L3\s+Title of 3\.1\s+Dockerfile line 12: the final stage runs as root$/);
    expect(row(table, '3.4')).toContain('k8s/deploy.yaml [api] spec.template.spec.containers[0].securityContext: seccompProfile is RuntimeDefault (+1 more)');
    expect(row(table, '3.5')).toMatch(/waived\s+L1 L2 L3.*waived: docker-inspect \[shop-db-1\]/);
    expect(row(table, '3.2')).toMatch(/unknown .*no evidence \(needs docker-inspect, compose\)$/);
    expect(row(table, '3.14')).toContain('compose.yaml: could not be read');
  });

  it('aligns the columns', () => {
    const table = toTable(sampleResult());
    const starts = rows(table).slice(0, 16).map((l) => l.indexOf('Title of') === -1 ? l.indexOf('TITLE') : l.indexOf('Title of'));
    expect(new Set(starts).size).toBe(1);
  });

  it('has no escape sequences unless colour is asked for', () => {
    const plain = toTable(sampleResult());
    expect(plain).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F]/);
    const colored = toTable(sampleResult(), { color: true });
    expect(row(colored, '3.1')).toContain('\u001b[31mfail   \u001b[0m');
    expect(row(colored, '3.3')).toContain('\u001b[32mpass');
    expect(colored).toContain('L2: \u001b[31mnot met');
    // Only the colours the table itself writes: the hostile finding's ESC is still gone.
    const finding = row(colored, '3.12').split('Title of 3.12')[1];
    expect(finding).toContain('"telnet" [31mred');
    expect(finding).not.toContain('\u001b');
  });

  it('cuts the finding column to the width but keeps the count', () => {
    const table = toTable(sampleResult(), { width: 80 });
    for (const line of rows(table)) expect([...line].length).toBeLessThanOrEqual(80);
    expect(row(table, '3.4')).toMatch(/… \(\+1 more\)$/);
  });
});

describe('levelVerdict', () => {
  it('counts what passes when met and what is missing when not', () => {
    const met = summarizeLevels([
      { status: 'pass', levels: ['L1'] },
      { status: 'waived', levels: ['L1'] },
    ]).L1;
    expect(levelVerdict(met)).toBe('met (1 pass, 1 waived)');
    const notMet = summarizeLevels([
      { status: 'pass', levels: ['L2'] },
      { status: 'unknown', levels: ['L2'] },
    ]).L2;
    expect(levelVerdict(notMet)).toBe('not met (1 unknown)');
  });
});
