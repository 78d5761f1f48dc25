/**
 * Every generated file in the repository, and `npm run generate`, which rebuilds them all. The
 * drift test reads the same list, so a file added here is checked from then on.
 */
import { writeFile } from 'node:fs/promises';
import { CATALOG_FILE, csvsAssessmentPlan, csvsCatalog, documentText, PLAN_FILE } from '../workers/attest/oscal-documents.ts';
import { CONTROLS_DOC, renderControlsDoc } from './generated/controls-doc.ts';
import { ENGINE_VERSION_FILE, renderEngineVersion } from './generated/engine-version.ts';
import { OPENAPI_FILE, renderOpenApi } from './generated/openapi.ts';

export interface GeneratedFile {
  file: URL;
  /** What it is made from, for the message when it is out of date. */
  from: string;
  render: () => string;
}

const OSCAL_DIR = new URL('../oscal/', import.meta.url);

export const GENERATED: readonly GeneratedFile[] = [
  { file: ENGINE_VERSION_FILE, from: 'the rule and parser sources', render: renderEngineVersion },
  { file: OPENAPI_FILE, from: 'the routes and their schemas', render: renderOpenApi },
  { file: CONTROLS_DOC, from: 'the control modules', render: renderControlsDoc },
  { file: new URL(CATALOG_FILE, OSCAL_DIR), from: 'the control registry', render: () => documentText(csvsCatalog()) },
  { file: new URL(PLAN_FILE, OSCAL_DIR), from: 'the control registry', render: () => documentText(csvsAssessmentPlan()) },
];

if (import.meta.main) {
  for (const g of GENERATED) {
    await writeFile(g.file, g.render());
    console.log(`wrote ${g.file.pathname}`);
  }
}
