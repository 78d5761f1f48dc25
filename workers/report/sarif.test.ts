import type { Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import { SAMPLE_CONTROLS, sampleResult } from '../../test/fixtures/report/sample-result.ts';
import { CONTROL_IDS } from '../controls/index.ts';
import { artifactUri, fnv1a64, toSarif } from './sarif.ts';

const meta = { controls: SAMPLE_CONTROLS, waivers: { '3.5': 'DB image cannot run with it; ticket SEC-42' } } as const;

function run() {
  const log = toSarif(sampleResult(), meta);
  const r = log.runs[0];
  if (!r) throw new Error('no run');
  return { log, run: r, results: r.results ?? [] };
}

function resultsOf(results: Result[], ruleId: string): Result[] {
  return results.filter((r) => r.ruleId === ruleId);
}

describe('toSarif document', () => {
  it('is a SARIF 2.1.0 log with one run of the csvs driver at the engine version', () => {
    const { log, run: r } = run();
    expect(log.$schema).toMatch(/sarif-2\.1\.0\.json$/);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(r.tool.driver.name).toBe('csvs');
    expect(r.tool.driver.version).toBe('9.8.7');
    expect(r.tool.driver.informationUri).toMatch(/^https:\/\//);
    // The document must survive serialisation unchanged (no undefined, no cycles, no BigInt).
    expect(JSON.parse(JSON.stringify(log))).toEqual(log);
  });

  it('describes all fifteen controls as rules with stable ids, texts, help and level tags', () => {
    const rules = run().run.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).toEqual(CONTROL_IDS.map((id) => `CSVS-${id}`));
    const r34 = rules.find((r) => r.id === 'CSVS-3.4');
    expect(r34?.shortDescription?.text).toBe('3.4 Title of 3.4');
    expect(r34?.fullDescription?.text).toBe('Requirement text of 3.4.');
    expect(r34?.help?.text).toContain('General remediation of 3.4.');
    expect(r34?.help?.markdown).toContain('**Remediation:** General remediation of 3.4.');
    expect(r34?.defaultConfiguration?.level).toBe('error');
    expect(r34?.properties?.tags).toEqual(expect.arrayContaining(['security', 'L3']));
    expect(r34?.properties?.tags).not.toContain('L1');
    const r35 = rules.find((r) => r.id === 'CSVS-3.5');
    expect(r35?.properties?.tags).toEqual(expect.arrayContaining(['L1', 'L2', 'L3']));
  });

  it('names the workload as the analysis category only when given', () => {
    expect(run().run.automationDetails).toBeUndefined();
    const log = toSarif(sampleResult(), { ...meta, workload: 'checkout-api' });
    expect(log.runs[0]?.automationDetails?.id).toBe('csvs/checkout-api/');
  });
});

describe('toSarif results', () => {
  it('emits one result per failing finding, none for unknown or passing controls', () => {
    const { results } = run();
    expect(results).toHaveLength(7);
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(['CSVS-3.1', 'CSVS-3.4', 'CSVS-3.5', 'CSVS-3.8', 'CSVS-3.12']));
    for (const r of results) expect(r.level).toBe('error');
  });

  it('gives every result a rule index, a physical location and a fingerprint', () => {
    const { run: r, results } = run();
    const rules = r.tool.driver.rules ?? [];
    for (const res of results) {
      expect(rules[res.ruleIndex ?? -1]?.id).toBe(res.ruleId);
      expect(res.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toMatch(/\S/);
      expect(res.partialFingerprints?.['csvs/v1']).toMatch(/^[0-9a-f]{16}:\d+$/);
    }
  });

  it('puts Dockerfile lines in a region and JSON/YAML paths in logical locations', () => {
    const { results } = run();
    const [dockerfile] = resultsOf(results, 'CSVS-3.1');
    expect(dockerfile?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'Dockerfile' },
      region: { startLine: 12 },
    });
    expect(dockerfile?.locations?.[0]?.logicalLocations).toBeUndefined();
    const [yaml] = resultsOf(results, 'CSVS-3.4');
    expect(yaml?.locations?.[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'k8s/deploy.yaml' } });
    expect(yaml?.locations?.[0]?.logicalLocations).toEqual([
      { fullyQualifiedName: 'spec.template.spec.containers[0].securityContext' },
    ]);
    const [json] = resultsOf(results, 'CSVS-3.5');
    expect(json?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toBe('/0/HostConfig/SecurityOpt');
    const [fileWide] = resultsOf(results, 'CSVS-3.12');
    expect(fileWide?.locations?.[0]).toEqual({ physicalLocation: { artifactLocation: { uri: 'my%20dir/Dockerfile' } } });
  });

  it('places YAML paths and JSON pointers on their lines when the artifacts\' texts are given', () => {
    const deploy = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: api', 'spec:', '  template:', '    spec:',
      '      containers:', '        - name: api', '          image: api:1', '          securityContext:', '            runAsNonRoot: true',
      '        - name: sidecar', '          image: envoy:1', '          securityContext: {}', '',
    ].join('\n');
    const inspect = JSON.stringify([{ Id: 'x', HostConfig: { Privileged: false, SecurityOpt: null } }], null, 2);
    const sources = new Map([['k8s/deploy.yaml', deploy], ['docker-inspect', inspect]]);
    const results = toSarif(sampleResult(), { ...meta, sources }).runs[0]?.results ?? [];
    const [api, sidecar] = resultsOf(results, 'CSVS-3.4');
    expect(api?.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 11 });
    expect(sidecar?.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 15 });
    // The path stays, as the logical location.
    expect(api?.locations?.[0]?.logicalLocations).toEqual([{ fullyQualifiedName: 'spec.template.spec.containers[0].securityContext' }]);
    const [json] = resultsOf(results, 'CSVS-3.5');
    expect(json?.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: inspect.split('\n').findIndex((l) => l.includes('"SecurityOpt"')) + 1 });
  });

  it('places results from the excerpt stored with the finding once the text is gone, quoting it as snippet and context', () => {
    const result = sampleResult();
    const c34 = result.controls.find((c) => c.id === '3.4');
    const f = c34?.findings.find((x) => x.status === 'fail' && !x.location.startsWith('line'));
    if (!c34 || !f) throw new Error('the sample has a failing 3.4 finding on a path');
    f.excerpt = { type: 'lines', lines: [{ n: 10, text: '        - name: api', hit: false }, { n: 11, text: '          securityContext: {}', hit: true }, { n: 12, text: '', hit: false }] };
    const placed = toSarif(result, meta).runs[0]?.results?.find((r) => r.properties?.location === f.location);
    expect(placed?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: placed?.locations?.[0]?.physicalLocation?.artifactLocation?.uri },
      region: { startLine: 11, snippet: { text: '          securityContext: {}' } },
      contextRegion: { startLine: 10, endLine: 12, snippet: { text: '        - name: api\n          securityContext: {}\n' } },
    });
    // A line the excerpt had to cut is not the file's text: no snippet, the line still placed.
    const long = `          image: ${'x'.repeat(300)}`;
    f.excerpt = { type: 'lines', lines: [{ n: 11, text: `${long.slice(0, 239)}…`, hit: true }] };
    const cut = toSarif(result, meta).runs[0]?.results?.find((r) => r.properties?.location === f.location);
    expect(cut?.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 11 });
    expect(cut?.locations?.[0]?.physicalLocation?.contextRegion).toBeUndefined();
  });

  it('gives every rule a help URI', () => {
    const { run: r } = run();
    for (const rule of r.tool.driver.rules ?? []) expect(rule.helpUri).toMatch(/^https:\/\//);
  });

  it('carries the remediation in the message: the finding\'s own, else the control\'s', () => {
    const { results } = run();
    expect(resultsOf(results, 'CSVS-3.1')[0]?.message.text).toBe(
      'the final stage runs as root. Fix: Add `USER app` after creating the user.',
    );
    expect(resultsOf(results, 'CSVS-3.4')[1]?.message.text).toBe(
      'no seccompProfile (container sidecar). Fix: General remediation of 3.4.',
    );
  });

  it('marks the failures of a waived control as externally suppressed with the justification', () => {
    const { results } = run();
    expect(resultsOf(results, 'CSVS-3.5')[0]?.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'DB image cannot run with it; ticket SEC-42' },
    ]);
    for (const r of results.filter((x) => x.ruleId !== 'CSVS-3.5')) expect(r.suppressions).toBeUndefined();
  });
});

