/** Writes oscal/*.json from the registry (`node workers/attest/write-oscal.ts`); a test fails on drift. */
import { writeFile } from 'node:fs/promises';
import { CATALOG_FILE, csvsAssessmentPlan, csvsCatalog, documentText, PLAN_FILE } from './oscal-documents.ts';

export const OSCAL_DIR = new URL('../../oscal/', import.meta.url);

if (import.meta.main) {
  for (const [name, doc] of [
    [CATALOG_FILE, csvsCatalog()],
    [PLAN_FILE, csvsAssessmentPlan()],
  ] as const) {
    const url = new URL(name, OSCAL_DIR);
    await writeFile(url, documentText(doc));
    console.log(`wrote ${url.pathname}`);
  }
}
