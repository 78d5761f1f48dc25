/**
 * `csvs collect`: one round, now, for CI jobs that start the container under test, or for
 * live Kubernetes pods read from `kubectl get pods -A -o json`. Prints the snapshots in the
 * API's upload form, or uploads them (--url) and gates on a level.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDockerClient, DockerApiError, DockerHostError, resolveDockerEndpoint } from '../workers/agent/docker-client.ts';
import { EventWindow } from '../workers/agent/events.ts';
import { podSnapshots, readPods } from '../workers/agent/kubernetes.ts';
import { readRound } from '../workers/agent/round.ts';
import { buildSnapshots, type PreparedSnapshot } from '../workers/agent/snapshot.ts';
import { describeLevels, uploadEntry } from '../workers/agent/upload.ts';
import { ArtifactError } from '../workers/parsers/util.ts';
import { LEVELS, type Level } from '../workers/model/result.ts';
import { agentVersion, duration, imagePackagesMax, packageReading, requiredTeam, target } from './agent.ts';
import { type Io, STDIN, UsageError } from './args.ts';

export const COLLECT_HELP = `Usage: csvs collect [CONTAINER...] [options]
       kubectl get pods -A -o json | csvs collect --kubernetes - [options]

Does one agent round now and prints the snapshots as JSON, in the form
POST /v1/teams/{team}/snapshots takes (an array, one per workload; one object with
--workload). With --url it uploads them instead and prints each verdict.

CONTAINER is a name or id; without any, every running container. Docker is read with
GET requests only.

Options:
  --workload NAME          one snapshot of all the containers, named NAME
  --group-label LABEL      group containers into workloads by this label first
  --environment ENV        the snapshots' environment
  --events-since DURATION  how far back to read exec events (default 1h)
  --kubernetes FILE        read Pods (kubectl get pods -o json or -o yaml; - for standard
                           input) instead of Docker; one snapshot per owner (Deployment,
                           StatefulSet, DaemonSet, Job, or the bare pod)
  --docker-host URL        the Docker daemon (default DOCKER_HOST)
  --url URL --team TEAM    upload (key from --key-file, CSVS_KEY_FILE, CSVS_KEY or --key)
  --level L1|L2|L3         with --url: exit 1 unless every snapshot meets this level
  --output FILE            write the JSON to FILE instead of standard output
  --timeout DURATION       per request (default 30s)
  --image-packages SIZE    read each image's package database (dpkg, apk, rpm) from its layers,
                           at most SIZE of its archive (default 1GiB; 0 turns it off)
  -h, --help               show this help

Exit codes:
  0  printed; or uploaded (and the level met, if one was given)
  1  an upload failed, or the level is not met
  2  wrong usage, no such container, or Docker cannot be read

Examples:
  docker run -d --name app-under-test app:ci && csvs collect app-under-test --workload app
  csvs collect app-under-test --workload app --url $CSVS_URL --team shop --level L2
  kubectl get pods -A -o json | csvs collect --kubernetes - --environment prod
`;

/** Runs `csvs collect` and returns the exit code. */
export async function runCollect(argv: readonly string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        workload: { type: 'string' },
        'group-label': { type: 'string' },
        environment: { type: 'string' },
        'events-since': { type: 'string' },
        kubernetes: { type: 'string' },
        'docker-host': { type: 'string' },
        url: { type: 'string' },
        team: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        level: { type: 'string' },
        output: { type: 'string', short: 'o' },
        timeout: { type: 'string' },
        'image-packages': { type: 'string' },
      },
    });
  } catch (e) {
    return usage(io, e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(COLLECT_HELP);
    return 0;
  }
  let snapshots: PreparedSnapshot[];
  let level: Level | null;
  let timeoutMs: number;
  try {
    timeoutMs = duration(values.timeout, '--timeout', 30_000);
    level = values.level === undefined ? null : parseLevel(values.level);
    if (level !== null && values.url === undefined && io.env.CSVS_URL === undefined) throw new UsageError('--level needs --url: the service decides');
    if (values.kubernetes !== undefined && positionals.length > 0) throw new UsageError('--kubernetes reads pods, not containers: give no CONTAINER');
    const environment = values.environment?.trim() || null;
    snapshots = values.kubernetes !== undefined
      ? await fromKubernetes(values.kubernetes, environment, values.workload ?? null, io)
      : await fromDocker(positionals, {
          workload: values.workload?.trim() || null,
          groupLabel: values['group-label']?.trim() || null,
          environment,
          lookbackMs: duration(values['events-since'], '--events-since', 3_600_000),
          dockerHost: values['docker-host'] ?? null,
          timeoutMs,
          imagePackagesMax: imagePackagesMax(values['image-packages'] ?? null),
        }, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof DockerHostError) return usage(io, e.message);
    if (e instanceof ArtifactError) return fail(io, e.message);
    if (e instanceof DockerApiError) return fail(io, `cannot read Docker: ${e.message}`);
    throw e;
  }
  if (snapshots.length === 0) return fail(io, 'nothing to collect: no running container, no pod');

  if (values.url !== undefined || io.env.CSVS_URL !== undefined) {
    try {
      const upload = await target(values, io, timeoutMs);
      const team = requiredTeam(values.team?.trim() || io.env.CSVS_TEAM?.trim() || null);
      return await uploadAll(snapshots, { ...upload, team, level }, io);
    } catch (e) {
      if (e instanceof UsageError) return usage(io, e.message);
      throw e;
    }
  }
  const bodies = snapshots.map((s) => s.body);
  const json = `${JSON.stringify(values.workload !== undefined && bodies.length === 1 ? bodies[0] : bodies, null, 2)}\n`;
  if (values.output !== undefined) {
    await writeFile(resolve(io.cwd, values.output), json, 'utf8');
    io.stderr(`csvs collect: wrote ${bodies.length} snapshot(s) to ${values.output}\n`);
  } else {
    io.stdout(json);
  }
  return 0;
}

