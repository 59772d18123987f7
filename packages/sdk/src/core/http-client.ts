import ky, {
  type Hooks,
  HTTPError,
  type Input,
  type Options as KyOptions,
  type RetryOptions as KyRetryOptions,
  TimeoutError as KyTimeoutError,
} from 'ky';
import { type ApiPromise, toApiPromise } from './api-promise.js';
import { ApiError, isApiError, NetworkError, TimeoutError } from './errors.js';
import { resolveToken, type TokenSource } from './token-provider.js';

export type {
  AfterResponseHook,
  BeforeErrorHook,
  BeforeRequestHook,
  BeforeRetryHook,
  BeforeRetryState,
  Hooks,
  KyRequest,
  KyResponse,
  NormalizedOptions,
  Progress,
} from 'ky';

/** ky's retry options, minus `methods`: only idempotent methods are ever retried. */
export type RetryOptions = Omit<KyRetryOptions, 'methods'>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export type QueryValue =
  | string
  | number
  | boolean
  | readonly (string | number | boolean)[]
  | null
  | undefined;

/** How one security scheme's token is sent. */
export interface Credential {
  token: TokenSource;
  /** Default 'Authorization'. */
  header?: string;
  /** Default 'Bearer'; '' sends the raw token. */
  scheme?: string;
  /** Send the raw token as this query parameter instead of a header. */
  query?: string;
}

/** Security alternatives of an operation, as in its document: `[]` is public, `[[]]` anonymous-or-not. */
export type Security = readonly (readonly string[])[];

export interface HttpClientOptions {
  /** e.g. 'http://localhost:8080' or 'https://api.example.com/v2'. */
  baseUrl: string;
  /** Custom fetch (tests, MSW, proxies). Default: `globalThis.fetch` at call time. */
  fetch?: typeof globalThis.fetch;
  /** Per attempt, in ms. Default 30 000. */
  timeout?: number | false;
  /**
   * Default `{ limit: 2, maxRetryAfter: 60_000 }`, on 408, 429, 500, 502, 503, 504 and network
   * errors. A Retry-After longer than `maxRetryAfter` fails at once instead of waiting.
   */
  retry?: number | RetryOptions;
  headers?: Record<string, string>;
  hooks?: Hooks;
  /** Tokens by security scheme name (as the document names them). */
  credentials?: Readonly<Record<string, Credential | undefined>>;
  /** The request id of a response (success or error); falls back to the `x-request-id` header. */
  requestId?: (response: Response, body: unknown) => string | undefined;
  /** Pulls the human message out of the API's error envelope; falls back to the status text. */
  errorMessage?: (body: unknown) => string | undefined;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Per attempt, in ms; `false` for none. Default: the client's. */
  timeout?: number | false;
  /** Sent with this call; a header named here wins over the client's and over credentials. */
  headers?: Record<string, string | undefined>;
  /** This call's retries (idempotent methods only). Default: the client's. */
  retry?: number | RetryOptions;
  /** Called as the body is sent, where the runtime can stream request bodies (Node 20, Chromium). */
  onUploadProgress?: KyOptions['onUploadProgress'];
  onDownloadProgress?: KyOptions['onDownloadProgress'];
}

/**
 * How a response body becomes `data`: parsed JSON (`undefined` when empty), text, bytes, the
 * unread body stream, or nothing (the body is discarded).
 */
export type ResponseFormat = 'json' | 'text' | 'bytes' | 'stream' | 'none';

export interface RequestSpec extends CallOptions {
  method: HttpMethod;
  /** Already expanded (see `expandPath`); appended to `baseUrl`. */
  path: string;
  /** `undefined`/`null` values are skipped; arrays repeat the key (`a=1&a=2`). */
  query?: Record<string, QueryValue>;
  json?: unknown;
  body?: BodyInit;
  /** Which credentials may be sent. Default `[]`: none. */
  security?: Security;
  /** Default 'json'. */
  response?: ResponseFormat;
  /** Default 'application/json' for JSON responses, else none. */
  accept?: string;
}

