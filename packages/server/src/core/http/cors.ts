import cors from '@koa/cors';
import type { OpenApiDocument } from '@music-apis/spec';
import type { Middleware } from 'koa';
import type { CorsOrigins } from '../config.js';

/**
 * CORS for every API on the server, with @koa/cors. A preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) from an allowed origin is answered here, before any routing, so
 * it works for every operation, the collections upload URLs (`/v1/upload/...`) included. Requests
 * without an `Origin` (curl, Node, the SDK outside a browser) get no CORS headers at all; requests
 * from an origin the policy refuses get none either, so the browser blocks them.
 */

/** Request headers any client may send, besides those the documents declare (see `corsHeaders`). */
const BASE_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'authorization',
  'cache-control',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'last-event-id',
  'range',
  'x-request-id',
];

/** Response headers clients read, besides those the documents declare. */
const BASE_EXPOSED_HEADERS = [
  'accept-ranges',
  'content-disposition',
  'content-length',
  'content-range',
  'etag',
  'link',
  'location',
  'retry-after',
  'www-authenticate',
  'x-request-id',
];

/** Response headers a browser never hands to scripts, whatever the server says. */
const FORBIDDEN_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2']);

const DEVELOPMENT_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether `origin` (the `Origin` request header) may call the APIs under `policy`. */
export function isAllowedOrigin(policy: CorsOrigins, origin: string): boolean {
  if (policy.allow === 'any') return true;
  if (policy.allow === 'list') return policy.origins.includes(origin);
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  return (url.protocol === 'http:' || url.protocol === 'https:') && DEVELOPMENT_HOSTS.has(url.hostname);
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** Follows a local `$ref` (`#/components/...`) once; other values come back as they are. */
function resolve(document: OpenApiDocument, value: unknown): unknown {
  if (!isObject(value) || typeof value.$ref !== 'string' || !value.$ref.startsWith('#/')) return value;
  return value.$ref
    .slice(2)
    .split('/')
    .reduce<unknown>(
      (node, key) => (isObject(node) ? node[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined),
      document,
    );
}

/**
 * The headers to allow in preflights and to expose on responses: a base set plus every header
 * parameter, header security scheme (the track manager's `Token`) and documented response header
 * of every document, so an API that documents a new header gets it through CORS without an edit here.
 */
export function corsHeaders(documents: readonly OpenApiDocument[]): { allow: string[]; expose: string[] } {
  const allow = new Set(BASE_REQUEST_HEADERS);
  const expose = new Set(BASE_EXPOSED_HEADERS);
  const addParameter = (document: OpenApiDocument, parameter: unknown) => {
    const resolved = resolve(document, parameter);
    if (isObject(resolved) && resolved.in === 'header' && typeof resolved.name === 'string') {
      allow.add(resolved.name.toLowerCase());
    }
  };
  const addResponse = (document: OpenApiDocument, response: unknown) => {
    const resolved = resolve(document, response);
    if (!isObject(resolved) || !isObject(resolved.headers)) return;
    for (const name of Object.keys(resolved.headers)) {
      if (!FORBIDDEN_RESPONSE_HEADERS.has(name.toLowerCase())) expose.add(name.toLowerCase());
    }
  };
  for (const document of documents) {
    for (const item of Object.values(document.paths)) {
      if (!isObject(item)) continue;
      for (const parameter of (item.parameters as unknown[] | undefined) ?? [])
        addParameter(document, parameter);
      for (const operation of Object.values(item)) {
        if (!isObject(operation)) continue;
        for (const parameter of (operation.parameters as unknown[] | undefined) ?? []) {
          addParameter(document, parameter);
        }
        if (isObject(operation.responses)) {
          for (const response of Object.values(operation.responses)) addResponse(document, response);
        }
      }
    }
    const components = isObject(document.components) ? document.components : {};
    for (const scheme of Object.values(
      isObject(components.securitySchemes) ? components.securitySchemes : {},
    )) {
      addParameter(document, scheme);
    }
  }
  return { allow: [...allow].sort(), expose: [...expose].sort() };
}

export interface CorsOptions {
  origins: CorsOrigins;
  documents: readonly OpenApiDocument[];
}

export function createCors({ origins, documents }: CorsOptions): Middleware {
  const headers = corsHeaders(documents);
  const answerCors = cors({
    origin: (ctx) => {
      const origin = ctx.get('origin');
      return origin !== '' && isAllowedOrigin(origins, origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: headers.allow,
    exposeHeaders: headers.expose,
    // Cookies and HTTP auth only for origins someone named (or local development), never for `*`.
    credentials: origins.allow !== 'any',
    maxAge: 600,
  });
  // Without an Origin there is nothing to answer (nor to refuse), only the `Vary: Origin` caches
  // need; @koa/cors would get there through two awaits and the origin check on every such request.
  return (ctx, next) => {
    if (ctx.req.headers.origin !== undefined) return answerCors(ctx, next);
    ctx.vary('Origin');
    return next();
  };
}
