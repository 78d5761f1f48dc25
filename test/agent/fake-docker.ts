/**
 * A Docker Engine API (v1.47) served by the test itself on a unix socket, answering with the
 * recorded payloads under test/fixtures/docker-api and recording every request's method and
 * path, so a test can assert that the agent only ever reads. Its state (containers, events,
 * the daemon clock) can be changed between rounds.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

type Json = Record<string, unknown>;

const FIXTURES = new URL('../fixtures/docker-api/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = Json>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** The recorded host: the container list's order, each container's inspect and top by id, images by id. */
export interface DockerHost {
  version: Json;
  info: Json;
  /** `GET /containers/json` entries, running containers only. */
  summaries: Json[];
  inspects: Map<string, Json>;
  tops: Map<string, Json>;
  images: Map<string, Json>;
  /** Raw event lines, as `/events` streams them. */
  events: string[];
  /** `GET /images/{id}/get` answers (a `docker save` tar) by image id; an image without one is answered 404. */
  archives?: Map<string, Buffer>;
}

/** Fixture file stem of each recorded container. */
export const RECORDED = [
  'shop-web-1',
  'shop-web-2',
  'shop-db-1',
  'k8s-checkout-api',
  'jumpbox',
  'csvs-agent-socket-proxy-1',
  'csvs-agent-agent-1',
  'billing-worker-blue',
  'billing-worker-green',
] as const;
const IMAGES = ['shop-web', 'postgres', 'checkout-api', 'ubuntu', 'docker-socket-proxy', 'csvs-agent', 'billing-worker'];

/** The recorded host, fresh (tests may change it freely). */
export function recordedHost(): DockerHost {
  const inspects = new Map<string, Json>();
  const tops = new Map<string, Json>();
  for (const name of RECORDED) {
    const inspect = fixtureJson(`container-${name}.json`);
    inspects.set(String(inspect.Id), inspect);
    tops.set(String(inspect.Id), fixtureJson(`top-${name}.json`));
  }
  const images = new Map<string, Json>();
  for (const name of IMAGES) {
    const image = fixtureJson(`image-${name}.json`);
    images.set(String(image.Id), image);
  }
  return {
    version: fixtureJson('version.json'),
    info: fixtureJson('info.json'),
    summaries: fixtureJson<Json[]>('containers.json'),
    inspects,
    tops,
    images,
    events: fixtureText('events.jsonl').split('\n').filter((l) => l.trim() !== ''),
  };
}

export interface FakeDocker {
  socketPath: string;
  host: DockerHost;
  /** Every request, in order: `GET /v1.47/containers/json`. */
  requests: { method: string; path: string; query: URLSearchParams }[];
  /** Sets the daemon clock (`/info` SystemTime), RFC 3339 with nanoseconds. */
  setNow(iso: string): void;
  /** Appends an event line (raw JSON text). */
  addEvent(line: string): void;
  /** API sections answered with a socket proxy's 403 page (`/events`), as with EVENTS=0. */
  deny: string[];
  close(): Promise<void>;
}

