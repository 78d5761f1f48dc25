/**
 * Our SARIF against the OASIS SARIF 2.1.0 JSON schema (draft-07), shipped in test/fixtures/report
 * (see its README for where it comes from), with formats checked: GitHub code scanning refuses
 * logs that do not validate, and our own type definitions (@types/sarif) are looser than the schema.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
// A CommonJS module whose exports are the plugin, with the plugin again as `.default`.
import ajvFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CONTROLS, sampleResult } from '../../test/fixtures/report/sample-result.ts';
import { CONTROLS } from '../controls/index.ts';
import { fixtureText } from '../controls/fixtures.ts';
import { evaluate } from '../engine/evaluate.ts';
import { toSarif } from './sarif.ts';

let validate: ValidateFunction;

beforeAll(() => {
  const schema = JSON.parse(readFileSync(new URL('../../test/fixtures/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  validate = ajv.compile(schema);
});

function errorsOf(doc: unknown): string[] {
  // Through JSON, as it is sent: undefined fields vanish, as they do on the wire.
  const ok = validate(JSON.parse(JSON.stringify(doc)));
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('SARIF against the OASIS 2.1.0 schema', () => {
  it('the schema is the OASIS 2.1.0 one and refuses what it should (the check can fail)', () => {
    const log = toSarif(sampleResult(), { controls: SAMPLE_CONTROLS });
    expect(errorsOf({ ...log, version: '2.0.0' })).not.toEqual([]);
    const run = log.runs[0];
    if (!run?.results?.[0]) throw new Error('the sample has failing findings');
    const broken = structuredClone(log);
    const r = broken.runs[0]?.results?.[0];
    if (!r) throw new Error('unreachable');
    // A result without a message, and a region whose startLine is 0, are not SARIF.
    delete (r as { message?: unknown }).message;
    expect(errorsOf(broken).join('\n')).toMatch(/message/);
    const zero = structuredClone(log);
    const loc = zero.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation;
    if (loc) loc.region = { startLine: 0 };
    expect(errorsOf(zero)).not.toEqual([]);
  });

  it('validates the report of every status, waivers, hostile text and placed lines, in English and German', () => {
    const deploy = ['apiVersion: apps/v1', 'kind: Deployment', 'spec:', '  template:', '    spec:', '      containers:', '        - name: api', '          securityContext: {}', ''].join('\n');
    const sources = new Map([['k8s/deploy.yaml', deploy]]);
    for (const lang of ['en', 'de'] as const) {
      const log = toSarif(sampleResult(), {
        controls: SAMPLE_CONTROLS,
        workload: 'checkout-api',
        waivers: { '3.5': 'DB image cannot run with it' },
        lang,
        sources,
      });
      expect(errorsOf(log)).toEqual([]);
    }
  });

  it('validates an engine verdict on real artifacts, with results on their lines', () => {
    const result = evaluate({
      artifacts: [
        { kind: 'dockerfile', name: 'Dockerfile', content: fixtureText('dockerfile/python-debian.Dockerfile') },
        { kind: 'kubernetes', name: 'k8s/deploy.yaml', content: fixtureText('kubernetes/checkout-deployment.yaml') },
      ],
    });
    const sources = new Map([
      ['Dockerfile', fixtureText('dockerfile/python-debian.Dockerfile')],
      ['k8s/deploy.yaml', fixtureText('kubernetes/checkout-deployment.yaml')],
    ]);
    const log = toSarif(result, { controls: CONTROLS, workload: 'checkout-api', sources });
    expect(log.runs[0]?.results?.length ?? 0).toBeGreaterThan(0);
    expect(errorsOf(log)).toEqual([]);
  });
});
