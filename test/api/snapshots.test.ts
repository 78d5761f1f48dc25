import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLS } from '../../workers/controls/index.ts';
import { evaluatePendingBatch, evaluateSnapshotsById } from '../../workers/jobs/evaluate-snapshots.ts';
import type { GatedSnapshot, Snapshot } from '../../services/schemas/snapshot.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { runCheck } from '../../cli/check.ts';
import { DOCKERFILE } from '../fixtures/node-service/artifacts.ts';

const INSPECT = [
  {
    Id: 'f3b0c2a1d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d',
    Created: '2026-11-27T09:00:00.000000000Z',
    Path: 'node',
    Args: ['/app/server.js'],
    State: { Status: 'running', Running: true, StartedAt: '2026-11-27T09:00:01.000000000Z' },
    Image: 'sha256:5c2e0f6ce4a1f1e6d2b8b8bd4a0b7f3f7c1f1f0c6d8e2a4b3c5d7e9f1a2b3c4d',
    Name: '/checkout-api-1',
    HostConfig: {
      Binds: null,
      NetworkMode: 'bridge',
      PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '8080' }] },
      Privileged: false,
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges:true'],
      UsernsMode: '',
      PidsLimit: 200,
    },
    Mounts: [],
    Config: {
      User: '10001',
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
      Cmd: ['node', '/app/server.js'],
      Entrypoint: null,
      Image: 'registry.example.com/checkout-api:1.4.2',
      ExposedPorts: { '8080/tcp': {} },
      Labels: {},
    },
    NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } },
    ExecIDs: null,
  },
];

let h: Harness;
let team: string;
beforeAll(async () => {
  h = await startHarness();
  team = await h.team('payments');
});
afterAll(async () => h.close());

const upload = (body: unknown, init: { query?: string; headers?: Record<string, string>; key?: string } = {}) =>
  h.request(`/v1/teams/${team}/snapshots${init.query ?? ''}`, {
    method: 'POST',
    json: body,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.key ? { key: init.key } : {}),
  });

const jsonBody = (workload: string, extra: Record<string, unknown> = {}) => ({
  workload,
  environment: 'prod',
  artifacts: [
    { kind: 'dockerfile', name: 'Dockerfile', content: DOCKERFILE },
    { kind: 'docker-inspect', content: INSPECT },
  ],
  ...extra,
});

