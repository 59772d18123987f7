import type { components } from '@music-apis/spec/songs';
import {
  createCachedTokenProvider,
  createHttpClient,
  type HttpClientOptions,
  isApiError,
  secondsUntilExpiry,
  type TokenProvider,
} from '../../core/index.js';
import { songsMethods } from '../client.gen.js';

export type LoginResponse = components['schemas']['LoginResponse'];

export interface SongsCredentials {
  email: string;
  password: string;
}

export interface SongsSessionOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
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

/** `refreshToken` with the refresh token as its credential (the `refreshJwt` scheme), for one call. */
export const refreshTokenHeader = (refreshToken: string) => ({ authorization: `Bearer ${refreshToken}` });

export function createSongsSession(options: SongsSessionOptions): SongsSession {
  const { credentials, refreshSkewSeconds, now = Date.now, ...httpOptions } = options;
  // Login and refresh are public or carry their own token: this client holds no credentials.
  const methods = songsMethods(createHttpClient({ ...httpOptions, errorMessage: songsErrorMessage }));
  let tokens: LoginResponse | undefined;

  const provider = createCachedTokenProvider(
    async (signal) => {
      let fresh: LoginResponse | undefined;
      if (tokens) {
        try {
          fresh = await methods.refreshToken(undefined, {
            signal,
            headers: refreshTokenHeader(tokens.refreshToken),
          });
        } catch (error) {
          // Expired, revoked or already used: start over with the password.
          if (!isApiError(error) || error.status !== 401) throw error;
        }
      }
      fresh ??= await methods.login({ body: credentials }, { signal });
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
