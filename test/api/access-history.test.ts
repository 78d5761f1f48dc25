/**
 * 3.10 across snapshots (CONTROLS.md): a container seen with exec sessions in one snapshot of a
 * workload, and still the running instance in a later one, was not replaced after access — even
 * when the later snapshot shows no session running any more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../services/schemas/snapshot.ts';
import { evaluatePendingBatch } from '../../workers/jobs/evaluate-snapshots.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const OLD_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const NEW_ID = 'f9e8d7c6b5a40918273645a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4';

/** `docker inspect` of the workload's one container: `id`, started at `started`, with these exec sessions. */
function inspect(id: string, started: string, execIds: string[] | null) {
  return [
    {
      Id: id,
      Created: started,
      Name: '/billing-worker-1',
      State: { Status: 'running', Running: true, StartedAt: started },
      Image: `sha256:${'5'.repeat(64)}`,
      HostConfig: { ReadonlyRootfs: true, SecurityOpt: ['no-new-privileges:true'], PidsLimit: 100, Binds: null, PortBindings: {} },
      Config: { User: '10001', Image: 'registry.example.com/billing-worker:3.2.0', Env: [], Cmd: ['worker'], Labels: {} },
      Mounts: [],
      ExecIDs: execIds,
    },
  ];
}

let h: Harness;
let team: string;
beforeAll(async () => {
  h = await startHarness();
  team = await h.team('billing');
});
afterAll(async () => h.close());

async function upload(workload: string, observedAt: string, content: unknown, query = ''): Promise<Snapshot> {
  const res = await h.request(`/v1/teams/${team}/snapshots${query}`, {
    method: 'POST',
    json: { workload, environment: 'prod', observedAt, artifacts: [{ kind: 'docker-inspect', content }] },
  });
  expect([201, 202]).toContain(res.status);
  const body = (await res.json()) as Snapshot;
  if (res.status === 202) {
    while ((await evaluatePendingBatch(h.database.db, () => new Date())) > 0) {
      // drain
    }
    return (await (await h.request(`/v1/snapshots/${body.id}`)).json()) as Snapshot;
  }
  return body;
}

const control310 = (s: Snapshot) => s.controls.find((c) => c.id === '3.10');

describe('3.10 across snapshots of a workload', () => {
  it.each([
    ['evaluated on upload', ''],
    ['evaluated in the background', '?async=true'],
  ])('fails a container still running after an earlier snapshot saw it accessed (%s)', async (_, query) => {
    const workload = `billing-worker${query ? '-async' : ''}`;
    const started = '2026-12-01T08:00:00Z';
    const during = await upload(workload, '2026-12-01T10:00:00Z', inspect(OLD_ID, started, ['e1f2a3b4']), query);
    expect(control310(during)?.status).toBe('fail');

    // The session has ended: on its own this snapshot would pass, but it is the same instance.
    const after = await upload(workload, '2026-12-01T11:00:00Z', inspect(OLD_ID, started, null), query);
    const c = control310(after);
    expect(c?.status).toBe('fail');
    expect(c?.findings.some((f) => f.status === 'fail' && f.message.includes(during.id))).toBe(true);

    // Replaced by a new instance: nothing of the old one runs.
    const replaced = await upload(workload, '2026-12-01T12:00:00Z', inspect(NEW_ID, '2026-12-01T11:30:00Z', null), query);
    expect(control310(replaced)?.status).toBe('pass');
  });

  it('reads only earlier snapshots of the same workload and environment', async () => {
    const started = '2026-12-02T08:00:00Z';
    await upload('other-worker', '2026-12-02T10:00:00Z', inspect(OLD_ID, started, ['e9']));
    // A backfill observed before the access says nothing about it.
    expect(control310(await upload('other-worker', '2026-12-02T09:00:00Z', inspect(OLD_ID, started, null)))?.status).toBe('pass');
    // Another workload with a container of the same id is another history.
    expect(control310(await upload('third-worker', '2026-12-02T11:00:00Z', inspect(OLD_ID, started, null)))?.status).toBe('pass');
  });
});
