/** Time: the constants and the UTC day and week arithmetic every report and page shares. */
import { DomainError } from './errors.ts';

export const DAY_MS = 86_400_000;

/** Midnight UTC of the day `d` falls in. */
export function dayStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Midnight UTC of the Monday of the ISO week `d` falls in (weeks start on Monday, as in ISO 8601). */
export function weekStart(d: Date): Date {
  const day = dayStart(d);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

/** Midnight UTC starting a window of `days` whole UTC days whose last one is the day `end` falls in. */
export function firstOfDays(end: Date, days: number): Date {
  return new Date(dayStart(end).getTime() - (days - 1) * DAY_MS);
}

/**
 * The moment a report is taken at: `at` if given, else now. Never in the future: `what` (`a
 * scorecard`, `an attestation`) cannot look ahead, and the error names the `at` parameter.
 */
export function momentUpToNow(at: string | undefined, now: Date, what: string): Date {
  if (at === undefined) return now;
  const d = new Date(at);
  if (d > now) throw new DomainError(`${what} cannot look ahead`, [{ path: 'at', message: `must not be after now (${now.toISOString()})` }]);
  return d;
}
