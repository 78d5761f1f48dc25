/**
 * RETAIN_ARTIFACTS_DAYS: artifact texts no recent snapshot refers to are deleted; what was decided
 * (verdicts, findings, the artifacts' names and sizes, the history) stays and reads back as before.
 */
import { readFileSync } from 'node:fs';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contents, snapshots, teams } from '../../db/schema.ts';
import { reevaluateOutdated } from '../../services/evaluations.ts';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { pruneArtifactTexts } from '../../workers/jobs/retention.ts';
import { DOCKERFILE } from '../fixtures/node-service/artifacts.ts';
import { type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
let team: string;
let teamId: string;
beforeAll(async () => {
  h = await startHarness();
  team = await h.team('retention');
  const [row] = await h.database.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, team));
  teamId = row?.id ?? '';
});
afterAll(async () => h.close());

const NOW = Date.now();
const daysAgo = (n: number) => new Date(NOW - n * 86_400_000).toISOString();

async function upload(workload: string, observedAt: string, dockerfile: string, query = ''): Promise<Snapshot> {
  const res = await h.request(`/v1/teams/${team}/snapshots${query}`, {
    method: 'POST',
    json: { workload, environment: 'prod', observedAt, artifacts: [{ kind: 'dockerfile', name: 'Dockerfile', content: dockerfile }] },
  });
  expect([201, 202]).toContain(res.status);
  return (await res.json()) as Snapshot;
}

const texts = async () => (await h.database.db.select({ n: count() }).from(contents).where(eq(contents.teamId, teamId)))[0]?.n ?? -1;
const hasText = async (text: string) =>
  ((await h.database.db.select({ n: count() }).from(contents).where(and(eq(contents.teamId, teamId), eq(contents.content, text))))[0]?.n ?? 0) > 0;

describe('artifact retention', () => {
  it('deletes only texts no snapshot younger than the limit refers to, and keeps every verdict and finding', async () => {
    const old = `${DOCKERFILE}\nLABEL rev="old"\n`;
    const shared = `${DOCKERFILE}\nLABEL rev="shared"\n`;
    const recent = `${DOCKERFILE}\nLABEL rev="recent"\n`;
    const before = await upload('api', daysAgo(60), old);
    await upload('worker', daysAgo(60), shared);
    await upload('worker', daysAgo(2), shared); // unchanged: still referred to recently
    await upload('api', daysAgo(1), recent);
    const pending = await upload('batch', daysAgo(90), `${DOCKERFILE}\nLABEL rev="pending"\n`, '?async=true');
    expect(await texts()).toBe(4);
    // What an auditor's attestation cites, as of the same moment before and after.
    const attested = async () => {
      const res = await h.request(`/v1/teams/${team}/attestations?level=L3&at=${encodeURIComponent(new Date(NOW).toISOString())}`);
      expect(res.status).toBe(200);
      const env = (await res.json()) as { payload: string };
      const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicate: { workloads: unknown; verdict: unknown; stale: unknown } };
      return { workloads: statement.predicate.workloads, verdict: statement.predicate.verdict, stale: statement.predicate.stale };
    };
    const citedBefore = await attested();

    const deleted = await pruneArtifactTexts(h.database.db, 30, new Date(NOW));
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await hasText(old)).toBe(false);
    expect(await hasText(shared)).toBe(true);
    expect(await hasText(recent)).toBe(true);
    expect(await hasText(`${DOCKERFILE}\nLABEL rev="pending"\n`)).toBe(true); // not evaluated yet
    expect(pending.status).toBe('pending');

    // The old snapshot reads back exactly as before: verdict, findings, artifact names and sizes.
    const after = (await (await h.request(`/v1/snapshots/${before.id}`)).json()) as Snapshot;
    expect(after).toEqual(before);
    expect(await attested()).toEqual(citedBefore);
    // Re-evaluation leaves a verdict whose texts are gone as it was made.
    await reevaluateOutdated(h.database.db, { all: true, batchSize: 100, teamId });
    expect(await (await h.request(`/v1/snapshots/${before.id}`)).json()).toEqual(before);
  });
});

