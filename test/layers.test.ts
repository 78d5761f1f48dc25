/**
 * Layers point down: a module imports only from its own unit or from a lower layer. The lists
 * below are the architecture; README's layout table says the same in words.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

/** Lowest first. A unit is a folder; the most specific folder that holds a file is its unit. */
const LAYERS: readonly (readonly string[])[] = [
  // What the engine speaks: evidence, results, levels, waivers, the evaluation context.
  ['workers/model'],
  // Readers of artifacts, and the facts several controls share.
  ['workers/parsers', 'workers/controls/shared'],
  // Rules, and redaction (which reads artifacts with the parsers' helpers).
  ['workers/controls', 'workers/redact'],
  // The pipeline: kinds, parse, evaluate.
  ['workers/engine'],
  // What is made of a verdict (reports, attestations) and the agent that collects artifacts.
  ['workers/report', 'workers/attest', 'workers/agent'],
  // Tables and SQL.
  ['db'],
  // Domain services that know nothing of HTTP: ingest, verdicts, notifications, reports.
  ['services'],
  // Background jobs that drive the services.
  ['workers/jobs'],
  // HTTP: routes, the dashboard, the two runtimes' entry points.
  ['api'],
  // Entry points for people and machines.
  ['cli', 'bench', 'test'],
];

/** Test support beside the code it tests may reach up, as tests do. */
const TEST_SUPPORT = /(\.test\.ts|\/testing\.ts|\/fixtures\.ts)$/;

const UNITS = LAYERS.flatMap((units, rank) => units.map((unit) => ({ unit, rank }))).sort((a, b) => b.unit.length - a.unit.length);

function unitOf(path: string): { unit: string; rank: number } | null {
  return UNITS.find(({ unit }) => path === unit || path.startsWith(`${unit}/`)) ?? null;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.') || name === 'node_modules') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1] ?? m[2] ?? '')));
}

const FILES = ['api', 'services', 'db', 'workers', 'cli'].flatMap((f) => sources(join(ROOT, f))).map((p) => relative(ROOT, p));

describe('layers', () => {
  it('places every source file in a layer', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(FILES.filter((f) => !unitOf(f))).toEqual([]);
  });

  it('has no import from a lower layer to a higher one, nor across units of one layer', () => {
    const wrong: string[] = [];
    for (const file of FILES) {
      if (TEST_SUPPORT.test(file)) continue;
      const from = unitOf(file);
      if (!from) continue;
      for (const target of imports(file)) {
        const to = unitOf(target);
        if (!to || to.unit === from.unit) continue;
        if (to.rank >= from.rank) wrong.push(`${file} → ${target} (${from.unit} may not import ${to.unit})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('catches a planted upward import', () => {
    const from = unitOf('db/queries/snapshots.ts');
    const to = unitOf('services/notifications.ts');
    expect(from && to && to.rank > from.rank).toBe(true);
  });
});
