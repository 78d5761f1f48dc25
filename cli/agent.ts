/**
 * `csvs agent`: runs on a Docker host and uploads a snapshot of every running workload each
 * interval (see docs/agent.md). Exit codes: 0 stopped cleanly (or, with --once, everything
 * delivered), 1 a --once round or delivery failed (or --check-health found it unhealthy),
 * 2 wrong usage.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAgent } from '../workers/agent/agent.ts';
import { createDockerClient, DockerHostError, resolveDockerEndpoint } from '../workers/agent/docker-client.ts';
import { DEFAULT_BOUNDS, ImagePackageCache, type PackageReading } from '../workers/agent/image-packages.ts';
import { DiskQueue } from '../workers/agent/queue.ts';
import { checkHealth } from '../workers/agent/state.ts';
import { parseDuration, parseSize } from '../workers/agent/units.ts';
import type { UploadTarget } from '../workers/agent/upload.ts';
import { type Io, UsageError } from './args.ts';

export const AGENT_HELP = `Usage: csvs agent --url URL --team TEAM [options]

Runs on a Docker host. Every interval it reads the running containers from the Docker
Engine API (GET requests only: inspect, image inspect, processes, exec events, daemon
info) and uploads one snapshot per workload. While the service is unreachable the
snapshots wait in an on-disk queue and are delivered in order once it is back.

Options:
  --url URL                the csvs service (env CSVS_URL)
  --team TEAM              the team the snapshots belong to (env CSVS_TEAM)
  --key-file FILE          a file holding the API key (env CSVS_KEY_FILE), or env CSVS_KEY;
  --key KEY                the key itself (visible in the process list: prefer the above)
  --interval DURATION      time between rounds (default 5m; at least 10s)
  --once                   one round, deliver the queue, exit
  --environment ENV        the snapshots' environment (default: the service's)
  --group-label LABEL      group containers into workloads by this label first; then by
                           Compose service, Kubernetes pod owner, container name
  --state-dir DIR          queue and state (default .csvs-agent)
  --queue-max N            at most N snapshots queued (default 2000); when full the
                           oldest is dropped, and the log says so
  --queue-max-bytes SIZE   at most SIZE bytes queued (default 256MiB)
  --health-file FILE       written after every round and delivery
  --events-since DURATION  how far back the first round reads exec events (default 1h)
  --events-poll DURATION   read events between rounds too (default 30s; 0 turns it off)
  --docker-host URL        unix:///path or tcp://host:port (default DOCKER_HOST, else
                           unix:///var/run/docker.sock; TLS from DOCKER_TLS_VERIFY and
                           DOCKER_CERT_PATH as for the docker CLI)
  --timeout DURATION       per request to Docker and to the service (default 30s); an
                           image's archive (below) may take four times as long
  --image-packages SIZE    read each image's package database (dpkg, apk, rpm) from its layers
                           (GET /images/{id}/get), once per image, reading at most SIZE of
                           the archive (default 1GiB; 0 turns it off)
  --check-health FILE      exit 0 when FILE shows a successful round within --max-age
                           (default three intervals), else 1: for container probes
  -h, --help               show this help

SIGTERM or SIGINT stop it cleanly: the round in progress ends, queued snapshots stay on
disk for the next start.

Exit codes:
  0  stopped cleanly; with --once: the round succeeded and everything was delivered
  1  with --once: the round failed or snapshots stay queued; --check-health: unhealthy
  2  wrong usage

Examples:
  CSVS_KEY_FILE=/run/secrets/csvs_key csvs agent --url https://csvs.example.com --team shop
  DOCKER_HOST=tcp://socket-proxy:2375 csvs agent --url $URL --team shop --once
`;

interface AgentArgs {
  target: UploadTarget;
  team: string;
  intervalMs: number;
  once: boolean;
  environment: string | null;
  groupLabel: string | null;
  stateDir: string;
  queueMax: number;
  queueMaxBytes: number;
  healthFile: string | null;
  lookbackMs: number;
  eventsPollMs: number;
  dockerHost: string | null;
  timeoutMs: number;
  imagePackagesMax: number;
}

const MIN_INTERVAL_MS = 10_000;

/** Runs `csvs agent` and returns the exit code. */
export async function runAgent(argv: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        url: { type: 'string' },
        team: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        interval: { type: 'string' },
        once: { type: 'boolean' },
        environment: { type: 'string' },
        'group-label': { type: 'string' },
        'state-dir': { type: 'string' },
        'queue-max': { type: 'string' },
        'queue-max-bytes': { type: 'string' },
        'health-file': { type: 'string' },
        'events-since': { type: 'string' },
        'events-poll': { type: 'string' },
        'docker-host': { type: 'string' },
        timeout: { type: 'string' },
        'image-packages': { type: 'string' },
        'check-health': { type: 'string' },
        'max-age': { type: 'string' },
      },
    }));
  } catch (e) {
    return usage(io, e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    io.stdout(AGENT_HELP);
    return 0;
  }
  try {
    if (values['check-health'] !== undefined) {
      const intervalMs = duration(values.interval, '--interval', 300_000);
      const maxAge = duration(values['max-age'], '--max-age', intervalMs * 3);
      const result = await checkHealth(resolve(io.cwd, values['check-health']), maxAge, new Date());
      (result.ok ? io.stdout : io.stderr)(`csvs agent: ${result.ok ? 'healthy' : 'unhealthy'}: ${result.reason}\n`);
      return result.ok ? 0 : 1;
    }
    const args = await agentArgs(values, io);
    return await runWith(args, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof DockerHostError) return usage(io, e.message);
    throw e;
  }
}

