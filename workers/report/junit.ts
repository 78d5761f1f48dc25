/**
 * JUnit XML, the shape GitLab's `artifacts:reports:junit` and most CI test views read: one test
 * case per control, so a pipeline shows the verdict control by control.
 */
import type { ControlId, ControlResult, EvaluationResult, Finding, Level } from '../model/result.ts';
import { LEVELS } from '../model/result.ts';
import type { Lang } from '../model/text.ts';
import { resultIn } from './localize.ts';

export interface JUnitMeta {
  workload?: string | null;
  /** Justifications of the waivers behind `waived` controls. */
  waivers?: Partial<Record<ControlId, string>>;
  /** The language of messages and remediations; English by default. */
  lang?: Lang;
}

const WORDS: Record<Lang, {
  met: string; notMet: string; more: (n: number) => string; failed: string; fix: string;
  needs: (kinds: string) => string; nothing: string; noEvidence: (needs: string) => string; waived: (why: string) => string; waiverCovers: string;
}> = {
  en: {
    met: 'met', notMet: 'not met', more: (n) => ` (+${n} more)`, failed: 'failed', fix: 'Fix',
    needs: (k) => `needs one of ${k}`, nothing: 'no artifact speaks to it', noEvidence: (n) => `no evidence: ${n}`,
    waived: (w) => `waived: ${w}`, waiverCovers: 'an active waiver covers this failure',
  },
  de: {
    met: 'erfüllt', notMet: 'nicht erfüllt', more: (n) => ` (+${n} weitere)`, failed: 'nicht erfüllt', fix: 'Abhilfe',
    needs: (k) => `braucht eines von ${k}`, nothing: 'kein Artefakt sagt etwas dazu', noEvidence: (n) => `kein Nachweis: ${n}`,
    waived: (w) => `ausgenommen: ${w}`, waiverCovers: 'eine gültige Ausnahme deckt diesen Verstoß',
  },
};

/** Renders an evaluation as a JUnit document with one suite of fifteen test cases. Pure. */
export function toJUnit(given: EvaluationResult, meta: JUnitMeta = {}): string {
  const words = WORDS[meta.lang ?? 'en'];
  const result = resultIn(given, meta.lang ?? 'en');
  const name = meta.workload ? `CSVS V3 ${meta.workload}` : 'CSVS V3';
  const count = (s: ControlResult['status']) => result.controls.filter((c) => c.status === s).length;
  const totals = {
    name,
    tests: result.controls.length,
    failures: count('fail'),
    errors: 0,
    skipped: count('unknown'),
    time: 0,
  };
  const properties = [
    property('engineVersion', result.engineVersion),
    ...LEVELS.map((l) => property(`level.${l}`, result.levels[l].compliant ? words.met : words.notMet)),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // junit-10.xsd allows `skipped` on a suite, not on <testsuites>, whose totals are the rest.
    `<testsuites${attributes({ name: totals.name, tests: totals.tests, failures: totals.failures, errors: totals.errors, time: totals.time })}>`,
    `  <testsuite${attributes(totals)}>`,
    '    <properties>',
    ...properties.map((p) => `      ${p}`),
    '    </properties>',
    ...result.controls.flatMap((c) => testcase(c, meta.waivers?.[c.id], words)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(c: ControlResult, waiver: string | undefined, words: (typeof WORDS)[Lang]): string[] {
  const open = `    <testcase${attributes({ classname: classname(c.levels), name: `${c.id} ${c.title}`, time: 0 })}>`;
  const close = '    </testcase>';
  const fails = c.findings.filter((f) => f.status === 'fail');
  switch (c.status) {
    case 'fail': {
      const more = fails.length > 1 ? words.more(fails.length - 1) : '';
      const message = `${fails[0]?.message ?? words.failed}${more}`;
      const body = fails.map((f) => `${describe(f)}\n  ${words.fix}: ${f.remediation ?? c.remediation}`).join('\n');
      return [open, `      <failure${attributes({ message, type: 'fail' })}>${text(body)}</failure>`, close];
    }
    case 'unknown': {
      const needs = c.decidedBy && c.decidedBy.length > 0 ? words.needs(c.decidedBy.join(', ')) : words.nothing;
      const lines = [open, `      <skipped${attributes({ message: words.noEvidence(needs) })}/>`];
      if (c.findings.length > 0) lines.push(systemOut(c.findings.map(describe).join('\n')));
      return [...lines, close];
    }
    case 'waived': {
      const note = words.waived(waiver ?? words.waiverCovers);
      return [open, systemOut([note, ...fails.map(describe)].join('\n')), close];
    }
    case 'pass': {
      const passes = c.findings.filter((f) => f.status === 'pass');
      return passes.length > 0 ? [open, systemOut(passes.map(describe).join('\n')), close] : [open, close];
    }
  }
}

/** Groups controls by the lowest level that requires them: `csvs.L1`, `csvs.L2`, `csvs.L3`. */
function classname(levels: readonly Level[]): string {
  const lowest = LEVELS.find((l) => levels.includes(l));
  return lowest ? `csvs.${lowest}` : 'csvs';
}

function describe(f: Finding): string {
  const where = [f.artifact, f.location].filter((s) => s !== '').join(' ');
  const container = f.container ? ` [${f.container}]` : '';
  return `- ${where}${container}: ${f.message}`;
}

function systemOut(body: string): string {
  return `      <system-out>${text(body)}</system-out>`;
}

function property(name: string, value: string): string {
  return `<property${attributes({ name, value })}/>`;
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${attribute(String(v))}"`)
    .join('');
}

// XML 1.0 forbids most C0 controls, U+FFFE/U+FFFF and unpaired surrogates even as character
// references, so they are dropped; artifacts are untrusted and may carry any of them.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes character data. */
export function text(s: string): string {
  return s.replace(FORBIDDEN, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value; newlines and tabs as references so attribute normalisation keeps them. */
export function attribute(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
