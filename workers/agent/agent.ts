/**
 * The agent's loop: a round every interval (read Docker, queue one snapshot per workload),
 * event polls in between, and delivery of the queue oldest first, with backoff while the
 * service is unreachable. Every snapshot goes through the on-disk queue, so an outage or a
 * restart loses no round (up to the queue's bound, which is logged and in the health file).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BackoffPolicy, backoffDelay, sleep as defaultSleep } from './backoff.ts';
import type { DockerClient } from './docker-client.ts';
import { EventWindow } from './events.ts';
import type { PackageReading } from './image-packages.ts';
import type { DiskQueue } from './queue.ts';
import { readRound } from './round.ts';
import { buildSnapshots } from './snapshot.ts';
import { type AgentState, type Health, loadState, saveState, writeHealth } from './state.ts';
import { dockerToNanos, nanosToDocker } from './time.ts';
import { describeLevels, type UploadTarget, uploadEntry } from './upload.ts';

export interface AgentOptions {
  docker: DockerClient;
  target: UploadTarget;
  team: string;
  queue: DiskQueue;
  stateDir: string;
  healthFile: string | null;
  intervalMs: number;
  /** Event polls between rounds; 0 turns them off. */
  eventsPollMs: number;
  /** How far back the very first round reads events. */
  lookbackMs: number;
  groupLabel: string | null;
  environment: string | null;
  maxProcessLists: number;
  maxPendingEvents: number;
  concurrency: number;
  /** Reading images' package databases from their layers; null: not read. */
  packages?: PackageReading | null;
  backoff: BackoffPolicy;
  agentVersion: string;
  log: (line: string) => void;
  clock?: () => Date;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RoundReport {
  ok: boolean;
  workloads: number;
  containers: number;
  queued: number;
  dropped: number;
  error: string | null;
}

export interface DeliveryReport {
  delivered: number;
  rejected: number;
  /** Set when delivery stopped at an entry that is to be retried. */
  error: string | null;
  remaining: number;
}

export interface Agent {
  /** One round: read Docker, queue the snapshots. Never throws; a failed round is reported. */
  round(): Promise<RoundReport>;
  /** Delivers the queue oldest first until it is empty or an upload must be retried. */
  deliver(signal?: AbortSignal): Promise<DeliveryReport>;
  /** Rounds every interval until the signal aborts (or after one, with `once`). True when all went well. */
  run(signal: AbortSignal, options?: { once?: boolean }): Promise<boolean>;
  health(): Health;
}

