/** Writes the OpenAPI document to openapi/openapi.json (`npm run openapi:write`); a test fails on drift. */
import { writeFile } from 'node:fs/promises';
import { openApiDocument } from '../api/app.ts';

export const OPENAPI_FILE = new URL('../openapi/openapi.json', import.meta.url);

export function renderOpenApi(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (import.meta.main) {
  await writeFile(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE.pathname}`);
}
