import type { components } from '@music-apis/spec/streaming';
import {
  type CallOptions,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type Paginator,
  type TokenProvider,
  type TokenSource,
} from '../core/index.js';
import {
  type SearchPlaylistsParams,
  type SearchPlaylistsResult,
  type StreamingMethods,
  streamingMethods,
} from './client.gen.js';
import { type CatalogSearchIterators, catalogSearchIterators } from './lib/catalog-search.js';
import { paginatePlaylistSearch, type StreamingPlaylist } from './lib/playlists.js';
import {
  type ClientCredentials,
  createClientCredentialsTokenProvider,
  streamingErrorMessage,
} from './lib/tokens.js';

/** Laravel's error body (`{ message, code? }`, plus `errors` on 422), on `ApiError.body`. */
export type StreamingErrorBody = components['schemas']['ErrorMessage'];
export type StreamingValidationErrorBody = components['schemas']['ValidationError'];
/** The token endpoint's RFC 6749 error body. */
export type OAuthErrorBody = components['schemas']['OAuthError'];
export type ClientToken = components['schemas']['ClientToken'];
export type StreamingUser = components['schemas']['User'];

export interface StreamingAuth {
  /**
   * The tenant (machine-to-machine) token for the Users and UDT operations (`OAuth2`): a string,
   * a function, a `TokenProvider`, or `{ clientId, clientSecret }` to fetch one from
   * `POST /oauth/token` and reuse it until it expires.
   */
  tenant?: TokenSource | ClientCredentials;
  /**
   * The end user's token (`UserToken`): a User Delegation Token or a session access token; a
   * `createSessionTokenProvider` or `createUdtTokenProvider` renews it by itself.
   */
  user?: TokenSource;
}

export interface StreamingClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /** Sent per operation as its document says: the user's token first where both are accepted. */
  auth?: StreamingAuth;
  /**
   * This device's id, sent as `X-Device-Id` with every request: user tokens are bound to a device,
   * and the server refuses one sent with another device's id.
   */
  deviceId?: string;
}

export interface StreamingClient extends StreamingMethods, CatalogSearchIterators {
  /** Every playlist `searchPlaylists` matches, fetched page by page: `for await` over playlists, `.pages()` over pages. */
  iteratePlaylistSearch(
    query: SearchPlaylistsParams,
    options?: CallOptions,
  ): Paginator<StreamingPlaylist, SearchPlaylistsResult>;
  /** The provider behind `auth.tenant: { clientId, clientSecret }`: `invalidate()` forces a new token. */
  readonly tenantTokenProvider: TokenProvider | undefined;
  readonly http: HttpClient;
}

export function createStreamingClient(options: StreamingClientOptions): StreamingClient {
  const { auth = {}, deviceId, ...httpOptions } = options;
  const { tenant, user } = auth;
  const connection = {
    ...httpOptions,
    headers:
      deviceId === undefined ? httpOptions.headers : { ...httpOptions.headers, 'x-device-id': deviceId },
  };
  const tenantTokenProvider = isClientCredentials(tenant)
    ? createClientCredentialsTokenProvider({ ...connection, ...tenant })
    : undefined;
  const tenantToken = isClientCredentials(tenant) ? tenantTokenProvider : tenant;
  const http = createHttpClient({
    ...connection,
    credentials: {
      OAuth2: tenantToken === undefined ? undefined : { token: tenantToken },
      UserToken: user === undefined ? undefined : { token: user },
    },
    errorMessage: streamingErrorMessage,
  });
  const methods = streamingMethods(http);
  return {
    ...methods,
    ...catalogSearchIterators(methods),
    iteratePlaylistSearch: (query, call) => paginatePlaylistSearch(methods, query, call),
    tenantTokenProvider,
    http,
  };
}

const isClientCredentials = (tenant: StreamingAuth['tenant']): tenant is ClientCredentials =>
  typeof tenant === 'object' && 'clientId' in tenant && 'clientSecret' in tenant;
