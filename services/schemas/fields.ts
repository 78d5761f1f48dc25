/**
 * The one rule for every text and every moment a request carries: only what PostgreSQL can store.
 * Its `text` and `jsonb` refuse NUL (U+0000); `jsonb` also refuses an unpaired UTF-16 surrogate
 * (`"\ud800"` in a JSON body: JavaScript keeps it, JSON.stringify writes it back as that escape,
 * and PostgreSQL answers "Unicode low surrogate must follow a high surrogate"); and `timestamptz` has no year 0 (nor, as this
 * service writes moments, years past 9999: a JavaScript Date prints those as `+010000-…`). Input
 * outside that would reach the database and fail there as a 500; these schemas refuse it as a 400
 * naming the field. Every request schema builds its strings and moments from here, and
 * test/api/storable-input.test.ts walks every operation of the OpenAPI document to hold them to it.
 */
import { z } from '@hono/zod-openapi';

/**
 * Storable text: no NUL, and every surrogate in a pair. The pattern every free-text request field
 * carries (the OpenAPI document shows it); it reads the same with or without the `u` flag.
 */
export const STORABLE_TEXT = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
export const STORABLE_TEXT_MESSAGE = 'must not contain NUL (U+0000) or an unpaired surrogate (U+D800–U+DFFF)';

/**
 * Whether a string can be stored as text and inside jsonb; for text read outside a schema (form
 * fields, file names, JSON keys, artifact content). Native checks, not the pattern: a 5 MB
 * artifact takes the pattern some 60 ms and these a few.
 */
export function storableText(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed() && !value.includes('\u0000');
}

/** Free text: a string PostgreSQL can store. Chain `.min`, `.max`, `.trim` as with `z.string()`. */
export function text() {
  return z.string().regex(STORABLE_TEXT, STORABLE_TEXT_MESSAGE);
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
 * The JSON-text form of a NUL or of a surrogate inside a string (`\u0000`, `\ud800`, after an even
 * number of backslashes). JSON.stringify writes paired surrogates as they are and escapes only
 * unpaired ones, so any surrogate escape in its output is an unpaired one. JSON content is stored
 * as text and its strings reach findings (`jsonb`), so either is refused.
 */
const ESCAPED_UNSTORABLE = /(^|[^\\])(\\\\)*\\u(0000|d[89a-f][0-9a-f]{2})/i;

/** Whether JSON text (as JSON.stringify writes it) holds, in any string or key, what `storableText` refuses. */
export function storableJson(json: string): boolean {
  return storableText(json) && !ESCAPED_UNSTORABLE.test(json);
}