export interface HttpClient {
  /** Sends the request; rejects with the SDK's error family on failure, non-2xx included. */
  request<T>(spec: RequestSpec): ApiPromise<T>;
  readonly options: Readonly<HttpClientOptions>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Retrying these cannot duplicate a side effect; ky compares them in lower case. */
const IDEMPOTENT_METHODS = ['get', 'put', 'head', 'delete', 'options', 'trace'];

/** ky's default retry statuses minus 413: a body that is too large stays too large. */
const RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504];

const retryOptions = (retry: number | RetryOptions | undefined) =>
  typeof retry === 'number' ? { limit: retry } : retry;

/**
 * The credentials of the first alternative the client holds every token of. An anonymous
 * alternative (`{}`) never wins over one that can be met, so optional credentials are still sent.
 */
function pickCredentials(options: HttpClientOptions, security: Security = []): Credential[] {
  for (const alternative of security) {
    const chosen = alternative.map((name) => options.credentials?.[name]);
    if (chosen.length > 0 && chosen.every(Boolean)) return chosen as Credential[];
  }
  return [];
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  // One ky instance per client: what every call shares (base URL, transport, hooks, the client's
  // retry and timeout) is merged once here; a call passes only what it sets itself.
  const clientRetry: KyRetryOptions = {
    limit: 2,
    statusCodes: RETRY_STATUS_CODES,
    // ky waits for any Retry-After by default, even an hour; a client call should not.
    maxRetryAfter: 60_000,
    ...retryOptions(options.retry),
    methods: IDEMPOTENT_METHODS,
  };
  const clientTimeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const api = ky.create({
    prefixUrl: options.baseUrl,
    retry: clientRetry,
    timeout: clientTimeout,
    hooks: options.hooks,
    fetch: wrapNetworkErrors(options.fetch),
  });

  /** `sent` receives the token sent for each credential, by index. */
  async function sendOnce(
    spec: RequestSpec,
    credentials: Credential[],
    sent: string[] = [],
  ): Promise<Response> {
    const timeout = spec.timeout ?? clientTimeout;
    const format = spec.response ?? 'json';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    for (const [name, value] of Object.entries(spec.headers ?? {})) {
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    const accept = spec.accept ?? (format === 'json' ? 'application/json' : undefined);
    if (accept && headers.accept === undefined) headers.accept = accept;
    const searchParams = toSearchParams(spec.query);
    for (const credential of credentials) {
      const token = await resolveToken(credential.token, spec.signal);
      sent.push(token);
      const scheme = credential.scheme ?? 'Bearer';
      const header = (credential.header ?? 'Authorization').toLowerCase();
      if (credential.query) searchParams.set(credential.query, token);
      else if (headers[header] === undefined) headers[header] = scheme ? `${scheme} ${token}` : token;
    }
    // The query is written into the URL here: given as `searchParams`, ky builds the Request twice more.
    const query = searchParams.toString();
    const path = spec.path.replace(/^\/+/, '') + (query ? `?${query}` : '');
    const perCall: KyOptions = { method: spec.method, headers };
    if (spec.json !== undefined) perCall.json = spec.json;
    if (spec.body !== undefined) perCall.body = spec.body;
    if (spec.signal) perCall.signal = spec.signal;
    if (spec.timeout !== undefined) perCall.timeout = spec.timeout;
    if (spec.retry !== undefined) perCall.retry = { ...clientRetry, ...retryOptions(spec.retry) };
    if (spec.onUploadProgress) perCall.onUploadProgress = spec.onUploadProgress;
    if (spec.onDownloadProgress) perCall.onDownloadProgress = spec.onDownloadProgress;
    try {
      return await api(path, perCall);
    } catch (error) {
      if (error instanceof HTTPError) {
        throw await toApiError(error.response, spec, error.request.url, options);
      }
      if (error instanceof KyTimeoutError && timeout !== false) {
        throw new TimeoutError({ method: spec.method, url: error.request.url, timeout });
      }
      throw error;
    }
  }

  async function send(spec: RequestSpec): Promise<Response> {
    const credentials = pickCredentials(options, spec.security);
    const sent: string[] = [];
    try {
      return await sendOnce(spec, credentials, sent);
    } catch (error) {
      // A 401 means the request was not processed, so any method may be repeated once with a
      // fresh token. A stream body cannot be replayed, hence the exception.
      const providers = credentials.map(({ token }) =>
        typeof token === 'object' && token.invalidate ? token : undefined,
      );
      if (
        isApiError(error) &&
        error.status === 401 &&
        providers.some(Boolean) &&
        !(spec.body instanceof ReadableStream)
      ) {
        for (const [index, provider] of providers.entries()) provider?.invalidate?.(sent[index]);
        return sendOnce(spec, credentials);
      }
      throw error;
    }
  }

  async function respond(spec: RequestSpec) {
    const response = await send(spec);
    const format = spec.response ?? 'json';
    let data: unknown;
    if (format === 'json') {
      const text = await response.text();
      data = text === '' ? undefined : JSON.parse(text);
    } else if (format === 'text') data = await response.text();
    else if (format === 'bytes') data = new Uint8Array(await response.arrayBuffer());
    else if (format === 'stream') data = response.body;
    else await response.body?.cancel();
    const requestId =
      options.requestId?.(response, data) ?? response.headers.get('x-request-id') ?? undefined;
    return { data, response, requestId };
  }

  return {
    options: Object.freeze({ ...options }),
    // `data` is whatever `spec.response` parses; the generated methods give it its documented type.
    request: <T>(spec: RequestSpec) =>
      toApiPromise(respond(spec) as Promise<{ data: T; response: Response; requestId: string | undefined }>),
  };
}

/**
 * Turns a rejected `fetch` into a `NetworkError`, except when the request was aborted: the
 * caller then gets the signal's reason, exactly as with `fetch`. Done inside the fetch so
 * that ky still retries network errors, and so nothing else (hooks, bad input) is mislabelled.
 */
function wrapNetworkErrors(customFetch: typeof globalThis.fetch | undefined) {
  return async (input: Input, init?: RequestInit): Promise<Response> => {
    try {
      return await (customFetch ?? globalThis.fetch)(input, init);
    } catch (error) {
      const request = input instanceof Request ? input : undefined;
      if ((request?.signal ?? init?.signal)?.aborted) throw error;
      throw new NetworkError({
        method: request?.method ?? init?.method ?? 'GET',
        url: request?.url ?? String(input),
        cause: error,
      });
    }
  };
}

async function toApiError(
  response: Response,
  spec: RequestSpec,
  url: string,
  options: HttpClientOptions,
): Promise<ApiError> {
  const body = await readErrorBody(response);
  return new ApiError({
    method: spec.method,
    path: spec.path,
    url,
    response,
    body,
    requestId: options.requestId?.(response, body) ?? response.headers.get('x-request-id') ?? undefined,
    detail: options.errorMessage?.(body) ?? response.statusText,
  });
}

/** JSON when it parses, the raw text otherwise, `undefined` when empty or unreadable. */
async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toSearchParams(query: RequestSpec['query']): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of typeof value === 'object' ? value : [value]) params.append(key, String(item));
  }
  return params;
}

/**
 * Fills `{name}` placeholders with URI-encoded values: `expandPath('/a/{id}', { id: 'x/y' })`
 * gives '/a/x%2Fy'. Throws on a missing parameter.
 */
export function expandPath(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([^}]+)\}/g, (_placeholder, name: string) => {
    const value = Object.hasOwn(params, name) && params[name] != null ? String(params[name]) : undefined;
    if (value === undefined) throw new TypeError(`Missing path parameter "${name}" for ${template}`);
    // '', '.' and '..' would silently address another resource ('/tracks/' or a parent path).
    // Encoding cannot help: URLs treat '%2E%2E' as '..' too.
    if (value === '' || value === '.' || value === '..') {
      throw new TypeError(`Invalid path parameter "${name}" for ${template}: ${JSON.stringify(value)}`);
    }
    return encodeURIComponent(value);
  });
}
