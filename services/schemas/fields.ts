/**
 * The one rule for every text and every moment a request carries: only what PostgreSQL can store.
 * Its `text` and `jsonb` refuse NUL (U+0000), and `timestamptz` has no year 0 (nor, as this
 * service writes moments, years past 9999: a JavaScript Date prints those as `+010000-…`). Input
 * outside that would reach the database and fail there as a 500; these schemas refuse it as a 400
 * naming the field. Every request schema builds its strings and moments from here, and
 * test/api/storable-input.test.ts walks every operation of the OpenAPI document to hold them to it.
 */
import { z } from '@hono/zod-openapi';

/** Text without NUL: the pattern every free-text request field carries (the OpenAPI document shows it). */
export const NO_NUL = /^[^\u0000]*$/;
const NO_NUL_MESSAGE = 'must not contain NUL (U+0000)';

/** Whether a string holds a NUL; for text read outside a schema (form fields, file names, JSON keys). */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/** Free text: a string without NUL. Chain `.min`, `.max`, `.trim` as with `z.string()`. */
export function text() {
  return z.string().regex(NO_NUL, NO_NUL_MESSAGE);
}

/** The first and last instants this service stores: 0001-01-01 and the end of 9999, UTC. */
const FIRST = Date.parse('0001-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');
const STORABLE_MESSAGE = 'must fall in the years 0001–9999 (UTC)';

/** Whether a parsed moment can be stored (and printed back as a four-digit-year ISO string). */
export function storableMoment(ms: number): boolean {
  return Number.isFinite(ms) && ms >= FIRST && ms <= LAST;
}

/** An ISO 8601 date-time with an offset (`2026-11-28T10:00:00Z`), in the years 0001–9999 UTC. */
export function dateTime() {
  return z.iso.datetime({ offset: true }).refine((s) => storableMoment(Date.parse(s)), STORABLE_MESSAGE);
}

/** An ISO 8601 day (`2026-11-28`), in the years 0001–9999. */
export function day() {
  return z.iso.date().refine((s) => storableMoment(Date.parse(`${s}T00:00:00Z`)), STORABLE_MESSAGE);
}

/**
 * The JSON-text form of a NUL inside a string (`\u0000`, after an even number of backslashes):
 * JSON content is stored as text and its strings reach findings (`jsonb`), so it is refused too.
 */
const ESCAPED_NUL = /(^|[^\\])(\\\\)*\\u0000/;

/** Whether JSON text (as JSON.stringify writes it) holds a NUL in any string or key. */
export function jsonHasNul(json: string): boolean {
  return hasNul(json) || ESCAPED_NUL.test(json);
}
