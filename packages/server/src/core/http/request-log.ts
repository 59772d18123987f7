import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKey } from '@music-apis/spec';
import type { Context, Middleware } from 'koa';
import type { LevelWithSilent } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';

/**
 * One log line per request, written by pino-http when the response finishes (or the client goes
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

export interface RequestLogOptions {
  /** The API whose namespace holds a path, for requests no operation matched (preflights, 404s). */
  apiOf(path: string): ApiKey | undefined;
}

interface Pending {
  ctx: Context;
  started: number;
  line?: RequestLine;
}

export function createRequestLogger(logger: Logger, options: RequestLogOptions): Middleware {
  const pending = new WeakMap<IncomingMessage, Pending>();

  const lineOf = (req: IncomingMessage, res: ServerResponse): RequestLine => {
    const entry = pending.get(req)!;
    if (entry.line) return entry.line;
    const { ctx } = entry;
    const state = ctx.state as { api?: ApiKey; operationId?: string };
    const line: RequestLine = {
      method: ctx.method,
      path: ctx.path,
      ...(ctx.querystring ? { query: redactQuery(ctx.querystring) } : {}),
      status: res.statusCode,
      ms: Math.round((performance.now() - entry.started) * 10) / 10,
    };
    const api = state.api ?? options.apiOf(ctx.path);
    if (api) line.api = api;
    if (state.operationId) line.operationId = state.operationId;
    if (!res.writableFinished) line.aborted = true;
    entry.line = line;
    return line;
  };
  const messageOf = (line: RequestLine) =>
    `${line.method} ${line.path}${line.query ? `?${line.query}` : ''} ${line.status} ${line.ms}ms${line.aborted ? ' (aborted)' : ''}`;

  const httpLogger = pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    // The request id binding is the only one: no request or response objects (and so no headers).
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    genReqId: (req) => pending.get(req)?.ctx.state.requestId as string,
    wrapSerializers: false,
    serializers: { req: () => undefined, res: () => undefined },
    customLogLevel: (req, res): LevelWithSilent => {
      const line = lineOf(req, res);
      if (line.status >= 500) return 'error';
      return line.path === '/healthz' && line.status === 200 ? 'debug' : 'info';
    },
    customSuccessObject: (req, res) => lineOf(req, res),
    customErrorObject: (req, res) => lineOf(req, res),
    customSuccessMessage: (req, res) => messageOf(lineOf(req, res)),
    customErrorMessage: (req, res) => messageOf(lineOf(req, res)),
  });

  return async (ctx, next) => {
    pending.set(ctx.req, { ctx, started: performance.now() });
    httpLogger(ctx.req, ctx.res);
    await next();
  };
}
