/**
 * The package databases of an image, read from its layers through the Engine API
 * (`GET /images/{id}/get`, the `docker save` tar, streamed): so an agent on a host decides 3.8
 * and 3.12 from what is installed, without a Dockerfile, an SBOM or an exec into the container.
 *
 * The archive is a tar of tars. Docker before 25 writes the legacy layout (`<id>/layer.tar`,
 * `manifest.json`); Docker 25 and later the OCI layout (`blobs/sha256/<digest>`, `index.json`,
 * and a `manifest.json` whose `Layers` point at blobs), in either order. The reader therefore
 * streams through everything once, keeps from each layer only the package database files (and the
 * whiteouts that could hide them), and orders the layers afterwards from the manifest. Later
 * layers override earlier ones: a file replaces the earlier one, a whiteout (`.wh.NAME`) removes
 * NAME and all below it, an opaque folder (`.wh..wh..opq`) hides what earlier layers had in it.
 *
 * Kept: dpkg (`var/lib/dpkg/status`, and `var/lib/dpkg/status.d/*` of distroless images), apk
 * (`lib/apk/db/installed`) and rpm 4.16+ (`rpmdb.sqlite`: SQLite holding each package's binary
 * rpm header, read with `node:sqlite` where Node has it). rpm's older Berkeley DB (`Packages`) is
 * noticed and said to be unread, rather than guessed at.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';

/** One package database of an image, as a list the `packages` artifact kind reads. */
export interface PackageList {
  format: 'dpkg' | 'apk' | 'rpm';
  /**
   * `dpkg-query -W` lines (`name<TAB>version`), `apk info -v` lines (`name-version`) or `rpm -qa`
   * lines (`name-version-release.arch`).
   */
  text: string;
  count: number;
}

export interface ImagePackages {
  imageId: string;
  lists: PackageList[];
  /** What could not be read, for the log (an rpm database, a bound reached, an unreadable layer). */
  notes: string[];
  /** False when a bound or an error cut the reading short: then no list is given at all. */
  complete: boolean;
}

export interface ReadBounds {
  /** Bytes of the whole archive read at most; beyond, the image's packages are not read. */
  maxArchiveBytes: number;
  /** Bytes kept of one database file (a dpkg status of a large image is a few MB). */
  maxFileBytes: number;
}

export const DEFAULT_BOUNDS: ReadBounds = { maxArchiveBytes: 1024 * 1024 * 1024, maxFileBytes: 32 * 1024 * 1024 };

const DPKG_STATUS = 'var/lib/dpkg/status';
const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';
const APK_INSTALLED = 'lib/apk/db/installed';
/** rpm 4.16+ (RHEL 9, Fedora 33+, openSUSE), in either place; the WAL beside it may hold the last writes. */
const RPM_SQLITE = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];
/** rpm's Berkeley DB (RHEL 7 and 8): noticed, not read. */
const RPM_BDB = ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages'];
const KEPT_FILES = [DPKG_STATUS, APK_INSTALLED, ...RPM_SQLITE, ...RPM_SQLITE.map((p) => `${p}-wal`), ...RPM_BDB];
/** A small blob of the OCI layout (index, manifest, config) is JSON; layers are tars. */
const MAX_JSON_BLOB = 4 * 1024 * 1024;

/** A layer's package database files, and what it removes. */
interface LayerFiles {
  files: Map<string, Buffer>;
  /** Paths a whiteout removes (with everything below them). */
  removed: string[];
  /** Folders made opaque: what earlier layers had in them is hidden. */
  opaque: string[];
}

/** The archive could not be read to its end (a broken stream, not a tar, a timeout): tried again later. */
export class ImageArchiveError extends Error {
  override name = 'ImageArchiveError';
}

/** Too big, too slow: the image is left without package lists, and the note says why. */
export class ArchiveBoundError extends Error {
  override name = 'ArchiveBoundError';
}

/** `./var/lib/dpkg/status` → `var/lib/dpkg/status`. */
function normal(path: string): string {
  return path.replace(/^(?:\.\/|\/)+/, '').replace(/\/+$/, '');
}

