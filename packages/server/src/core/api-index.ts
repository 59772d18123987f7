import { type ApiKey, apiRegistry, pendingOperations } from '@music-apis/spec';
import type { Middleware } from 'koa';
import { escapeHtml } from './html.js';

/** The literal leading segments of an API's paths (`/v1/songs`, `/api/track`): where it lives. */
function basePaths(paths: readonly string[]): string[] {
  const prefixes = paths.map((path) =>
    path
      .split('/')
      .slice(0, 3)
      .filter((segment) => !segment.startsWith('{'))
      .join('/'),
  );
  return [...new Set(prefixes)].sort();
}

function servedText(api: { served: boolean; operations: number; notBuiltYet: readonly string[] }): string {
  if (!api.served) return 'not served yet';
  if (api.notBuiltYet.length === 0) return 'served';
  return `served (${api.operations - api.notBuiltYet.length} of ${api.operations} operations; the others answer 501)`;
}

/**
 * `GET /`: the APIs this server knows, with their docs and base paths; JSON for JSON clients, a
 * small page for browsers.
 */
export function createApiIndex(served: ReadonlySet<ApiKey>): Middleware {
  const apis = apiRegistry.map((api) => ({
    key: api.key,
    title: api.title,
    summary: api.summary,
    served: served.has(api.key),
    operations: api.operationCount,
    /** Documented operations that answer 501 until they are built. */
    notBuiltYet: pendingOperations(api.key),
    basePaths: basePaths(api.paths),
    docs: `/api-docs/${api.name}`,
    openapi: `/api-docs/${api.name}.json`,
  }));
  return async (ctx, next) => {
    if (ctx.path !== '/' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    if (ctx.accepts('json', 'html') === 'json') {
      ctx.body = { name: 'music-apis reference server', docs: '/api-docs', health: '/healthz', apis };
      return;
    }
    const rows = apis
      .map(
        (
          api,
        ) => `<tr><td><a href="${api.docs}">${escapeHtml(api.title)}</a></td><td>${escapeHtml(api.summary)}</td>
<td>${api.basePaths.map((path) => `<code>${escapeHtml(path)}</code>`).join(' ')}</td><td>${api.operations}</td>
<td>${servedText(api)}</td><td><a href="${api.openapi}">JSON</a></td></tr>`,
      )
      .join('\n');
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>music-apis</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto">
<h1>music-apis reference server</h1><p><a href="/api-docs">API docs</a> · <a href="/healthz">health</a></p>
<table cellpadding="6"><tr><th>API</th><th>summary</th><th>base paths</th><th>operations</th><th></th><th>OpenAPI</th></tr>
${rows}</table></body></html>`;
  };
}
