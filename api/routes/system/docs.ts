import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../env.ts';
import { problem } from '../../problem.ts';

/**
 * Interactive docs served entirely from this deployment (no CDN): Swagger UI's own files come
 * from `deps.docsAsset` — the swagger-ui-dist package on Node, the Worker's static assets there.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CSVS compliance service — API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true, persistAuthorization: true });`;

export const DOCS_ASSETS = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript' } as const;
export type DocsAsset = keyof typeof DOCS_ASSETS;

export function register(app: OpenAPIHono<AppEnv>): void {
  const headers = (type: string) => ({ 'content-type': `${type}; charset=utf-8`, 'cache-control': 'public, max-age=3600' });
  app.get('/docs', (c) => c.body(PAGE, 200, headers('text/html')));
  app.get('/docs/init.js', (c) => c.body(INIT, 200, headers('text/javascript')));
  app.get('/docs/:asset', async (c) => {
    const name = c.req.param('asset');
    if (!(name in DOCS_ASSETS)) return problem(c, 'notFound', `no docs asset ${name}`);
    const asset = name as DocsAsset;
    const body = await c.var.deps.docsAsset(asset);
    if (body === null) return problem(c, 'notFound', `docs asset ${name} is not installed`);
    return c.body(body, 200, headers(DOCS_ASSETS[asset]));
  });
}