function isKept(path: string): boolean {
  if (KEPT_FILES.includes(path)) return true;
  const rest = path.startsWith(DPKG_STATUS_D) ? path.slice(DPKG_STATUS_D.length) : null;
  // Distroless puts each package's file list beside its stanza (`libc6.md5sums`): not a stanza.
  return rest !== null && rest !== '' && !rest.includes('/') && !rest.endsWith('.md5sums');
}

/** A whiteout of `target` matters when it is, holds or lies inside a kept path. */
function mayHide(target: string): boolean {
  const watched = [...KEPT_FILES, DPKG_STATUS_D.slice(0, -1)];
  return watched.some((p) => p === target || p.startsWith(`${target}/`) || target.startsWith(`${p}/`)) || target === '';
}

/**
 * Reads the package databases of one image from its `docker save` stream. Throws
 * {@link ArchiveBoundError} past `maxArchiveBytes`; other errors (a broken stream) propagate.
 */
export async function readImagePackages(imageId: string, archive: Readable, bounds: ReadBounds = DEFAULT_BOUNDS): Promise<ImagePackages> {
  const layers = new Map<string, LayerFiles>();
  /** Entries that were taken for layers but are not tars (a signature blob); they matter only if the manifest names them. */
  const unreadable = new Map<string, string>();
  const json = new Map<string, unknown>();
  const links = new Map<string, string>();
  const notes: string[] = [];
  let read = 0;
  const counted = (async function* () {
    for await (const chunk of archive) {
      const buf = chunk as Buffer;
      read += buf.length;
      if (read > bounds.maxArchiveBytes) throw new ArchiveBoundError(`the image archive is larger than ${bounds.maxArchiveBytes} bytes`);
      yield buf;
    }
  })();

  await eachEntry(counted, async (header, body) => {
    const name = normal(header.name);
    if (header.type === 'symlink' && header.linkname) {
      // Docker 25+ may point `<id>/layer.tar` at `../blobs/sha256/<digest>`.
      links.set(name, resolveLink(name, header.linkname));
      return;
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') return;
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (name === 'manifest.json' || name === 'index.json' || (name.startsWith('blobs/') && header.size <= MAX_JSON_BLOB)) {
      const head = await peek(body);
      if (head.first !== null && isJsonStart(head.first)) {
        const text = await collect(head.rest, MAX_JSON_BLOB);
        if (text !== null) json.set(name, parseJson(text.toString('utf8')));
        return;
      }
      if (name.startsWith('blobs/')) await layerOrNot(name, head.rest);
      return;
    }
    if (base === 'layer.tar' || name.startsWith('blobs/')) await layerOrNot(name, body);
  });

  async function layerOrNot(name: string, body: AsyncIterable<Buffer>): Promise<void> {
    try {
      layers.set(name, await readLayer(body, bounds, notes, name));
    } catch (e) {
      if (e instanceof ArchiveBoundError) throw e;
      unreadable.set(name, e instanceof Error ? e.message : String(e));
    }
  }

  const order = layerOrder(json, links);
  if (order === null) {
    return { imageId, lists: [], notes: [...notes, 'the image archive has no manifest.json or index.json naming its layers'], complete: false };
  }
  const state = new Map<string, Buffer>();
  for (const path of order) {
    const layer = layers.get(path) ?? layers.get(links.get(path) ?? '');
    if (!layer) {
      const why = unreadable.get(path) ?? unreadable.get(links.get(path) ?? '');
      notes.push(why ? `layer ${path} could not be read: ${why}` : `layer ${path} is named by the manifest but was not in the archive`);
      return { imageId, lists: [], notes, complete: false };
    }
    for (const dir of layer.opaque) for (const p of [...state.keys()]) if (p.startsWith(`${dir}/`) || dir === '') state.delete(p);
    for (const gone of layer.removed) for (const p of [...state.keys()]) if (p === gone || p.startsWith(`${gone}/`) || gone === '') state.delete(p);
    for (const [p, content] of layer.files) state.set(p, content);
  }
  const bdb = RPM_BDB.find((p) => state.has(p));
  if (bdb) notes.push(`an rpm Berkeley DB (${bdb}) is in the image; the agent reads only rpm's SQLite database (rpm 4.16+)`);
  const { lists, notes: listNotes } = await packageLists(state);
  return { imageId, lists, notes: [...notes, ...listNotes], complete: true };
}

function resolveLink(from: string, target: string): string {
  if (target.startsWith('/')) return normal(target);
  const parts = from.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

/** The layer paths, lowest first: `manifest.json` (both layouts), else the OCI index's manifest. */
function layerOrder(json: Map<string, unknown>, links: Map<string, string>): string[] | null {
  const manifest = json.get('manifest.json');
  if (Array.isArray(manifest) && isRecord(manifest[0]) && Array.isArray(manifest[0].Layers)) {
    return manifest[0].Layers.filter((l): l is string => typeof l === 'string').map((l) => {
      const path = normal(l);
      return links.get(path) ?? path;
    });
  }
  let node = json.get('index.json');
  for (let depth = 0; depth < 4 && isRecord(node); depth++) {
    if (Array.isArray(node.layers)) {
      return node.layers.flatMap((l) => (isRecord(l) && typeof l.digest === 'string' ? [blobPath(l.digest)] : []));
    }
    const first = Array.isArray(node.manifests) ? node.manifests.find(isRecord) : undefined;
    if (!first || typeof first.digest !== 'string') return null;
    node = json.get(blobPath(first.digest));
  }
  return null;
}

function blobPath(digest: string): string {
  const [algorithm = '', hex = ''] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/** One layer (a tar, gzip or zstd compressed or not): its kept files and whiteouts. */
async function readLayer(body: AsyncIterable<Buffer>, bounds: ReadBounds, notes: string[], name: string): Promise<LayerFiles> {
  const layer: LayerFiles = { files: new Map(), removed: [], opaque: [] };
  const head = await peek(body);
  if (head.first === null) return layer;
  const source = decompressed(head.first, head.rest);
  if (source === null) {
    notes.push(`layer ${name} is compressed with zstd, which this Node cannot read`);
    throw new ArchiveBoundError(`layer ${name} cannot be decompressed here`);
  }
  await eachEntry(source, async (header, entry) => {
    const path = normal(header.name);
    const slash = path.lastIndexOf('/');
    const dir = slash === -1 ? '' : path.slice(0, slash);
    const base = path.slice(slash + 1);
    if (base === '.wh..wh..opq') {
      if (mayHide(dir)) layer.opaque.push(dir);
      return;
    }
    if (base.startsWith('.wh.')) {
      const target = dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`;
      if (mayHide(target)) layer.removed.push(target);
      return;
    }
    if (!isKept(path)) return;
    if (header.type !== 'file' && header.type !== 'contiguous-file') return;
    // Its presence is all that is used (it can be hundreds of MB).
    if (RPM_BDB.includes(path)) return void layer.files.set(path, Buffer.alloc(0));
    if (header.size > bounds.maxFileBytes) throw new ArchiveBoundError(`${path} is larger than ${bounds.maxFileBytes} bytes`);
    const content = await collect(entry, bounds.maxFileBytes);
    if (content !== null) layer.files.set(path, content);
  });
  return layer;
}

function decompressed(first: Buffer, rest: AsyncIterable<Buffer>): AsyncIterable<Buffer> | null {
  if (first[0] === 0x1f && first[1] === 0x8b) return pipeThrough(rest, zlib.createGunzip());
  if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) {
    // zstd layers (containerd image store) need Node 22.15+/23.8+.
    const create = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
    return create ? pipeThrough(rest, create()) : null;
  }
  return rest;
}

async function* pipeThrough(source: AsyncIterable<Buffer>, transform: NodeJS.ReadWriteStream): AsyncIterable<Buffer> {
  const feeding = (async () => {
    for await (const chunk of source) if (!transform.write(chunk)) await drained(transform);
    transform.end();
  })();
  feeding.catch((e: unknown) => (transform as unknown as { destroy(e: unknown): void }).destroy(e));
  for await (const chunk of transform as AsyncIterable<Buffer>) yield chunk;
  await feeding;
}

interface Drainable {
  destroyed?: boolean;
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/** Until `stream` takes more; rejects when it closes first (an error ended it), so no writer waits forever. */
function drained(stream: Drainable): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('the stream was closed'));
  return new Promise((resolve, reject) => {
    const done = (error: Error | null) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done(null);
    const onClose = () => done(new Error('the stream was closed'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}

/** Every entry of a tar stream, each handed to `visit` and drained after it. */
async function eachEntry(
  source: AsyncIterable<Buffer>,
  visit: (header: Header, body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  const extract = tarExtract();
  const feeding = (async () => {
    try {
      for await (const chunk of source) if (!extract.write(chunk)) await drained(extract);
      // streamx types `end` with a last chunk; there is none.
      extract.end(undefined);
    } catch (e) {
      extract.destroy(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
  })();
  // Observed below; a rejection here must not surface as unhandled before the loop ends.
  feeding.catch(() => {});
  try {
    for await (const entry of extract) {
      await visit(entry.header, entry as AsyncIterable<Buffer>);
      entry.resume();
    }
  } catch (e) {
    // Not a tar, or cut short: stop the writer too (it may wait for a drain that never comes).
    extract.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
  await feeding;
}

/** The first chunk of a stream (to tell JSON, gzip, zstd and tar apart), and the stream again, whole. */
async function peek(body: AsyncIterable<Buffer>): Promise<{ first: Buffer | null; rest: AsyncIterable<Buffer> }> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return { first: null, rest: (async function* () {})() };
  const chunk = first.value;
  return {
    first: chunk,
    rest: (async function* () {
      yield chunk;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
  };
}

function isJsonStart(b: Buffer): boolean {
  for (const byte of b) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/** The whole stream, or null past `max` bytes (the rest is drained by the caller). */
async function collect(body: AsyncIterable<Buffer>, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The image's lists, one per database that holds packages, and what could not be read. */
async function packageLists(files: Map<string, Buffer>): Promise<{ lists: PackageList[]; notes: string[] }> {
  const lists: PackageList[] = [];
  const notes: string[] = [];
  const dpkgTexts = [...files].filter(([p]) => p === DPKG_STATUS || p.startsWith(DPKG_STATUS_D)).sort(([a], [b]) => a.localeCompare(b));
  const dpkg = new Map<string, string>();
  for (const [, content] of dpkgTexts) for (const [name, version] of dpkgInstalled(content.toString('utf8'))) dpkg.set(name, version);
  if (dpkg.size > 0) lists.push({ format: 'dpkg', text: lines([...dpkg].map(([n, v]) => `${n}\t${v}`)), count: dpkg.size });
  const apkFile = files.get(APK_INSTALLED);
  const apk = apkFile ? apkInstalled(apkFile.toString('utf8')) : [];
  if (apk.length > 0) lists.push({ format: 'apk', text: lines(apk.map(([n, v]) => `${n}-${v}`)), count: apk.length });
  const rpmPath = RPM_SQLITE.find((p) => files.has(p));
  const rpmDb = rpmPath ? files.get(rpmPath) : undefined;
  if (rpmPath && rpmDb) {
    const read = await rpmInstalled(rpmDb, files.get(`${rpmPath}-wal`) ?? null);
    if (typeof read === 'string') notes.push(`the rpm database ${rpmPath} could not be read: ${read}`);
    else if (read.length > 0) lists.push({ format: 'rpm', text: lines(read), count: new Set(read).size });
  }
  return { lists, notes };
}

function lines(items: string[]): string {
  return `${[...new Set(items)].sort().join('\n')}\n`;
}

/** Stanzas of a Debian control file (`Field: value`, continuation lines indented, a blank line between). */
function stanzas(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) out.push(current);
      current = new Map();
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line)) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) out.push(current);
  return out;
}

/**
 * Installed packages of a dpkg status file: the `Status` says `installed` (its third word; `rc`
 * packages, removed with their configuration kept, are `config-files`). Distroless `status.d`
 * files may carry no `Status` at all: each describes an installed package.
 */
function dpkgInstalled(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const s of stanzas(text)) {
    const name = s.get('Package');
    const status = s.get('Status');
    if (!name) continue;
    if (status !== undefined && status.split(/\s+/)[2] !== 'installed') continue;
    out.push([name, s.get('Version') ?? '']);
  }
  return out;
}

/** `lib/apk/db/installed`: `P:` name and `V:` version per stanza. */
function apkInstalled(text: string): [string, string][] {
  const out: [string, string][] = [];
  let name: string | null = null;
  let version: string | null = null;
  const flush = () => {
    if (name) out.push([name, version ?? '']);
    name = null;
    version = null;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') flush();
    else if (line.startsWith('P:')) name = line.slice(2).trim();
    else if (line.startsWith('V:')) version = line.slice(2).trim();
  }
  flush();
  return out;
}

/** How the agent reads images' packages: bounds, the time one image may take, and the cache. */
export interface PackageReading {
  bounds: ReadBounds;
  /** One image's whole archive must be read within this. */
  timeoutMs: number;
  cache: ImagePackageCache;
}

/**
 * Image ids are content addresses: an image's packages never change, so each is read once. The
 * cache lives in memory and, given a folder, on disk (one small JSON file per image), so rounds
 * of `--once` runs and restarts do not read the same image again. Bounded in entries.
 */
export class ImagePackageCache {
  private readonly memory = new Map<string, ImagePackages>();
  private readonly dir: string | null;
  private readonly maxEntries: number;
  constructor(dir: string | null, maxEntries = 512) {
    this.dir = dir;
    this.maxEntries = maxEntries;
  }

  async get(imageId: string): Promise<ImagePackages | undefined> {
    const hit = this.memory.get(imageId);
    if (hit || this.dir === null) return hit;
    try {
      const value: unknown = JSON.parse(await readFile(this.file(imageId), 'utf8'));
      if (!isImagePackages(value) || value.imageId !== imageId) return undefined;
      this.remember(value);
      return value;
    } catch {
      return undefined;
    }
  }

  async set(value: ImagePackages): Promise<void> {
    this.remember(value);
    if (this.dir === null) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(value.imageId);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
    await rename(tmp, file);
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.json'));
    if (files.length > this.maxEntries) {
      // Oldest first: an image not seen for a long time is the one to read again if it comes back.
      const aged = await Promise.all(files.map(async (f) => ({ f, at: (await stat(join(this.dir ?? '', f))).mtimeMs })));
      aged.sort((a, b) => a.at - b.at);
      for (const { f } of aged.slice(0, files.length - this.maxEntries)) await rm(join(this.dir, f), { force: true });
    }
  }

  private remember(value: ImagePackages): void {
    this.memory.delete(value.imageId);
    this.memory.set(value.imageId, value);
    if (this.memory.size > this.maxEntries) this.memory.delete(this.memory.keys().next().value ?? '');
  }

  private file(imageId: string): string {
    return join(this.dir ?? '', `${createHash('sha256').update(imageId).digest('hex')}.json`);
  }
}

function isImagePackages(v: unknown): v is ImagePackages {
  return isRecord(v) && typeof v.imageId === 'string' && Array.isArray(v.lists) && Array.isArray(v.notes) && typeof v.complete === 'boolean' &&
    v.lists.every((l) => isRecord(l) && (l.format === 'dpkg' || l.format === 'apk' || l.format === 'rpm') && typeof l.text === 'string' && typeof l.count === 'number');
}

/**
 * An image's packages: from the cache, or read from the daemon now. A bound reached is an
 * answer too (cached, so a huge image is not read again every round); a failed request is not.
 */
export async function imagePackages(
  docker: { imageArchive(id: string, withinMs: number): Promise<Readable> },
  imageId: string,
  reading: PackageReading,
): Promise<{ packages: ImagePackages; fresh: boolean }> {
  const cached = await reading.cache.get(imageId);
  if (cached) return { packages: cached, fresh: false };
  const archive = await docker.imageArchive(imageId, reading.timeoutMs);
  let packages: ImagePackages;
  try {
    packages = await readImagePackages(imageId, archive, reading.bounds);
  } catch (e) {
    if (!(e instanceof ArchiveBoundError)) throw new ImageArchiveError(e instanceof Error ? e.message : String(e));
    packages = { imageId, lists: [], notes: [e.message], complete: false };
  } finally {
    // Whatever was not read is not wanted: close the answer rather than let the daemon stream on.
    archive.destroy();
  }
  await reading.cache.set(packages);
  return { packages, fresh: true };
}

/** rpm header tags read (rpmtag.h), and the string type. */
const RPM_TAG = { name: 1000, version: 1001, release: 1002, arch: 1022 } as const;
const RPM_STRING = 6;

/**
 * The installed packages of an rpm 4.16+ SQLite database, as `rpm -qa` prints them
 * (`name-version-release.arch`; `gpg-pubkey` entries are keys, not software). Each row of
 * `Packages` holds one package's header as rpm exports it: the entry count and data length
 * (big-endian), 16-byte index entries (tag, type, offset, count), then the data. A text answer
 * says why the database could not be read.
 */
async function rpmInstalled(db: Buffer, wal: Buffer | null): Promise<string[] | string> {
  let sqlite: typeof import('node:sqlite');
  try {
    sqlite = await import('node:sqlite');
  } catch {
    return `this Node (${process.version}) has no node:sqlite (Node 22.5 or newer has)`;
  }
  // SQLite reads files, not buffers: a private copy in a folder of its own, removed after.
  const dir = await mkdtemp(join(tmpdir(), 'csvs-rpmdb-'));
  try {
    await writeFile(join(dir, 'rpmdb.sqlite'), db, { mode: 0o600 });
    if (wal && wal.length > 0) await writeFile(join(dir, 'rpmdb.sqlite-wal'), wal, { mode: 0o600 });
    const database = new sqlite.DatabaseSync(join(dir, 'rpmdb.sqlite'));
    try {
      const rows = database.prepare('SELECT blob FROM Packages').all();
      const out: string[] = [];
      for (const row of rows) {
        const blob = row.blob;
        if (!(blob instanceof Uint8Array)) continue;
        const header = rpmHeader(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength));
        const name = header.get(RPM_TAG.name);
        if (!name || name === 'gpg-pubkey') continue;
        const arch = header.get(RPM_TAG.arch);
        out.push(`${name}-${header.get(RPM_TAG.version) ?? ''}-${header.get(RPM_TAG.release) ?? ''}${arch ? `.${arch}` : ''}`);
      }
      return out;
    } finally {
      database.close();
    }
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The string tags of one exported rpm header; entries that do not fit the blob are skipped. */
function rpmHeader(b: Buffer): Map<number, string> {
  const tags = new Map<number, string>();
  if (b.length < 8) return tags;
  const count = b.readUInt32BE(0);
  const dataLength = b.readUInt32BE(4);
  const store = 8 + count * 16;
  if (count > 100_000 || store + dataLength > b.length) return tags;
  const wanted: number[] = Object.values(RPM_TAG);
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 16;
    const tag = b.readUInt32BE(at);
    if (!wanted.includes(tag) || b.readUInt32BE(at + 4) !== RPM_STRING) continue;
    const offset = b.readInt32BE(at + 8);
    if (offset < 0 || offset >= dataLength) continue;
    const end = b.indexOf(0, store + offset);
    if (end === -1 || end > store + dataLength) continue;
    tags.set(tag, b.subarray(store + offset, end).toString('utf8'));
  }
  return tags;
}
