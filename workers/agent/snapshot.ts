/**
 * A round becomes one snapshot per workload, in the public API's JSON upload form: the
 * containers' inspect, their images' inspect, each container's processes, the workload's
 * container events, and the daemon's info. The Idempotency-Key is derived from the round
 * (host, round time, workload), so a retry of the same snapshot is never stored twice.
 */
import { createHash } from 'node:crypto';
import type { ArtifactKind } from '../model/evidence.ts';
import { RedactionError } from '../redact/index.ts';
import { redactArtifact } from '../engine/redact.ts';
import type { JsonObject } from './docker-client.ts';
import type { RoundData } from './round.ts';
import { eventNanos } from './time.ts';

export interface SnapshotArtifact {
  kind: ArtifactKind;
  name: string;
  content: unknown;
}

/** The body of `POST /v1/teams/{team}/snapshots` (JSON form). */
export interface SnapshotBody {
  workload: string;
  environment?: string;
  observedAt: string;
  ci: Record<string, string>;
  artifacts: SnapshotArtifact[];
}

export interface PreparedSnapshot {
  workload: string;
  idempotencyKey: string;
  body: SnapshotBody;
  /** Container names, for the log. */
  containers: string[];
}

export interface SnapshotOptions {
  environment: string | null;
  /**
   * The most process lists one snapshot carries (one artifact each); the service takes 50
   * artifacts by default and the other kinds need four.
   */
  maxProcessLists: number;
  /** Named in `ci.agent`. */
  agentVersion: string;
}

/** `csvs-agent-<sha256(host, round, workload)>`: the same round of the same workload is the same upload. */
export function idempotencyKey(hostId: string, observedAt: string, workload: string): string {
  return `csvs-agent-${createHash('sha256').update(`${hostId}\n${observedAt}\n${workload}`).digest('hex')}`;
}

/** One snapshot per workload that has containers in this round, ordered by workload. */
export function buildSnapshots(round: RoundData, options: SnapshotOptions): { snapshots: PreparedSnapshot[]; notes: string[] } {
  const notes: string[] = [];
  const byWorkload = new Map<string, RoundData['containers']>();
  for (const c of round.containers) {
    const list = byWorkload.get(c.workload.workload) ?? [];
    list.push(c);
    byWorkload.set(c.workload.workload, list);
  }
  const orphaned = new Set(round.events.filter((e) => !byWorkload.has(e.workload)).map((e) => e.workload));
  if (orphaned.size > 0) {
    // A snapshot describes what runs: events of a workload none of whose containers runs any more
    // (removed, not replaced) have no snapshot to go into.
    const shown = [...orphaned].slice(0, 5).join(', ');
    notes.push(`events of ${orphaned.size} workload(s) with no running container left (removed, not replaced) are in no snapshot: ${shown}${orphaned.size > 5 ? ', …' : ''}`);
  }

  const snapshots: PreparedSnapshot[] = [];
  for (const [workload, containers] of [...byWorkload].sort(([a], [b]) => a.localeCompare(b))) {
    const key = idempotencyKey(round.host.id, round.observedAt, workload);
    const artifacts: SnapshotArtifact[] = [{ kind: 'docker-inspect', name: 'docker-inspect', content: containers.map((c) => c.inspect) }];
    const images = uniqueImages(containers.map((c) => c.image));
    if (images.length > 0) artifacts.push({ kind: 'docker-image-inspect', name: 'docker-image-inspect', content: images });
    const lists = packageArtifacts(round, containers);
    artifacts.push(...lists);
    // Package lists and process lists share the room the service gives a snapshot's artifacts.
    const room = Math.max(0, options.maxProcessLists - lists.length);
    const withTop = containers.filter((c) => c.top !== null);
    for (const c of withTop.slice(0, room)) {
      artifacts.push({ kind: 'processes', name: `top ${c.name}`, content: JSON.stringify(c.top) });
    }
    if (withTop.length > room) {
      notes.push(`${workload}: process lists of ${withTop.length - room} of ${withTop.length} containers left out (at most ${room} a snapshot beside ${lists.length} package list(s))`);
    }
    // Without a window read, an empty log would claim "nobody exec'd"; only what is known goes up.
    const log = eventLog(round, workload);
    if (round.eventsRead || log !== '') artifacts.push({ kind: 'docker-events', name: 'docker-events', content: log });
    artifacts.push({ kind: 'docker-info', name: 'docker-info', content: round.info });
    const uploaded = artifacts.flatMap((a) => {
      try {
        return [redactForUpload(a)];
      } catch (e) {
        if (!(e instanceof RedactionError)) throw e;
        notes.push(`${workload}: ${a.name} left out, it cannot be redacted safely: ${e.message}`);
        return [];
      }
    });
    snapshots.push({
      workload,
      idempotencyKey: key,
      containers: containers.map((c) => c.name),
      body: {
        workload,
        ...(options.environment ? { environment: options.environment } : {}),
        observedAt: round.observedAt,
        ci: { agent: `csvs-agent/${options.agentVersion}`, host: round.host.name, hostId: round.host.id, round: round.observedAt, idempotencyId: key },
        artifacts: uploaded,
      },
    });
  }
  return { snapshots, notes };
}

