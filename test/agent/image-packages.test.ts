/**
 * Images' package databases read from their layers (`GET /images/{id}/get`), against archives
 * laid out as Docker writes them: the legacy layout (before Docker 25) and the OCI layout (25+),
 * with later layers overriding, whiteouts and opaque folders; then a whole round against the fake
 * Docker API, whose snapshots let the engine decide 3.8 and 3.12 from packages.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDockerClient, type DockerClient } from '../../workers/agent/docker-client.ts';
import { EventWindow } from '../../workers/agent/events.ts';
import { ImagePackageCache, imagePackages, type PackageReading, readImagePackages } from '../../workers/agent/image-packages.ts';
import { readRound, type RoundOptions } from '../../workers/agent/round.ts';
import { buildSnapshots } from '../../workers/agent/snapshot.ts';
import { evaluate } from '../../workers/engine/evaluate.ts';
import { type FakeDocker, inspectByName, recordedHost, saveArchive, startFakeDocker, type TarItem, tarOf } from './fake-docker.ts';

/** `var/lib/dpkg/status` of a Debian 12 image, cut to three packages (one removed, its configuration kept). */
const DPKG_BASE = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files.

Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: vim-tiny
Status: deinstall ok config-files
Architecture: amd64
Version: 2:9.0.1378-2
Description: Vi IMproved - enhanced vi editor - compact version

`;
const SSHD = `Package: openssh-server
Status: install ok installed
Architecture: amd64
Version: 1:9.2p1-2+deb12u3
Description: secure shell (SSH) server, for secure access from remote machines

`;
/** `lib/apk/db/installed` of an Alpine 3.20 image, cut to two packages. */
const APK = `C:Q1ZaHv0fVXgEsk8eOnrsHqD1D3rwY=
P:musl
V:1.2.5-r0
A:x86_64
S:411604
I:643072
T:the musl c library (libc) implementation
L:MIT
o:musl
F:lib
R:ld-musl-x86_64.so.1

C:Q1d9ODq8S0B7q1e8hFRZbQbzLHvLM=
P:busybox
V:1.36.1-r29
A:x86_64
T:Size optimized toolbox of many common UNIX utilities