async function countSnapshots(workload: string): Promise<number> {
  const res = await h.request(`/v1/teams/${team}/snapshots?workload=${workload}`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

describe('uploading a snapshot', () => {
  it('evaluates a JSON upload and answers 201 with all fifteen controls in order', async () => {
    const res = await upload(jsonBody('checkout-api'));
    expect(res.status).toBe(201);
    const body = (await res.json()) as Snapshot;
    expect(res.headers.get('location')).toBe(`/v1/snapshots/${body.id}`);
    expect(body).toMatchObject({ team, workload: 'checkout-api', environment: 'prod', status: 'evaluated' });
    expect(body.controls.map((c) => c.id)).toEqual(['3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14', '3.15']);
    const byId = Object.fromEntries(body.controls.map((c) => [c.id, c]));
    expect(byId['3.5']?.status).toBe('pass');
    expect(byId['3.9']?.status).toBe('pass');
    expect(byId['3.14']?.status).toBe('pass');
    expect(byId['3.4']?.status).toBe('fail');
    expect(byId['3.7']?.status).toBe('unknown');
    for (const c of body.controls) for (const f of c.findings) if (f.status === 'fail') expect(f.remediation).toBeTruthy();
    expect(body.levels?.L3.compliant).toBe(false);

    const read = await h.request(`/v1/snapshots/${body.id}`);
    expect(await read.json()).toEqual(body);
  });

  it('takes one raw artifact with ?workload=&kind=', async () => {
    const res = await h.request(`/v1/teams/${team}/snapshots?workload=raw-api&kind=dockerfile&environment=staging`, {
      method: 'POST',
      body: DOCKERFILE,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Snapshot;
    expect(body.artifacts).toEqual([{ kind: 'dockerfile', name: 'Dockerfile', size: DOCKERFILE.length }]);
    expect(body.environment).toBe('staging');
  });

  it('takes multipart parts named by kind', async () => {
    const form = new FormData();
    form.set('workload', 'multi-api');
    form.set('dockerfile', new File([DOCKERFILE], 'Dockerfile'));
    form.set('docker-inspect', new File([JSON.stringify(INSPECT)], 'inspect.json'));
    const res = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Snapshot;
    expect(body.artifacts.map((a) => a.kind)).toEqual(['dockerfile', 'docker-inspect']);
    expect(body.environment).toBe('default');
  });

  it('gates on a level: 422 with the same body, stored all the same', async () => {
    const res = await upload(jsonBody('gated-api'), { query: '?gate=L3' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as GatedSnapshot;
    expect(body.levels?.L3.compliant).toBe(false);
    const stored = await h.request(`/v1/snapshots/${body.id}`);
    expect(stored.status).toBe(200);
    // The snapshot follows whole: every field the stored snapshot has, with the same value.
    const { type: _t, title: _ti, detail: _d, gate: _g, ...snapshot } = body;
    expect(snapshot).toEqual(await stored.json());
  });

  it('a gated 422 starts with what failed: type, title, a one-line detail and the gate verdict', async () => {
    const res = await upload(jsonBody('gated-first'), { query: '?gate=L3' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    const body = JSON.parse(text) as GatedSnapshot;
    expect(Object.keys(body).slice(0, 4)).toEqual(['type', 'title', 'detail', 'gate']);
    expect(text.indexOf('"gate"')).toBeLessThan(text.indexOf('"controls"'));
    expect(body.type).toBe('urn:csvs:problem:gate-not-met');
    const ofL3 = body.controls.filter((c) => c.levels.includes('L3'));
    const failing = ofL3.filter((c) => c.status === 'fail').map((c) => c.id);
    const unknown = ofL3.filter((c) => c.status === 'unknown').map((c) => c.id);
    expect(failing.length + unknown.length).toBeGreaterThan(0);
    expect(body.gate).toEqual({ level: 'L3', met: false, failing, unknown });
    const parts = [failing.length > 0 ? `${failing.join(', ')} fail` : null, unknown.length > 0 ? `${unknown.join(', ')} unknown` : null];
    expect(body.detail).toBe(`L3 not met: ${parts.filter((p) => p !== null).join('; ')}`);
    expect(body.detail).not.toContain('\n');

    const de = (await (await upload(jsonBody('gated-first'), { query: '?gate=L3&lang=de' })).json()) as GatedSnapshot;
    expect(de.detail).toMatch(/^L3 nicht erreicht: /);
    expect(de.gate).toEqual(body.gate);
  });

  it('a gate that is met answers 201 with the plain snapshot', async () => {
    const res = await upload(jsonBody('gated-met'), { query: '?gate=L1' });
    const body = (await res.json()) as Record<string, unknown> & Snapshot;
    expect(body.levels?.L1.compliant).toBe(true);
    expect(res.status).toBe(201);
    expect(body.gate).toBeUndefined();
    expect(body.detail).toBeUndefined();
  });

  it('answers SARIF and JUnit when asked', async () => {
    const sarif = await upload(jsonBody('sarif-api'), { headers: { accept: 'application/sarif+json' } });
    expect(sarif.status).toBe(201);
    expect(sarif.headers.get('content-type')).toContain('application/sarif+json');
    const log = (await sarif.json()) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.results.some((r) => r.ruleId === 'CSVS-3.4')).toBe(true);
    const junit = await upload(jsonBody('junit-api'), { headers: { accept: 'application/xml' } });
    expect(junit.headers.get('content-type')).toContain('application/xml');
    expect(await junit.text()).toMatch(new RegExp(`<testsuite[^>]+tests="${CONTROLS.length}"`));
  });
});

describe('findings in German', () => {
  it('answers in German by ?lang=de or Accept-Language, stores both languages, and reads back either', async () => {
    const res = await upload(jsonBody('lang-api'), { query: '?lang=de' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-language')).toBe('de');
    const de = (await res.json()) as Snapshot;
    const c34 = de.controls.find((c) => c.id === '3.4');
    expect(c34?.title).toBe('Spezifisches seccomp-Profil');
    expect(c34?.remediation).toMatch(/^Zeichnen Sie auf, welche Systemaufrufe/);
    const fail = c34?.findings.find((f) => f.status === 'fail');
    expect(fail?.message).toBe('der Container setzt kein seccomp-Profil: es gilt das Standardprofil des Daemons, ein allgemeines, nicht auf ihn zugeschnittenes');
    expect(fail?.remediation).toMatch(/^Schreiben Sie ein Profil für die Systemaufrufe/);
    const dockerfileFinding = de.controls.flatMap((c) => c.findings).find((f) => f.kind === 'dockerfile');
    expect(dockerfileFinding?.location).toMatch(/^Zeile \d+$/);

    // Stored once; English by default, German by header, for the same snapshot.
    const en = (await (await h.request(`/v1/snapshots/${de.id}`)).json()) as Snapshot;
    const enFail = en.controls.find((c) => c.id === '3.4')?.findings.find((f) => f.status === 'fail');
    expect(enFail?.message).toMatch(/^container sets no seccomp profile/);
    expect(enFail?.de?.message).toBe(fail?.message);
    const byHeader = await h.request(`/v1/snapshots/${de.id}`, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } });
    expect(((await byHeader.json()) as Snapshot).controls.find((c) => c.id === '3.4')?.title).toBe('Spezifisches seccomp-Profil');
  });

  it('renders SARIF and JUnit in German', async () => {
    const sarif = await upload(jsonBody('lang-sarif'), { query: '?lang=de', headers: { accept: 'application/sarif+json' } });
    const log = (await sarif.json()) as { runs: { results: { ruleId: string; message: { text: string } }[]; tool: { driver: { rules: { shortDescription: { text: string } }[] } } }[] };
    const result = log.runs[0]?.results.find((r) => r.ruleId === 'CSVS-3.4');
    expect(result?.message.text).toMatch(/^der Container setzt kein seccomp-Profil.*\(Container checkout-api-1\)\. Abhilfe: Schreiben Sie/);
    expect(log.runs[0]?.tool.driver.rules[3]?.shortDescription.text).toBe('3.4 Spezifisches seccomp-Profil');
    const junit = await upload(jsonBody('lang-junit'), { headers: { accept: 'application/xml', 'accept-language': 'de' } });
    const xml = await junit.text();
    expect(xml).toContain('name="3.4 Spezifisches seccomp-Profil"');
    expect(xml).toContain('Abhilfe: Schreiben Sie ein Profil');
    expect(xml).not.toMatch(/\bFix: /);
  });

  it('places every SARIF result on a file artifact on its line, YAML paths included', async () => {
    const compose = 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "6379:6379"\n    read_only: false\n';
    const form = new FormData();
    form.set('workload', 'sarif-lines');
    form.set('dockerfile', new File([DOCKERFILE], 'Dockerfile'));
    form.set('compose', new File([compose], 'deploy/compose.yaml'));
    const res = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', body: form, headers: { accept: 'application/sarif+json' } });
    expect(res.status).toBe(201);
    const log = (await res.json()) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const results = log.runs[0]?.results ?? [];
    const onFiles = results.filter((r) => /Dockerfile|compose\.yaml/.test(r.locations[0]?.physicalLocation.artifactLocation.uri ?? ''));
    expect(onFiles.length).toBeGreaterThan(3);
    for (const r of onFiles) expect(r.locations[0]?.physicalLocation.region?.startLine, r.ruleId).toBeGreaterThan(0);
    const readOnly = results.find((r) => r.ruleId === 'CSVS-3.9');
    expect(readOnly?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'deploy/compose.yaml' },
      region: { startLine: 6, snippet: { text: '    read_only: false' } },
      contextRegion: { startLine: 5, endLine: 6, snippet: { text: '      - "6379:6379"\n    read_only: false' } },
    });
  });

  it('refuses a language it does not speak', async () => {
    const res = await upload(jsonBody('lang-fr'), { query: '?lang=fr' });
    expect(res.status).toBe(400);
  });
});

describe('bad input stores nothing', () => {
  it.each([
    ['an unknown kind', { workload: 'bad-kind', artifacts: [{ kind: 'helm', content: 'x' }] }, 400],
    ['a missing workload', { artifacts: [{ kind: 'dockerfile', content: DOCKERFILE }] }, 400],
    ['no artifacts', { workload: 'bad-empty', artifacts: [] }, 400],
    ['an unparsable inspect', { workload: 'bad-json', artifacts: [{ kind: 'docker-inspect', content: '{"Id": ' }] }, 422],
    ['a Dockerfile without FROM', { workload: 'bad-df', artifacts: [{ kind: 'dockerfile', content: 'RUN echo hi\n' }] }, 422],
    ['NUL bytes', { workload: 'bad-nul', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine\u0000\n' }] }, 422],
  ])('refuses %s', async (_what, body, status) => {
    const res = await upload(body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { detail: string; errors?: unknown[] };
    expect(problem.detail).toBeTruthy();
    const workload = (body as { workload?: string }).workload;
    if (workload) expect(await countSnapshots(workload)).toBe(0);
  });

  it('and the CLI refuses the same content with exit 2 and the same messages', async () => {
    const content = '[\n  {"Id": "4f2e0c1d9a7b", "HostConfig": {\n';
    const res = await upload({ workload: 'bad-cli', artifacts: [{ kind: 'docker-inspect', name: 'stdin', content }] });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { detail: string; errors: { path: string; message: string }[] };
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (s: string) => err.push(s), readStdin: async () => content, cwd: process.cwd(), env: {}, isTTY: false, columns: null };
    expect(await runCheck(['--kind=-=docker-inspect', '-'], io)).toBe(2);
    const lines = err.join('').trimEnd().split('\n').map((l) => l.replace(/^csvs check: /, ''));
    expect(problem.detail.startsWith(lines[0] ?? '-')).toBe(true);
    expect(lines.slice(1)).toEqual(problem.errors.map((e) => e.message));
  });

  it('refuses a body over the limit with 413', async () => {
    const big = 'FROM alpine\n' + '# padding\n'.repeat(600_000);
    const res = await upload({ workload: 'too-big', artifacts: [{ kind: 'dockerfile', content: big }] });
    expect(res.status).toBe(413);
    expect(await countSnapshots('too-big')).toBe(0);
  });

  it('refuses a content type it does not know', async () => {
    const res = await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(415);
  });
});

describe('Idempotency-Key', () => {
  it('returns the first result for a retry and refuses the key for another body', async () => {
    const headers = { 'idempotency-key': `retry-${Date.now()}` };
    const first = await upload(jsonBody('idem-api'), { headers });
    const second = await upload(jsonBody('idem-api'), { headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(((await second.json()) as Snapshot).id).toBe(((await first.json()) as Snapshot).id);
    const other = await upload(jsonBody('idem-api', { environment: 'staging' }), { headers });
    expect(other.status).toBe(422);
    expect(await countSnapshots('idem-api')).toBe(1);
  });

  it('stores one snapshot under ten concurrent retries', async () => {
    const headers = { 'idempotency-key': `concurrent-${Date.now()}` };
    const responses = await Promise.all(Array.from({ length: 10 }, () => upload(jsonBody('idem-concurrent'), { headers })));
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as Snapshot).id)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(ids.size).toBe(1);
    expect(await countSnapshots('idem-concurrent')).toBe(1);
  });
});

describe('async evaluation', () => {
  it('answers 202 with a Location that reads pending until a worker evaluates it', async () => {
    const res = await upload(jsonBody('async-api'), { query: '?async=true' });
    expect(res.status).toBe(202);
    const location = res.headers.get('location') ?? '';
    expect(((await (await h.request(location)).json()) as Snapshot).status).toBe('pending');
    while ((await evaluatePendingBatch(h.database.db, () => new Date())) > 0) {
      // drain every pending snapshot, including other tests' ones
    }
    const done = (await (await h.request(location)).json()) as Snapshot;
    expect(done.status).toBe('evaluated');
    expect(done.controls).toHaveLength(CONTROLS.length);
  });

  it('answers 202 pending even when a worker evaluates the snapshot before the answer is made', async () => {
    // The Node server's loop wakes on enqueue and may finish first; this queue always does.
    const eager: Harness = await startHarness({ queue: { enqueue: async (id) => void (await evaluateSnapshotsById(eager.database.db, [id], () => new Date())) } });
    try {
      const team = await eager.team('eager');
      for (let i = 0; i < 3; i++) {
        const res = await eager.request(`/v1/teams/${team}/snapshots?async=true`, { method: 'POST', json: { workload: `eager-${i}`, artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\n' }] } });
        expect(res.status).toBe(202);
        const body = (await res.json()) as Snapshot;
        expect(body.status).toBe('pending');
        expect(body.controls).toEqual([]);
        expect(body.artifacts).toHaveLength(1);
        // By now the worker has evaluated it: the Location says so.
        expect(((await (await eager.request(res.headers.get('location') ?? '')).json()) as Snapshot).status).toBe('evaluated');
      }
    } finally {
      await eager.close();
    }
  });

  it('marks a snapshot whose verdict cannot be stored as failed, and evaluates its neighbours', async () => {
    const bad = (await upload(jsonBody('async-bad'), { query: '?async=true' })).headers.get('location') ?? '';
    const good = (await upload(jsonBody('async-good'), { query: '?async=true' })).headers.get('location') ?? '';
    const badId = bad.split('/').pop() ?? '';
    // A fault in storing one verdict (here a constraint that refuses to mark it evaluated).
    const constraint = `reject_${badId.replaceAll('-', '')}`;
    await h.database.db.execute(sql.raw(`alter table snapshots add constraint ${constraint} check (id <> '${badId}' or status <> 'evaluated')`));
    try {
      while ((await evaluatePendingBatch(h.database.db, () => new Date())) > 0) {
        // drain: the failing snapshot must not be claimed again and again
      }
    } finally {
      await h.database.db.execute(sql.raw(`alter table snapshots drop constraint ${constraint}`));
    }
    const failed = (await (await h.request(bad)).json()) as Snapshot;
    expect(failed.status).toBe('failed');
    expect(((await (await h.request(good)).json()) as Snapshot).status).toBe('evaluated');
  });

  it('evaluates a Queue batch in one transaction: a failing snapshot is marked failed, the others commit', async () => {
    const id = async (workload: string) => ((await upload(jsonBody(workload), { query: '?async=true' })).headers.get('location') ?? '').split('/').pop() ?? '';
    const [bad, good] = [await id('queue-bad'), await id('queue-good')];
    const gone = crypto.randomUUID();
    const constraint = `reject_${bad.replaceAll('-', '')}`;
    await h.database.db.execute(sql.raw(`alter table snapshots add constraint ${constraint} check (id <> '${bad}' or status <> 'evaluated')`));
    let outcome: Map<string, string>;
    try {
      outcome = await evaluateSnapshotsById(h.database.db, [bad, good, gone], () => new Date());
    } finally {
      await h.database.db.execute(sql.raw(`alter table snapshots drop constraint ${constraint}`));
    }
    expect(Object.fromEntries(outcome)).toEqual({ [bad]: 'failed', [good]: 'evaluated', [gone]: 'gone' });
    expect(((await (await h.request(`/v1/snapshots/${bad}`)).json()) as Snapshot).status).toBe('failed');
    expect(((await (await h.request(`/v1/snapshots/${good}`)).json()) as Snapshot).status).toBe('evaluated');
  });
});

describe('reading', () => {
  it('lists snapshots newest first with a cursor, and the latest state per workload', async () => {
    for (const day of ['2026-11-01', '2026-11-02', '2026-11-03']) {
      expect((await upload(jsonBody('paged-api', { observedAt: `${day}T10:00:00Z` }))).status).toBe(201);
    }
    const page1 = (await (await h.request(`/v1/teams/${team}/snapshots?workload=paged-api&limit=2`)).json()) as {
      items: Snapshot[];
      nextCursor: string | null;
    };
    expect(page1.items.map((s) => s.observedAt.slice(0, 10))).toEqual(['2026-11-03', '2026-11-02']);
    expect(page1.nextCursor).toBeTruthy();
    const page2 = (await (await h.request(`/v1/teams/${team}/snapshots?workload=paged-api&limit=2&cursor=${page1.nextCursor}`)).json()) as {
      items: Snapshot[];
      nextCursor: string | null;
    };
    expect(page2.items.map((s) => s.observedAt.slice(0, 10))).toEqual(['2026-11-01']);
    expect(page2.nextCursor).toBeNull();

    const workloads = (await (await h.request(`/v1/teams/${team}/workloads`)).json()) as {
      items: { workload: string; observedAt: string; controls: unknown[] }[];
    };
    const paged = workloads.items.find((w) => w.workload === 'paged-api');
    expect(paged?.observedAt.slice(0, 10)).toBe('2026-11-03');
    expect(paged?.controls).toHaveLength(CONTROLS.length);
  });
});
