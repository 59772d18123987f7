import { type Catalog, demoCatalog } from '@music-apis/catalog';
import {
  type AnyApiImplementation,
  apiRegistry,
  assertComplete,
  assertDistinctCatchAllPrefixes,
  HttpError,
  isHttpError,
  namespaceOwner,
  type OperationSpec,
  type RawRequest,
  RouteTable,
  runOperation,
} from '@music-apis/spec';
import { HttpResponse, http, type RequestHandler, delay as wait } from 'msw';
import type {
  AnyMockApiDefinition,
  BinaryBody,
  MockContext,
  MockEnv,
  MockMailMessage,
  OperationIdOf,
  OperationsOf,
  StateOf,
} from './api.js';
import { errorResponse, readRequestBody, replyResponse } from './http.js';
import { type AnyOverride, type MockOverride, type MockRespondRequest, OverrideStore } from './override.js';

/**
 * The environment-agnostic core of the mock, the same pipeline as the server's: one MSW handler →
 * one route table over every API (start-up fails when two operations claim one method and path) →
 * the body read → `runOperation` (authenticate, validate with the generated validators, the typed
 * handler) → the reply; any `HttpError` → that API's envelope. `node.ts` and `browser.ts` only wire
 * it to MSW.
 */

/** One answered call. */
export interface MockCall<Api extends string = string, OperationId extends string = string> {
  api: Api;
  operationId: OperationId;
  method: string;
  url: string;
  /** Request headers, names lower-case. */
  headers: Record<string, string>;
  /**
   * The parsed JSON or form body; the text when it did not parse; the bytes of a raw body (up to
   * 1 MiB, larger ones are not kept); `undefined` without a body.
   */
  body: unknown;
}

export interface CreateMockOptions {
  /** Only answer requests under this URL (e.g. `https://api.example.com`). Default: any origin. */
  baseUrl?: string;
  /** Delay every response by this many ms (default 0). */
  delay?: number;
  /** Clock for timestamps and token expiry. Default: the real clock. */
  now?: () => Date;
  /** The demo data the stores are seeded from. Default: `demoCatalog`. */
  catalog?: Catalog;
}

/** One API's part of `mock.<api>`: overrides and calls, typed from its document. */
export interface MockApiControls<Api> {
  /**
   * Changes how one operation answers, until the returned function is called, `clearOverrides()`
   * or `reset()`. Newest first; `times` limits it to the next N calls.
   */
  override<Id extends OperationIdOf<Api>>(
    operationId: Id,
    override: MockOverride<OperationsOf<Api>[Id]>,
  ): () => void;
  clearOverrides(): void;
  /** This API's calls answered so far (optionally of one operation), oldest first. */
  calls<Id extends OperationIdOf<Api>>(operationId?: Id): MockCall<string, Id>[];
}

type ApiControls<Apis> = { readonly [Key in keyof Apis]: MockApiControls<Apis[Key]> };

export type MusicApiMock<Apis> = ApiControls<Apis> & {
  /** Give these to `setupServer` / `setupWorker` (one handler serves every operation). */
  readonly handlers: RequestHandler[];
  /** Each API's in-memory store: read it in assertions, or put data in it before a test. */
  readonly state: { [Key in keyof Apis]: StateOf<Apis[Key]> };
  /** Back to the seeded demo data; overrides, the call log and the outbox cleared. */
  reset(): void;
  /** Every API's overrides removed. */
  clearOverrides(): void;
  /** Every call answered so far, the last 1,000 at most, oldest first. */
  calls(): MockCall[];
  /** Mail the mocked APIs sent (e.g. sign-up codes), oldest first; also at `GET /dev/mail`, newest first. */
  readonly mail: readonly MockMailMessage[];
};

/** How many calls `calls()` remembers. */
const MAX_LOGGED_CALLS = 1000;

