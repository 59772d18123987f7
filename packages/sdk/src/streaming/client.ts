import type { components } from '@music-apis/spec/streaming';
import {
  createCachedTokenProvider,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type TokenProvider,
  type TokenSource,
} from '../core/index.js';
import { type StreamingMethods, streamingMethods } from './client.gen.js';

/** Laravel's error body (`{ message, code? }`, plus `errors` on 422), on `ApiError.body`. */
export type StreamingErrorBody = components['schemas']['ErrorMessage'];
/** The token endpoint's RFC 6749 error body. */
export type OAuthErrorBody = components['schemas']['OAuthError'];
export type ClientToken = components['schemas']['ClientToken'];

/** A tenant's OAuth2 client, for the client credentials grant. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface StreamingAuth {
  /**
   * The tenant (machine-to-machine) token for the Users and UDT operations (`OAuth2`): a string,
   * a function, a `TokenProvider`, or `{ clientId, clientSecret }` to fetch one from
   * `POST /oauth/token` and reuse it until it expires.
   */
  tenant?: TokenSource | ClientCredentials;
  /** The end user's token (`UserToken`): a User Delegation Token or a session access token. */
  user?: TokenSource;
}

export interface StreamingClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /** Sent per operation as its document says: the user's token first where both are accepted. */
  auth?: StreamingAuth;
}

export interface StreamingClient extends StreamingMethods {
  /** The provider behind `auth.tenant: { clientId, clientSecret }`: `invalidate()` forces a new token. */
  readonly tenantTokenProvider: TokenProvider | undefined;
  readonly http: HttpClient;
}

export function createStreamingClient(options: StreamingClientOptions): StreamingClient {
  const { auth = {}, ...httpOptions } = options;
  const { tenant, user } = auth;
  // `issueClientToken` is public, so fetching the tenant token never sends one.
  const tenantTokenProvider = isClientCredentials(tenant)
    ? createCachedTokenProvider(async (signal) => {
        const issued = await methods.issueClientToken(
          {
            body: {
              grant_type: 'client_credentials',
              client_id: tenant.clientId,
              client_secret: tenant.clientSecret,
            },
          },
          { signal },
        );
        return { token: issued.access_token, expiresInSeconds: issued.expires_in };
      })
    : undefined;
  const tenantToken = isClientCredentials(tenant) ? tenantTokenProvider : tenant;
  const http = createHttpClient({
    ...httpOptions,
    credentials: {
      OAuth2: tenantToken === undefined ? undefined : { token: tenantToken },
      UserToken: user === undefined ? undefined : { token: user },
    },
    errorMessage: (body) => {
      const message = (body as Partial<StreamingErrorBody> | undefined)?.message;
      return typeof message === 'string' ? message : undefined;
    },
  });
  const methods = streamingMethods(http);
  return { ...methods, tenantTokenProvider, http };
}

const isClientCredentials = (tenant: StreamingAuth['tenant']): tenant is ClientCredentials =>
  typeof tenant === 'object' && 'clientId' in tenant && 'clientSecret' in tenant;
