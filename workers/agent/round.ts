/**
 * One round of the agent: what runs on the host right now, read from the Docker Engine API,
 * and the container events since the last round. The daemon's `/info` is read once per round
 * and gives both the host's identity and the round's time (the daemon clock), which closes
 * the event window; the next round opens its window there, so no event falls between two.
 */
import { type DockerClient, DockerApiError, type JsonObject, type RawEvent, isObject } from './docker-client.ts';
import type { EventWindow } from './events.ts';
import { ImageArchiveError, type ImagePackages, type PackageReading, imagePackages } from './image-packages.ts';
import { type WorkloadRef, sanitizeWorkload, workloadOf } from './grouping.ts';
import { isoToNanos, msToNanos, nanosToDocker, nanosToIso } from './time.ts';

const EXEC = /^exec_(?:create|start)\b/;

export interface ContainerRecord {
  id: string;
  name: string;
  workload: WorkloadRef;
  inspect: JsonObject;
  /** Image inspect; null when the image is gone or could not be read. */
  image: JsonObject | null;
  /** `/top` answer; null for a container that is not running or could not be read. */
  top: JsonObject | null;
}

/** An exec event of a container that was still running at the end of its round: access not yet answered by a replacement. */
export interface CarriedExec {
  containerId: string;
  line: string;
}

export interface RoundOptions {
  /** Names or ids; null: every running container. */
  only: readonly string[] | null;
  groupLabel: string | null;
  /** Puts every container read into this one workload (`csvs collect --workload`). */
  fixedWorkload?: string | null;
  /** Where the last round's event window ended; a new window looks back `lookbackMs`. */
  window: EventWindow;
  lookbackMs: number;
  carried: readonly CarriedExec[];
  concurrency: number;
  /** Reading each image's package databases from its layers; null: not read. */
  packages?: PackageReading | null;
  /** Used only when the daemon does not tell its time. */
  clock: () => Date;
}

export interface RoundEvent {
  event: RawEvent;
  workload: string;
  containerId: string;
  /** Seen in an earlier round's window. */
  carried: boolean;
}

export interface RoundData {
  host: { id: string; name: string };
  /** The daemon's time when the round started: every snapshot's `observedAt`. */
  observedAt: string;
  /** End of this round's event window; the next round's `since`. */
  until: string;
  info: JsonObject;
  containers: ContainerRecord[];
  /** Package databases by image id (`Image` of the inspect), where they were read. */
  packages: Map<string, ImagePackages>;
  /** False when `/events` was refused: the events below are only those carried from earlier rounds. */
  eventsRead: boolean;
  /**
   * Events of the window, each with the workload its container belongs to, and before them the
   * exec events carried from earlier rounds for containers that still run.
   */
  events: RoundEvent[];
  /** Exec events to carry into the next round. */
  carried: CarriedExec[];
  /** Containers named but not found (collect), and things skipped, for the log. */
  missing: string[];
  notes: string[];
}

