import type { components } from '@music-apis/spec/downloader';
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type TokenSource,
} from '../core/index.js';
import { type DownloaderMethods, downloaderMethods } from './client.gen.js';

/** The downloader's three error styles (`{ detail }`, `{ detail: { error } }`, `{ error }`), on `ApiError.body`. */
export type DownloaderErrorBody =
  | components['schemas']['DetailError']
  | components['schemas']['NestedError']
  | components['schemas']['TopLevelError'];

export interface DownloaderClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /**
   * The JWT from `login` (`Authorization: Bearer …`): a string, a function or a `TokenProvider`.
   * Not needed when the server runs with auth disabled (the original's default).
   */
  auth?: TokenSource;
}

export interface DownloaderClient extends DownloaderMethods {
  readonly http: HttpClient;
}

export function createDownloaderClient(options: DownloaderClientOptions): DownloaderClient {
  const { auth, ...httpOptions } = options;
  const http = createHttpClient({
    ...httpOptions,
    credentials: { bearerAuth: auth === undefined ? undefined : { token: auth } },
    errorMessage: downloaderErrorMessage,
  });
  return { ...downloaderMethods(http), http };
}

/** The human message of any of the three error styles. */
function downloaderErrorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { detail, error } = body as { detail?: unknown; error?: unknown };
  const nested =
    typeof detail === 'object' && detail !== null ? (detail as { error?: unknown }).error : detail;
  const message = nested ?? error;
  return typeof message === 'string' ? message : undefined;
}
