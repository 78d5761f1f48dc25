/**
 * Our JUnit XML against the Jenkins junit-10.xsd shape (test/fixtures/report/junit-10.xsd, see its
 * header), checked by libxml2's XSD validator compiled to WebAssembly (the npm package
 * `xmllint-wasm`): a real schema validator, and no system package for the tests to need.
 */
import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';
import { describe, expect, it } from 'vitest';
import { HOSTILE, sampleResult } from '../../test/fixtures/report/sample-result.ts';
import { fixtureText } from '../controls/fixtures.ts';
import { evaluate } from '../engine/evaluate.ts';
import { toJUnit } from './junit.ts';

const XSD = readFileSync(new URL('../../test/fixtures/report/junit-10.xsd', import.meta.url), 'utf8');

async function errorsOf(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: { fileName: 'report.xml', contents: xml }, schema: { fileName: 'junit-10.xsd', contents: XSD } });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}

describe('JUnit against the junit-10.xsd shape', () => {
  it('the validator refuses what the shape does not allow (the check can fail)', async () => {
    const xml = toJUnit(sampleResult(), { workload: 'checkout-api' });
    // An attribute junit-10 does not know on <testcase>, and a <testsuite> without failures.
    expect(await errorsOf(xml.replace('<testcase ', '<testcase status="x" '))).not.toEqual([]);
    expect(await errorsOf(xml.replace(/(<testsuite [^>]*?) failures="\d+"/, '$1'))).not.toEqual([]);
    expect(await errorsOf('<testsuites><testsuite name="x" tests="1"')).not.toEqual([]);
  });

  it('validates the report of every status, waivers and hostile text, in English and German', async () => {
    for (const lang of ['en', 'de'] as const) {
      const xml = toJUnit(sampleResult(), { workload: `checkout-api ${HOSTILE}`, waivers: { '3.5': HOSTILE }, lang });
      expect(await errorsOf(xml)).toEqual([]);
    }
  });

  it('validates an engine verdict on real artifacts', async () => {
    const result = evaluate({
      artifacts: [
        { kind: 'dockerfile', name: 'Dockerfile', content: fixtureText('dockerfile/redis-bookworm.Dockerfile') },
        { kind: 'compose', name: 'compose.yaml', content: 'services:\n  web:\n    image: nginx:1\n    ports: ["6379:6379"]\n' },
      ],
    });
    expect(await errorsOf(toJUnit(result, { workload: 'redis' }))).toEqual([]);
  });
});
