/**
 * "Never lose an acknowledged upload": an async upload answered 202 survives the server going
 * away before evaluation; the next instance's evaluation loop picks it up from the database.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CONTROLS } from '../../workers/controls/index.ts';
import { startEvaluationLoop } from '../../api/evaluation-loop.ts';
import { createLogger } from '../../services/logger.ts';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { startHarness } from '../support/harness.ts';

it('evaluates after a restart what was acknowledged with 202 before it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'csvs-restart-'));
  // The first server acknowledges the upload and dies before any worker runs (no loop, no queue).
  const first = await startHarness({ dataDir });
  const team = await first.team('restart');
  const res = await first.request(`/v1/teams/${team}/snapshots?async=true`, {
    method: 'POST',
    json: { workload: 'survivor', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\nUSER 1000\n' }] },
  });
  expect(res.status).toBe(202);
  const location = res.headers.get('location') ?? '';
  await first.close();

  // The restarted server reopens the same database and starts its evaluation loop.
  const second = await startHarness({ dataDir });
  const loop = startEvaluationLoop(second.database.db, { pollMs: 50, clock: () => new Date(), logger: createLogger('silent') });
  try {
    let body: Snapshot | null = null;
    for (let i = 0; i < 200; i++) {
      body = (await (await second.request(location)).json()) as Snapshot;
      if (body.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(body?.status).toBe('evaluated');
    expect(body?.controls).toHaveLength(CONTROLS.length);
  } finally {
    await loop.stop();
    await second.close();
  }
});

it("evaluates every pending snapshot with two instances' loops claiming side by side", async () => {
  const h = await startHarness();
  const team = await h.team('two-loops');
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await h.request(`/v1/teams/${team}/snapshots?async=true`, {
      method: 'POST',
      json: { workload: `w-${i}`, artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\n' }] },
    });
    ids.push(((await res.json()) as Snapshot).id);
  }
  const logger = createLogger('silent');
  const loops = [1, 2].map(() => startEvaluationLoop(h.database.db, { pollMs: 20, clock: () => new Date(), logger }));
  try {
    for (let i = 0; i < 200; i++) {
      const states = await Promise.all(ids.map(async (id) => ((await (await h.request(`/v1/snapshots/${id}`)).json()) as Snapshot).status));
      if (states.every((s) => s === 'evaluated')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const id of ids) {
      const body = (await (await h.request(`/v1/snapshots/${id}`)).json()) as Snapshot;
      expect(body.status).toBe('evaluated');
      expect(body.controls).toHaveLength(CONTROLS.length);
    }
  } finally {
    await Promise.all(loops.map((l) => l.stop()));
    await h.close();
  }
});
