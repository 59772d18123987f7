import type { Middleware } from 'koa';

/**
 * For responses that carry credentials (tokens, logins, refreshes): no cache, shared or private,
 * may keep them (RFC 6749 §5.1 asks the same of OAuth token responses; `Pragma` for HTTP/1.0 caches).
 */
export const NO_STORE_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * `X-Content-Type-Options: nosniff` on every answer, so a browser never runs an upload or an error
 * page as a script or a page of another type than the one declared. Set before anything else runs,
 * so error answers carry it too.
 */
export function createSecurityHeaders(): Middleware {
  return (ctx, next) => {
    ctx.res.setHeader('x-content-type-options', 'nosniff');
    return next();
  };
}