async function runWith(args: AgentArgs, io: Io): Promise<number> {
  const log = (line: string) => io.stderr(`${new Date().toISOString()} csvs-agent: ${line}\n`);
  const controller = new AbortController();
  const stop = (signal: string) => {
    if (controller.signal.aborted) return;
    log(`${signal}: stopping`);
    controller.abort();
  };
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  const docker = createDockerClient({
    endpoint: resolveDockerEndpoint(io.env, args.dockerHost),
    timeoutMs: args.timeoutMs,
    signal: controller.signal,
  });
  try {
    const queue = await DiskQueue.open(resolve(args.stateDir, 'queue'), { maxEntries: args.queueMax, maxBytes: args.queueMaxBytes }, log);
    const agent = await createAgent({
      docker,
      target: args.target,
      team: args.team,
      queue,
      stateDir: args.stateDir,
      healthFile: args.healthFile,
      intervalMs: args.intervalMs,
      eventsPollMs: args.eventsPollMs,
      lookbackMs: args.lookbackMs,
      groupLabel: args.groupLabel,
      environment: args.environment,
      maxProcessLists: 40,
      maxPendingEvents: 50_000,
      concurrency: 8,
      packages: packageReading(args.imagePackagesMax, args.timeoutMs, join(args.stateDir, 'packages')),
      backoff: { baseMs: 2_000, capMs: Math.min(args.intervalMs, 300_000) },
      agentVersion: await agentVersion(),
      log,
    });
    const ok = await agent.run(controller.signal, { once: args.once });
    if (args.once) return ok ? 0 : 1;
    return 0;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    docker.close();
  }
}

type Values = Record<string, string | boolean | undefined>;

