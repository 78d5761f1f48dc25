import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONTROLS_DOC, renderControlsDoc } from '../cli/write-controls-doc.ts';
import { OPENAPI_FILE, renderOpenApi } from '../cli/write-openapi.ts';

describe('generated files are committed up to date', () => {
  it('openapi/openapi.json matches the schemas (run `npm run openapi:write`)', async () => {
    expect(await readFile(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });

  it('docs/controls.md matches the control modules (run `npm run docs:controls`)', async () => {
    expect(await readFile(CONTROLS_DOC, 'utf8')).toBe(renderControlsDoc());
  });
});
