import { type Catalog, demoCatalog } from '@music-apis/catalog';
import { HttpResponse, http, type RequestHandler, delay as wait } from 'msw';
import { RouteTable } from './route-table.js';

/**
 * The environment-agnostic core of the mock: one MSW handler that dispatches every request to the
 * right API and operation through a route table, stateful per-API stores seeded from the demo
 * catalog, per-test overrides, and a log of calls. `node.ts` and `browser.ts` only wire it to MSW.
 */

export interface MockRequest {
  request: Request;
  url: URL;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  operationId: string;
}

export type MockHandler = (request: MockRequest) => Response | Promise<Response>;

export interface MockContext {
  catalog: Catalog;
  /** The mock's clock (override it for reproducible timestamps). */
  now(): Date;
  /** The mock's mail outbox (sign-up codes, …), newest last; `GET /dev/mail` lists it like the server does. */
  mail: MockMailMessage[];
}

export interface MockMailMessage {
  recipient: string;
  subject: string;
  text: string;
  sentAt: string;
}

/** One API's part of the mock. */
export interface MockApiDefinition<State, Id extends string = string> {
  name: string;
  /** operationId → method + path, generated from the OpenAPI document. */
  routes: Readonly<Record<Id, { readonly method: string; readonly path: string }>>;
  /** Paths under which an unknown route gets the API's 404/405 envelope instead of falling through. */
  pathPrefixes: string[];
  createState(context: MockContext): State;
  handlers(state: State, context: MockContext): Record<Id, MockHandler>;
  /** The API's error envelope, as its server sends it. */
  errorResponse(status: number, message: string, context: MockContext): Response;
}

export interface MockOverride {
  /** Answer with this status; without `body` the API's own error envelope is used for 4xx/5xx. */
  status?: number;
  /** JSON body (or a string / ArrayBuffer / Blob sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this many ms first (then answer as overridden, or with the real handler). */
  delay?: number;
  /** Fail like a dropped connection: the client sees a network error. */
  networkError?: boolean;
  /** Apply to the next N calls only; default: until removed or `reset()`. */
  times?: number;
  /** Full control: build the response yourself. */
  respond?: MockHandler;
}

export interface MockCall {
  api: string;
  operationId: string;
  method: string;
  url: string;
}

export interface CreateMockOptions {
  /** Only answer requests under this URL (e.g. `https://api.example.com`). Default: any origin. */
  baseUrl?: string;
  /** Delay every response by this many ms (default 0). */
  delay?: number;
  /** Clock for timestamps and token expiry. Default: the real clock. */
  now?: () => Date;
  catalog?: Catalog;
}

interface RegisteredOperation {
  api: MockApiDefinition<unknown>;
  operationId: string;
}

export interface MusicApiMock<States extends Record<string, unknown>> {
  /** Give these to `setupServer` / `setupWorker` (one handler serves every operation). */
  readonly handlers: RequestHandler[];
  /** Each API's in-memory store: read it in assertions, or put data in it before a test. */
  readonly state: States;
  /** Back to the seeded demo data; overrides and the call log cleared. */
  reset(): void;
  /**
   * Changes how one operation answers, until the returned function is called or `reset()`.
   * Name it by operationId, or as `api.operationId` when two APIs share it (`trackManager.createTrack`).
   */
  override(operation: string, override: MockOverride): () => void;
  clearOverrides(): void;
  /** Calls answered so far, the last 1,000 at most (optionally of one operation, named as for `override`), oldest first. */
  calls(operation?: string): MockCall[];
  /** Mail the mocked APIs sent (e.g. sign-up codes), oldest first; also at `GET /dev/mail`, newest first. */
  readonly mail: readonly MockMailMessage[];
}

/** How many calls `calls()` remembers. */
const MAX_LOGGED_CALLS = 1000;

