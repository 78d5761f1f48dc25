import type { ContainerEvent, EvidencePart, Source } from '../model/evidence.ts';
import { ArtifactError, get, isRecord, num, pointer, str } from './util.ts';

const MAX_LISTED_SKIPS = 5;
/** What an unparsable line reads as; JSON itself can never produce it. */
const NOT_JSON = Symbol('not JSON');

type Outcome = { event: ContainerEvent } | { skip: 'other-type' } | { skip: 'unreadable'; why: string };

/**
 * `docker events --format '{{json .}}'`: one JSON object a line (a JSON array is accepted too).
 * Newer daemons drop the legacy `status`/`id`/`from` fields, very old ones have only those, so both
 * are read. `exec_start: sh -c ls` becomes action `exec_start` with command `sh -c ls`.
 * Empty output is a valid log (no events happened in the window); output of which no line is an
 * event is not.
 */
export function parseDockerEvents(content: unknown, source: Source): EvidencePart {
  const entries = entriesOf(content);
  const events: ContainerEvent[] = [];
  const unreadable: string[] = [];
  let otherTypes = 0;
  for (const { value, path } of entries) {
    const outcome = readEvent(value, path);
    if ('event' in outcome) events.push(outcome.event);
    else if (outcome.skip === 'other-type') otherTypes++;
    else unreadable.push(`${path} (${outcome.why})`);
  }
  if (entries.length > 0 && events.length === 0 && otherTypes === 0) {
    throw new ArtifactError(
      `no line is a docker event (expected docker events --format '{{json .}}'); first problem: ${unreadable[0] ?? 'none'}`,
    );
  }
  const notes: string[] = [];
  if (entries.length === 0) notes.push('the event log is empty: no events in the window it covers');
  if (otherTypes > 0) notes.push(`ignored ${otherTypes} event(s) that are not about containers`);
  if (unreadable.length > 0) {
    const more = unreadable.length > MAX_LISTED_SKIPS ? ` and ${unreadable.length - MAX_LISTED_SKIPS} more` : '';
    notes.push(`skipped ${unreadable.length} unreadable event(s): ${unreadable.slice(0, MAX_LISTED_SKIPS).join(', ')}${more}`);
  }
  return { events: [{ source, events }], notes };
}

/** JSON lines (path `line N`), or a JSON array (path `/i`). */
function entriesOf(content: unknown): { value: unknown; path: string }[] {
  if (Array.isArray(content)) return content.map((value, i) => ({ value, path: pointer(i) }));
  if (typeof content !== 'string') throw new ArtifactError('docker events output must be text (JSON lines) or a JSON array');
  const text = content.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('[')) {
    const whole = tryJson(text);
    if (Array.isArray(whole)) return whole.map((value, i) => ({ value, path: pointer(i) }));
  }
  const entries: { value: unknown; path: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    entries.push({ value: tryJson(line), path: `line ${i + 1}` });
  });
  return entries;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** The actions after which Docker names the exec'd command (`exec_start: sh -c ls`). */
const EXEC_ACTIONS = ['exec_create', 'exec_start'];

function readEvent(e: unknown, path: string): Outcome {
  if (e === NOT_JSON) return { skip: 'unreadable', why: 'not JSON' };
  if (!isRecord(e)) return { skip: 'unreadable', why: 'not an object' };
  const actor = get(e, 'Actor');
  const type = str(get(e, 'Type'));
  const rawAction = str(get(e, 'Action')) ?? str(get(e, 'status'));
  if (type === null && rawAction === null) return { skip: 'unreadable', why: 'no Type or Action' };
  // Docker before 1.10 had no Type; its events were all container events.
  if (type !== null && type !== 'container') return { skip: 'other-type' };
  const full = rawAction ?? '';
  const colon = full.indexOf(':');
  const action = (colon === -1 ? full : full.slice(0, colon)).trim();
  if (action === '') return { skip: 'unreadable', why: 'no Action' };
  const containerId = str(get(actor, 'ID')) || str(get(e, 'id'));
  if (!containerId) return { skip: 'unreadable', why: 'no container id' };
  const time = timeOf(e);
  if (time === null) return { skip: 'unreadable', why: 'no time' };
  const name = str(get(get(actor, 'Attributes'), 'name'));
  const command = EXEC_ACTIONS.includes(action) && colon !== -1 ? full.slice(colon + 1).trim() || null : null;
  const event: ContainerEvent = { action, command, containerId, containerName: name || null, time, path };
  // Only where the daemon names it: the session id tells the events of one `docker exec` apart from another's.
  const execId = action.startsWith('exec_') ? str(get(get(actor, 'Attributes'), 'execID')) : null;
  if (execId) event.execId = execId;
  return { event };
}

/** Milliseconds: `timeNano` when present (exact enough past 2^53 for ms), else `time` in seconds. */
function timeOf(e: Record<string, unknown>): number | null {
  const nano = num(get(e, 'timeNano'));
  // Rounded, not floored: a double near 1.7e18 is off by up to 128 ns, which must not lose a ms.
  if (nano !== null && nano > 0) return representable(Math.round(nano / 1e6));
  const seconds = num(get(e, 'time'));
  if (seconds !== null && seconds > 0) return representable(seconds * 1000);
  return null;
}

/** Beyond ±8.64e15 ms a JavaScript Date is invalid: such a time is no time at all. */
function representable(ms: number): number | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : null;
}
