/**
 * The agent against a real Docker Engine (`.ci/docker-daemon` starts one in CI; on a laptop the
 * one that runs, if any). Images are built here without a registry: a busybox-static root file
 * system with a dpkg status file and an apk database in it, imported, and `docker build` on top.
 * Containers with known settings are started, and `csvs collect` and two `csvs agent --once`
 * rounds are checked against the verdicts /work/shared/CONTROLS.md gives. A second daemon that
 * remaps user namespaces (`dockerd --userns-remap=default`) shows what `docker top` says there.
 *
 * Skipped, saying why, where no daemon answers, the docker CLI or busybox-static is missing.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Io } from '../../cli/args.ts';
import { main } from '../../cli/main.ts';
import { createDockerClient, resolveDockerEndpoint } from '../../workers/agent/docker-client.ts';
import type { SnapshotBody } from '../../workers/agent/snapshot.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import type { ControlResult } from '../../workers/model/result.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { listSnapshots, type ServedApi, serveApi } from './support.ts';

const run = promisify(execFile);
const LABEL = 'org.owasp.csvs.e2e';
const MAIN_HOST = process.env.DOCKER_HOST?.trim() || 'unix:///var/run/docker.sock';
const REMAP_HOST = process.env.CSVS_TEST_DOCKER_REMAP_HOST?.trim() || 'unix:///tmp/csvs-ci-docker-remap/docker.sock';
const STATUS_FILE = join(process.env.CSVS_DOCKER_STATE?.trim() || '/tmp/csvs-ci-docker', 'status');
/** Debian's client matches Debian's daemon; a newer client earlier on PATH may refuse an old API. */
const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const BUSYBOX = '/bin/busybox';

const DPKG_STATUS = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

`;
const APK_INSTALLED = `C:Q1ZaHv0fVXgEsk8eOnrsHqD1D3rwY=
P:musl
V:1.2.5-r0
A:x86_64
T:the musl c library (libc) implementation

C:Q1d9ODq8S0B7q1e8hFRZbQbzLHvLM=
P:busybox
V:1.36.1-r29
A:x86_64
T:Size optimized toolbox of many common UNIX utilities

`;
/** What `RUN apt-get install openssh-server` would add to the status file, written by the build itself. */
const SSHD_STANZA = 'Package: openssh-server\\nStatus: install ok installed\\nArchitecture: amd64\\nVersion: 1:9.2p1-2+deb12u3\\n\\n';

interface Daemon {
  host: string;
  socketPath: string;
  /** Why this daemon cannot be used; null when it answers. */
  missing: string | null;
  remaps: boolean;
}

async function probe(host: string): Promise<Daemon> {
  const endpoint = resolveDockerEndpoint({}, host);
  const socketPath = endpoint.socketPath ?? '';
  const client = createDockerClient({ endpoint, timeoutMs: 3000 });
  try {
    const info = await client.info();
    const options = Array.isArray(info.SecurityOptions) ? info.SecurityOptions.map(String) : [];
    return { host, socketPath, missing: null, remaps: options.some((o) => o.split(',').includes('name=userns')) };
  } catch (e) {
    const status = existsSync(STATUS_FILE) ? ` (.ci/docker-daemon: ${(await readFile(STATUS_FILE, 'utf8')).trim().replace(/\n/g, '; ')})` : '';
    return { host, socketPath, missing: `no Docker daemon answers at ${host}: ${e instanceof Error ? e.message : String(e)}${status}`, remaps: false };
  } finally {
    client.close();
  }
}

async function docker(host: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(DOCKER_CLI, args, { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** `tar -C dir -c . | docker import - ref`: an image from a folder, no registry involved. */
async function importImage(host: string, dir: string, ref: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const imp = spawn(DOCKER_CLI, ['import', '-', ref], { env: { ...process.env, DOCKER_HOST: host }, stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    imp.stderr.on('data', (d: Buffer) => err.push(d));
    tar.stdout.pipe(imp.stdin);
    imp.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker import ${ref}: ${Buffer.concat(err).toString()}`))));
  });
}