describe('fingerprints', () => {
  const prints = (results: Result[]) => results.map((r) => r.partialFingerprints?.['csvs/v1']);

  it('are the same across runs and independent of the message wording', () => {
    const first = prints(run().results);
    expect(prints(run().results)).toEqual(first);
    const reworded = sampleResult();
    for (const c of reworded.controls) for (const f of c.findings) f.message = `${f.message} (reworded)`;
    expect(prints(toSarif(reworded, meta).runs[0]?.results ?? [])).toEqual(first);
  });

  it('change with the location, and keep equal locations apart by occurrence', () => {
    const moved = sampleResult();
    const f31 = moved.controls[0]?.findings[0];
    if (!f31) throw new Error('fixture changed');
    f31.location = 'line 13';
    const before = resultsOf(run().results, 'CSVS-3.1')[0]?.partialFingerprints?.['csvs/v1'];
    const after = resultsOf(toSarif(moved, meta).runs[0]?.results ?? [], 'CSVS-3.1')[0]?.partialFingerprints?.['csvs/v1'];
    expect(after).not.toBe(before);
    const [gcc, make] = prints(resultsOf(run().results, 'CSVS-3.8'));
    expect(gcc?.split(':')[0]).toBe(make?.split(':')[0]);
    expect([gcc?.split(':')[1], make?.split(':')[1]]).toEqual(['1', '2']);
  });

  it('use FNV-1a 64 over UTF-8 (published test vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
    expect(fnv1a64('ä')).not.toBe(fnv1a64('a'));
  });
});

describe('artifactUri', () => {
  it('keeps folders and escapes what URI syntax would misread', () => {
    expect(artifactUri('k8s/deploy.yaml')).toBe('k8s/deploy.yaml');
    expect(artifactUri('./k8s/deploy.yaml')).toBe('k8s/deploy.yaml');
    expect(artifactUri('Dockerfile#2')).toBe('Dockerfile%232');
    expect(artifactUri('deploy\\prod compose.yml')).toBe('deploy/prod%20compose.yml');
  });
});
