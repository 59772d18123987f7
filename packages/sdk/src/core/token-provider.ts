export interface TokenProvider {
  getToken(options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * Forget the current token, e.g. after the server rejected it with 401. Given the rejected
   * token, only while it is still the current one: concurrent calls that all got a 401 then
   * share one new token instead of each fetching its own.
   */
  invalidate?(rejected?: string): void;
}

export type TokenSource = string | TokenProvider | (() => string | Promise<string>);

export interface FetchedToken {
  token: string;
  /** Omitted: the token is kept until `invalidate()`. */
  expiresInSeconds?: number;
}

export interface CachedTokenProviderOptions {
  /** Refresh this many seconds before the token expires, so it does not expire mid-request. Default 30. */
  refreshSkewSeconds?: number;
  /** Clock in milliseconds, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token must be refreshed; undefined = no expiry. */
  refreshAt: number | undefined;
}

interface InFlightFetch {
  promise: Promise<string>;
  controller: AbortController;
  waiters: number;
}

/**
 * Caches the token from `fetchToken` until shortly before it expires. Concurrent callers share
 * one in-flight fetch; a failed fetch is not cached, so the next call tries again.
 */
export function createCachedTokenProvider(
  fetchToken: (signal?: AbortSignal) => Promise<FetchedToken>,
  options: CachedTokenProviderOptions = {},
): Required<TokenProvider> {
  const refreshSkewMs = (options.refreshSkewSeconds ?? 30) * 1000;
  const now = options.now ?? Date.now;
  let cached: CachedToken | undefined;
  let inFlight: InFlightFetch | undefined;

  function startFetch(): InFlightFetch {
    const controller = new AbortController();
    const promise = fetchToken(controller.signal).then(({ token, expiresInSeconds }) => {
      const refreshAt =
        expiresInSeconds === undefined ? undefined : now() + expiresInSeconds * 1000 - refreshSkewMs;
      cached = { token, refreshAt };
      return token;
    });
    const flight: InFlightFetch = { promise, controller, waiters: 0 };
    const settle = () => {
      if (inFlight === flight) inFlight = undefined;
    };
    promise.then(settle, settle);
    return flight;
  }

  return {
    async getToken({ signal } = {}) {
      signal?.throwIfAborted();
      if (cached && (cached.refreshAt === undefined || now() < cached.refreshAt)) return cached.token;

      inFlight ??= startFetch();
      const flight = inFlight;
      flight.waiters++;
      try {
        return await rejectOnAbort(flight.promise, signal);
      } finally {
        flight.waiters--;
        // One caller giving up must not fail the others; cancel only once nobody is waiting.
        if (flight.waiters === 0 && signal?.aborted) {
          if (inFlight === flight) inFlight = undefined;
          flight.controller.abort(signal.reason);
        }
      }
    },
    invalidate(rejected) {
      if (rejected === undefined || rejected === cached?.token) cached = undefined;
    },
  };
}

function rejectOnAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Current token of any `TokenSource`. */
export async function resolveToken(source: TokenSource, signal?: AbortSignal): Promise<string> {
  if (typeof source === 'string') return source;
  if (typeof source === 'function') return source();
  return source.getToken({ signal });
}

/** Seconds until the JWT's `exp`, read without verifying (the server verifies); undefined if unreadable. */
export function secondsUntilExpiry(jwt: string, now: number): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    return typeof json.exp === 'number' ? json.exp - now / 1000 : undefined;
  } catch {
    return undefined;
  }
}