async function agentArgs(values: Values, io: Io): Promise<AgentArgs> {
  const text = (name: string, envName?: string): string | null => {
    const v = values[name];
    const raw = typeof v === 'string' ? v : envName ? io.env[envName] : undefined;
    return raw === undefined || raw.trim() === '' ? null : raw.trim();
  };
  const intervalMs = duration(text('interval'), '--interval', 300_000);
  if (intervalMs < MIN_INTERVAL_MS) throw new UsageError(`--interval must be at least ${MIN_INTERVAL_MS / 1000}s`);
  const timeoutMs = duration(text('timeout'), '--timeout', 30_000);
  const queueMax = text('queue-max') === null ? 2000 : Number(text('queue-max'));
  if (!Number.isInteger(queueMax) || queueMax < 1) throw new UsageError('--queue-max must be a positive whole number');
  const queueMaxBytes = text('queue-max-bytes') === null ? 256 * 1024 * 1024 : parseSize(text('queue-max-bytes') ?? '');
  if (queueMaxBytes === null || queueMaxBytes < 1) throw new UsageError('--queue-max-bytes must be a size such as 256MiB');
  const stateDir = resolve(io.cwd, text('state-dir') ?? '.csvs-agent');
  const healthFile = text('health-file');
  return {
    target: await target(values, io, timeoutMs),
    team: requiredTeam(text('team', 'CSVS_TEAM')),
    intervalMs,
    once: values.once === true,
    environment: text('environment'),
    groupLabel: text('group-label'),
    stateDir,
    queueMax,
    queueMaxBytes,
    healthFile: healthFile === null ? null : resolve(io.cwd, healthFile),
    lookbackMs: duration(text('events-since'), '--events-since', 3_600_000),
    eventsPollMs: duration(text('events-poll'), '--events-poll', 30_000),
    dockerHost: text('docker-host'),
    timeoutMs,
    imagePackagesMax: imagePackagesMax(text('image-packages')),
  };
}

/** `--image-packages SIZE`: how much of an image's archive may be read; 0 turns the reading off. */
export function imagePackagesMax(raw: string | null): number {
  if (raw === null) return DEFAULT_BOUNDS.maxArchiveBytes;
  if (raw.trim() === '0') return 0;
  const size = parseSize(raw);
  if (size === null || size < 1) throw new UsageError(`--image-packages must be a size such as 1GiB, or 0, got ${JSON.stringify(raw)}`);
  return size;
}

/** How images' packages are read, or null when turned off; the cache is kept in `cacheDir` when given. */
export function packageReading(maxArchiveBytes: number, timeoutMs: number, cacheDir: string | null): PackageReading | null {
  if (maxArchiveBytes === 0) return null;
  return { bounds: { ...DEFAULT_BOUNDS, maxArchiveBytes }, timeoutMs: timeoutMs * 4, cache: new ImagePackageCache(cacheDir) };
}

/** The service's URL and key, from options, then the environment (CSVS_URL, CSVS_KEY_FILE, CSVS_KEY). */
export async function target(values: Values, io: Io, timeoutMs: number): Promise<UploadTarget> {
  const option = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).trim() : '');
  const url = option('url') || io.env.CSVS_URL?.trim() || '';
  if (url === '') throw new UsageError('--url is required (or CSVS_URL)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url must be http:// or https://');
  const keyFile = option('key-file') || io.env.CSVS_KEY_FILE?.trim() || '';
  let key = option('key');
  if (key === '' && keyFile !== '') {
    try {
      key = (await readFile(resolve(io.cwd, keyFile), 'utf8')).trim();
    } catch (e) {
      throw new UsageError(`cannot read the key file ${keyFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (key === '') key = io.env.CSVS_KEY?.trim() ?? '';
  if (key === '') throw new UsageError('an API key is required: --key-file FILE, CSVS_KEY_FILE, CSVS_KEY or --key');
  return { url: parsed.toString().replace(/\/+$/, ''), key, timeoutMs };
}

export function requiredTeam(team: string | null): string {
  if (team === null) throw new UsageError('--team is required (or CSVS_TEAM)');
  return team;
}

export function duration(raw: string | boolean | null | undefined, option: string, fallback: number): number {
  if (raw === undefined || raw === null || typeof raw === 'boolean') return fallback;
  const ms = parseDuration(raw);
  if (ms === null) throw new UsageError(`${option} must be a duration such as 30s, 5m or 1h, got ${JSON.stringify(raw)}`);
  return ms;
}

/** The package version, named in each snapshot's `ci.agent`. */
export async function agentVersion(): Promise<string> {
  try {
    const pkg: unknown = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
  } catch {
    return 'unknown';
  }
}

function usage(io: Io, message: string): number {
  io.stderr(`csvs agent: ${message}\nRun 'csvs agent --help' for usage.\n`);
  return 2;
}
