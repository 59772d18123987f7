import ky, {
  type Hooks,
  HTTPError,
  type Input,
  type Options as KyOptions,
  type RetryOptions as KyRetryOptions,
  TimeoutError as KyTimeoutError,
} from 'ky';
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

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined;

export interface AuthOptions {
  token: TokenSource;
  /** Default 'Authorization'. */
  header?: string;
  /** Default 'Bearer'; '' sends the raw token. */
  scheme?: string;
}

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
  auth?: AuthOptions;
  /** Request id for `ApiError.requestId`; falls back to the `x-request-id` header. */
  requestId?: (response: Response, body: unknown) => string | undefined;
  /** Pulls the human message out of the API's error envelope; falls back to the status text. */
  errorMessage?: (body: unknown) => string | undefined;
}

export interface RequestSpec {
  method: HttpMethod;
  /** Already expanded (see `expandPath`); appended to `baseUrl`. */
  path: string;
  /** `undefined`/`null` values are skipped. */
  query?: Record<string, QueryValue>;
  /** Arrays as repeated keys (`a=1&a=2`, default) or comma-joined (`a=1,2`). */
  arrayFormat?: 'repeat' | 'comma';
  /** `undefined` values are skipped. */
  headers?: Record<string, string | undefined>;
  json?: unknown;
  body?: BodyInit;
  /** Send credentials from `options.auth`. Default true; false for public operations. */
  auth?: boolean;
  signal?: AbortSignal;
  timeout?: number | false;
  onUploadProgress?: KyOptions['onUploadProgress'];
  onDownloadProgress?: KyOptions['onDownloadProgress'];
}

export interface HttpClient {
  /** An empty body (e.g. 204) resolves to `undefined`. */
  json<T>(spec: RequestSpec): Promise<T>;
  text(spec: RequestSpec): Promise<string>;
  bytes(spec: RequestSpec): Promise<Uint8Array>;
  blob(spec: RequestSpec): Promise<Blob>;
  void(spec: RequestSpec): Promise<void>;
  /** The raw response, for SSE and streams. Still throws `ApiError` on non-2xx. */
  response(spec: RequestSpec): Promise<Response>;
  readonly options: Readonly<HttpClientOptions>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Retrying these cannot duplicate a side effect; ky compares them in lower case. */
const IDEMPOTENT_METHODS = ['get', 'put', 'head', 'delete', 'options', 'trace'];

/** ky's default retry statuses minus 413: a body that is too large stays too large. */
const RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504];

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const retry: KyRetryOptions = {
    limit: 2,
    statusCodes: RETRY_STATUS_CODES,
    // ky waits for any Retry-After by default, even an hour; a client call should not.
    maxRetryAfter: 60_000,
    ...(typeof options.retry === 'number' ? { limit: options.retry } : options.retry),
    methods: IDEMPOTENT_METHODS,
  };
  const fetchWithNetworkErrors = wrapNetworkErrors(options.fetch);
  const tokenProvider = typeof options.auth?.token === 'object' ? options.auth.token : undefined;

  async function requestHeaders(spec: RequestSpec, accept: string | undefined): Promise<Headers> {
    const headers = new Headers(options.headers);
    for (const [name, value] of Object.entries(spec.headers ?? {})) {
      if (value !== undefined) headers.set(name, value);
    }
    if (accept && !headers.has('accept')) headers.set('accept', accept);

    const { auth } = options;
    if (auth && spec.auth !== false) {
      const token = await resolveToken(auth.token, spec.signal);
      const scheme = auth.scheme ?? 'Bearer';
      headers.set(auth.header ?? 'Authorization', scheme ? `${scheme} ${token}` : token);
    }
    return headers;
  }

  async function sendOnce(spec: RequestSpec, accept: string | undefined): Promise<Response> {
    const timeout = spec.timeout ?? options.timeout ?? DEFAULT_TIMEOUT_MS;
    try {
      return await ky(spec.path.replace(/^\/+/, ''), {
        prefixUrl: options.baseUrl,
        method: spec.method,
        headers: await requestHeaders(spec, accept),
        searchParams: toSearchParams(spec.query, spec.arrayFormat),
        json: spec.json,
        body: spec.body,
        signal: spec.signal,
        timeout,
        retry,
        hooks: options.hooks,
        fetch: fetchWithNetworkErrors,
        onUploadProgress: spec.onUploadProgress,
        onDownloadProgress: spec.onDownloadProgress,
      });
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

  async function send(spec: RequestSpec, accept?: string): Promise<Response> {
    try {
      return await sendOnce(spec, accept);
    } catch (error) {
      // A 401 means the request was not processed, so any method may be repeated once with a
      // fresh token. A stream body cannot be replayed, hence the exception.
      const sentToken = tokenProvider !== undefined && spec.auth !== false;
      const bodyReplayable = !(spec.body instanceof ReadableStream);
      if (
        isApiError(error) &&
        error.status === 401 &&
        sentToken &&
        bodyReplayable &&
        tokenProvider.invalidate
      ) {
        tokenProvider.invalidate();
        return sendOnce(spec, accept);
      }
      throw error;
    }
  }

  return {
    options: Object.freeze({ ...options }),
    async json<T>(spec: RequestSpec): Promise<T> {
      const text = await (await send(spec, 'application/json')).text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    async text(spec) {
      return (await send(spec)).text();
    },
    async bytes(spec) {
      return new Uint8Array(await (await send(spec)).arrayBuffer());
    },
    async blob(spec) {
      return (await send(spec)).blob();
    },
    async void(spec) {
      await (await send(spec)).body?.cancel();
    },
    response: (spec) => send(spec),
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

function toSearchParams(
  query: RequestSpec['query'],
  arrayFormat: RequestSpec['arrayFormat'] = 'repeat',
): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object') {
      params.append(key, String(value));
    } else if (arrayFormat === 'comma') {
      if (value.length > 0) params.append(key, value.join(','));
    } else {
      for (const item of value) params.append(key, String(item));
    }
  }
  return params;
}

/**
 * Fills `{name}` placeholders with URI-encoded values: `expandPath('/a/{id}', { id: 'x/y' })`
 * gives '/a/x%2Fy'. Throws on a missing parameter.
 */
export function expandPath(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_placeholder, name: string) => {
    const value = Object.hasOwn(params, name) ? String(params[name]) : undefined;
    if (value === undefined) throw new TypeError(`Missing path parameter "${name}" for ${template}`);
    // '', '.' and '..' would silently address another resource ('/tracks/' or a parent path).
    // Encoding cannot help: URLs treat '%2E%2E' as '..' too.
    if (value === '' || value === '.' || value === '..') {
      throw new TypeError(`Invalid path parameter "${name}" for ${template}: ${JSON.stringify(value)}`);
    }
    return encodeURIComponent(value);
  });
}
