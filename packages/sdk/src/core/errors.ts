/**
 * Marks every SDK error with its kind. The guards below check this marker instead of relying on
 * `instanceof` alone, because an app can load two copies of the SDK (ESM + CJS) whose classes differ.
 */
const ERROR_KIND: unique symbol = Symbol.for('music-apis.error');

type ErrorKind = 'MusicApiError' | 'ApiError' | 'TimeoutError' | 'NetworkError';

/** Base class of every error the SDK throws (user aborts excepted: they reject as `fetch` does). */
export class MusicApiError extends Error {
  override name = 'MusicApiError';
  readonly [ERROR_KIND]: ErrorKind = 'MusicApiError';
}

export interface ApiErrorInit<TBody> {
  method: string;
  /** Path as the caller passed it, used in the message; `url` holds the full URL. */
  path: string;
  url: string;
  response: Response;
  body: TBody | undefined;
  requestId: string | undefined;
  /** Human-readable reason, usually extracted from the API's error envelope. */
  detail: string | undefined;
}

/**
 * The server answered with a non-2xx status. Each generated method documents its errors as a
 * union of these, one per documented status (e.g. `CreateTrackError`), which `status` narrows.
 */
export class ApiError<TBody = unknown, TStatus extends number = number> extends MusicApiError {
  override name = 'ApiError';
  override readonly [ERROR_KIND]: ErrorKind = 'ApiError';
  readonly status: TStatus;
  /** Parsed JSON error body in the API's own envelope; the raw text when it is not JSON. */
  readonly body: TBody | undefined;
  readonly requestId: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly response: Response;

  constructor(init: ApiErrorInit<TBody>) {
    const reason = init.detail ? `: ${init.detail}` : '';
    super(`${init.method} ${init.path} failed with ${init.response.status}${reason}`);
    this.status = init.response.status as TStatus;
    this.body = init.body;
    this.requestId = init.requestId;
    this.method = init.method;
    this.url = init.url;
    this.response = init.response;
  }
}

/** An attempt got no response within the configured `timeout`. */
export class TimeoutError extends MusicApiError {
  override name = 'TimeoutError';
  override readonly [ERROR_KIND]: ErrorKind = 'TimeoutError';
  readonly method: string;
  readonly url: string;
  readonly timeout: number;

  constructor(init: { method: string; url: string; timeout: number }) {
    super(`${init.method} ${init.url} timed out after ${init.timeout} ms`);
    this.method = init.method;
    this.url = init.url;
    this.timeout = init.timeout;
  }
}

/** `fetch` itself rejected (connection refused, DNS failure, reset...); the original error is `cause`. */
export class NetworkError extends MusicApiError {
  override name = 'NetworkError';
  override readonly [ERROR_KIND]: ErrorKind = 'NetworkError';
  readonly method: string;
  readonly url: string;

  constructor(init: { method: string; url: string; cause: unknown }) {
    const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
    super(`${init.method} ${init.url} failed: ${reason}`, { cause: init.cause });
    this.method = init.method;
    this.url = init.url;
  }
}

function kindOf(error: unknown): ErrorKind | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { [ERROR_KIND]?: ErrorKind })[ERROR_KIND];
}

export function isMusicApiError(error: unknown): error is MusicApiError {
  return kindOf(error) !== undefined;
}

/** An operation's error union (`CreateTrackError`) as is, or `ApiError<TBody>` for a body type. */
export type ApiErrorOf<T> = T extends ApiError<unknown, number> ? T : ApiError<T>;

/**
 * `T` is not checked at runtime: it documents what the caller expects, either an operation's
 * error union (`isApiError<CreateTrackError>(error)`, then `error.status` narrows `error.body`)
 * or the API's error envelope (`isApiError<TrackManagerErrorBody>(error)`).
 */
export function isApiError<T = unknown>(error: unknown): error is ApiErrorOf<T> {
  return kindOf(error) === 'ApiError';
}

export function isTimeoutError(error: unknown): error is TimeoutError {
  return kindOf(error) === 'TimeoutError';
}

export function isNetworkError(error: unknown): error is NetworkError {
  return kindOf(error) === 'NetworkError';
}
