/**
 * A read-only Docker Engine API client: a unix socket, or `DOCKER_HOST=tcp://…` with TLS as the
 * docker CLI configures it. GET-only by construction: the one request function hard-codes the
 * method, so no code path of the agent can start, stop, exec or delete anything, and a
 * filtering proxy that allows only GET (tecnativa/docker-socket-proxy with POST=0) suffices.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** The newest API version the agent speaks; older daemons are asked in their own version. */
export const MAX_API_VERSION = '1.47';
/** Docker 1.12; `/events` with `until` and `top` with JSON have been there since. */
export const MIN_API_VERSION = '1.24';

export interface DockerEndpoint {
  /** A unix socket path, or null for TCP. */
  socketPath: string | null;
  host: string | null;
  port: number | null;
  tls: { ca: string | null; cert: string | null; key: string | null; verify: boolean } | null;
  /** For logs: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376 (TLS)`. */
  display: string;
}

/** A daemon answer other than 2xx, or a transport failure (status null). */
export class DockerApiError extends Error {
  readonly status: number | null;
  readonly path: string;
  constructor(message: string, status: number | null, path: string) {
    super(message);
    this.name = 'DockerApiError';
    this.status = status;
    this.path = path;
  }
}

/** A DOCKER_HOST the agent cannot use (ssh://, npipe://, a typo). */
export class DockerHostError extends Error {
  override name = 'DockerHostError';
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Where the daemon is, read the way the docker CLI reads it: `--docker-host` or DOCKER_HOST
 * (`unix:///path`, `tcp://host:port`), TLS when DOCKER_TLS_VERIFY is set (certificates from
 * DOCKER_CERT_PATH, default ~/.docker) or DOCKER_TLS is set (encrypted, not verified).
 */
export function resolveDockerEndpoint(
  env: Record<string, string | undefined>,
  override: string | null = null,
  readText: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): DockerEndpoint {
  const raw = (override ?? env.DOCKER_HOST ?? '').trim() || `unix://${DEFAULT_SOCKET}`;
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new DockerHostError(`DOCKER_HOST ${raw}: the socket path must be absolute`);
    return { socketPath, host: null, port: null, tls: null, display: raw };
  }
  if (raw.startsWith('/')) return { socketPath: raw, host: null, port: null, tls: null, display: `unix://${raw}` };
  if (!raw.startsWith('tcp://')) {
    throw new DockerHostError(`DOCKER_HOST ${raw}: only unix:// and tcp:// are supported (ssh:// and npipe:// are not)`);
  }
  let url: URL;
  try {
    url = new URL(`http://${raw.slice('tcp://'.length)}`);
  } catch {
    throw new DockerHostError(`DOCKER_HOST ${raw} is not a valid tcp://host:port address`);
  }
  const verify = nonEmpty(env.DOCKER_TLS_VERIFY);
  const useTls = verify || nonEmpty(env.DOCKER_TLS);
  const port = url.port === '' ? (useTls ? 2376 : 2375) : Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let tls: DockerEndpoint['tls'] = null;
  if (useTls) {
    const dir = env.DOCKER_CERT_PATH?.trim() || join(homedir(), '.docker');
    const optional = (name: string): string | null => {
      try {
        return readText(join(dir, name));
      } catch {
        return null;
      }
    };
    tls = { ca: optional('ca.pem'), cert: optional('cert.pem'), key: optional('key.pem'), verify };
    if (verify && tls.ca === null) throw new DockerHostError(`DOCKER_TLS_VERIFY is set but ${join(dir, 'ca.pem')} cannot be read`);
  }
  return { socketPath: null, host, port, tls, display: `tcp://${url.host}${tls ? ' (TLS)' : ''}` };
}

function nonEmpty(v: string | undefined): boolean {
  return v !== undefined && v.trim() !== '' && v.trim() !== '0';
}

export interface DockerClientOptions {
  endpoint: DockerEndpoint;
  /** Per request: connecting, and the whole answer. */
  timeoutMs?: number;
  /** Largest answer read; a bigger one is an error, not a truncated document. */
  maxResponseBytes?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Aborts every request in flight (shutdown). */
  signal?: AbortSignal;
}

export type JsonObject = Record<string, unknown>;