interface RegisteredOperation {
  key: string;
  api: AnyMockApiDefinition;
  operation: OperationSpec;
}

export function createMockCore<Apis extends Record<string, AnyMockApiDefinition>>(
  apis: Apis,
  options: CreateMockOptions = {},
): MusicApiMock<Apis> {
  const context: MockContext = {
    catalog: options.catalog ?? demoCatalog,
    now: options.now ?? (() => new Date()),
    mail: [],
  };
  const served = Object.entries(apis);
  const table = new RouteTable<RegisteredOperation>();
  for (const [key, api] of served) {
    for (const operation of Object.values(api.spec.operations) as OperationSpec[]) {
      table.add(
        operation.method,
        operation.path,
        { key, api, operation },
        (taken) => `${taken.key}.${taken.operation.operationId}`,
      );
    }
  }
  // Ownership of unknown paths by path template, over every API of the toolkit: a path of an API
  // the mock does not serve is not answered (MSW passes it on), never another API's 404.
  const namespaces = [
    ...apiRegistry
      .filter((entry) => !(entry.key in apis))
      .map((entry) => ({
        key: entry.key as string,
        paths: entry.paths,
        catchAllPrefix: 'catchAllPrefix' in entry ? entry.catchAllPrefix : undefined,
      })),
    ...served.map(([key, api]) => ({
      key,
      paths: (Object.values(api.spec.operations) as OperationSpec[]).map((operation) => operation.path),
      catchAllPrefix: api.spec.catchAllPrefix,
    })),
  ];
  assertDistinctCatchAllPrefixes(namespaces);

  const state = {} as Record<string, unknown>;
  const implementations = new Map<string, AnyApiImplementation<MockEnv, BinaryBody>>();
  const overrides = new OverrideStore();
  let callLog: MockCall[] = [];

  const reset = () => {
    for (const [key, api] of served) {
      const apiState = api.createState(context);
      state[key] = apiState;
      const implementation = { spec: api.spec, ...api.implement(apiState, context) };
      // The typed handler sets become the pipeline's untyped view: their inputs are validated first.
      implementations.set(key, implementation as unknown as AnyApiImplementation<MockEnv, BinaryBody>);
      assertComplete(implementation as unknown as AnyApiImplementation<unknown, unknown>);
    }
    overrides.clear();
    callLog = [];
    context.mail.length = 0;
  };
  reset();

  const base = options.baseUrl ? new URL(options.baseUrl) : undefined;
  const basePath = base?.pathname.replace(/\/$/, '') ?? '';

  const errorContext = (
    operationId: string | undefined,
    pathParams: Record<string, string>,
    path?: string,
  ) => ({
    operationId,
    pathParams,
    path,
    context,
  });

  async function answer(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (base && (url.origin !== base.origin || !url.pathname.startsWith(basePath))) return undefined;
    const pathname = url.pathname.slice(basePath.length) || '/';
    // The server's development outbox, mirrored so one scenario can read an emailed code anywhere.
    if (pathname === '/dev/mail' && request.method === 'GET') {
      return HttpResponse.json([...context.mail].reverse());
    }
    const match = table.match(request.method === 'HEAD' ? 'GET' : request.method, pathname);
    if (match.kind !== 'found') {
      const owner = namespaceOwner(namespaces, pathname);
      const api = owner === undefined ? undefined : apis[owner];
      if (!api) return undefined;
      const error =
        match.kind === 'method-not-allowed'
          ? new HttpError(405, `Method ${request.method} is not allowed on ${pathname}`, {
              headers: { allow: match.allowed.join(', ') },
            })
          : new HttpError(404, `No route for ${request.method} ${pathname}`);
      return errorResponse(api.errorReply(error, errorContext(undefined, {}, pathname)));
    }

    const { key, api, operation } = match.value;
    const { operationId } = operation;
    const body = await readRequestBody(request, operation);
    callLog.push({
      api: key,
      operationId,
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: body.logged,
    });
    // A mock left running in a browser tab answers for hours: keep the recent calls only.
    if (callLog.length > MAX_LOGGED_CALLS) callLog.splice(0, callLog.length - MAX_LOGGED_CALLS);
    if (options.delay) await wait(options.delay);

    const override = overrides.take(`${key}.${operationId}`);
    if (override?.delay) await wait(override.delay);
    if (override?.networkError) return HttpResponse.error();
    if (override?.respond) {
      return override.respond(respondRequest(request, url, match.params, key, api, operationId, body.logged));
    }
    if (override?.status !== undefined) return overriddenResponse(api, operation, override, match.params);

    const env: MockEnv = {
      request,
      url,
      path: pathname,
      baseUrl: url.origin + basePath,
      rawBody: body.raw,
      operation,
    };
    let response: Response;
    try {
      const raw: RawRequest = {
        pathParams: match.params,
        query: url.searchParams,
        header: (name) => request.headers.get(name) ?? undefined,
        // Parsed before authentication, as the server reads it: a bad body is a 400 (or 413, 415).
        body: body.parsed(),
      };
      response = replyResponse(await runOperation(implementations.get(key)!, operationId, raw, env));
    } catch (error) {
      if (!isHttpError(error)) throw error;
      response = errorResponse(api.errorReply(error, errorContext(operationId, match.params)));
    }
    for (const [name, value] of Object.entries(override?.headers ?? {})) response.headers.set(name, value);
    // HEAD is answered as GET, as the server does: the same status and headers, no body.
    if (request.method === 'HEAD') {
      return new HttpResponse(null, { status: response.status, headers: response.headers });
    }
    return response;
  }

  function overriddenResponse(
    api: AnyMockApiDefinition,
    operation: OperationSpec,
    override: AnyOverride,
    params: Record<string, string>,
  ): Response {
    const status = override.status as number;
    if (override.body !== undefined || status < 400) {
      return replyResponse({ status, body: override.body, headers: override.headers });
    }
    const error =
      api.overrideError?.(status, operation) ?? new HttpError(status, `Overridden to answer ${status}`);
    const reply = api.errorReply(error, errorContext(operation.operationId, params));
    return errorResponse({ ...reply, headers: { ...reply.headers, ...override.headers } }, status);
  }

  function respondRequest(
    request: Request,
    url: URL,
    params: Record<string, string>,
    key: string,
    api: AnyMockApiDefinition,
    operationId: string,
    body: unknown,
  ): MockRespondRequest {
    return {
      request,
      url,
      params,
      api: key,
      operationId,
      body,
      errorResponse: (status, message = `Overridden to answer ${status}`) =>
        errorResponse(
          api.errorReply(new HttpError(status, message), errorContext(operationId, params)),
          status,
        ),
    };
  }

  const operationKey = (key: string, operationId: string): string => {
    const api = apis[key] as AnyMockApiDefinition;
    if (!Object.hasOwn(api.spec.operations, operationId)) {
      throw new Error(`Unknown operation "${operationId}" of ${key}`);
    }
    return `${key}.${operationId}`;
  };

  const controls = Object.fromEntries(
    served.map(([key]) => [
      key,
      {
        override: (operationId: string, override: AnyOverride) =>
          overrides.add(operationKey(key, operationId), override),
        clearOverrides: () => overrides.clear(`${key}.`),
        calls: (operationId?: string) => {
          if (operationId !== undefined) operationKey(key, operationId);
          return callLog.filter(
            (call) => call.api === key && (operationId === undefined || call.operationId === operationId),
          );
        },
      },
    ]),
  );

  return {
    ...controls,
    handlers: [http.all('*', ({ request }) => answer(request))],
    state,
    reset,
    clearOverrides: () => overrides.clear(),
    calls: () => [...callLog],
    mail: context.mail,
  } as unknown as MusicApiMock<Apis>;
}