async function build(host: string, dir: string, ref: string, dockerfile: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
  await docker(host, 'build', '-q', '-t', ref, dir);
}

async function removeOurs(host: string): Promise<void> {
  const ids = (await docker(host, 'ps', '-aq', '--filter', `label=${LABEL}`).catch(() => '')).split('\n').filter(Boolean);
  if (ids.length > 0) await docker(host, 'rm', '-f', ...ids).catch(() => '');
}

function io(dir: string, env: Record<string, string>): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readStdin: async () => '',
    cwd: dir,
    env,
    isTTY: false,
    columns: null,
  };
}

const controlOf = (body: SnapshotBody | undefined, id: string): ControlResult => {
  if (!body) throw new Error('no snapshot');
  const found = evaluate({ artifacts: body.artifacts, workload: body.workload }).controls.find((c) => c.id === id);
  if (!found) throw new Error(`no control ${id}`);
  return found;
};
const statuses = (body: SnapshotBody | undefined, ids: readonly string[]) => Object.fromEntries(ids.map((id) => [id, controlOf(body, id).status]));

let main_: Daemon;
let remap: Daemon;
let prerequisite: string | null = null;
let work: string;

beforeAll(async () => {
  main_ = await probe(MAIN_HOST);
  remap = await probe(REMAP_HOST);
  if (!existsSync(BUSYBOX)) prerequisite = `${BUSYBOX} is missing (apt-get install busybox-static): the test images are built from it`;
  else if (!existsSync(DOCKER_CLI) && DOCKER_CLI !== 'docker') prerequisite = 'no docker CLI';
  if (main_.missing !== null || prerequisite !== null) return;
  work = await mkdtemp(join(tmpdir(), 'csvs-docker-engine-'));
  const rootfs = join(work, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await writeFile(join(rootfs, 'bin/busybox'), await readFile(BUSYBOX));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  for (const tool of ['sh', 'sleep', 'nc', 'cat', 'id', 'printf', 'rm']) await symlink('busybox', join(rootfs, 'bin', tool));
  await mkdir(join(rootfs, 'var/lib/dpkg'), { recursive: true });
  await mkdir(join(rootfs, 'lib/apk/db'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await writeFile(join(rootfs, 'var/lib/dpkg/status'), DPKG_STATUS);
  await writeFile(join(rootfs, 'lib/apk/db/installed'), APK_INSTALLED);
  for (const d of [main_, remap]) {
    if (d.missing !== null) continue;
    await removeOurs(d.host);
    await importImage(d.host, rootfs, 'csvs-e2e/base:1');
  }
  const h = main_.host;
  await build(h, join(work, 'app'), 'csvs-e2e/app:1', 'FROM csvs-e2e/base:1\nUSER 10001\nCMD ["sleep", "3600"]\n');
  // A later layer that rewrites the dpkg database and deletes the apk one (a whiteout), and one
  // that adds an rpm database as rpm 4.18 wrote it (test/fixtures/rpm).
  await mkdir(join(work, 'ops'), { recursive: true });
  await writeFile(join(work, 'ops/rpmdb.sqlite'), await readFile(new URL('../fixtures/rpm/rpmdb.sqlite', import.meta.url)));
  await build(h, join(work, 'ops'), 'csvs-e2e/ops:1',
    `FROM csvs-e2e/base:1\nRUN printf '${SSHD_STANZA}' >> /var/lib/dpkg/status && rm /lib/apk/db/installed\nCOPY rpmdb.sqlite /var/lib/rpm/rpmdb.sqlite\n`);
  const hardened = ['--label', LABEL, '--read-only', '--security-opt', 'no-new-privileges', '--pids-limit', '64', '--cap-drop', 'ALL'];
  await docker(h, 'run', '-d', '--name', 'csvs-e2e-hardened', ...hardened, 'csvs-e2e/app:1');
  await docker(h, 'run', '-d', '--name', 'csvs-e2e-accessed', ...hardened, 'csvs-e2e/app:1');
  // Root, the daemon's socket mounted, a Redis port published on every interface (a busybox listener).
  await docker(h, 'run', '-d', '--name', 'csvs-e2e-ops', '--label', LABEL, '-v', `${main_.socketPath}:/var/run/docker.sock`,
    '-p', '0.0.0.0::6379', 'csvs-e2e/ops:1', 'nc', '-ll', '-p', '6379', '-e', '/bin/cat');
  await docker(h, 'run', '-d', '--name', 'csvs-e2e-hostns', '--label', LABEL, '--userns=host', ...hardened.slice(2), 'csvs-e2e/app:1');
  // An image without a USER, run as another user (`docker run --user`).
  await docker(h, 'run', '-d', '--name', 'csvs-e2e-userflag', ...hardened, '--user', '1000:1000', 'csvs-e2e/base:1', 'sleep', '3600');
  // One exec session, ended before anything is read.
  await docker(h, 'exec', 'csvs-e2e-accessed', 'id');
  if (remap.missing === null && remap.remaps) {
    await docker(remap.host, 'run', '-d', '--name', 'csvs-e2e-remapped', '--label', LABEL, '--network', 'none', 'csvs-e2e/base:1', 'sleep', '3600');
    await docker(remap.host, 'run', '-d', '--name', 'csvs-e2e-remap-hostns', '--label', LABEL, '--network', 'none', '--userns=host', 'csvs-e2e/base:1', 'sleep', '3600');
  }
}, 180_000);

afterAll(async () => {
  for (const d of [main_, remap]) {
    if (!d || d.missing !== null) continue;
    await removeOurs(d.host);
    await docker(d.host, 'rmi', '-f', 'csvs-e2e/ops:1', 'csvs-e2e/app:1', 'csvs-e2e/base:1').catch(() => '');
  }
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

function needMain(ctx: TestContext): void {
  if (prerequisite !== null) ctx.skip(prerequisite);
  if (main_.missing !== null) ctx.skip(main_.missing);
}

const WORKLOADS = ['csvs-e2e-accessed', 'csvs-e2e-hardened', 'csvs-e2e-hostns', 'csvs-e2e-ops', 'csvs-e2e-userflag'];

describe('csvs collect on a real Docker Engine', () => {
  it('gives the verdicts CONTROLS.md gives for containers with known settings', async (ctx) => {
    needMain(ctx);
    const t = io(work, { DOCKER_HOST: main_.host });
    expect(await main(['collect', ...WORKLOADS, '--events-since', '10m'], t)).toBe(0);
    const bodies = JSON.parse(t.out.join('')) as SnapshotBody[];
    expect(bodies.map((b) => b.workload)).toEqual(WORKLOADS);
    const by = (name: string) => bodies.find((b) => b.workload === name);
    // Named containers: no note about the rest of the host.
    expect(t.err.join('')).not.toMatch(/no running container/);

    // Non-root, read-only, no-new-privileges, pids limit, cap-drop ALL, the default seccomp profile.
    expect(statuses(by('csvs-e2e-hardened'), ['3.1', '3.2', '3.3', '3.4', '3.5', '3.8', '3.9', '3.10', '3.12', '3.13', '3.14', '3.15'])).toEqual({
      '3.1': 'pass', '3.2': 'fail', '3.3': 'pass', '3.4': 'fail', '3.5': 'pass', '3.8': 'pass',
      '3.9': 'pass', '3.10': 'pass', '3.12': 'pass', '3.13': 'pass', '3.14': 'pass', '3.15': 'pass',
    });
    // 3.8 and 3.12 from the packages read from the image's layers (no Dockerfile, no exec).
    const hardenedPackages = by('csvs-e2e-hardened')?.artifacts.filter((a) => a.kind === 'packages').map((a) => [a.name, a.content]);
    expect(hardenedPackages).toEqual([
      ['packages csvs-e2e/app:1 (dpkg)', 'base-files\t12.4+deb12u5\nlibc6\t2.36-9+deb12u4\n'],
      ['packages csvs-e2e/app:1 (apk)', 'busybox-1.36.1-r29\nmusl-1.2.5-r0\n'],
    ]);
    expect(controlOf(by('csvs-e2e-hardened'), '3.8').findings).toContainEqual(expect.objectContaining({ kind: 'packages', status: 'pass' }));

    // Root, docker.sock mounted, Redis published on 0.0.0.0, openssh-server in a later layer.
    const ops = by('csvs-e2e-ops');
    expect(statuses(ops, ['3.1', '3.5', '3.8', '3.9', '3.12', '3.13', '3.14', '3.15'])).toEqual({
      '3.1': 'fail', '3.5': 'fail', '3.8': 'fail', '3.9': 'fail', '3.12': 'fail', '3.13': 'fail', '3.14': 'fail', '3.15': 'fail',
    });
    expect(ops?.artifacts.filter((a) => a.kind === 'packages').map((a) => a.name)).toEqual(['packages csvs-e2e/ops:1 (dpkg)', 'packages csvs-e2e/ops:1 (rpm)']);
    expect(controlOf(ops, '3.8').findings).toContainEqual(expect.objectContaining({ kind: 'packages', artifact: 'packages csvs-e2e/ops:1 (rpm)', status: 'fail', message: expect.stringMatching(/tcpdump/) }));
    expect(controlOf(ops, '3.12').findings).toContainEqual(expect.objectContaining({ kind: 'packages', status: 'fail', message: expect.stringMatching(/openssh-server/) }));
    expect(controlOf(ops, '3.13').findings).toContainEqual(expect.objectContaining({ status: 'fail', message: expect.stringMatching(/Redis \(6379\/tcp\) is published on all interfaces/) }));
    // The process list names its container.
    expect(controlOf(ops, '3.1').findings).toContainEqual(expect.objectContaining({ kind: 'processes', status: 'fail', container: 'csvs-e2e-ops' }));

    // One docker exec is one session.
    const accessed = controlOf(by('csvs-e2e-accessed'), '3.10');
    expect(accessed.status).toBe('fail');
    expect(accessed.findings).toContainEqual(expect.objectContaining({ kind: 'docker-events', container: 'csvs-e2e-accessed', message: expect.stringMatching(/^1 exec session\(s\), the last at/) }));

    // The image's root default is overridden by the container that runs it: the container decides 3.1.
    const userflag = controlOf(by('csvs-e2e-userflag'), '3.1');
    expect(userflag.status).toBe('pass');
    expect(userflag.findings).toContainEqual(expect.objectContaining({ kind: 'docker-image-inspect', status: 'unknown', message: expect.stringMatching(/csvs-e2e-userflag: 1000:1000/) }));

    expect(controlOf(by('csvs-e2e-hostns'), '3.2').findings).toContainEqual(expect.objectContaining({ kind: 'docker-inspect', status: 'fail', message: expect.stringMatching(/user namespace mode is host/) }));
  }, 120_000);
});

describe('csvs agent on a real Docker Engine', () => {
  let h: Harness;
  let api: ServedApi;
  afterAll(async () => {
    await api?.stop();
    await h?.close();
  });

  it('uploads two rounds whose verdicts follow what happened between them', async (ctx) => {
    needMain(ctx);
    h = await startHarness();
    api = await serveApi(h);
    const team = await h.team('docker-engine');
    const { key } = await h.key('ingest', team);
    const agent = async (): Promise<string> => {
      const t = io(work, { DOCKER_HOST: main_.host, CSVS_KEY: key });
      const code = await main(['agent', '--once', '--url', api.url, '--team', team, '--state-dir', 'agent-state', '--events-since', '10m'], t);
      expect(code, t.err.join('')).toBe(0);
      return t.err.join('');
    };
    const latest = async (workload: string) => {
      const all = (await listSnapshots(h, team)).filter((s) => s.workload === workload);
      all.sort((a, b) => a.observedAt.localeCompare(b.observedAt));
      const last = all.at(-1);
      return { count: all.length, status: (id: string) => last?.controls.find((c) => c.id === id)?.status };
    };

    const log1 = await agent();
    expect(log1).toMatch(/one round \(--once\)/);
    expect(log1).not.toMatch(/every \d+ s/);
    expect((await latest('csvs-e2e-accessed')).status('3.10')).toBe('fail');
    expect((await latest('csvs-e2e-hardened')).status('3.10')).toBe('pass');
    expect((await latest('csvs-e2e-hardened')).status('3.8')).toBe('pass');
    expect((await latest('csvs-e2e-ops')).status('3.12')).toBe('fail');
    // The three images (app, ops, base) were read once, and are kept for the next start.
    expect((await readdir(join(work, 'agent-state/packages'))).filter((f) => f.endsWith('.json'))).toHaveLength(3);

    // Between the rounds: the accessed container is replaced, and someone execs into the hardened one.
    await docker(main_.host, 'rm', '-f', 'csvs-e2e-accessed');
    await docker(main_.host, 'run', '-d', '--name', 'csvs-e2e-accessed', '--label', LABEL, '--read-only', '--security-opt', 'no-new-privileges',
      '--pids-limit', '64', '--cap-drop', 'ALL', 'csvs-e2e/app:1');
    await docker(main_.host, 'exec', 'csvs-e2e-hardened', 'id');

    const log2 = await agent();
    expect(log2).not.toMatch(/packages could not be read/);
    const accessed = await latest('csvs-e2e-accessed');
    expect(accessed.count).toBe(2);
    expect(accessed.status('3.10')).toBe('pass');
    const hardened = await latest('csvs-e2e-hardened');
    expect(hardened.count).toBe(2);
    expect(hardened.status('3.10')).toBe('fail');
  }, 180_000);
});

describe('a daemon that remaps user namespaces (dockerd --userns-remap=default)', () => {
  it('shows host UIDs in docker top: the list says nothing of 3.1, except for a --userns=host container', async (ctx) => {
    needMain(ctx);
    if (remap.missing !== null) ctx.skip(remap.missing);
    if (!remap.remaps) ctx.skip(`the daemon at ${remap.host} does not remap user namespaces`);
    const t = io(work, { DOCKER_HOST: remap.host });
    expect(await main(['collect', 'csvs-e2e-remapped', 'csvs-e2e-remap-hostns', '--events-since', '10m'], t)).toBe(0);
    const bodies = JSON.parse(t.out.join('')) as SnapshotBody[];
    const by = (name: string) => bodies.find((b) => b.workload === name);
    const remapped = by('csvs-e2e-remapped');
    // The container's root, as the host sees it: the remap base of dockremap (100000 by default).
    const top = JSON.parse(String(remapped?.artifacts.find((a) => a.kind === 'processes')?.content)) as { Processes: string[][] };
    expect(Number(top.Processes[0]?.[0])).toBeGreaterThanOrEqual(100000);
    expect(controlOf(remapped, '3.1').findings.filter((f) => f.kind === 'processes')).toEqual([
      expect.objectContaining({ status: 'unknown', container: 'csvs-e2e-remapped', message: expect.stringMatching(/says nothing about 3\.1/) }),
    ]);
    expect(controlOf(remapped, '3.2').status).toBe('pass');
    const hostns = by('csvs-e2e-remap-hostns');
    expect(controlOf(hostns, '3.1').findings.filter((f) => f.kind === 'processes')).toEqual([
      expect.objectContaining({ status: 'fail', container: 'csvs-e2e-remap-hostns', message: expect.stringMatching(/sleep 3600/) }),
    ]);
    expect(controlOf(hostns, '3.2').status).toBe('fail');
  }, 120_000);
});
