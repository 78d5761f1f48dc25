import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONTROL_IDS } from '../controls/index.ts';
import { oscalAssessmentResults, uuidSource } from './oscal.ts';
import { CATALOG_FILE, csvsAssessmentPlan, csvsCatalog, PLAN_FILE } from './oscal-documents.ts';
import { AssessmentPlan, AssessmentResults, Catalog, UUID } from './oscal-schema.ts';
import { collect, inChunks, sampleReport } from './testing.ts';

type AR = z.infer<typeof AssessmentResults>;
const BASE = 'https://csvs.example.com';

async function document(level: 'L1' | 'L2' | 'L3' = 'L2', empty = false): Promise<AR> {
  const { plan, workloads } = sampleReport(level);
  const planned = empty ? [] : plan.workloads;
  const text = await collect(oscalAssessmentResults(plan.header, planned, inChunks(empty ? [] : workloads), { baseUrl: `${BASE}/` }));
  return AssessmentResults.parse(JSON.parse(text));
}

const catalogIds = (): Set<string> => {
  const ids = new Set<string>();
  const walk = (parts: readonly { id?: string; parts?: unknown[] }[] | undefined) => {
    for (const p of parts ?? []) {
      if (p.id) ids.add(p.id);
      walk(p.parts as { id?: string }[] | undefined);
    }
  };
  for (const g of csvsCatalog().catalog.groups) for (const c of g.controls) {
    ids.add(c.id);
    walk(c.parts);
  }
  return ids;
};

describe('OSCAL assessment results', () => {
  it('validate against the OSCAL 1.1 model and reference only what exists', async () => {
    const doc = await document('L2');
    const ar = doc['assessment-results'];
    expect(ar['import-ap'].href).toBe(`${BASE}/oscal/${PLAN_FILE}`);
    expect(ar.metadata['oscal-version']).toBe('1.1.2');
    const result = ar.results[0];
    if (!result) throw new Error('no result');
    const levelIds = ['3.1', '3.2', '3.5', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.15'];
    expect(result['reviewed-controls']['control-selections'][0]?.['include-controls']?.map((c) => c['control-id'])).toEqual(levelIds.map((id) => `csvs-${id}`));

    const findings = result.findings ?? [];
    const observations = result.observations ?? [];
    expect(findings).toHaveLength(4 * levelIds.length);
    expect(observations).toHaveLength(4 * levelIds.length);
    const ids = [ar.uuid, result.uuid, ...findings.map((f) => f.uuid), ...observations.map((o) => o.uuid), ...(result.risks ?? []).map((r) => r.uuid)];
    expect(new Set(ids).size).toBe(ids.length);

    const known = catalogIds();
    const observationIds = new Set(observations.map((o) => o.uuid));
    const riskIds = new Set((result.risks ?? []).map((r) => r.uuid));
    const items = new Set((result['local-definitions']?.['inventory-items'] ?? []).map((i) => i.uuid));
    for (const f of findings) {
      expect(known.has(f.target['target-id'])).toBe(true);
      for (const r of f['related-observations'] ?? []) expect(observationIds.has(r['observation-uuid'])).toBe(true);
      for (const r of f['related-risks'] ?? []) expect(riskIds.has(r['risk-uuid'])).toBe(true);
    }
    for (const o of observations) for (const s of o.subjects ?? []) expect(items.has(s['subject-uuid'])).toBe(true);
    expect(items.size).toBe(4);
    expect(ar['back-matter']?.resources?.[0]?.rlinks?.[0]?.href).toBe(`${BASE}/oscal/${CATALOG_FILE}`);
  });

  it('marks passes satisfied, failures, waivers and missing evidence not-satisfied, waivers as approved deviations', async () => {
    const result = (await document('L2'))['assessment-results'].results[0];
    const finding = (subject: string, id: string) => result?.findings?.find((f) => f.title.startsWith(`${id} `) && f.title.endsWith(`: ${subject}`));
    expect(finding('payments/checkout-api@prod', '3.9')?.target.status).toEqual({ state: 'satisfied', reason: 'pass' });
    expect(finding('payments/legacy-api@prod', '3.11')?.target.status).toEqual({ state: 'not-satisfied', reason: 'fail' });
    expect(finding('payments/batch-job@staging', '3.5')?.target.status).toEqual({ state: 'not-satisfied', reason: 'other' });
    const waived = finding('payments/orders-api@prod', '3.9');
    expect(waived?.target.status.state).toBe('not-satisfied');
    const risk = result?.risks?.find((r) => r.uuid === waived?.['related-risks']?.[0]?.['risk-uuid']);
    expect(risk).toMatchObject({ status: 'deviation-approved', deadline: expect.any(String) });
    const observation = result?.observations?.find((o) => o.uuid === finding('payments/legacy-api@prod', '3.11')?.['related-observations']?.[0]?.['observation-uuid']);
    expect(observation?.remarks).toContain('ADD fetches');
    expect(observation?.['relevant-evidence']?.[0]?.href).toMatch(new RegExp(`^${BASE}/v1/snapshots/[0-9a-f-]{36}$`));
  });

  it('stays valid for a scope without workloads (OSCAL arrays may not be empty)', async () => {
    const result = (await document('L3', true))['assessment-results'].results[0];
    expect(result?.findings).toBeUndefined();
    expect(result?.observations).toBeUndefined();
    expect(result?.['local-definitions']?.['inventory-items']).toBeUndefined();
  });

  it('makes identifiers OSCAL accepts: version-4 UUIDs, series unique per document', () => {
    const ids = uuidSource();
    const s = ids.series();
    const made = [ids.v4(), ids.v4(), s(0), s(1), s(0xffffffff), ids.series()(0)];
    for (const id of made) expect(UUID.safeParse(id).success, id).toBe(true);
    expect(new Set(made).size).toBe(made.length);
  });

  it('has a schema that rejects what NIST would: bad UUIDs, missing fields, empty arrays, unknown properties', async () => {
    const good = await document('L1');
    const clone = (): { 'assessment-results': Record<string, unknown> & { results: Record<string, unknown>[] } } => JSON.parse(JSON.stringify(good));
    const bad = [
      (d: ReturnType<typeof clone>) => (d['assessment-results'].uuid = 'not-a-uuid'),
      (d: ReturnType<typeof clone>) => delete d['assessment-results']['import-ap'],
      (d: ReturnType<typeof clone>) => ((d['assessment-results'].results[0] as Record<string, unknown>).findings = []),
      (d: ReturnType<typeof clone>) => ((d['assessment-results'].results[0] as Record<string, unknown>).start = '2026-11-28 10:00'),
      (d: ReturnType<typeof clone>) => (d['assessment-results'].extra = 1),
    ];
    for (const spoil of bad) {
      const d = clone();
      spoil(d);
      expect(AssessmentResults.safeParse(d).success).toBe(false);
    }
  });
});

describe('the OSCAL catalog and assessment plan', () => {
  it('are well-formed OSCAL, list every control, and the plan points at the catalog', () => {
    const catalog = Catalog.parse(csvsCatalog());
    expect(catalog.catalog.groups[0]?.controls.map((c) => c.id)).toEqual(CONTROL_IDS.map((id) => `csvs-${id}`));
    const plan = AssessmentPlan.parse(csvsAssessmentPlan());
    expect(plan['assessment-plan'].metadata.links?.[0]?.href).toBe(`./${CATALOG_FILE}`);
    const ssp = plan['assessment-plan']['import-ssp'].href;
    expect(plan['assessment-plan']['back-matter']?.resources.some((r) => `#${r.uuid}` === ssp)).toBe(true);
  });
});
