import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../cli/args.ts';
import { main } from '../../cli/main.ts';
import type { SnapshotBody } from '../../workers/agent/snapshot.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { type FakeDocker, startFakeDocker } from './fake-docker.ts';
import { countByKey, listSnapshots, type ServedApi, serveApi } from './support.ts';

let h: Harness;
let api: ServedApi;
beforeAll(async () => {
  h = await startHarness();
  api = await serveApi(h);
});
afterAll(async () => {
  await api.stop();
  await h.close();
});

let fake: FakeDocker;
let dir: string;
beforeEach(async () => {
  fake = await startFakeDocker();
  dir = await mkdtemp(join(tmpdir(), 'csvs-cli-agent-'));
});
afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  await api.start();
});

function io(env: Record<string, string> = {}, stdin = ''): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readStdin: async () => stdin,
    cwd: dir,
    env: { DOCKER_HOST: `unix://${fake.socketPath}`, ...env },
    isTTY: false,
    columns: null,
  };
}

async function ingestKey(): Promise<{ team: string; key: string }> {
  const team = await h.team('cli-agent');
  return { team, key: (await h.key('ingest', team)).key };
}

describe('csvs collect', () => {
  it('prints one snapshot per workload of every running container', async () => {
    const t = io();
    expect(await main(['collect', '--events-since', '24h'], t)).toBe(0);
    const bodies = JSON.parse(t.out.join('')) as SnapshotBody[];
    expect(bodies.map((b) => b.workload)).toContain('shop/web');
    expect(bodies).toHaveLength(8);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('prints one object for the named containers with --workload, for CI', async () => {
    const t = io();
    expect(await main(['collect', 'shop-web-1', 'shop-web-2', '--workload', 'shop-ci', '--environment', 'ci'], t)).toBe(0);
    const body = JSON.parse(t.out.join('')) as SnapshotBody;
    expect(body).toMatchObject({ workload: 'shop-ci', environment: 'ci' });
    expect((body.artifacts[0]?.content as unknown[]).length).toBe(2);
  });

  it('reads the events of the named containers only, with those of earlier containers of the same name', async () => {
    const t = io();
    expect(await main(['collect', 'shop-db-1', '--workload', 'db-ci', '--events-since', '24h'], t)).toBe(0);
    const body = JSON.parse(t.out.join('')) as SnapshotBody;
    const log = String(body.artifacts.find((a) => a.kind === 'docker-events')?.content);
    const names = log.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { Actor: { Attributes: { name: string } } }).Actor.Attributes.name);
    // The accessed shop-db-1 that was removed, and its replacement; jumpbox's exec is not asked about.
    expect(new Set(names)).toEqual(new Set(['shop-db-1']));
    expect(log).toMatch(/exec_start: psql/);
    expect(log).toMatch(/"destroy"/);
    expect(t.err.join('')).not.toMatch(/no running container|not uploaded/);
  });

  it('says which named container does not exist', async () => {
    const t = io();
    expect(await main(['collect', 'jumpbox', 'ghost'], t)).toBe(2);
    expect(t.err.join('')).toMatch(/no such container: ghost/);
    expect(t.out).toEqual([]);
  });

  it('says when Docker cannot be read', async () => {
    const t = io({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(await main(['collect'], t)).toBe(2);
    expect(t.err.join('')).toMatch(/cannot read Docker: cannot reach the Docker daemon/);
  });

  it('turns kubectl output on standard input into snapshots', async () => {
    const pods = await readFile(new URL('../fixtures/kubernetes/h12-kubectl-pods.json', import.meta.url), 'utf8');
    const t = io({}, pods);
    expect(await main(['collect', '--kubernetes', '-'], t)).toBe(0);
    const bodies = JSON.parse(t.out.join('')) as SnapshotBody[];
    expect(bodies.map((b) => b.workload)).toContain('payments/checkout-api');
    expect(fake.requests).toEqual([]);
  });

  it('uploads with --url and gates on --level', async () => {
    const { team, key } = await ingestKey();
    const t = io({ CSVS_KEY: key });
    const code = await main(['collect', 'csvs-agent-agent-1', '--workload', 'agent-ci', '--url', api.url, '--team', team, '--level', 'L1'], t);
    // Docker alone cannot decide 3.8 and 3.11 (they need the Dockerfile or an SBOM): L1 stays unmet.
    expect(code).toBe(1);
    expect(t.out.join('')).toMatch(/^agent-ci: L1 not met, L2 not met, L3 not met \(snapshot [0-9a-f-]{36}\)\n$/);
    expect((await listSnapshots(h, team)).map((s) => s.workload)).toEqual(['agent-ci']);
  });

  it('refuses wrong usage with exit code 2', async () => {
    expect(await main(['collect', '--level', 'L2'], io())).toBe(2);
    expect(await main(['collect', 'x', '--kubernetes', '-'], io())).toBe(2);
    expect(await main(['collect', '--bogus'], io())).toBe(2);
    const bad = io();
    expect(await main(['collect', '--image-packages', 'lots'], bad)).toBe(2);
    expect(bad.err.join('')).toMatch(/--image-packages must be a size such as 1GiB, or 0/);
  });
});

describe('csvs agent', () => {
  it('does one round with --once and delivers it', async () => {
    const { team, key } = await ingestKey();
    await writeFile(join(dir, 'key'), `${key}\n`);
    const t = io({ CSVS_KEY_FILE: join(dir, 'key') });
    const code = await main(['agent', '--once', '--url', api.url, '--team', team, '--state-dir', 'state', '--health-file', 'health.json', '--events-since', '24h'], t);
    expect(t.err.join('')).toMatch(/csvs-agent: agent: Docker at unix:\/\/.*, one round \(--once\); queue .*state\/queue bounded to 2000 snapshots \/ 268435456 bytes/);
    expect(t.err.join('')).not.toMatch(/every \d+ s/);
    expect(code).toBe(0);
    expect(await listSnapshots(h, team)).toHaveLength(8);
    const health = JSON.parse(await readFile(join(dir, 'health.json'), 'utf8')) as { status: string; lastRound: { ok: boolean } };
    expect(health).toMatchObject({ status: 'stopped', lastRound: { ok: true } });
    expect(await main(['agent', '--check-health', 'health.json'], io())).toBe(1);
  });

  it('keeps the round on disk when the service is down, and the next start delivers it once', async () => {
    const { team, key } = await ingestKey();
    const args = ['agent', '--once', '--url', api.url, '--team', team, '--state-dir', 'state', '--timeout', '2s'];
    await api.stop();
    const down = io({ CSVS_KEY: key });
    expect(await main(args, down)).toBe(1);
    expect(down.err.join('')).toMatch(/8 snapshot\(s\) stay queued for the next start/);
    expect(await readdir(join(dir, 'state', 'queue'))).toHaveLength(8);
    await api.start();
    fake.setNow('2026-03-11T10:05:00.318406214Z');
    expect(await main(args, io({ CSVS_KEY: key }))).toBe(0);
    const stored = await listSnapshots(h, team);
    expect(stored).toHaveLength(16);
    expect([...countByKey(stored).values()].every((n) => n === 1)).toBe(true);
  });

  it('answers health probes from the health file', async () => {
    const fresh = { status: 'ok', updatedAt: new Date().toISOString(), lastSuccessAt: new Date().toISOString() };
    await writeFile(join(dir, 'fresh.json'), JSON.stringify(fresh));
    const stale = { ...fresh, status: 'degraded', lastSuccessAt: new Date(Date.now() - 3_600_000).toISOString() };
    await writeFile(join(dir, 'stale.json'), JSON.stringify(stale));
    const ok = io();
    expect(await main(['agent', '--check-health', 'fresh.json'], ok)).toBe(0);
    expect(ok.out.join('')).toMatch(/healthy: last successful round \d+ s ago \(ok\)/);
    const bad = io();
    expect(await main(['agent', '--check-health', 'stale.json', '--max-age', '15m'], bad)).toBe(1);
    expect(bad.err.join('')).toMatch(/unhealthy: no successful round for 3\d{3} s \(limit 900 s\)/);
    expect(await main(['agent', '--check-health', 'missing.json'], io())).toBe(1);
  });

  it('refuses wrong usage with exit code 2', async () => {
    const t = io();
    expect(await main(['agent', '--team', 't', '--key', 'k'], t)).toBe(2);
    expect(t.err.join('')).toMatch(/--url is required/);
    expect(await main(['agent', '--url', 'ftp://x', '--team', 't', '--key', 'k'], io())).toBe(2);
    expect(await main(['agent', '--url', 'http://127.0.0.1:1', '--team', 't'], io())).toBe(2);
    expect(await main(['agent', '--url', 'http://127.0.0.1:1', '--team', 't', '--key', 'k', '--interval', '1s'], io())).toBe(2);
    expect(await main(['agent', '--url', 'http://127.0.0.1:1', '--team', 't', '--key', 'k', '--docker-host', 'ssh://x'], io())).toBe(2);
    const help = io();
    expect(await main(['agent', '--help'], help)).toBe(0);
    expect(help.out.join('')).toMatch(/^Usage: csvs agent/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const { team, key } = await ingestKey();
    const child = spawn(process.execPath, ['cli/main.ts', 'agent', '--url', api.url, '--team', team, '--interval', '1h', '--state-dir', join(dir, 'state'), '--health-file', join(dir, 'health.json')], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, DOCKER_HOST: `unix://${fake.socketPath}`, CSVS_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 1200 && !stderr.includes('delivered '); i++) await new Promise((r) => setTimeout(r, 25));
    for (let i = 0; i < 1200 && (await listSnapshots(h, team)).length < 8; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping/);
    expect(stderr).toMatch(/agent: stopped/);
    const health = JSON.parse(await readFile(join(dir, 'health.json'), 'utf8')) as { status: string };
    expect(health.status).toBe('stopped');
    expect(await listSnapshots(h, team)).toHaveLength(8);
  }, 60_000);
});
