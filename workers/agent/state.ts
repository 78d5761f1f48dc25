/**
 * What the agent keeps across restarts (where the last event window ended, and the exec events
 * of containers not yet replaced), and the health file it writes for probes and operators.
 * Both are written to a temporary file and renamed, so a reader never sees half a file.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { QueueStats } from './queue.ts';
import type { CarriedExec } from './round.ts';

export interface AgentState {
  /** End of the last round's event window (`sec.nanos`, daemon clock). */
  eventsUntil: string | null;
  carried: CarriedExec[];
}

export async function loadState(file: string): Promise<AgentState> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // None yet, or unreadable: start afresh rather than refuse to run.
    return { eventsUntil: null, carried: [] };
  }
  const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const until = typeof o.eventsUntil === 'string' && /^\d+\.\d{9}$/.test(o.eventsUntil) ? o.eventsUntil : null;
  const carried = Array.isArray(o.carried)
    ? o.carried.flatMap((c: unknown) => {
        const e = typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : {};
        return typeof e.containerId === 'string' && typeof e.line === 'string' ? [{ containerId: e.containerId, line: e.line }] : [];
      })
    : [];
  return { eventsUntil: until, carried };
}

export async function saveState(file: string, state: AgentState): Promise<void> {
  await writeAtomically(file, `${JSON.stringify(state)}\n`, 0o600);
}

export type HealthStatus = 'starting' | 'ok' | 'degraded' | 'failing' | 'stopped';

export interface Health {
  /** ok: the last round read Docker and nothing waits; degraded: rounds work but uploads wait; failing: the last round failed. */
  status: HealthStatus;
  updatedAt: string;
  pid: number;
  intervalMs: number;
  lastRound: { at: string; ok: boolean; workloads: number; containers: number; durationMs: number; error: string | null } | null;
  lastSuccessAt: string | null;
  lastFailure: { at: string; error: string } | null;
  lastDelivery: { at: string; ok: boolean; delivered: number; error: string | null } | null;
  queue: QueueStats;
}

export async function writeHealth(file: string, health: Health): Promise<void> {
  // Readable by other local monitoring; it holds no secret.
  await writeAtomically(file, `${JSON.stringify(health, null, 2)}\n`, 0o644);
}

/**
 * For probes (`csvs agent --check-health FILE`): healthy when a round succeeded within
 * `maxAgeMs`. An unreachable service alone is not unhealthy: restarting the agent would not
 * bring it back, and the queue holds the snapshots meanwhile.
 */
export async function checkHealth(file: string, maxAgeMs: number, now: Date): Promise<{ ok: boolean; reason: string }> {
  let health: Partial<Health>;
  try {
    health = JSON.parse(await readFile(file, 'utf8')) as Partial<Health>;
  } catch (e) {
    return { ok: false, reason: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (health.status === 'stopped') return { ok: false, reason: 'the agent has stopped' };
  const last = typeof health.lastSuccessAt === 'string' ? Date.parse(health.lastSuccessAt) : Number.NaN;
  if (Number.isNaN(last)) {
    const started = typeof health.updatedAt === 'string' ? Date.parse(health.updatedAt) : Number.NaN;
    const young = !Number.isNaN(started) && now.getTime() - started <= maxAgeMs && health.status === 'starting';
    return young ? { ok: true, reason: 'starting' } : { ok: false, reason: 'no round has succeeded yet' };
  }
  const age = now.getTime() - last;
  return age <= maxAgeMs
    ? { ok: true, reason: `last successful round ${Math.round(age / 1000)} s ago (${health.status ?? 'unknown'})` }
    : { ok: false, reason: `no successful round for ${Math.round(age / 1000)} s (limit ${Math.round(maxAgeMs / 1000)} s)` };
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
