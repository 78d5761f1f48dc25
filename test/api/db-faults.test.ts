/**
 * A real PostgreSQL server whose connections break under load. The service runs as `npm start`
 * runs it (its own process), on a database of its own (created on the run's server, dropped after), and
 * its backends are terminated again and again (`pg_terminate_backend`, what a restart or failover
 * does to a client) while clients upload. Only this server's connections are touched (found by their
 * application_name), so other suites on the same server are not disturbed; restarting the whole
 * server is `npm run fault:db-restart`, a script, for that reason.
 *
 * Holds: the process stays up; every answer is 201/200 or 503 with Retry-After (never 500);
 * once the database is back every answer is right; every acknowledged upload is stored, and every
 * stored one was acknowledged to its client (on a retry with its Idempotency-Key at the latest).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migratePostgres } from '../../db/migrate.ts';
import { DOCKERFILE } from '../fixtures/node-service/artifacts.ts';
import { CONTROLS } from '../../workers/controls/index.ts';

const choice = inject('database');
const ADMIN_KEY = 'fault-test-admin-key-0123456789';
/** A database of this run's own, dropped afterwards: other checkouts' suites (other schemas) use the same server. */
const FAULT_DATABASE = `csvs_fault_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

if (choice.kind !== 'postgres') {
  console.log('[db-faults] skipped: needs a PostgreSQL server (set DATABASE_URL); the embedded database has no connections to break');
}

describe.skipIf(choice.kind !== 'postgres')('PostgreSQL connections broken under load (needs DATABASE_URL)', () => {
  let admin: ReturnType<typeof postgres>;
  let server: ChildProcess;
  let base = '';
  const output: string[] = [];
  const appName = `csvs-fault-${Math.random().toString(36).slice(2, 10)}`;
  let team = '';
  let key = '';

  beforeAll(async () => {
    const url = new URL(choice.url ?? '');
    admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${FAULT_DATABASE}`);
    url.pathname = `/${FAULT_DATABASE}`;
    await migratePostgres(url.toString());
    url.searchParams.set('application_name', appName);
    server = spawn(process.execPath, ['api/node-server.ts'], {
      env: { ...process.env, DATABASE_URL: url.toString(), PORT: '0', HOST: '127.0.0.1', CSVS_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const listening = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          output.push(line);
          const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
          if (match?.[1] && line.includes('"listening"')) resolve(match[1]);
        }
      };
      server.stdout?.on('data', onData);
      server.stderr?.on('data', onData);
      server.on('exit', (code) => reject(new Error(`server exited ${code}: ${output.join('\n')}`)));
    });
    base = await listening;
    const asAdmin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    team = `fault-${Date.now().toString(36)}`;
    expect((await fetch(`${base}/v1/teams`, { method: 'POST', headers: asAdmin, body: JSON.stringify({ slug: team, name: 'Faults' }) })).status).toBe(201);
    const created = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: asAdmin, body: JSON.stringify({ role: 'ingest', team, name: 'faults' }) });
    key = ((await created.json()) as { key: string }).key;
  }, 60_000);

  afterAll(async () => {
    if (process.env.FAULT_TEST_DEBUG) console.log(output.join('\n'));
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await admin?.unsafe(`drop database if exists ${FAULT_DATABASE} with (force)`).catch(() => undefined);
    await admin?.end();
  });

  const upload = (idempotencyKey: string) =>
    fetch(`${base}/v1/teams/${team}/snapshots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify({ workload: `svc-${idempotencyKey.split('-')[1]}`, ci: { commit: idempotencyKey }, artifacts: [{ kind: 'dockerfile', content: DOCKERFILE }] }),
    });

  it('answers 201 or 503 with Retry-After while connections break, stays up, and is right afterwards', async () => {
    const statuses = new Map<string, number>();
    const missingRetryAfter: string[] = [];
    const acknowledged = new Map<string, string>();
    let breaking = true;

    const uploader = async (u: number) => {
      for (let n = 0; breaking; n++) {
        const idempotencyKey = `u-${u}-${n}`;
        // A client as the README describes: retry a 503 with the same Idempotency-Key.
        for (let attempt = 0; attempt < 100; attempt++) {
          const res = await upload(idempotencyKey);
          const body = await res.text();
          statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
          if (res.status === 201 || res.status === 200) {
            acknowledged.set(idempotencyKey, (JSON.parse(body) as { id: string }).id);
            break;
          }
          if (res.status !== 503) throw new Error(`upload ${idempotencyKey}: ${res.status} ${body}`);
          if (!res.headers.get('retry-after')) missingRetryAfter.push(idempotencyKey);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    let terminated = 0;
    const breaker = async () => {
      for (let round = 0; round < 25; round++) {
        const [row] = await admin<{ n: number }[]>`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ${appName}`;
        terminated += row?.n ?? 0;
        await new Promise((r) => setTimeout(r, 120));
      }
      breaking = false;
    };
    await Promise.all([breaker(), ...Array.from({ length: 6 }, (_, u) => uploader(u))]);
    console.log(`[db-faults] ${terminated} backends terminated; answers ${JSON.stringify(Object.fromEntries(statuses))}`);

    expect(terminated).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => !['200', '201', '503'].includes(s))).toEqual([]);
    expect(missingRetryAfter).toEqual([]);
    expect(server.exitCode).toBeNull();

    // Back to normal: ready, then every answer right.
    while (!(await fetch(`${base}/readyz`)).ok) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 20; i++) {
      const res = await upload(`after-${i}`);
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      acknowledged.set(`after-${i}`, id);
      const read = await fetch(`${base}/v1/snapshots/${id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { controls: unknown[] }).controls).toHaveLength(CONTROLS.length);
    }

    // Nothing acknowledged is missing; nothing is stored that its client was not told about.
    const url = new URL(choice.url ?? '');
    url.pathname = `/${FAULT_DATABASE}`;
    const faultDb = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const stored = await faultDb<{ id: string; idempotency_key: string }[]>`
      select s.id, s.idempotency_key from snapshots s join teams t on t.id = s.team_id where t.slug = ${team}`;
    await faultDb.end();
    expect(stored.map((s) => s.id).sort()).toEqual([...acknowledged.values()].sort());
    expect(stored.every((s) => acknowledged.get(s.idempotency_key) === s.id)).toBe(true);

    const logged = output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logged.filter((l) => l.msg === 'unhandled error')).toEqual([]);
    expect(server.exitCode).toBeNull();
  }, 120_000);
});
