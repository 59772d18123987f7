import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../logger.js';
import { type ApiDocument, BINARY_BODY, type OperationSpec, type RequestInput } from '../openapi.js';
import { HttpError, RequestValidationError } from '@music-apis/spec';
import { readStructuredBody } from './request-body.js';

/**
 * Turns an OpenAPI document plus one handler per operationId into a Koa router. Everything an
 * API module does not want to repeat lives here: route registration in document order, auth guard,
 * request validation (compiled once), the API's error envelope, the 404/405 fallback under the
 * API's prefixes, and response validation when enabled.
 */

export interface OperationInput {
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

export type OperationHandler = (ctx: Context, input: OperationInput) => Promise<void> | void;

export interface ApiDefinition {
  document: ApiDocument;
  /** One handler per operationId of the document; a missing one is a start-up error. */
  handlers: Record<string, OperationHandler>;
  /** Builds the API's error envelope and may change the status (e.g. validation → 422). */
  errorResponse(error: HttpError, ctx: Context): { status: number; body: unknown };
  /** Runs before validation on operations with a security requirement; throws 401/403 HttpErrors. */
  authenticate?(ctx: Context, operation: OperationSpec): Promise<void> | void;
  /** Request paths of this API: unmatched requests under them get a 404/405 in the API's envelope. */
  pathPrefixes: string[];
  /** Headers set on every response of this API (e.g. the original's cache/security headers). */
  responseHeaders?: Record<string, string>;
}

export interface MountOptions {
  logger: Logger;
  validateResponses: boolean;
}

function koaPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

function splitCommaSeparated(
  operation: OperationSpec,
  query: Record<string, unknown>,
): Record<string, unknown> {
  const result = { ...query };
  for (const parameter of operation.parameters) {
    const value = result[parameter.name];
    if (parameter.in !== 'query' || !parameter.commaSeparated || value === undefined) continue;
    result[parameter.name] = (Array.isArray(value) ? value : [value]).flatMap((item) =>
      String(item)
        .split(',')
        .filter((part) => part !== ''),
    );
  }
  return result;
}

function declaredHeaders(operation: OperationSpec, ctx: Context): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const parameter of operation.parameters) {
    if (parameter.in === 'header' && ctx.headers[parameter.name] !== undefined) {
      headers[parameter.name] = ctx.headers[parameter.name];
    }
  }
  return headers;
}

/** The API's routes as one Koa middleware. */
export function createApiRouter(api: ApiDefinition, options: MountOptions): Middleware {
  const router = new Router();
  const { document } = api;

  const errorBoundary: Middleware = async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const error = toHttpError(caught, ctx, options.logger);
      const { status, body } = api.errorResponse(error, ctx);
      ctx.status = status;
      ctx.body = body;
      for (const [name, value] of Object.entries(error.options.headers ?? {})) ctx.set(name, value);
      // Refused before its body was read (bad signature, too large, no auth): close the connection
      // after the answer instead of reading a body that would be thrown away.
      if (!ctx.req.complete) ctx.set('connection', 'close');
    }
    if (api.responseHeaders) ctx.set(api.responseHeaders);
  };

  const missing = [...document.operations.keys()].filter((operationId) => !api.handlers[operationId]);
  if (missing.length > 0) throw new Error(`${document.name}: no handler for ${missing.join(', ')}`);

  for (const operation of sortLiteralPathsFirst([...document.operations.values()])) {
    const handler = api.handlers[operation.operationId] as OperationHandler;
    const run = async (ctx: Context) => {
      ctx.state.operationId = operation.operationId;
      if (operation.security.length > 0 && api.authenticate) await api.authenticate(ctx, operation);
      const input: RequestInput = {
        query: splitCommaSeparated(operation, ctx.query as Record<string, unknown>),
        path: { ...ctx.params },
        headers: declaredHeaders(operation, ctx),
        body: await readStructuredBody(ctx, operation.requestBodyTypes),
      };
      if (operation.requestBodyRequired && input.body === undefined && isStructuredOnly(operation)) {
        throw new RequestValidationError([{ location: 'body', field: '', message: 'is required' }]);
      }
      const issues = operation.validateRequest(input);
      if (issues.length > 0) throw new RequestValidationError(issues);
      await handler(ctx, input);
      if (options.validateResponses) checkResponse(ctx, operation, options.logger);
    };
    router.register(koaPath(operation.path), [operation.method], [errorBoundary, run as Middleware]);
  }

  // Unmatched requests under this API's prefixes: 405 when the path exists with another method.
  const routes = router.routes();
  const isOwnPath = (path: string) =>
    api.pathPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return async (ctx: Context, next: Next) => {
    // The APIs' paths never overlap: skip this router's matching for other APIs' requests.
    if (!isOwnPath(ctx.path)) return next();
    await routes(ctx as Parameters<typeof routes>[0], next);
    if (ctx.status !== 404 || ctx.body != null) return;
    const allowed = [...new Set(router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods))];
    const error =
      allowed.length > 0
        ? new HttpError(405, `Method ${ctx.method} is not allowed on ${ctx.path}`, {
            headers: { allow: allowed.join(', ') },
          })
        : new HttpError(404, `No route for ${ctx.method} ${ctx.path}`);
    const { status, body } = api.errorResponse(error, ctx);
    ctx.status = status;
    ctx.body = body;
    for (const [name, value] of Object.entries(error.options.headers ?? {})) ctx.set(name, value);
    if (api.responseHeaders) ctx.set(api.responseHeaders);
  };
}

function isStructuredOnly(operation: OperationSpec): boolean {
  return operation.requestBodyTypes.every(
    (type) => /json/i.test(type) || type === 'application/x-www-form-urlencoded',
  );
}

/** Literal segments before parameters, so `/api/prgs/list` is never shadowed by `/api/prgs/{id}`. */
function sortLiteralPathsFirst(operations: OperationSpec[]): OperationSpec[] {
  const rank = (path: string) =>
    path
      .split('/')
      .map((segment) => (segment.startsWith('{') ? '1' : '0'))
      .join('');
  return [...operations].sort((a, b) => rank(a.path).localeCompare(rank(b.path)));
}

function toHttpError(caught: unknown, ctx: Context, logger: Logger): HttpError {
  if (caught instanceof HttpError) return caught;
  const status = (caught as { status?: number; expose?: boolean }).status;
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

function checkResponse(ctx: Context, operation: OperationSpec, logger: Logger): void {
  const contentType = ctx.response.get('content-type') || undefined;
  const body = Buffer.isBuffer(ctx.body) || isStream(ctx.body) ? BINARY_BODY : ctx.body;
  const problems = operation.validateResponse(ctx.status, contentType, body);
  if (problems.length === 0) return;
  logger.error(
    { operationId: operation.operationId, status: ctx.status, problems },
    'response does not match the document',
  );
  throw new Error(
    `Response of ${operation.operationId} (${ctx.status}) does not match the document: ${problems.join('; ')}`,
  );
}

function isStream(value: unknown): boolean {
  return !!value && typeof (value as { pipe?: unknown }).pipe === 'function';
}
