import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { type ApiKey, apiRegistry, type OpenApiDocument } from '@music-apis/spec';
import { documents } from '@music-apis/spec/documents';
import type { Context } from 'koa';
import { escapeHtml } from './html.js';
import { linkBase } from './http/link-base.js';

export interface ApiDocsOptions {
  /** `PUBLIC_URL`: the `servers` entry of every served document; unset, the page's own origin. */
  publicUrl: string | undefined;
}

/** The address the documents' examples were written for; replaced by this server's own. */
const DOCUMENTED_SERVER = 'http://localhost:8080';

/**
 * The document as this server serves it: its first `servers` entry is where this server is reached
 * (`PUBLIC_URL`, else the request's own protocol and host, through the proxy headers Koa trusts),
 * so Swagger UI's "Try it out" calls this server on whatever host and port it runs. The originals'
 * addresses the document lists stay after it.
 */
export function documentFor(document: OpenApiDocument, url: string): OpenApiDocument {
  const others = (document.servers ?? []).filter(
    (server) => server.url !== DOCUMENTED_SERVER && server.url !== url,
  );
  return { ...document, servers: [{ url, description: 'This server' }, ...others] };
}

/**
 * `/api-docs`: an index of every API of the registry (those not served yet marked so), a Swagger
 * UI page per API (assets served from the swagger-ui-dist package, so it works offline) and each
 * document as JSON. A JSON request for `/api-docs` itself gets the track manager's document, as
 * the original's springdoc served it there.
 */
export function createApiDocsRouter(served: ReadonlySet<ApiKey>, options: ApiDocsOptions): Router {
  const router = new Router();
  const byName = new Map(apiRegistry.map((api) => [api.name as string, api]));
  const assetsDirectory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets: Record<string, string> = {
    'swagger-ui.css': 'text/css; charset=utf-8',
    'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
    'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  };
  const serverUrl = (ctx: Context) => linkBase(ctx, options.publicUrl);
  const indexPage = renderIndex(served);

  router.get('/api-docs', (ctx) => {
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = documentFor(documents.trackManager, serverUrl(ctx));
      return;
    }
    ctx.type = 'html';
    ctx.body = indexPage;
  });

  router.get('/api-docs/assets/:file', async (ctx, next) => {
    const type = assets[ctx.params.file as string];
    if (!type) return next();
    ctx.type = type;
    ctx.set('cache-control', 'public, max-age=86400');
    ctx.body = await readFile(join(assetsDirectory, ctx.params.file as string));
  });

  router.get('/api-docs/:name', (ctx, next) => {
    const param = ctx.params.name as string;
    const api = byName.get(param.replace(/\.json$/, ''));
    if (!api) return next();
    if (param.endsWith('.json')) {
      ctx.body = documentFor(documents[api.key], serverUrl(ctx));
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

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2433; --muted: #5b6477; --line: #d8dde6; --card: #fff; --bg: #f4f6f9;
  --accent: #1d5fd1; --ok: #137a3f; --ok-bg: #e3f4ea; --off: #7a5a13; --off-bg: #f7eed6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #a3abbb; --line: #343b4a; --card: #1b202b;
  --bg: #12161e; --accent: #7aa7ff; --ok: #7fd8a4; --ok-bg: #173324; --off: #e8c77a; --off-bg: #3a2f15; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, sans-serif; }
main { max-width: 56rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
h1 { margin: 0 0 .25rem; font-size: 1.75rem; }
header p { margin: 0 0 2rem; color: var(--muted); }
a { color: var(--accent); }
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem; }
li { background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: 1.1rem 1.25rem; }
li.not-served { opacity: .8; }
h2 { margin: 0; font-size: 1.15rem; display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
h2 a { text-decoration: none; }
.status { font-size: .75rem; font-weight: 600; border-radius: 999px; padding: .1rem .6rem; }
.served .status { color: var(--ok); background: var(--ok-bg); }
.not-served .status { color: var(--off); background: var(--off-bg); }
.summary { margin: .4rem 0 .6rem; }
.meta { margin: 0; color: var(--muted); font-size: .9rem; display: flex; gap: 1rem; flex-wrap: wrap; }
`;

function renderIndex(served: ReadonlySet<ApiKey>): string {
  const items = apiRegistry
    .map((api) => {
      const isServed = served.has(api.key);
      const status = isServed
        ? '<span class="status">served</span>'
        : '<span class="status" title="The document is complete; this server does not answer its operations yet">not served yet</span>';
      const operations = `${api.operationCount} operations`;
      return `<li class="${isServed ? 'served' : 'not-served'}" data-api="${api.key}">
<h2><a href="/api-docs/${api.name}">${escapeHtml(api.title)}</a> ${status}</h2>
<p class="summary">${escapeHtml(api.summary)}</p>
<p class="meta"><span class="operations">${operations}</span><a href="/api-docs/${api.name}">Docs (Swagger UI)</a><a href="/api-docs/${api.name}.json">OpenAPI JSON</a></p>
</li>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>music-apis — API docs</title>
<style>${STYLE}</style></head>
<body><main><header><h1>music-apis API docs</h1>
<p>One OpenAPI 3.1 document per API. "Try it out" sends its requests to this server. <a href="/">All APIs</a> · <a href="/healthz">health</a></p></header>
<ul>
${items}
</ul></main></body></html>`;
}

function swaggerUiPage(title: string, documentUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/api-docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api-docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '${documentUrl}', dom_id: '#ui' });</script></body></html>`;
}
