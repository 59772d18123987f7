import { randomUUID } from 'node:crypto';
import type { ApiKey } from '@music-apis/spec';
import type { Context, Middleware } from 'koa';
import type { Level } from 'pino';
import type { Logger } from '../logger.js';

/**
 * Every request gets an id: the client's `X-Request-Id` when it is a sane token, else a new UUID;
 * it is echoed back in `X-Request-Id`, kept in `ctx.state.requestId` and carried by every log line
 * of the request. One log line per request, written when the response finishes (or the client goes
 * away): `{ requestId, method, path, query?, status, ms, api?, operationId?, aborted? }` with the
 * message `GET /path?query 200 3.1ms`. Request headers are never logged (so neither Authorization
 * nor Token), and the values of secret-looking query parameters (signed upload URLs, OAuth codes,
 * tokens) are replaced by `[redacted]`. Level: `info`; `error` from 500 on; a healthy `/healthz`
 * (load-balancer probes) at `debug`.
 */

export interface RequestLine {
  method: string;
  path: string;
  /** The query string with secret values redacted; absent without a query. */
  query?: string;
  status: number;
  /** Milliseconds from the request reaching the server to the last byte of the answer (0.1 ms). */
  ms: number;
  /** The API owning the path (matched by an operation, or by its namespace). */
  api?: ApiKey;
  operationId?: string;
  /** The client closed the connection before the answer was complete. */
  aborted?: true;
}

export const REDACTED = '[redacted]';

/** Words that mark a query parameter as a credential: `access_token`, `X-Amz-Signature`, `apiKey`, `code`… */
const SECRET_WORDS = new Set([
  'apikey',
  'auth',
  'authorization',
  'code',
  'credential',
  'credentials',
  'jwt',
  'key',
  'nonce',
  'otp',
  'passwd',
  'password',
  'pwd',
  'secret',
  'session',
  'sig',
  'signature',
  'token',
  // The signature of the collections API's delivery URLs.
  'verify',
]);
const SECRET_INFIXES = /token|secret|passw|signature|credential/;

/** Whether a query parameter's value should stay out of the log (`keyword` and `expires` do not). */
export function isSecretParameter(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => SECRET_WORDS.has(word)) || SECRET_INFIXES.test(name.toLowerCase());
}

/** The query string as sent, with the value of every secret parameter replaced by `[redacted]`. */
export function redactQuery(querystring: string): string {
  return querystring
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as sent.
      }
      return equals !== -1 && isSecretParameter(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestLogOptions {
  /** The API whose namespace holds a path, for requests no operation matched (preflights, 404s). */
  apiOf(path: string): ApiKey | undefined;
}

export function createRequestLogger(logger: Logger, options: RequestLogOptions): Middleware {
  const lineOf = (ctx: Context, started: number): RequestLine => {
    const state = ctx.state as { api?: ApiKey; operationId?: string };
    const res = ctx.res;
    const line: RequestLine = {
      method: ctx.method,
      path: ctx.path,
      ...(ctx.querystring ? { query: redactQuery(ctx.querystring) } : {}),
      status: res.statusCode,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    const api = state.api ?? options.apiOf(ctx.path);
    if (api) line.api = api;
    if (state.operationId) line.operationId = state.operationId;
    if (!res.writableFinished) line.aborted = true;
    return line;
  };
  const levelOf = (status: number, path: string): Level => {
    if (status >= 500) return 'error';
    return path === '/healthz' && status === 200 ? 'debug' : 'info';
  };
  const messageOf = (line: RequestLine) =>
    `${line.method} ${line.path}${line.query ? `?${line.query}` : ''} ${line.status} ${line.ms}ms${line.aborted ? ' (aborted)' : ''}`;

  // Written straight to the logger on the response's 'close', which Node emits once, both after a
  // complete answer and when the client went away first (`writableFinished` tells which): no
  // child logger per request (pino-http made one, about 5% of a cheap GET's CPU), one listener, and
  // nothing built for a line whose level is off. A plain function, not an async one: nothing runs
  // after `next()`, so no promise of its own per request.
  return (ctx, next) => {
    const started = performance.now();
    const { req, res } = ctx;
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const done = () => {
      const level = levelOf(res.statusCode, ctx.path);
      if (!logger.isLevelEnabled(level)) return;
      const line = lineOf(ctx, started);
      logger[level]({ requestId, ...line }, messageOf(line));
    };
    res.on('close', done);
    return next();
  };
}