`;
const file = (name: string, content: string): TarItem => ({ name, content });

/** The entries of an archive, changed and packed again. */
async function repack(archive: Buffer, change: (items: TarItem[]) => TarItem[]): Promise<Buffer> {
  const items: TarItem[] = [];
  const extract = tarExtract();
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      items.push(entry.header.type === 'directory' ? { name: entry.header.name, type: 'directory' } : { name: entry.header.name, content: Buffer.concat(chunks) });
    }
  })();
  extract.end(archive);
  await reading;
  return tarOf(change(items));
}
const dir = (name: string): TarItem => ({ name, type: 'directory' });

async function read(archive: Buffer, bounds = { maxArchiveBytes: 64 * 1024 * 1024, maxFileBytes: 1024 * 1024 }) {
  // In small pieces, as a socket delivers them.
  const pieces = Array.from({ length: Math.ceil(archive.length / 3001) }, (_, i) => archive.subarray(i * 3001, (i + 1) * 3001));
  return readImagePackages('sha256:test', Readable.from(pieces), bounds);
}

describe('reading package databases from an image archive', () => {
  it('reads dpkg and apk from the legacy layout, installed packages only', async () => {
    const archive = await saveArchive([[dir('var/'), dir('var/lib/'), dir('var/lib/dpkg/'), file('var/lib/dpkg/status', DPKG_BASE), file('lib/apk/db/installed', APK)]], { layout: 'legacy' });
    const got = await read(archive);
    expect(got.complete).toBe(true);
    expect(got.lists).toEqual([
      { format: 'dpkg', text: 'base-files\t12.4+deb12u5\nlibc6\t2.36-9+deb12u4\n', count: 2 },
      { format: 'apk', text: 'busybox-1.36.1-r29\nmusl-1.2.5-r0\n', count: 2 },
    ]);
  });

  it('lets a later layer replace a database and a whiteout remove one', async () => {
    const layers = [
      [file('var/lib/dpkg/status', DPKG_BASE), file('lib/apk/db/installed', APK)],
      // As `RUN apt-get install openssh-server && rm /lib/apk/db/installed` leaves it: the whole new file, and a whiteout.
      [file('var/lib/dpkg/status', DPKG_BASE + SSHD), file('lib/apk/db/.wh.installed', '')],
    ];
    for (const layout of ['legacy', 'oci'] as const) {
      const got = await read(await saveArchive(layers, { layout }));
      expect(got.lists.map((l) => l.format)).toEqual(['dpkg']);
      expect(got.lists[0]?.text).toMatch(/^openssh-server\t1:9\.2p1-2\+deb12u3$/m);
    }
  });

  it('reads the OCI layout of Docker 25+ with and without manifest.json, gzip-compressed layers too', async () => {
    const layers = [[file('var/lib/dpkg/status', DPKG_BASE)], [file('var/lib/dpkg/status', DPKG_BASE + SSHD)]];
    for (const options of [{ manifest: true }, { manifest: false }, { manifest: false, gzip: true }]) {
      const got = await read(await saveArchive(layers, { layout: 'oci', ...options }));
      expect(got).toMatchObject({ complete: true, notes: [] });
      expect(got.lists[0]?.count).toBe(3);
    }
  });

  it('honours opaque folders and a whiteout of a parent folder, and reads distroless status.d files', async () => {
    const distroless = [
      file('var/lib/dpkg/status', DPKG_BASE),
      file('var/lib/dpkg/status.d/libssl3', 'Package: libssl3\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\n'),
      file('var/lib/dpkg/status.d/tzdata', 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n'),
      file('var/lib/dpkg/status.d/tzdata.md5sums', 'Package: not-a-stanza\n5f4dcc3b5aa765d61d8327deb882cf99  usr/share/zoneinfo/UTC\n'),
    ];
    // A later layer made the folder opaque and wrote one status.d file: the earlier ones are gone.
    const opaque = await read(await saveArchive([distroless, [file('var/lib/dpkg/.wh..wh..opq', ''), file('var/lib/dpkg/status.d/netbase', 'Package: netbase\nVersion: 6.4\n')]], { layout: 'legacy' }));
    expect(opaque.lists).toEqual([{ format: 'dpkg', text: 'netbase\t6.4\n', count: 1 }]);
    const whiteout = await read(await saveArchive([distroless, [file('var/lib/.wh.dpkg', '')]], { layout: 'oci' }));
    expect(whiteout).toMatchObject({ complete: true, lists: [] });
    const both = await read(await saveArchive([distroless], { layout: 'legacy' }));
    expect(both.lists[0]?.text).toBe('base-files\t12.4+deb12u5\nlibc6\t2.36-9+deb12u4\nlibssl3\t3.0.15-1~deb12u1\ntzdata\t2024a-0+deb12u1\n');
  });

  it('reads rpm\'s SQLite database (rpm 4.16+), as rpm -qa lists it', async () => {
    const rpmdb = await readFile(new URL('../fixtures/rpm/rpmdb.sqlite', import.meta.url));
    for (const path of ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']) {
      const got = await read(await saveArchive([[{ name: path, content: rpmdb }]], { layout: 'oci' }));
      expect(got).toMatchObject({ complete: true, notes: [] });
      expect(got.lists).toEqual([{ format: 'rpm', text: 'bash-5.1.8-9.el9.x86_64\nopenssh-server-8.7p1-38.el9.x86_64\ntcpdump-4.99.0-9.el9.x86_64\n', count: 3 }]);
    }
    // Removed in a later layer (a whiteout of the folder): no list.
    const removed = await read(await saveArchive([[{ name: 'var/lib/rpm/rpmdb.sqlite', content: rpmdb }], [file('var/lib/.wh.rpm', '')]], { layout: 'legacy' }));
    expect(removed).toMatchObject({ complete: true, lists: [] });
  });

  it('says when an rpm database cannot be read, and when it is rpm\'s Berkeley DB, which it does not read', async () => {
    const broken = await read(await saveArchive([[file('var/lib/rpm/rpmdb.sqlite', 'SQLite format 3\u0000 and then nothing of a database')]], { layout: 'legacy' }));
    expect(broken.lists).toEqual([]);
    expect(broken.notes).toEqual([expect.stringMatching(/^the rpm database var\/lib\/rpm\/rpmdb\.sqlite could not be read: /)]);
    const bdb = await read(await saveArchive([[file('var/lib/rpm/Packages', 'a Berkeley DB hash file')]], { layout: 'legacy' }));
    expect(bdb.notes).toEqual([expect.stringMatching(/rpm Berkeley DB \(var\/lib\/rpm\/Packages\).*only rpm's SQLite database/)]);
  });

  it('stops at the byte bound, and at a database file beyond its bound', async () => {
    const archive = await saveArchive([[file('var/lib/dpkg/status', DPKG_BASE)]], { layout: 'legacy' });
    await expect(read(archive, { maxArchiveBytes: 4096, maxFileBytes: 1024 * 1024 })).rejects.toThrow(/larger than 4096 bytes/);
    await expect(read(archive, { maxArchiveBytes: 1024 * 1024, maxFileBytes: 100 })).rejects.toThrow(/var\/lib\/dpkg\/status is larger than 100 bytes/);
  });

  it('passes over a blob that is no layer (a signature), and gives nothing when a named layer cannot be read', async () => {
    const apk = [file('lib/apk/db/installed', APK)];
    const notTar = Buffer.from('\u0000\u0001 a binary blob that is neither JSON nor a tar '.repeat(40));
    const withBlob = await repack(await saveArchive([apk], { layout: 'oci' }), (items) => [{ name: `blobs/sha256/${'f'.repeat(64)}`, content: notTar }, ...items]);
    expect(await read(withBlob)).toMatchObject({ complete: true, notes: [], lists: [{ format: 'apk', count: 2 }] });
    // The layer itself broken: no list at all, and why.
    const broken = await repack(await saveArchive([apk], { layout: 'legacy' }), (items) =>
      items.map((i) => (i.name.endsWith('/layer.tar') ? { ...i, content: notTar } : i)));
    const got = await read(broken);
    expect(got).toMatchObject({ complete: false, lists: [] });
    expect(got.notes).toEqual([expect.stringMatching(/^layer [0-9a-f]{64}\/layer\.tar could not be read: /)]);
  });

  it('refuses an archive that names no layers', async () => {
    // Neither manifest.json nor index.json: nothing says which entries are layers, and in which order.
    const got = await read(await tarOf([file('repositories', '{}'), file('oci-layout', '{"imageLayoutVersion": "1.0.0"}')]));
    expect(got).toMatchObject({ complete: false, lists: [] });
    expect(got.notes[0]).toMatch(/no manifest\.json or index\.json/);
  });
});

describe('packages in a round against the Docker Engine API', () => {
  let fake: FakeDocker;
  let docker: DockerClient;
  let cacheDir: string;
  beforeEach(async () => {
    fake = await startFakeDocker();
    docker = createDockerClient({ endpoint: { socketPath: fake.socketPath, host: null, port: null, tls: null, display: 'fake' }, timeoutMs: 5000 });
    cacheDir = await mkdtemp(join(tmpdir(), 'csvs-packages-'));
  });
  afterEach(async () => {
    docker.close();
    await fake.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const reading = (over: Partial<PackageReading> = {}): PackageReading => ({
    bounds: { maxArchiveBytes: 64 * 1024 * 1024, maxFileBytes: 1024 * 1024 },
    timeoutMs: 5000,
    cache: new ImagePackageCache(cacheDir),
    ...over,
  });
  const options = (packages: PackageReading | null): RoundOptions => ({
    only: ['jumpbox', 'shop-db-1'],
    groupLabel: null,
    window: new EventWindow(null, 10_000),
    lookbackMs: 3_600_000,
    carried: [],
    concurrency: 4,
    packages,
    clock: () => new Date('2026-03-11T10:00:00Z'),
  });
  const imageOf = (name: string) => String(inspectByName(fake.host, name).Image);
  const archiveRequests = () => fake.requests.filter((r) => r.path.endsWith('/get'));

  it('uploads each image\'s packages, and the engine decides 3.8 and 3.12 from them', async () => {
    fake.host.archives = new Map([
      [imageOf('jumpbox'), await saveArchive([[file('var/lib/dpkg/status', DPKG_BASE)], [file('var/lib/dpkg/status', DPKG_BASE + SSHD)]], { layout: 'oci' })],
      [imageOf('shop-db-1'), await saveArchive([[file('lib/apk/db/installed', APK)]], { layout: 'legacy' })],
    ]);
    const round = await readRound(docker, options(reading()));
    const { snapshots } = buildSnapshots(round, { environment: null, maxProcessLists: 40, agentVersion: 'test' });
    const jumpbox = snapshots.find((s) => s.containers.includes('jumpbox'))?.body;
    const db = snapshots.find((s) => s.containers.includes('shop-db-1'))?.body;
    const lists = (body: typeof jumpbox) => body?.artifacts.filter((a) => a.kind === 'packages') ?? [];
    expect(lists(jumpbox)).toEqual([{ kind: 'packages', name: expect.stringMatching(/^packages ubuntu.* \(dpkg\)$/), content: expect.stringContaining('openssh-server\t') }]);
    expect(lists(db)).toEqual([{ kind: 'packages', name: expect.stringMatching(/^packages postgres.* \(apk\)$/), content: 'busybox-1.36.1-r29\nmusl-1.2.5-r0\n' }]);
    const status = (body: typeof jumpbox, id: string) => (body ? evaluate({ artifacts: body.artifacts }).controls.find((c) => c.id === id) : undefined);
    expect(status(jumpbox, '3.12')?.findings).toContainEqual(expect.objectContaining({ kind: 'packages', status: 'fail', message: expect.stringMatching(/openssh-server/) }));
    expect(status(jumpbox, '3.8')?.status).toBe('fail');
    expect(status(db, '3.8')).toMatchObject({ status: 'pass' });
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('reads an image once: later rounds and a new agent on the same state folder take it from the cache', async () => {
    fake.host.archives = new Map([[imageOf('jumpbox'), await saveArchive([[file('var/lib/dpkg/status', DPKG_BASE + SSHD)]], { layout: 'legacy' })]]);
    const first = await readRound(docker, { ...options(reading()), only: ['jumpbox'] });
    expect(archiveRequests()).toHaveLength(1);
    const shared = reading();
    await readRound(docker, { ...options(shared), only: ['jumpbox'] });
    await readRound(docker, { ...options(shared), only: ['jumpbox'] });
    expect(archiveRequests()).toHaveLength(1);
    expect(first.packages.get(imageOf('jumpbox'))?.lists[0]?.count).toBe(3);
    expect(await readdir(cacheDir)).toHaveLength(1);
  });

  it('uploads no list for an image read only in part, says why once, and does not read it again', async () => {
    fake.host.archives = new Map([[imageOf('jumpbox'), await saveArchive([[file('var/lib/dpkg/status', DPKG_BASE + SSHD)]], { layout: 'legacy' })]]);
    const small = reading({ bounds: { maxArchiveBytes: 2048, maxFileBytes: 1024 * 1024 } });
    const round = await readRound(docker, { ...options(small), only: ['jumpbox'] });
    expect(round.notes).toContainEqual(expect.stringMatching(/larger than 2048 bytes; its packages are not uploaded/));
    const { snapshots } = buildSnapshots(round, { environment: null, maxProcessLists: 40, agentVersion: 'test' });
    expect(snapshots[0]?.body.artifacts.filter((a) => a.kind === 'packages')).toEqual([]);
    const again = await readRound(docker, { ...options(small), only: ['jumpbox'] });
    expect(again.notes.join('\n')).not.toMatch(/larger than/);
    expect(archiveRequests()).toHaveLength(1);
  });

  it('goes on without packages when an archive cannot be read, and tries again next round', async () => {
    fake.host.archives = new Map([[imageOf('jumpbox'), Buffer.from('this is not a tar archive, it is 512 bytes of nothing'.padEnd(2048, '.'))]]);
    const round = await readRound(docker, { ...options(reading()), only: ['jumpbox'] });
    expect(round.containers).toHaveLength(1);
    expect(round.notes).toContainEqual(expect.stringMatching(/packages could not be read .*; tried again next round/));
    fake.deny.push('/images/');
    const denied = await readRound(docker, { ...options(reading()), only: ['jumpbox'] });
    expect(denied.notes).toContainEqual(expect.stringMatching(/packages could not be read \(403/));
    expect(archiveRequests()).toHaveLength(2);
  });

  it('reads nothing when turned off', async () => {
    const round = await readRound(docker, options(null));
    expect(round.packages.size).toBe(0);
    expect(archiveRequests()).toHaveLength(0);
  });

  it('is answered for images the recorded host has without an archive with a note, not a failed round', async () => {
    const host = recordedHost();
    expect(host.archives).toBeUndefined();
    const round = await readRound(docker, { ...options(reading()), only: ['jumpbox'] });
    expect(round.notes).toContainEqual(expect.stringMatching(/packages could not be read \(404: No such image/));
    expect(await imagePackages(docker, imageOf('shop-db-1'), reading()).catch((e: Error) => e.message)).toMatch(/404/);
  });
});
