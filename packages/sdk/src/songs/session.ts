import {
  createCachedTokenProvider,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  isApiError,
  type TokenProvider,
} from '../core/index.js';
import type { components } from './schema.gen.js';

export type LoginResponse = components['schemas']['LoginResponse'];

export interface SongsCredentials {
  email: string;
  password: string;
}

export interface SongsSessionOptions extends Omit<HttpClientOptions, 'auth' | 'errorMessage' | 'requestId'> {
  credentials: SongsCredentials;
  /** Refresh this many seconds before the access token expires. Default 30. */
  refreshSkewSeconds?: number;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A logged-in session as a `TokenProvider`: the first call logs in; when the access token is about
 * to expire, or a call is answered 401 (the client then calls `invalidate()` and retries once), it
 * refreshes with the refresh token — one refresh for all concurrent callers, since each refresh
 * token works once — and logs in again if the refresh token is no longer accepted.
 */
export interface SongsSession extends Required<TokenProvider> {
  /** The current tokens, once logged in. */
  readonly tokens: LoginResponse | undefined;
  /** Forgets the tokens; the next call logs in again. */
  logout(): void;
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

export function createSongsSession(options: SongsSessionOptions): SongsSession {
  const { credentials, refreshSkewSeconds, now = Date.now, ...httpOptions } = options;
  const http: HttpClient = createHttpClient({ ...httpOptions, errorMessage: songsErrorMessage });
  let tokens: LoginResponse | undefined;

  const login = (signal?: AbortSignal) =>
    http.json<LoginResponse>({
      method: 'POST',
      path: '/v1/auth/login',
      json: credentials,
      auth: false,
      signal,
    });
  const refresh = (refreshToken: string, signal?: AbortSignal) =>
    http.json<LoginResponse>({
      method: 'GET',
      path: '/v1/auth/refresh',
      headers: { authorization: `Bearer ${refreshToken}` },
      auth: false,
      signal,
    });

  const provider = createCachedTokenProvider(
    async (signal) => {
      let fresh: LoginResponse | undefined;
      if (tokens) {
        try {
          fresh = await refresh(tokens.refreshToken, signal);
        } catch (error) {
          // Expired, revoked or already used: start over with the password.
          if (!isApiError(error) || error.status !== 401) throw error;
        }
      }
      fresh ??= await login(signal);
      tokens = fresh;
      return { token: fresh.accessToken, expiresInSeconds: secondsUntilExpiry(fresh.accessToken, now()) };
    },
    { refreshSkewSeconds, now },
  );

  return {
    getToken: provider.getToken,
    invalidate: provider.invalidate,
    get tokens() {
      return tokens;
    },
    logout() {
      tokens = undefined;
      provider.invalidate();
    },
  };
}

/** The `cause` of the songs API's `{ code, description, cause }` error body. */
export function songsErrorMessage(body: unknown): string | undefined {
  const cause = (body as { cause?: unknown } | undefined)?.cause;
  return typeof cause === 'string' ? cause : undefined;
}
