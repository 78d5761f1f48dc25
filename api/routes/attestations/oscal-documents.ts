import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { CATALOG_FILE, csvsAssessmentPlan, csvsCatalog, PLAN_FILE } from '../../../workers/attest/oscal-documents.ts';
import type { AppEnv } from '../../env.ts';
import { problems } from '../responses.ts';

const route = createRoute({
  method: 'get',
  path: '/oscal/{file}',
  summary: 'The OSCAL catalog of CSVS V3 and the assessment plan that OSCAL assessment results import (no auth)',
  tags: ['attestations'],
  security: [],
  request: { params: z.object({ file: z.enum([CATALOG_FILE, PLAN_FILE]).openapi({ param: { name: 'file', in: 'path' } }) }) },
  responses: {
    200: { description: 'The OSCAL document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    ...problems(400),
  },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const doc = c.req.valid('param').file === CATALOG_FILE ? csvsCatalog() : csvsAssessmentPlan();
    c.header('cache-control', 'public, max-age=3600');
    return c.json(doc, 200);
  });
}