export async function createAgent(options: AgentOptions): Promise<Agent> {
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const { log, queue } = options;
  const stateFile = join(options.stateDir, 'state.json');
  let state: AgentState = await loadState(stateFile);
  const window = new EventWindow(state.eventsUntil === null ? null : dockerToNanos(state.eventsUntil), options.maxPendingEvents);
  let attempt = 0;
  let retryAt = 0;
  let delivering: Promise<DeliveryReport> | null = null;
  let pollFailed = false;
  const health: Health = {
    status: 'starting',
    updatedAt: clock().toISOString(),
    pid: process.pid,
    intervalMs: options.intervalMs,
    lastRound: null,
    lastSuccessAt: null,
    lastFailure: null,
    lastDelivery: null,
    queue: queue.stats(),
  };

  async function publishHealth(stopped = false): Promise<void> {
    health.queue = queue.stats();
    health.updatedAt = clock().toISOString();
    if (stopped) health.status = 'stopped';
    else if (health.lastRound && !health.lastRound.ok) health.status = 'failing';
    else if (health.lastRound) health.status = health.queue.entries > 0 ? 'degraded' : 'ok';
    if (options.healthFile === null) return;
    try {
      await writeHealth(options.healthFile, health);
    } catch (e) {
      log(`health: cannot write ${options.healthFile}: ${message(e)}`);
    }
  }

  async function round(): Promise<RoundReport> {
    const started = clock();
    try {
      const data = await readRound(options.docker, {
        only: null,
        groupLabel: options.groupLabel,
        window,
        lookbackMs: options.lookbackMs,
        carried: state.carried,
        concurrency: options.concurrency,
        packages: options.packages ?? null,
        clock,
      });
      const { snapshots, notes } = buildSnapshots(data, {
        environment: options.environment,
        maxProcessLists: options.maxProcessLists,
        agentVersion: options.agentVersion,
      });
      let dropped = 0;
      for (const s of snapshots) {
        dropped += await queue.push({
          team: options.team,
          workload: s.workload,
          idempotencyKey: s.idempotencyKey,
          observedAt: s.body.observedAt,
          body: JSON.stringify(s.body),
          enqueuedAt: clock().toISOString(),
        });
      }
      // Where the events were actually read to: a refused window is read again after a restart.
      state = { eventsUntil: window.lastUntil === null ? null : nanosToDocker(window.lastUntil), carried: data.carried };
      await saveState(stateFile, state);
      pollFailed = false;
      for (const note of [...data.notes, ...notes]) log(`round: ${note}`);
      const stats = queue.stats();
      log(
        `round ${data.observedAt} on ${data.host.name}: ${data.containers.length} container(s) in ${snapshots.length} workload(s), ` +
          `${data.events.length} event(s); queue ${stats.entries}/${stats.maxEntries} snapshots, ${stats.bytes}/${stats.maxBytes} bytes`,
      );
      const durationMs = clock().getTime() - started.getTime();
      health.lastRound = { at: data.observedAt, ok: true, workloads: snapshots.length, containers: data.containers.length, durationMs, error: null };
      health.lastSuccessAt = clock().toISOString();
      await publishHealth();
      return { ok: true, workloads: snapshots.length, containers: data.containers.length, queued: snapshots.length, dropped, error: null };
    } catch (e) {
      const error = message(e);
      log(`round failed: ${error}`);
      const at = clock().toISOString();
      health.lastRound = { at, ok: false, workloads: 0, containers: 0, durationMs: clock().getTime() - started.getTime(), error };
      health.lastFailure = { at, error };
      await publishHealth();
      return { ok: false, workloads: 0, containers: 0, queued: 0, dropped: 0, error };
    }
  }

  async function deliverNow(signal?: AbortSignal): Promise<DeliveryReport> {
    let delivered = 0;
    let rejected = 0;
    // Bounded: what is queued now; snapshots queued meanwhile wait for the next call.
    for (let budget = queue.size; budget > 0 && !signal?.aborted; budget--) {
      const next = await queue.peek();
      if (!next) break;
      const { file, entry } = next;
      const outcome = await uploadEntry(options.target, entry, signal);
      if (outcome.kind === 'retry') {
        const delay = backoffDelay(attempt, options.backoff, random);
        const wait = Math.min(options.backoff.capMs, Math.max(delay, outcome.retryAfterMs ?? 0));
        attempt++;
        retryAt = clock().getTime() + wait;
        const error = `${entry.workload}: ${outcome.error}`;
        log(`delivery: ${error}; ${queue.size} snapshot(s) wait, retry in ${Math.round(wait / 1000)} s`);
        health.lastDelivery = { at: clock().toISOString(), ok: false, delivered, error };
        await publishHealth();
        return { delivered, rejected, error, remaining: queue.size };
      }
      if (outcome.kind === 'rejected') {
        // Kept for a look (the last one only), then out of the way of the snapshots behind it.
        await writeFile(join(options.stateDir, 'last-rejected.json'), entry.body, { mode: 0o600 }).catch(() => {});
        log(`delivery: ${entry.workload} rejected by the service (${outcome.error}); removed from the queue, kept as last-rejected.json`);
        rejected++;
      } else {
        delivered++;
        const replay = outcome.replayed ? ', already stored: this was a retry' : '';
        log(
          `delivered ${entry.workload} of ${entry.observedAt} (${outcome.status}${outcome.snapshotId ? `, snapshot ${outcome.snapshotId}` : ''}${replay}): ` +
            describeLevels(outcome.levels),
        );
      }
      await queue.remove(file);
      attempt = 0;
      retryAt = 0;
    }
    if (delivered > 0 || rejected > 0) {
      health.lastDelivery = { at: clock().toISOString(), ok: true, delivered, error: null };
      await publishHealth();
    }
    return { delivered, rejected, error: null, remaining: queue.size };
  }

  /** One delivery at a time: a second caller waits for the one running. */
  function deliver(signal?: AbortSignal): Promise<DeliveryReport> {
    delivering ??= deliverNow(signal)
      .catch((e: unknown): DeliveryReport => {
        // The queue itself failed (a full disk): keep running, try again later.
        const error = `the queue could not be read or updated: ${message(e)}`;
        retryAt = clock().getTime() + backoffDelay(attempt++, options.backoff, random);
        log(`delivery: ${error}`);
        return { delivered: 0, rejected: 0, error, remaining: queue.size };
      })
      .finally(() => {
        delivering = null;
      });
    return delivering;
  }

  async function poll(): Promise<void> {
    try {
      await window.poll(options.docker, clock().getTime());
      pollFailed = false;
    } catch (e) {
      // Once per failure streak; the next round reads the whole window anyway.
      if (!pollFailed) log(`events: poll failed (${message(e)}); the next round reads the window`);
      pollFailed = true;
    }
  }

  async function run(signal: AbortSignal, runOptions: { once?: boolean } = {}): Promise<boolean> {
    const stats = queue.stats();
    log(
      `agent: Docker at ${options.docker.endpoint.display}, ${runOptions.once ? 'one round (--once)' : `every ${Math.round(options.intervalMs / 1000)} s`}; ` +
        `queue ${queue.dir} bounded to ${stats.maxEntries} snapshots / ${stats.maxBytes} bytes (${stats.entries} waiting)`,
    );
    await publishHealth();
    let ok = true;
    let nextRound = clock().getTime();
    let nextPoll = Number.POSITIVE_INFINITY;
    while (!signal.aborted) {
      const now = clock().getTime();
      if (now >= nextRound) {
        const report = await round();
        ok = report.ok;
        nextRound = now + options.intervalMs;
        nextPoll = options.eventsPollMs > 0 ? clock().getTime() + options.eventsPollMs : Number.POSITIVE_INFINITY;
        if (!signal.aborted && clock().getTime() >= retryAt) await deliver(signal);
        if (runOptions.once) return ok && queue.size === 0;
      }
      if (!signal.aborted && queue.size > 0 && retryAt > 0 && clock().getTime() >= retryAt) await deliver(signal);
      if (!signal.aborted && clock().getTime() >= nextPoll) {
        await poll();
        nextPoll = clock().getTime() + options.eventsPollMs;
      }
      const wakeAt = Math.min(nextRound, nextPoll, queue.size > 0 && retryAt > 0 ? retryAt : Number.POSITIVE_INFINITY);
      await sleep(Math.max(0, wakeAt - clock().getTime()), signal);
    }
    return ok;
  }

  async function runAndStop(signal: AbortSignal, runOptions: { once?: boolean } = {}): Promise<boolean> {
    try {
      return await run(signal, runOptions);
    } finally {
      const stats = queue.stats();
      log(`agent: stopped${stats.entries > 0 ? `; ${stats.entries} snapshot(s) stay queued for the next start` : ''}`);
      await publishHealth(true);
    }
  }

  return { round: () => round(), deliver, run: runAndStop, health: () => ({ ...health, queue: queue.stats() }) };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
