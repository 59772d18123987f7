import type { components } from '@music-apis/spec/downloader';
import {
  createCachedTokenProvider,
  createHttpClient,
  type HttpClientOptions,
  secondsUntilExpiry,
  type TokenProvider,
} from '../../core/index.js';
import { downloaderMethods } from '../client.gen.js';

export type DownloaderLoginResponse = components['schemas']['LoginResponse'];

export interface DownloaderCredentials {
  username: string;
  password: string;
}

export interface DownloaderSessionOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  credentials: DownloaderCredentials;
  /** Log in again this many seconds before the token expires. Default 30. */
  refreshSkewSeconds?: number;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A logged-in downloader session as a `TokenProvider`: the first call logs in (one login for all
 * concurrent callers); shortly before the token's 24 h run out, or after a 401 (the client then
 * calls `invalidate()` and retries once), it logs in again. The downloader has no refresh token.
 * The same token goes as `Authorization: Bearer` and, on the progress stream only, as `?token=`.
 */
export interface DownloaderSession extends Required<TokenProvider> {
  /** The last login's answer (token and user), once logged in. */
  readonly login: DownloaderLoginResponse | undefined;
  /** Forgets the token (the server's logout is stateless); the next call logs in again. */
  logout(): void;
}

export function createDownloaderSession(options: DownloaderSessionOptions): DownloaderSession {
  const { credentials, refreshSkewSeconds, now = Date.now, ...httpOptions } = options;
  // Login is public: this client holds no credentials.
  const methods = downloaderMethods(
    createHttpClient({ ...httpOptions, errorMessage: downloaderErrorMessage }),
  );
  let login: DownloaderLoginResponse | undefined;
  const provider = createCachedTokenProvider(
    async (signal) => {
      login = await methods.login({ body: credentials }, { signal });
      return { token: login.access_token, expiresInSeconds: secondsUntilExpiry(login.access_token, now()) };
    },
    { refreshSkewSeconds, now },
  );
  return {
    getToken: provider.getToken,
    invalidate: provider.invalidate,
    get login() {
      return login;
    },
    logout() {
      login = undefined;
      provider.invalidate();
    },
  };
}

/** The human message of any of the downloader's error styles (`{detail}`, `{detail: {error}}`, `{error}`, `{detail: [...]}`). */
export function downloaderErrorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { detail, error, message } = body as { detail?: unknown; error?: unknown; message?: unknown };
  if (Array.isArray(detail)) {
    const first = detail[0] as { msg?: unknown; loc?: unknown[] } | undefined;
    return typeof first?.msg === 'string' ? `${(first.loc ?? []).join('.')}: ${first.msg}` : undefined;
  }
  const nested =
    typeof detail === 'object' && detail !== null
      ? ((detail as { error?: unknown; message?: unknown }).error ??
        (detail as { message?: unknown }).message)
      : detail;
  const text = nested ?? error ?? message;
  return typeof text === 'string' ? text : undefined;
}
