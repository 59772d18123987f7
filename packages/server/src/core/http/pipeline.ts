import type { Readable } from 'node:stream';
import type { ErrorReply } from '@music-apis/domain';
import {
  type AnyApiImplementation,
  type AnyReply,
  type ApiImplementation,
  type ApiKey,
  assertComplete,
  assertDistinctCatchAllPrefixes,
  HttpError,
  isHttpError,
  namespaceOwner,
  type OperationSpec,
  type Principals,
  type RawRequest,
  RouteTable,
  runOperation,
} from '@music-apis/spec';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { readStructuredBody } from './request-body.js';
import type { createResponseChecker, ResponseChecker } from './response-check.js';

/**
 * The server's side of the shared pipeline: one route table over every API (ownership by path
 * template; two APIs claiming one route is a start-up error), the request read off Koa, the
 * spec's `runOperation` (authenticate → validate → handler), and the reply or the API's error
 * envelope written back. Unmatched paths inside an API's namespace get its 404/405 envelope.
 */

/** What a server handler gets besides its typed input: the Koa context, for streams and the client's address. */
export interface ServerEnv {
  ctx: Context;
  operation: OperationSpec;
  /** The matched template's parameters, as sent (before validation). */
  pathParams: Record<string, string>;
}

/** Raw (non-JSON) response bodies a server handler may return. */
export type ServerRawBody = Uint8Array | Readable;

/** One API as the server serves it: the shared implementation shape plus its envelope. */
export interface ServerApi<
  Operations,
  Table extends Record<string, OperationSpec>,
  Schemes extends Principals,