export function createMockCore<States extends Record<string, unknown>>(
  apis: { [K in keyof States]: MockApiDefinition<States[K]> },
  options: CreateMockOptions = {},
): MusicApiMock<States> {
  const context: MockContext = {
    catalog: options.catalog ?? demoCatalog,
    now: options.now ?? (() => new Date()),
    mail: [],
  };
  const table = new RouteTable<RegisteredOperation>();
  // Operation keys are `api.operationId`: two APIs may share an operationId (both have `createTrack`).
  const apisByOperationId = new Map<string, string[]>();
  const definitions = Object.values(apis) as MockApiDefinition<unknown>[];
  for (const api of definitions) {
    for (const [operationId, route] of Object.entries(api.routes) as [
      string,
      { method: string; path: string },
    ][]) {
      table.add(route.method, route.path, { api, operationId });
      apisByOperationId.set(operationId, [...(apisByOperationId.get(operationId) ?? []), api.name]);
    }
  }
  /** `api.operationId`, or a bare operationId when only one API has it. */
  const operationKey = (name: string): string => {
    if (name.includes('.')) {
      const [apiName, operationId = ''] = name.split('.');
      if (apisByOperationId.get(operationId)?.includes(apiName as string)) return name;
      throw new Error(`Unknown operation "${name}"`);
    }
    const owners = apisByOperationId.get(name) ?? [];
    if (owners.length === 0) throw new Error(`Unknown operationId "${name}"`);
    if (owners.length > 1)
      throw new Error(`"${name}" exists in ${owners.join(' and ')}: write "${owners[0]}.${name}"`);
    return `${owners[0]}.${name}`;
  };

  const state = {} as States;
  let handlers = new Map<string, MockHandler>();
  const overrides = new Map<string, MockOverride[]>();
  let callLog: MockCall[] = [];

  const reset = () => {
    handlers = new Map();
    for (const [key, api] of Object.entries(apis) as [keyof States, MockApiDefinition<unknown>][]) {
      const apiState = api.createState(context);
      state[key] = apiState as States[keyof States];
      for (const [operationId, handler] of Object.entries(api.handlers(apiState, context))) {
        handlers.set(`${api.name}.${operationId}`, handler as MockHandler);
      }
    }
    overrides.clear();
    callLog = [];
    context.mail.length = 0;
  };
  reset();

  const base = options.baseUrl ? new URL(options.baseUrl) : undefined;
  const basePath = base?.pathname.replace(/\/$/, '') ?? '';

  async function answer(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (base && (url.origin !== base.origin || !url.pathname.startsWith(basePath))) return undefined;
    const pathname = url.pathname.slice(basePath.length) || '/';
    // The server's development outbox, mirrored so one scenario can read an emailed code anywhere.
    if (pathname === '/dev/mail' && request.method === 'GET') {
      return HttpResponse.json([...context.mail].reverse());
    }
    const match = table.match(request.method, pathname);
    if (!match) {
      const api = definitions.find((definition) =>
        definition.pathPrefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`)),
      );
      return api?.errorResponse(404, `No route for ${request.method} ${pathname}`, context);
    }
    if ('allowed' in match) {
      const api = definitions.find((definition) =>
        definition.pathPrefixes.some((prefix) => pathname.startsWith(prefix)),
      );
      if (!api) return undefined;
      const response = api.errorResponse(
        405,
        `Method ${request.method} is not allowed on ${pathname}`,
        context,
      );
      response.headers.set('allow', match.allowed.join(', '));
      return response;
    }

    const { api, operationId } = match.value;
    const key = `${api.name}.${operationId}`;
    callLog.push({ api: api.name, operationId, method: request.method, url: request.url });
    // A mock left running in a browser tab answers for hours: keep the recent calls only.
    if (callLog.length > MAX_LOGGED_CALLS) callLog.splice(0, callLog.length - MAX_LOGGED_CALLS);
    const mockRequest: MockRequest = { request, url, params: match.params, operationId };
    if (options.delay) await wait(options.delay);

    const override = takeOverride(key);
    if (override?.delay) await wait(override.delay);
    if (override?.networkError) return HttpResponse.error();
    if (override?.respond) return override.respond(mockRequest);
    if (override?.status !== undefined) {
      if (override.body === undefined && override.status >= 400) {
        const response = api.errorResponse(
          override.status,
          `Overridden to fail with ${override.status}`,
          context,
        );
        for (const [name, value] of Object.entries(override.headers ?? {})) response.headers.set(name, value);
        return response;
      }
      return bodyResponse(override.status, override.body, override.headers);
    }
    try {
      return await (handlers.get(key) as MockHandler)(mockRequest);
    } catch (error) {
      if (error instanceof MockHttpError) return api.errorResponse(error.status, error.message, context);
      throw error;
    }
  }

  function takeOverride(key: string): MockOverride | undefined {
    const list = overrides.get(key);
    const current = list?.[0];
    if (!current) return undefined;
    if (current.times !== undefined) {
      current.times -= 1;
      if (current.times <= 0) list.shift();
    }
    return current;
  }

  return {
    handlers: [http.all('*', ({ request }) => answer(request))],
    state,
    reset,
    override(operation, override) {
      const key = operationKey(operation);
      const entry = { ...override };
      const list = overrides.get(key) ?? [];
      list.unshift(entry);
      overrides.set(key, list);
      return () => {
        const index = list.indexOf(entry);
        if (index >= 0) list.splice(index, 1);
      };
    },
    clearOverrides: () => overrides.clear(),
    mail: context.mail,
    calls(operation) {
      if (!operation) return [...callLog];
      const key = operationKey(operation);
      return callLog.filter((call) => `${call.api}.${call.operationId}` === key);
    },
  };
}

function bodyResponse(status: number, body: unknown, headers?: Record<string, string>): Response {
  if (body === undefined || body === null) return new HttpResponse(null, { status, headers });
  if (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    body instanceof Blob ||
    body instanceof Uint8Array
  ) {
    return new HttpResponse(body as BodyInit, { status, headers });
  }
  return HttpResponse.json(body as Record<string, unknown>, { status, headers });
}

/** Thrown by mock handlers; becomes the API's error envelope. */
export class MockHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'MockHttpError';
  }
}
