import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { type ApiKey, apiRegistry } from '@music-apis/spec';
import { documents } from '@music-apis/spec/documents';
import { escapeHtml } from './html.js';

/**
 * `/api-docs`: an index of every document (those not served yet marked so), a Swagger UI page per
 * API (assets served from the swagger-ui-dist package, so it works offline) and each document as
 * JSON. A JSON request for `/api-docs` itself gets the track manager's document, as the original's
 * springdoc served it there.
 */
export function createApiDocsRouter(served: ReadonlySet<ApiKey>): Router {
  const router = new Router();
  const byName = new Map(apiRegistry.map((api) => [api.name as string, api]));
  const assetsDirectory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets: Record<string, string> = {
    'swagger-ui.css': 'text/css; charset=utf-8',
    'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
    'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  };

  router.get('/api-docs', (ctx) => {
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = documents.trackManager;
      return;
    }
    const items = apiRegistry
      .map((api) => {
        const state = served.has(api.key) ? '' : ' <em>(documented, not served yet)</em>';
        return `<li><a href="/api-docs/${api.name}">${escapeHtml(api.title)}</a>${state} — ${escapeHtml(api.summary)} ${api.operationCount} operations (<a href="/api-docs/${api.name}.json">JSON</a>)</li>`;
      })
      .join('\n');
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>music-apis — API docs</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto">
<h1>music-apis reference server</h1><p>OpenAPI documents:</p><ul>${items}</ul></body></html>`;
  });

  router.get('/api-docs/assets/:file', async (ctx) => {
    const type = assets[ctx.params.file as string];
    if (!type) return;
    ctx.type = type;
    ctx.set('cache-control', 'public, max-age=86400');
    ctx.body = await readFile(join(assetsDirectory, ctx.params.file as string));
  });

  router.get('/api-docs/:name', (ctx) => {
    const param = ctx.params.name as string;
    const api = byName.get(param.replace(/\.json$/, ''));
    if (!api) return;
    if (param.endsWith('.json')) {
      ctx.body = documents[api.key];
      return;
    }
    ctx.type = 'html';
    ctx.body = swaggerUiPage(api.title, `/api-docs/${api.name}.json`);
  });

  // The track manager's springdoc paths: `/swagger-ui.html` redirects to the UI at
  // `/swagger-ui/index.html`, as the original's README and clients expect.
  router.get('/swagger-ui.html', (ctx) => ctx.redirect('/swagger-ui/index.html'));
  router.get('/swagger-ui/index.html', (ctx) => {
    ctx.type = 'html';
    ctx.body = swaggerUiPage(documents.trackManager.info.title, '/api-docs/track-manager.json');
  });
  return router;
}

function swaggerUiPage(title: string, documentUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/api-docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api-docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '${documentUrl}', dom_id: '#ui' });</script></body></html>`;
}