describe('excerpts outlive the artifacts\' texts', () => {
  it('keeps each finding\'s excerpt, SARIF\'s lines and snippets, and the attestation\'s quotes after the texts are deleted', async () => {
    const manifest = readFileSync(new URL('../fixtures/kubernetes/checkout-deployment.yaml', import.meta.url), 'utf8');
    const observedAt = daysAgo(120);
    const res = await h.request(`/v1/teams/${team}/snapshots`, {
      method: 'POST',
      json: {
        workload: 'excerpted',
        environment: 'prod',
        observedAt,
        artifacts: [
          { kind: 'dockerfile', name: 'Dockerfile', content: `${DOCKERFILE}\nADD . /srv\n` },
          { kind: 'kubernetes', name: 'k8s/deploy.yaml', content: manifest },
        ],
      },
    });
    expect(res.status).toBe(201);
    const before = (await res.json()) as Snapshot;
    const quoted = before.controls.flatMap((c) => c.findings.filter((f) => f.excerpt));
    const onYaml = quoted.find((f) => f.artifact === 'k8s/deploy.yaml' && f.excerpt?.type === 'lines' && f.excerpt.lines.some((l) => l.text.includes('runAsUser: 0')));
    const onDockerfile = quoted.find((f) => f.artifact === 'Dockerfile' && f.status === 'fail' && f.excerpt?.type === 'lines' && f.excerpt.lines.some((l) => l.hit && l.text === 'ADD . /srv'));
    expect(onYaml).toBeDefined();
    expect(onDockerfile).toBeDefined();
    const sarif = async () => {
      const r = await h.request(`/v1/snapshots/${before.id}`, { headers: { accept: 'application/sarif+json' } });
      expect(r.status).toBe(200);
      const log = (await r.json()) as { runs: { results: { properties: { location: string }; locations: { physicalLocation: { region?: { startLine: number; snippet?: { text: string } } } }[] }[] }[] };
      return (log.runs[0]?.results ?? []).map((x) => ({ at: x.properties.location, region: x.locations[0]?.physicalLocation.region }));
    };
    const sarifBefore = await sarif();
    const yamlResult = sarifBefore.find((r) => r.at === onYaml?.location);
    expect(yamlResult?.region?.snippet?.text).toContain('runAsUser: 0');
    const attestation = async () => {
      const r = await h.request(`/v1/teams/${team}/attestations?level=L3&format=html&at=${encodeURIComponent(daysAgo(119))}`);
      expect(r.status).toBe(200);
      return r.text();
    };
    const htmlBefore = await attestation();
    expect(htmlBefore).toContain('ADD . /srv');
    expect(htmlBefore).toContain('<pre class="excerpt">');

    await pruneArtifactTexts(h.database.db, 30, new Date(NOW));
    expect(await hasText(manifest)).toBe(false);

    expect(await (await h.request(`/v1/snapshots/${before.id}`)).json()).toEqual(before);
    // YAML paths are placed from the stored excerpt now that the text is gone; Dockerfile lines say their own.
    expect(await sarif()).toEqual(sarifBefore);
    const htmlAfter = await attestation();
    expect(htmlAfter).toContain('ADD . /srv');
    expect(htmlAfter).toContain('runAsUser: 0');
  });
});

describe('findings stored before excerpts were kept', () => {
  it('read as before: no excerpt in the snapshot, SARIF placed from the stored text while it is kept', async () => {
    const res = await h.request(`/v1/teams/${team}/snapshots`, {
      method: 'POST',
      json: { workload: 'older-row', environment: 'prod', artifacts: [{ kind: 'compose', name: 'compose.yaml', content: 'services:\n  web:\n    image: nginx:1.27\n    read_only: false\n' }] },
    });
    expect(res.status).toBe(201);
    const made = (await res.json()) as Snapshot;
    expect(made.controls.some((c) => c.findings.some((f) => f.excerpt))).toBe(true);
    // Make the stored verdict look like one from before: findings without `excerpt`.
    const [row] = await h.database.db.select({ evaluationId: snapshots.evaluationId }).from(snapshots).where(eq(snapshots.id, made.id));
    await h.database.db.execute(sql`
      update control_results set findings = (select coalesce(jsonb_agg(f - 'excerpt'), '[]'::jsonb) from jsonb_array_elements(findings) f)
      where evaluation_id = ${row?.evaluationId ?? ''}`);
    const old = (await (await h.request(`/v1/snapshots/${made.id}`)).json()) as Snapshot;
    expect(old.controls.some((c) => c.findings.some((f) => f.excerpt))).toBe(false);
    const { controls: _c, ...rest } = made;
    expect(old).toMatchObject(rest);
    const sarif = (await (await h.request(`/v1/snapshots/${made.id}`, { headers: { accept: 'application/sarif+json' } })).json()) as {
      runs: { results: { ruleId: string; locations: { physicalLocation: { region?: unknown } }[] }[] }[];
    };
    const readOnly = sarif.runs[0]?.results.find((r) => r.ruleId === 'CSVS-3.9');
    expect(readOnly?.locations[0]?.physicalLocation.region).toEqual({ startLine: 4 });
  });
});