export async function startFakeDocker(host: DockerHost = recordedHost()): Promise<FakeDocker> {
  const dir = await mkdtemp(join(tmpdir(), 'csvs-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: FakeDocker['requests'] = [];
  const deny: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    requests.push({ method: req.method ?? '?', path: url.pathname, query: url.searchParams });
    const section = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    if (deny.some((d) => section.startsWith(d))) {
      res.writeHead(403, { 'Content-Type': 'text/html', 'Cache-Control': 'no-cache' });
      res.end('<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n');
      return;
    }
    answer(host, req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    host,
    requests,
    deny,
    setNow(iso) {
      host.info = { ...host.info, SystemTime: iso };
    },
    addEvent(line) {
      host.events.push(line);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, {
    'Api-Version': '1.47',
    'Content-Type': type,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: 'Docker/27.5.1 (linux)',
  });
  res.end(typeof body === 'string' ? body : `${JSON.stringify(body)}\n`);
}

function answer(host: DockerHost, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const path = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 404, { message: 'page not found' });
  if (path === '/_ping') return send(res, 200, 'OK', 'text/plain; charset=utf-8');
  if (path === '/version') return send(res, 200, host.version);
  if (path === '/info') return send(res, 200, host.info);
  if (path === '/containers/json') {
    // The listing is kept apart from the inspects on purpose: a test can remove a container between the two.
    const running = host.summaries.filter((s) => s.State === 'running');
    return send(res, 200, running);
  }
  if (path === '/events') return send(res, 200, eventsIn(host, url.searchParams));
  const container = /^\/containers\/([^/]+)\/(json|top)$/.exec(path);
  if (container) {
    const inspect = findContainer(host, decodeURIComponent(container[1] ?? ''));
    if (!inspect) return send(res, 404, { message: `No such container: ${decodeURIComponent(container[1] ?? '')}` });
    if (container[2] === 'json') return send(res, 200, inspect);
    const state = inspect.State as Json | undefined;
    if (state?.Running !== true) return send(res, 409, { message: `container ${String(inspect.Id)} is not running` });
    return send(res, 200, host.tops.get(String(inspect.Id)) ?? { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [] });
  }
  const archive = /^\/images\/(.+)\/get$/.exec(path);
  if (archive) {
    const ref = decodeURIComponent(archive[1] ?? '');
    const body = host.archives?.get(ref) ?? host.archives?.get(`sha256:${ref}`);
    if (!body) return send(res, 404, { message: `No such image: ${ref}` });
    res.writeHead(200, { 'Api-Version': '1.47', 'Content-Type': 'application/x-tar', Server: 'Docker/27.5.1 (linux)' });
    // In pieces, as a daemon streams it, so readers cannot rely on one chunk.
    let at = 0;
    const next = () => {
      if (at >= body.length) return void res.end();
      const piece = body.subarray(at, at + 7_919);
      at += piece.length;
      if (res.write(piece)) setImmediate(next);
      else res.once('drain', next);
    };
    next();
    return;
  }
  const image = /^\/images\/(.+)\/json$/.exec(path);
  if (image) {
    const ref = decodeURIComponent(image[1] ?? '');
    const found = [...host.images.values()].find((i) => i.Id === ref || i.Id === `sha256:${ref}` || (i.RepoTags as string[] | undefined)?.includes(ref));
    return found ? send(res, 200, found) : send(res, 404, { message: `No such image: ${ref}` });
  }
  return send(res, 404, { message: 'page not found' });
}

function findContainer(host: DockerHost, ref: string): Json | undefined {
  const exact = host.inspects.get(ref);
  if (exact) return exact;
  const name = ref.replace(/^\/+/, '');
  for (const inspect of host.inspects.values()) {
    if (inspect.Name === `/${name}`) return inspect;
  }
  const byPrefix = [...host.inspects.keys()].filter((id) => id.startsWith(ref));
  return byPrefix.length === 1 ? host.inspects.get(byPrefix[0] ?? '') : undefined;
}

function nanos(text: string | null): bigint | null {
  if (!text) return null;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  return m ? BigInt(m[1] ?? '0') * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0')) : null;
}

/** The daemon's replay: events between `since` and `until` inclusive, matching the filters. */
function eventsIn(host: DockerHost, query: URLSearchParams): string {
  const since = nanos(query.get('since'));
  const until = nanos(query.get('until'));
  // Docker takes both `{"event":["x"]}` and the CLI's older `{"event":{"x":true}}`.
  const raw = JSON.parse(query.get('filters') ?? '{}') as Record<string, string[] | Record<string, boolean>>;
  const filters = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v : Object.keys(v)]));
  const lines = host.events.filter((line) => {
    const at = BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? '0');
    if (since !== null && at < since) return false;
    if (until !== null && at > until) return false;
    const event = JSON.parse(line) as { Type?: string; Action?: string };
    if (filters.type && !filters.type.includes(event.Type ?? '')) return false;
    const action = (event.Action ?? '').split(':')[0]?.trim() ?? '';
    return !filters.event || filters.event.includes(action);
  });
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * An event line for a recorded container as Docker 27 writes it: the container's labels,
 * `image` and `name` as attributes, the legacy `status`/`id`/`from` beside `Action`.
 */