export interface DockerClient {
  readonly endpoint: DockerEndpoint;
  /** The API version in use, after negotiation (`1.47`, or the daemon's if older). */
  apiVersion(): Promise<string>;
  info(): Promise<JsonObject>;
  version(): Promise<JsonObject>;
  /** Running containers (`GET /containers/json`). */
  listContainers(): Promise<JsonObject[]>;
  inspectContainer(idOrName: string): Promise<JsonObject>;
  inspectImage(idOrName: string): Promise<JsonObject>;
  /** `GET /containers/{id}/top`: `{ Titles, Processes }`. */
  top(id: string): Promise<JsonObject>;
  /**
   * `GET /images/{id}/get`: the image as `docker save` writes it, a tar streamed as it comes;
   * the whole exchange must end within `withinMs`, and the caller bounds the bytes it reads.
   */
  imageArchive(id: string, withinMs: number): Promise<Readable>;
  /**
   * Container events between two daemon times (inclusive), as Docker streams them; the daemon
   * closes the stream at `until`. Times are Unix seconds with nanoseconds (`1741682100.118233411`).
   */
  events(since: string, until: string, actions: readonly string[], maxEvents: number): Promise<EventStream>;
  close(): void;
}

/** Creates a client; nothing is sent until the first call. */
export function createDockerClient(options: DockerClientOptions): DockerClient {
  const { endpoint } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  const concurrency = options.concurrency ?? 8;
  const agent = endpoint.tls
    ? new HttpsAgent({ keepAlive: true, maxSockets: concurrency })
    : new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  let negotiated: Promise<string> | null = null;

  /**
   * The only way out to the daemon, and it says GET. `streamFor` set: a 2xx answer is handed
   * over as a stream, to be read within that many milliseconds; otherwise it is read whole.
   */
  function send(path: string, query: Record<string, string>, streamFor: number | null): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer; stream: IncomingMessage | null }> {
    const qs = new URLSearchParams(query).toString();
    const fullPath = qs ? `${path}?${qs}` : path;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new DockerApiError('shutting down', null, path));
        return;
      }
      const common = {
        method: 'GET' as const,
        path: fullPath,
        agent,
        headers: { accept: 'application/json', 'user-agent': 'csvs-agent' },
        timeout: timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      };
      const req = endpoint.tls
        ? httpsRequest({
            ...common,
            host: endpoint.host ?? 'localhost',
            port: endpoint.port ?? 2376,
            ca: endpoint.tls.ca ?? undefined,
            cert: endpoint.tls.cert ?? undefined,
            key: endpoint.tls.key ?? undefined,
            rejectUnauthorized: endpoint.tls.verify,
          })
        : httpRequest(endpoint.socketPath ? { ...common, socketPath: endpoint.socketPath } : { ...common, host: endpoint.host ?? 'localhost', port: endpoint.port ?? 2375 });
      // `timeout` above only covers idle sockets; this bounds the whole exchange.
      const limit = streamFor ?? timeoutMs;
      const deadline = setTimeout(() => req.destroy(new DockerApiError(`no complete answer within ${limit} ms`, null, path)), limit);
      deadline.unref();
      req.on('timeout', () => req.destroy(new DockerApiError(`the daemon did not answer within ${timeoutMs} ms`, null, path)));
      req.on('error', (e) => {
        clearTimeout(deadline);
        reject(e instanceof DockerApiError ? e : new DockerApiError(`cannot reach the Docker daemon at ${endpoint.display}: ${e.message}`, null, path));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (streamFor !== null && status >= 200 && status <= 299) {
          // The reader bounds the bytes; the deadline still ends the whole exchange.
          res.once('close', () => clearTimeout(deadline));
          resolve({ status, headers: res.headers, body: Buffer.alloc(0), stream: res });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new DockerApiError(`the answer is larger than ${maxBytes} bytes`, res.statusCode ?? null, path));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (e) => {
          clearTimeout(deadline);
          reject(e instanceof DockerApiError ? e : new DockerApiError(e.message, null, path));
        });
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), stream: null });
        });
      });
      req.end();
    });
  }

  function get(path: string, query: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return send(path, query, null);
  }

  async function getJson(path: string, query: Record<string, string> = {}): Promise<unknown> {
    const version = await apiVersion();
    const res = await get(`/v${version}${path}`, query);
    if (res.status < 200 || res.status > 299) throw new DockerApiError(errorMessage(res.body, res.status), res.status, path);
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw new DockerApiError('the daemon answered with something that is not JSON', res.status, path);
    }
  }

  async function getObject(path: string, query: Record<string, string> = {}): Promise<JsonObject> {
    const value = await getJson(path, query);
    if (!isObject(value)) throw new DockerApiError('expected a JSON object', 200, path);
    return value;
  }

  function apiVersion(): Promise<string> {
    negotiated ??= (async () => {
      const res = await get('/_ping');
      if (res.status !== 200) throw new DockerApiError(errorMessage(res.body, res.status), res.status, '/_ping');
      const header = res.headers['api-version'];
      const server = typeof header === 'string' ? header.trim() : '';
      if (!/^\d+\.\d+$/.test(server)) return MAX_API_VERSION;
      if (compareVersions(server, MIN_API_VERSION) < 0) {
        throw new DockerApiError(`the daemon speaks API ${server}; the agent needs ${MIN_API_VERSION} or newer`, 200, '/_ping');
      }
      return compareVersions(server, MAX_API_VERSION) < 0 ? server : MAX_API_VERSION;
    })();
    // A failed negotiation (daemon down) is retried on the next call, not remembered.
    negotiated.catch(() => {
      negotiated = null;
    });
    return negotiated;
  }

  return {
    endpoint,
    apiVersion,
    info: () => getObject('/info'),
    version: () => getObject('/version'),
    async listContainers() {
      const value = await getJson('/containers/json');
      if (!Array.isArray(value)) throw new DockerApiError('expected a JSON array of containers', 200, '/containers/json');
      return value.filter(isObject);
    },
    inspectContainer: (id) => getObject(`/containers/${segment(id, false)}/json`),
    inspectImage: (id) => getObject(`/images/${segment(id, true)}/json`),
    top: (id) => getObject(`/containers/${segment(id, false)}/top`),
    async imageArchive(id, withinMs) {
      const version = await apiVersion();
      const path = `/images/${segment(id, true)}/get`;
      const res = await send(`/v${version}${path}`, {}, withinMs);
      if (res.stream === null) throw new DockerApiError(errorMessage(res.body, res.status), res.status, path);
      return res.stream;
    },
    async events(since, until, actions, maxEvents) {
      const version = await apiVersion();
      const filters = JSON.stringify({ type: ['container'], event: [...actions] });
      const res = await get(`/v${version}/events`, { since, until, filters });
      if (res.status < 200 || res.status > 299) throw new DockerApiError(errorMessage(res.body, res.status), res.status, '/events');
      return parseEventStream(res.body.toString('utf8'), maxEvents);
    },
    close: () => agent.destroy(),
  };
}

