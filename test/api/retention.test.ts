/**
 * RETAIN_ARTIFACTS_DAYS: artifact texts no recent snapshot refers to are deleted; what was decided
 * (verdicts, findings, the artifacts' names and sizes, the history) stays and reads back as before.
 */
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contents, teams } from '../../db/schema.ts';
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