export function containerEvent(inspect: Json, action: string, iso: string, extra: Record<string, string> = {}): string {
  const config = (inspect.Config ?? {}) as Json;
  const id = String(inspect.Id);
  const image = String(config.Image);
  const attributes = { ...((config.Labels ?? {}) as Record<string, string>), image, name: String(inspect.Name).replace(/^\//, ''), ...extra };
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(iso);
  const ms = Date.parse(`${m?.[1] ?? iso}Z`);
  const nanos = BigInt(ms) * 1_000_000n + BigInt((m?.[2] ?? '').padEnd(9, '0'));
  const event = { status: action, id, from: image, Type: 'container', Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Math.floor(ms / 1000), timeNano: '@@' };
  return JSON.stringify(event).replace('"@@"', nanos.toString());
}

/** The recorded inspect of a container, by name. */
export function inspectByName(host: DockerHost, name: string): Json {
  const found = [...host.inspects.values()].find((i) => i.Name === `/${name}`);
  if (!found) throw new Error(`no recorded container ${name}`);
  return found;
}

/**
 * A host of `count` containers built from the recorded ones (for the benchmark): Compose
 * services of four replicas each, the recorded images shared among them, and an exec session
 * into every tenth container during the hour before the daemon's clock.
 */
export function syntheticHost(count: number): DockerHost {
  const base = recordedHost();
  const templates = [...base.inspects.values()];
  const summaries = new Map(base.summaries.map((s) => [String(s.Id), s]));
  const host: DockerHost = { ...base, summaries: [], inspects: new Map(), tops: new Map(), events: [] };
  const now = Date.parse(String(base.info.SystemTime));
  for (let i = 0; i < count; i++) {
    const template = templates[i % templates.length] as Json;
    const inspect = structuredClone(template);
    const id = createHash('sha256').update(`bench container ${i}`).digest('hex');
    const service = `svc-${Math.floor(i / 4)}`;
    const name = `bench-${service}-${(i % 4) + 1}`;
    const config = inspect.Config as Json;
    const labels = Object.fromEntries(Object.entries((config.Labels ?? {}) as Record<string, string>).filter(([k]) => !k.startsWith('com.docker.compose.') && !k.startsWith('io.kubernetes.')));
    config.Labels = { ...labels, 'com.docker.compose.project': 'bench', 'com.docker.compose.service': service };
    Object.assign(inspect, { Id: id, Name: `/${name}` });
    host.inspects.set(id, inspect);
    host.tops.set(id, base.tops.get(String(template.Id)) ?? { Titles: [], Processes: [] });
    const summary = structuredClone(summaries.get(String(template.Id)) ?? {});
    Object.assign(summary, { Id: id, Names: [`/${name}`], Labels: config.Labels, State: 'running' });
    host.summaries.push(summary);
    if (i % 10 === 0) {
      const at = new Date(now - 3_000_000 + i * 1000).toISOString().replace('Z', '123456Z');
      host.events.push(containerEvent(inspect, 'exec_create: sh', at), containerEvent(inspect, 'exec_start: sh', at));
    }
  }
  return host;
}

/** A file, folder, whiteout or symlink of a layer or an archive. */
export interface TarItem {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
}

/** A tar of these entries, as tar-stream packs it (ustar, as Docker writes layers). */
export async function tarOf(items: readonly TarItem[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const item of items) {
    const type = item.type ?? 'file';
    if (type === 'file') pack.entry({ name: item.name, mode: 0o644 }, item.content ?? '');
    else if (type === 'directory') pack.entry({ name: item.name, type, mode: 0o755 });
    else pack.entry({ name: item.name, type, linkname: item.linkname ?? '' });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * `docker save` of an image with these layers (lowest first): the legacy layout of Docker before
 * 25 (`<id>/layer.tar`, `<id>.json`, `manifest.json` last), or the OCI layout of Docker 25+
 * (`blobs/sha256/…` first, then `index.json`, `manifest.json`, `oci-layout`); `manifest: false`
 * leaves `manifest.json` out (a pure OCI layout), `gzip: true` compresses the layers.
 */
export async function saveArchive(
  layers: readonly (readonly TarItem[])[],
  options: { layout: 'legacy' | 'oci'; manifest?: boolean; gzip?: boolean; tag?: string },
): Promise<Buffer> {
  const tars = await Promise.all(layers.map(async (items) => {
    const tar = await tarOf(items);
    return options.gzip ? gzipSync(tar) : tar;
  }));
  const digest = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${digest(t)}`) } });
  const tag = options.tag ?? 'example/app:1';
  const items: TarItem[] = [];
  if (options.layout === 'legacy') {
    const paths = tars.map((t) => `${digest(t)}/layer.tar`);
    tars.forEach((t, i) => items.push({ name: `${digest(t)}/`, type: 'directory' }, { name: paths[i] ?? '', content: t }, { name: `${digest(t)}/VERSION`, content: '1.0' }));
    items.push({ name: `${digest(config)}.json`, content: config });
    items.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `${digest(config)}.json`, RepoTags: [tag], Layers: paths }]) });
    items.push({ name: 'repositories', content: '{}' });
    return tarOf(items);
  }
  const mediaType = options.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${digest(config)}`, size: config.length },
    layers: tars.map((t) => ({ mediaType, digest: `sha256:${digest(t)}`, size: t.length })),
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${digest(manifest)}`, size: manifest.length }],
  });
  items.push({ name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' });
  for (const t of tars) items.push({ name: `blobs/sha256/${digest(t)}`, content: t });
  items.push({ name: `blobs/sha256/${digest(config)}`, content: config }, { name: `blobs/sha256/${digest(manifest)}`, content: manifest });
  items.push({ name: 'index.json', content: index });
  if (options.manifest !== false) {
    items.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${digest(config)}`, RepoTags: [tag], Layers: tars.map((t) => `blobs/sha256/${digest(t)}`) }]) });
  }
  items.push({ name: 'oci-layout', content: '{"imageLayoutVersion": "1.0.0"}' });
  return tarOf(items);
}