/**
 * What leaves the host is redacted by the service's own rules (`workers/redact`, which the
 * service applies again on arrival, changing nothing): environment values, secret flags in
 * command lines and events, secret-named labels, secrets by shape. The service evaluates only
 * redacted content, so verdicts are the same. Throws {@link RedactionError} for content that
 * cannot be redacted safely: it must not be uploaded at all.
 */
export function redactForUpload(artifact: SnapshotArtifact): SnapshotArtifact {
  return { ...artifact, content: redactArtifact(artifact.kind, artifact.content).content };
}

/**
 * The workload's events as `docker events --format '{{json .}}'` prints them, oldest first,
 * each line as the daemon sent it. Empty text when nothing happened: that is evidence too
 * (the window was watched and no one exec'd into a container).
 */
function eventLog(round: RoundData, workload: string): string {
  const seen = new Set<string>();
  const lines = round.events
    .filter((e) => e.workload === workload)
    .map((e) => ({ line: e.event.line, at: eventNanos(e.event) ?? 0n }))
    .filter((e) => (seen.has(e.line) ? false : (seen.add(e.line), true)))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map((e) => e.line);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * The package lists of the workload's images, read from their layers: one `packages` artifact
 * per image and database, named for the image (`packages nginx:1.27 (dpkg)`), in the form
 * `dpkg-query -W` or `apk info -v` prints. An image read only in part gives none: a partial list
 * would pass 3.8 and 3.12 on packages it never saw.
 */
function packageArtifacts(round: RoundData, containers: RoundData['containers']): SnapshotArtifact[] {
  const out: SnapshotArtifact[] = [];
  const seen = new Set<string>();
  for (const c of containers) {
    const id = typeof c.inspect.Image === 'string' ? c.inspect.Image : '';
    const found = round.packages.get(id);
    if (!found || !found.complete || seen.has(id)) continue;
    seen.add(id);
    const tags = Array.isArray(c.image?.RepoTags) ? c.image.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    const ref = tags[0] ?? id.replace(/^sha256:/, '').slice(0, 12);
    for (const list of found.lists) out.push({ kind: 'packages', name: `packages ${ref} (${list.format})`, content: list.text });
  }
  return out;
}

function uniqueImages(images: readonly (JsonObject | null)[]): JsonObject[] {
  const seen = new Set<string>();
  const out: JsonObject[] = [];
  for (const img of images) {
    if (img === null) continue;
    const id = typeof img.Id === 'string' ? img.Id : JSON.stringify(img).slice(0, 200);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(img);
  }
  return out;
}
