import type { components } from '@music-apis/spec/downloader';
import {
  type ApiPromise,
  type CallOptions,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type Paginator,
  paginateByOffset,
  type TokenSource,
} from '../core/index.js';
import {
  type CreateCredentialResult,
  type DownloaderMethods,
  downloaderMethods,
  type ListHistoryParams,
  type UpdateConfigResult,
} from './client.gen.js';
import {
  createDownloaderSession,
  type DownloaderCredentials,
  type DownloaderLoginResponse,
  type DownloaderSession,
  downloaderErrorMessage,
} from './lib/session.js';

/** The downloader's error styles (`{ detail }`, `{ detail: { error } }`, `{ error }`, 422's `{ detail: [...] }`), on `ApiError.body`. */
export type DownloaderErrorBody =
  | components['schemas']['DetailError']
  | components['schemas']['NestedError']
  | components['schemas']['TopLevelError']
  | components['schemas']['ValidationError']
  | components['schemas']['AuthRequiredError'];

/** The main configuration as the server answers it (every key, defaults applied). */
export type DownloaderConfig = components['schemas']['Config'];
/** Keys of a configuration update: any subset, shallow-merged into the saved configuration. */
export type DownloaderConfigUpdate = components['schemas']['ConfigFields'];
export type DownloaderWatchConfig = components['schemas']['WatchConfig'];
export type DownloaderWatchConfigUpdate = components['schemas']['WatchConfigFields'];
/** A stored account as `getCredential` answers it (secrets in plain text, for admins). */
export type DownloaderCredential = components['schemas']['Credential'];
export type DownloaderUser = components['schemas']['User'];
/** One download in the history (a track, album or playlist, its counters and details). */
export type DownloaderHistoryEntry = components['schemas']['HistoryEntry'];
export type { DownloaderCredentials, DownloaderLoginResponse, DownloaderSession };

export interface DownloaderClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /**
   * The JWT from `login`: a string, a function, a `TokenProvider`, or `{ username, password }` to
   * log in on the first call and again when the token expires or is refused (see
   * `createDownloaderSession`). Not needed when the server runs with auth disabled (the default).
   */
  auth?: TokenSource | DownloaderCredentials;
}

export interface DownloaderClient extends DownloaderMethods {
  /** `POST /api/config` with only the keys to change: the full saved configuration comes back. */
  saveConfig(changes: DownloaderConfigUpdate, options?: CallOptions): ApiPromise<UpdateConfigResult>;
  /** `POST /api/credentials/spotify/{name}` with a librespot login blob (object or JSON text). */
  addSpotifyAccount(
    name: string,
    account: { blob_content: Record<string, unknown> | string; region?: string },
    options?: CallOptions,
  ): ApiPromise<CreateCredentialResult>;
  /** `POST /api/credentials/deezer/{name}` with the account's ARL cookie. */
  addDeezerAccount(
    name: string,
    account: { arl: string; region?: string },
    options?: CallOptions,
  ): ApiPromise<CreateCredentialResult>;
  /**
   * Every history record matching `query`, newest first, page by page (`limit` per page, default
   * 100): `for await (const entry of client.iterateHistory({ status: 'failed' }))`. The list has
   * no total; paging stops at the first page shorter than `limit`.
   */
  iterateHistory(
    query?: Omit<ListHistoryParams, 'offset'>,
    options?: CallOptions,
  ): Paginator<DownloaderHistoryEntry, components['schemas']['HistoryList']>;
  /** The session behind `auth: { username, password }`. */
  readonly session: DownloaderSession | undefined;
  readonly http: HttpClient;
}

const isCredentials = (auth: unknown): auth is DownloaderCredentials =>
  typeof auth === 'object' && auth !== null && 'username' in auth && 'password' in auth;

export function createDownloaderClient(options: DownloaderClientOptions): DownloaderClient {
  const { auth, ...httpOptions } = options;
  const session = isCredentials(auth)
    ? createDownloaderSession({ ...httpOptions, credentials: auth })
    : undefined;
  const token: TokenSource | undefined = session ?? (isCredentials(auth) ? undefined : auth);
  const http = createHttpClient({
    ...httpOptions,
    credentials: {
      bearerAuth: token === undefined ? undefined : { token },
      // EventSource cannot send headers: the stream takes the same token as `?token=`.
      streamToken: token === undefined ? undefined : { token, query: 'token' },
    },
    errorMessage: downloaderErrorMessage,
  });
  const methods = downloaderMethods(http);
  return {
    ...methods,
    saveConfig: (changes, callOptions) => methods.updateConfig({ body: changes }, callOptions),
    addSpotifyAccount: (name, account, callOptions) =>
      methods.createCredential({ service: 'spotify', name, body: account }, callOptions),
    addDeezerAccount: (name, account, callOptions) =>
      methods.createCredential({ service: 'deezer', name, body: account }, callOptions),
    iterateHistory: (query = {}, callOptions) =>
      paginateByOffset({
        limit: Math.min(query.limit ?? 100, 500),
        fetchPage: (offset, limit) => methods.listHistory({ ...query, offset, limit }, callOptions),
        items: (page) => page.downloads,
      }),
    session,
    http,
  };
}
