import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyEnvelope } from './dsse.ts';
import { ephemeralSigner } from './keys.ts';
import { buildStatement, PREDICATE_TYPE, signStatement, STATEMENT_TYPE } from './statement.ts';
import type { ReportHeader } from './report.ts';
import { sampleReport } from './testing.ts';

describe('in-toto statement', () => {
  it('has one subject per workload with its content digest, and the report as predicate', async () => {
    const { plan, workloads } = sampleReport('L2');
    const s = await buildStatement(plan.header, workloads);
    expect(s._type).toBe(STATEMENT_TYPE);
    expect(s.predicateType).toBe(PREDICATE_TYPE);
    expect(s.subject).toHaveLength(4);
    for (const [i, w] of workloads.entries()) {
      expect(s.subject[i]).toEqual({ name: w.subject, digest: { sha256: w.contentHash.slice('sha256:'.length) } });
      expect(s.subject[i]?.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(s.predicate).toMatchObject({ level: 'L2', verdict: { compliant: 2, total: 4 }, asOf: plan.header.asOf });
  });

  it('attests verdicts and findings, without the source excerpts the reports quote', async () => {
    const { plan, workloads } = sampleReport('L2');
    const quoted = workloads.flatMap((w) => w.controls.flatMap((c) => c.findings ?? [])).filter((f) => f.excerpt);
    expect(quoted.length).toBeGreaterThan(0);
    const s = await buildStatement(plan.header, workloads);
    const findings = s.predicate.workloads.flatMap((w) => w.controls.flatMap((c) => c.findings ?? []));
    expect(findings.length).toBe(workloads.flatMap((w) => w.controls.flatMap((c) => c.findings ?? [])).length);
    expect(findings.some((f) => f.excerpt)).toBe(false);
    expect(JSON.stringify(s)).not.toContain('app.tgz');
  });

  it('has the scope as its one subject when no workload is counted (in-toto needs at least one)', async () => {
    const { plan } = sampleReport('L2');
    const cases: [ReportHeader['scope'], string | null, string][] = [
      [{ type: 'team', teams: ['payments'] }, null, 'scope:team/payments'],
      [{ type: 'org', teams: ['a', 'b'] }, 'prod', 'scope:org@prod'],
    ];
    for (const [scope, environment, name] of cases) {
      const header: ReportHeader = { ...plan.header, scope, environment };
      const s = await buildStatement(header, []);
      const digest = createHash('sha256').update(`${name}\n${header.level}\n${header.asOf}`).digest('hex');
      expect(s.subject).toEqual([{ name, digest: { sha256: digest } }]);
    }
  });

  it('signs into a DSSE envelope whose payload is the statement', async () => {
    const { plan, workloads } = sampleReport('L2');
    const signer = await ephemeralSigner();
    const statement = await buildStatement(plan.header, workloads);
    const env = await signStatement(statement, signer);
    const v = await verifyEnvelope(env, [signer.publicJwk]);
    if (!v.ok) throw new Error(v.reason);
    expect(JSON.parse(new TextDecoder().decode(v.payload))).toEqual(statement);
  });
});
