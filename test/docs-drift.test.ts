import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED } from '../cli/generate.ts';

const ROOT = new URL('..', import.meta.url).pathname;

describe('generated files are committed up to date (run `npm run generate`)', () => {
  it.each(GENERATED.map((g) => [relative(ROOT, g.file.pathname), g] as const))('%s matches what it is made from', async (_, g) => {
    expect(await readFile(g.file, 'utf8'), `${relative(ROOT, g.file.pathname)} is out of date with ${g.from}`).toBe(g.render());
  });

  it('covers the engine version, the OpenAPI document, the controls page and both OSCAL documents', () => {
    expect(GENERATED.map((g) => relative(ROOT, g.file.pathname)).sort()).toEqual([
      'docs/controls.md',
      'openapi/openapi.json',
      'oscal/csvs-v3-assessment-plan.json',
      'oscal/csvs-v3-catalog.json',
      'workers/engine/version.ts',
    ]);
  });
});
