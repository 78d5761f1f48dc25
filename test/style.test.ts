/**
 * The few style rules the type checker does not enforce (STYLE.md §12): no `any`, no non-null
 * assertions, no default exports except where a runtime reads one (each with its reason beside it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const FOLDERS = ['api', 'services', 'db', 'workers', 'cli', 'test', 'bench'];
/** Files whose runtime reads a default export. */
const DEFAULT_EXPORT_ALLOWED = new Set(['api/worker.ts', 'vitest.config.ts', 'drizzle.config.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.') || name === 'node_modules') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Source lines without comments and string contents, so prose cannot trip the rules. */
function codeLines(text: string): string[] {
  const noBlock = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '));
  return noBlock.split('\n').map((line) =>
    line
      .replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""')
      .replace(/\/\/.*$/, ''),
  );
}

const FILES = [
  ...FOLDERS.flatMap((f) => sources(join(ROOT, f))),
  join(ROOT, 'vitest.config.ts'),
  join(ROOT, 'drizzle.config.ts'),
].map((path) => ({ path: relative(ROOT, path), lines: codeLines(readFileSync(path, 'utf8')) }));

function violations(pattern: RegExp, skip: (path: string) => boolean = () => false): string[] {
  return FILES.flatMap(({ path, lines }) =>
    skip(path) ? [] : lines.flatMap((line, i) => (pattern.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('code style', () => {
  it('reads the project sources', () => expect(FILES.length).toBeGreaterThan(100));
  // Built from strings so that this file does not match its own rule.
  const ANY = new RegExp(['(:\\s*', 'any\\b|\\bas ', 'any\\b|<', 'any>)'].join(''));
  it('has no `any`', () => expect(violations(ANY)).toEqual([]));
  it('has no non-null assertions', () => expect(violations(/[\w)\]]!(?=[.[;,)])/)).toEqual([]));
  it('has default exports only where a runtime needs one', () =>
    expect(violations(/^\s*export default\b/, (p) => DEFAULT_EXPORT_ALLOWED.has(p))).toEqual([]));
});
