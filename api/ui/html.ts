/**
 * HTML templates on hono/html: every interpolated value is escaped unless it is itself a
 * template (or `raw`). Templates, not JSX: Node 24 strips types from `.ts` files only and cannot
 * load `.tsx`, and the same modules must run under `node api/node-server.ts` and in the Worker.
 */
import { html as honoHtml } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString;

/** A synchronous template (no promises are ever interpolated here). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = honoHtml(strings, ...values);
  if (out instanceof Promise) throw new Error('dashboard templates must be synchronous');
  return out;
}

/** An escaped attribute-free piece of text joined from parts; empty parts are skipped. */
export function classes(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}