async function fromDocker(
  names: readonly string[],
  options: {
    workload: string | null;
    groupLabel: string | null;
    environment: string | null;
    lookbackMs: number;
    dockerHost: string | null;
    timeoutMs: number;
    imagePackagesMax: number;
  },
  io: Io,
): Promise<PreparedSnapshot[]> {
  const docker = createDockerClient({ endpoint: resolveDockerEndpoint(io.env, options.dockerHost), timeoutMs: options.timeoutMs });
  try {
    const round = await readRound(docker, {
      only: names.length > 0 ? names : null,
      groupLabel: options.groupLabel,
      fixedWorkload: options.workload,
      window: new EventWindow(null, 50_000),
      lookbackMs: options.lookbackMs,
      carried: [],
      concurrency: 8,
      // One run, one read per image: no cache on disk for collect.
      packages: packageReading(options.imagePackagesMax, options.timeoutMs, null),
      clock: () => new Date(),
    });
    if (round.missing.length > 0) throw new UsageError(`no such container: ${round.missing.join(', ')}`);
    const { snapshots, notes } = buildSnapshots(round, { environment: options.environment, maxProcessLists: 40, agentVersion: await agentVersion() });
    for (const note of [...round.notes, ...notes]) io.stderr(`csvs collect: ${note}\n`);
    return snapshots;
  } finally {
    docker.close();
  }
}

async function fromKubernetes(file: string, environment: string | null, workload: string | null, io: Io): Promise<PreparedSnapshot[]> {
  if (workload !== null) throw new UsageError('--workload applies to containers; pods are grouped by their owner');
  const text = file === STDIN ? await io.readStdin() : await readFileText(resolve(io.cwd, file));
  const { pods, notes } = readPods(text);
  for (const note of notes) io.stderr(`csvs collect: ${note}\n`);
  return podSnapshots(pods, { environment, observedAt: new Date().toISOString(), agentVersion: await agentVersion() });
}

async function readFileText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function uploadAll(
  snapshots: readonly PreparedSnapshot[],
  options: { url: string; key: string; timeoutMs: number; team: string; level: Level | null },
  io: Io,
): Promise<number> {
  let code = 0;
  for (const s of snapshots) {
    const outcome = await uploadEntry(options, {
      team: options.team,
      workload: s.workload,
      idempotencyKey: s.idempotencyKey,
      observedAt: s.body.observedAt,
      body: JSON.stringify(s.body),
      enqueuedAt: new Date().toISOString(),
    });
    if (outcome.kind !== 'delivered') {
      io.stderr(`csvs collect: ${s.workload}: upload failed: ${outcome.error}\n`);
      code = 1;
      continue;
    }
    io.stdout(`${s.workload}: ${describeLevels(outcome.levels)}${outcome.snapshotId ? ` (snapshot ${outcome.snapshotId})` : ''}\n`);
    if (options.level !== null && outcome.levels?.[options.level] !== true) code = 1;
  }
  return code;
}

function parseLevel(s: string): Level {
  const level = LEVELS.find((l) => l === s.toUpperCase());
  if (!level) throw new UsageError(`--level must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(s)}`);
  return level;
}

function fail(io: Io, message: string): number {
  io.stderr(`csvs collect: ${message}\n`);
  return 2;
}

function usage(io: Io, message: string): number {
  io.stderr(`csvs collect: ${message}\nRun 'csvs collect --help' for usage.\n`);
  return 2;
}