> extends ApiImplementation<Operations, Table, Schemes, ServerEnv, ServerRawBody> {
  /** The API's error envelope for any error of its operations (validation, auth, rules). */
  errorReply(error: HttpError, env: { ctx: Context } & Partial<ServerEnv>): ErrorReply;
  /** Headers set on every response of this API (e.g. the original's cache/security headers). */
  responseHeaders?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: the router holds APIs of every shape.
export type AnyServerApi = ServerApi<any, any, any>;

export interface PipelineOptions {
  logger: Logger;
  /** VALIDATE_RESPONSES: checks every response against its document (see response-check.ts). */
  createResponseChecker?: typeof createResponseChecker;
}

interface Route {
  api: AnyServerApi;
  operation: OperationSpec;
  checkResponse?: ResponseChecker;
}

export function createApiRouter(
  apis: readonly { api: AnyServerApi; document: Parameters<typeof createResponseChecker>[0] }[],
  options: PipelineOptions,
): Middleware {
  const table = new RouteTable<Route>();
  for (const { api, document } of apis) {
    assertComplete(api as unknown as AnyApiImplementation<unknown, unknown>);
    const checkResponse = options.createResponseChecker?.(document);
    for (const operation of Object.values(api.spec.operations) as OperationSpec[]) {
      table.add(
        operation.method,
        operation.path,
        { api, operation, checkResponse },
        (route) => `${route.api.spec.key}.${route.operation.operationId}`,
      );
    }
  }
  const namespaces = namespacesOf(apis);
  assertDistinctCatchAllPrefixes(namespaces);

  return (ctx, next) => {
    const match = table.match(ctx.method === 'HEAD' ? 'GET' : ctx.method, ctx.path);
    if (match.kind === 'found') return serve(ctx, match.value, match.params, options.logger);
    const owner = namespaceOwner(namespaces, ctx.path);
    if (owner === undefined) return next();
    const api = namespaces.find((namespace) => namespace.key === owner)!.api;
    ctx.state.api = owner;
    const error =
      match.kind === 'method-not-allowed'
        ? new HttpError(405, `Method ${ctx.method} is not allowed on ${ctx.path}`, {
            headers: { allow: match.allowed.join(', ') },
          })
        : new HttpError(404, `No route for ${ctx.method} ${ctx.path}`);
    writeError(ctx, api, error, { ctx });
  };
}

function namespacesOf(apis: readonly { api: AnyServerApi }[]) {
  return apis.map(({ api }) => ({
    key: api.spec.key as ApiKey,
    api,
    paths: (Object.values(api.spec.operations) as OperationSpec[]).map((operation) => operation.path),
    catchAllPrefix: api.spec.catchAllPrefix,
  }));
}

/** The API whose namespace holds `path` (for logs of requests no operation answered, e.g. preflights). */
export function createApiLookup(
  apis: readonly { api: AnyServerApi }[],
): (path: string) => ApiKey | undefined {
  const namespaces = namespacesOf(apis);
  return (path) => namespaceOwner(namespaces, path);
}

async function serve(ctx: Context, route: Route, pathParams: Record<string, string>, logger: Logger) {
  const { api, operation } = route;
  ctx.state.api = api.spec.key;
  ctx.state.operationId = operation.operationId;
  const env: ServerEnv = { ctx, operation, pathParams };
  try {
    const raw: RawRequest = {
      pathParams,
      query: new URLSearchParams(ctx.querystring),
      header: (name) => {
        const value = ctx.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      },
      body: await readStructuredBody(ctx, operation),
    };
    const reply = await runOperation(
      api as unknown as AnyApiImplementation<ServerEnv, ServerRawBody>,
      operation.operationId,
      raw,
      env,
    );
    writeReply(ctx, reply);
    if (api.responseHeaders) ctx.set(api.responseHeaders);
    if (route.checkResponse) checkResponse(ctx, route, reply.body, logger);
  } catch (caught) {
    writeError(ctx, api, toHttpError(caught, ctx, logger), env);
  }
}

function writeReply(ctx: Context, reply: AnyReply<ServerRawBody>) {
  ctx.status = reply.status;
  if (reply.headers) ctx.set(reply.headers);
  if (reply.body === undefined) {
    ctx.body = null;
    ctx.status = reply.status; // Koa turns a null body into 204; keep the documented status.
    return;
  }
  if (reply.body instanceof Uint8Array) {
    ctx.body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
  } else if (isStream(reply.body) || typeof reply.body === 'string') {
    ctx.body = reply.body;
  } else {
    // Serialised here rather than by Koa after the middleware has returned: a body that cannot be
    // serialised (too deep, a BigInt) then fails inside the pipeline and gets the API's 500
    // envelope, where Koa would answer a plain-text 500 without it. The content type goes first
    // and by hand: Koa's `type` setter parses the media type with mime-types on every call, and its
    // string-body setter would first guess text/plain (two lookups, a tenth of a cached GET's CPU).
    ctx.set('content-type', 'application/json; charset=utf-8');
    ctx.body = JSON.stringify(reply.body);
  }
  if (reply.contentType) ctx.type = reply.contentType;
}

function writeError(
  ctx: Context,
  api: AnyServerApi,
  error: HttpError,
  env: { ctx: Context } & Partial<ServerEnv>,
) {
  const { status, body, headers } = api.errorReply(error, env);
  ctx.status = status;
  ctx.body = body === undefined ? '' : body;
  if (headers) ctx.set(headers);
  if (api.responseHeaders) ctx.set(api.responseHeaders);
  // Refused before its body was read (bad signature, too large, no auth): close the connection
  // after the answer instead of reading a body that would be thrown away.
  if (!ctx.req.complete) ctx.set('connection', 'close');
}

function toHttpError(caught: unknown, ctx: Context, logger: Logger): HttpError {
  if (isHttpError(caught)) return caught;
  const status = (caught as { status?: number }).status;
  // Koa/http-errors thrown by libraries (e.g. ctx.throw) carry a safe 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, (caught as Error).message);
  }
  logger.error(
    { err: caught, requestId: ctx.state.requestId, operationId: ctx.state.operationId },
    'unhandled error',
  );
  return new HttpError(500, 'Internal server error');
}

function checkResponse(ctx: Context, route: Route, replied: unknown, logger: Logger): void {
  const contentType = ctx.response.get('content-type') || undefined;
  const problems = route.checkResponse!(route.operation.operationId, ctx.status, contentType, replied);
  if (problems.length === 0) return;
  logger.error(
    { operationId: route.operation.operationId, status: ctx.status, problems },
    'response does not match the document',
  );
  throw new Error(
    `Response of ${route.operation.operationId} (${ctx.status}) does not match the document: ${problems.join('; ')}`,
  );
}

function isStream(value: unknown): boolean {
  return !!value && typeof (value as { pipe?: unknown }).pipe === 'function';
}