/** Reads one round from the daemon. Throws DockerApiError when the daemon cannot be read at all. */
export async function readRound(docker: DockerClient, options: RoundOptions): Promise<RoundData> {
  const info = await docker.info();
  const localNs = msToNanos(options.clock().getTime());
  const nowNs = (typeof info.SystemTime === 'string' ? isoToNanos(info.SystemTime) : null) ?? localNs;
  options.window.offsetNs = nowNs - localNs;
  const host = { id: str(info.ID) || str(info.Name) || 'unknown-host', name: str(info.Name) || str(info.ID) || 'unknown-host' };
  const notes: string[] = [];
  const missing: string[] = [];

  const ids = await containerIds(docker, options.only);
  const inspected = await mapLimit(ids, options.concurrency, async (id) => {
    try {
      return await docker.inspectContainer(id);
    } catch (e) {
      // Gone between the listing and the inspect: it is simply not running any more.
      if (e instanceof DockerApiError && e.status === 404) {
        if (options.only) missing.push(id);
        else notes.push(`container ${id.slice(0, 12)} went away during the round`);
        return null;
      }
      throw e;
    }
  });
  const inspects = inspected.filter((x): x is JsonObject => x !== null);

  const imageIds = [...new Set(inspects.map((c) => str(c.Image)).filter((s) => s !== ''))];
  const images = new Map<string, JsonObject>();
  await mapLimit(imageIds, options.concurrency, async (id) => {
    try {
      images.set(id, await docker.inspectImage(id));
    } catch (e) {
      if (!(e instanceof DockerApiError) || e.status === null) throw e;
      notes.push(`image ${id.slice(0, 19)} could not be inspected (${e.message})`);
    }
  });

  // One image at a time: an image's archive is the heaviest thing the agent asks the daemon for.
  const packages = new Map<string, ImagePackages>();
  if (options.packages) {
    for (const id of imageIds) {
      try {
        const { packages: found, fresh } = await imagePackages(docker, id, options.packages);
        packages.set(id, found);
        // Said once, when read, not again every round from the cache.
        if (fresh) for (const note of found.notes) notes.push(`image ${id.slice(0, 19)}: ${note}${found.complete ? '' : '; its packages are not uploaded'}`);
      } catch (e) {
        if (!(e instanceof DockerApiError) && !(e instanceof ImageArchiveError)) throw e;
        notes.push(`image ${id.slice(0, 19)}: packages could not be read (${e.message}); tried again next round`);
      }
    }
  }

  const containers = await mapLimit(inspects, options.concurrency, async (inspect): Promise<ContainerRecord> => {
    const id = str(inspect.Id);
    const name = str(inspect.Name).replace(/^\/+/, '') || id.slice(0, 12);
    const running = isObject(inspect.State) && inspect.State.Running === true;
    let top: JsonObject | null = null;
    if (running) {
      try {
        top = await docker.top(id);
      } catch (e) {
        // Paused, or stopped in the meantime (409): the inspect still counts.
        if (!(e instanceof DockerApiError) || e.status === null) throw e;
        notes.push(`processes of ${name} could not be read (${e.message})`);
      }
    }
    const labels = isObject(inspect.Config) ? stringRecord(inspect.Config.Labels) : {};
    const workload = options.fixedWorkload ? { workload: sanitizeWorkload(options.fixedWorkload), by: 'label' as const } : workloadOf(name, labels, options.groupLabel);
    return { id, name, workload, inspect, image: images.get(str(inspect.Image)) ?? null, top };
  });
  containers.sort((a, b) => a.name.localeCompare(b.name));

  let eventsRead = true;
  try {
    await options.window.read(docker, nowNs, options.lookbackMs);
  } catch (e) {
    // The daemon answered but refused (a proxy without EVENTS=1): the round still counts,
    // without claiming an event log it does not have. No answer at all fails the round.
    if (!(e instanceof DockerApiError) || e.status === null) throw e;
    eventsRead = false;
    notes.push(`events could not be read (${e.message}); this round's snapshots carry no event window`);
  }
  const taken = options.window.take();
  notes.push(...taken.notes);
  const byId = new Map(containers.map((c) => [c.id, c]));
  const events: RoundEvent[] = [];
  for (const c of options.carried) {
    const known = byId.get(c.containerId);
    const event = known ? parseLine(c.line) : null;
    if (known && event) events.push({ event, workload: known.workload.workload, containerId: c.containerId, carried: true });
  }
  // Containers named (collect): only their events, and those of earlier containers of the same
  // name (which show whether an accessed one was replaced); the rest of the host is not asked about.
  const named = options.only === null ? null : new Set([...options.only.map((n) => n.replace(/^\/+/, '')), ...containers.map((c) => c.name)]);
  const fixed = options.fixedWorkload ? sanitizeWorkload(options.fixedWorkload) : null;
  for (const event of taken.events) {
    const actor = isObject(event.value.Actor) ? event.value.Actor : {};
    const containerId = str(actor.ID) || str(event.value.id);
    if (containerId === '') continue;
    const attributes = stringRecord(actor.Attributes);
    const known = byId.get(containerId);
    if (!known && named !== null && !named.has(attributes.name ?? '')) continue;
    const workload = known?.workload.workload ?? fixed ?? workloadOf(attributes.name ?? containerId.slice(0, 12), attributes, options.groupLabel).workload;
    events.push({ event, workload, containerId, carried: false });
  }

  return {
    host,
    observedAt: nanosToIso(nowNs),
    until: nanosToDocker(nowNs),
    info,
    containers,
    packages,
    eventsRead,
    events,
    carried: carryExecs(events, byId),
    missing,
    notes,
  };
}

async function containerIds(docker: DockerClient, only: readonly string[] | null): Promise<string[]> {
  if (only !== null) return [...new Set(only)];
  const list = await docker.listContainers();
  return list.map((c) => str(c.Id)).filter((id) => id !== '');
}

/**
 * Exec events stay with a container until it is gone: an accessed container is non-compliant
 * until it is replaced, not only in the round that saw the access. Bounded per container.
 */
const MAX_CARRIED_PER_CONTAINER = 10;
function carryExecs(events: readonly RoundEvent[], running: Map<string, ContainerRecord>): CarriedExec[] {
  const out: CarriedExec[] = [];
  const count = new Map<string, number>();
  const seen = new Set<string>();
  const add = (containerId: string, line: string) => {
    if (!running.has(containerId) || seen.has(line)) return;
    const n = count.get(containerId) ?? 0;
    if (n >= MAX_CARRIED_PER_CONTAINER) return;
    count.set(containerId, n + 1);
    seen.add(line);
    out.push({ containerId, line });
  };
  for (const e of events) if (EXEC.test(str(e.event.value.Action))) add(e.containerId, e.event.line);
  return out;
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function parseLine(line: string): RawEvent | null {
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) ? { line, value } : null;
  } catch {
    return null;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Labels as a prototype-free map: a label named `__proto__` is a label, nothing more. */
function stringRecord(v: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (!isObject(v)) return out;
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}
