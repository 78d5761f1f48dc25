/**
 * The style rules the type checker does not enforce (no `any`, no non-null assertions, no default
 * exports except where a runtime reads one) are Biome's, run by `npm run lint` (biome.json). This
 * checks that the linter really reports them: a probe with one violation of each is written inside
 * the repository (biome.json lints only the project's folders) and must be reported, rule by rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

/** Type-correct, so that a type check running meanwhile is not disturbed; a string, so this file stays clean. */
const PROBE = [
  'export function first(key: any): string {',
  '  const names = new Map<string, string>();',
  '  return names.get(key)!;',
  '}',
  'export default first;',
  '',
].join('\n');

interface Report {
  summary: { errors: number };
  diagnostics: { category: string; location: { path: string } }[];
}

describe('lint (Biome)', () => {
  it('reports `any`, non-null assertions and default exports', () => {
    // A dot folder: the type checker's and the layer test's globs skip it; Biome's `test/**` does not.
    const dir = mkdtempSync(join(ROOT, 'test', '.lint-probe-'));
    try {
      const probe = join(dir, 'probe.ts');
      writeFileSync(probe, PROBE);
      const run = spawnSync(process.execPath, [BIOME, 'lint', '--reporter=json', relative(ROOT, probe)], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.error).toBeUndefined();
      expect(run.status, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as Report;
      const rules = report.diagnostics
        .filter((d) => d.location.path === relative(ROOT, probe))
        .map((d) => d.category)
        .sort();
      expect(rules).toEqual(['lint/style/noDefaultExport', 'lint/style/noNonNullAssertion', 'lint/suspicious/noExplicitAny']);
      expect(report.summary.errors).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