/** One event: the line exactly as the daemon sent it (so `timeNano` keeps all its digits) and its JSON. */
export interface RawEvent {
  line: string;
  value: JsonObject;
}

export interface EventStream {
  events: RawEvent[];
  /** More than `maxEvents` came; the rest were not read. */
  truncated: boolean;
}

/** Newline-delimited JSON as `/events` streams it; unreadable lines are skipped. */
export function parseEventStream(text: string, maxEvents: number): EventStream {
  const events: RawEvent[] = [];
  let truncated = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (events.length >= maxEvents) {
      truncated = true;
      break;
    }
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isObject(value)) events.push({ line: trimmed, value });
    } catch {
      // A partial last line of an interrupted stream: the rest still counts.
    }
  }
  return { events, truncated };
}

/**
 * A path segment as the docker CLI writes it: `sha256:…` stays readable, and an image's
 * `repo/name:tag` keeps its slashes (Docker routes `/images/{name:.*}/json`); container names
 * never hold a slash, so one there is escaped rather than let it climb the path.
 */
function segment(ref: string, slashes: boolean): string {
  const escaped = encodeURIComponent(ref).replace(/%3A/gi, ':');
  return slashes && !ref.split('/').includes('..') ? escaped.replace(/%2F/gi, '/') : escaped;
}

function errorMessage(body: Buffer, status: number): string {
  const text = body.toString('utf8').slice(0, 500);
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && typeof parsed.message === 'string') return `${status}: ${parsed.message}`;
  } catch {
    // Proxies answer in HTML (haproxy's 403 page).
  }
  return `${status}: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim() || 'no message'}`;
}

/** `1.9` < `1.24` < `1.47`: numeric per part. */
export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
