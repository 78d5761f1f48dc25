/** openapi/openapi.json, rendered from the routes' schemas (`npm run generate`); a test fails on drift. */
import { openApiDocument } from '../../api/app.ts';

export const OPENAPI_FILE = new URL('../../openapi/openapi.json', import.meta.url);

export function renderOpenApi(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
