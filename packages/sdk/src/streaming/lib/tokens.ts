import type { components } from '@music-apis/spec/streaming';
import {
  createCachedTokenProvider,
  createHttpClient,
  type HttpClientOptions,
  type TokenProvider,
} from '../../core/index.js';
import { type StreamingMethods, streamingMethods } from '../client.gen.js';

/**
 * The streaming API's three kinds of token, each as a `TokenProvider` the client sends and renews
 * by itself: the tenant's client-credentials token, an end user's session (rotating refresh
 * token), and a User Delegation Token minted by the tenant for one user on one device.
 */

export type AuthSession = components['schemas']['AuthSession'];
export type UserDelegationToken = components['schemas']['UserDelegationToken'];

/** A tenant's OAuth2 client, for the client credentials grant. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

type ConnectionOptions = Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'>;

/** Laravel's `{ message }` (every error body of this API has one). */
export function streamingErrorMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** Public operations (token, refresh, logout) send no credentials: a client without any. */
const publicMethods = (options: ConnectionOptions) =>
  streamingMethods(createHttpClient({ ...options, errorMessage: streamingErrorMessage }));

export interface ProviderClockOptions {
  /** Renew this many seconds before the token expires. Default 30. */
  refreshSkewSeconds?: number;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * The tenant token from `POST /oauth/token`: fetched on first use, cached until shortly before it
 * expires (or a 401), one request for all concurrent callers.
 */
export function createClientCredentialsTokenProvider(
  options: ConnectionOptions & ClientCredentials & ProviderClockOptions,
): Required<TokenProvider> {
  const { clientId, clientSecret, refreshSkewSeconds, now, ...connection } = options;
  const methods = publicMethods(connection);
  return createCachedTokenProvider(
    async (signal) => {
      const issued = await methods.issueClientToken(
        { body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } },
        { signal },
      );
      return { token: issued.access_token, expiresInSeconds: issued.expires_in };
    },
    { refreshSkewSeconds, now },
  );
}

export interface SessionTokenProviderOptions extends ConnectionOptions, ProviderClockOptions {
  /** The session from `verifyEmailOtp`, `completeOnboarding` or `refreshSession` (or one persisted by `onTokens`). */
  session: Pick<AuthSession, 'access_token' | 'refresh_token' | 'expires_in'>;
  /** When the stored session's access token expires (epoch ms); default: `expires_in` from now. */
  accessTokenExpiresAt?: number;
  /** Called with every new pair: persist it, since the previous refresh token stops working. */
  onTokens?(session: AuthSession): void | Promise<void>;
}

export interface SessionTokenProvider extends Required<TokenProvider> {
  /** The current pair. */
  readonly session: Pick<AuthSession, 'access_token' | 'refresh_token'> | undefined;
  /** Rotates now (one request, whoever else asks meanwhile); the new access token. */
  refresh(): Promise<string>;
  /** Ends the session on the server (idempotent) and forgets it. */
  logout(): Promise<void>;
}

/**
 * An end user's session: the access token until shortly before it expires or a 401, then one
 * refresh for every concurrent caller, since each refresh token works once and a second use would
 * revoke the whole session. A refresh in flight is never cancelled by a caller's signal: the server
 * rotates either way, and dropping its answer would lose the only valid pair.
 */
export function createSessionTokenProvider(options: SessionTokenProviderOptions): SessionTokenProvider {
  const {
    session: initial,
    accessTokenExpiresAt,
    onTokens,
    refreshSkewSeconds = 30,
    now = Date.now,
    ...connection
  } = options;
  const methods = publicMethods(connection);
  let session: Pick<AuthSession, 'access_token' | 'refresh_token'> | undefined = initial;
  let expiresAt = accessTokenExpiresAt ?? now() + initial.expires_in * 1000;
  let inFlight: Promise<string> | undefined;

  const refresh = () => {
    inFlight ??= (async () => {
      if (!session) throw new Error('The session has ended (logout, or its refresh token was refused)');
      try {
        const fresh = await methods.refreshSession({ body: { refresh_token: session.refresh_token } });
        session = fresh;
        expiresAt = now() + fresh.expires_in * 1000;
        await onTokens?.(fresh);
        return fresh.access_token;
      } catch (error) {
        // Refused (expired, revoked, reused): the pair is dead; anything else may be retried.
        if ((error as { status?: number }).status === 401) session = undefined;
        throw error;
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    async getToken({ signal } = {}) {
      signal?.throwIfAborted();
      if (session && !inFlight && now() < expiresAt - refreshSkewSeconds * 1000) return session.access_token;
      return refresh();
    },
    invalidate(rejected) {
      if (rejected === undefined || rejected === session?.access_token) expiresAt = 0;
    },
    refresh,
    get session() {
      return session;
    },
    async logout() {
      const ending = session;
      session = undefined;
      if (ending) await methods.logout({ body: { refresh_token: ending.refresh_token } });
    },
  };
}

export interface UdtTokenProviderOptions extends ProviderClockOptions {
  /** A client with the tenant's credentials (`auth.tenant`), which mints the tokens. */
  tenantClient: Pick<StreamingMethods, 'mintUserDelegationToken'>;
  userId: string;
  /** The device the tokens are bound to: send them from it only (`X-Device-Id`). */
  deviceId: string;
}

/** User Delegation Tokens for one user on one device: minted on first use and again before each expires (600 s). */
export function createUdtTokenProvider(options: UdtTokenProviderOptions): Required<TokenProvider> {
  const { tenantClient, userId, deviceId, refreshSkewSeconds, now } = options;
  return createCachedTokenProvider(
    async (signal) => {
      const minted = await tenantClient.mintUserDelegationToken(
        { user_id: userId, body: { deviceId } },
        { signal },
      );
      return { token: minted.token, expiresInSeconds: minted.expires_in };
    },
    { refreshSkewSeconds, now },
  );
}

/**
 * A UDT provider per user and device, made on first use and reused: a tenant backend serving many
 * devices keeps one of these.
 */
export function createUdtTokenProviders(options: Omit<UdtTokenProviderOptions, 'userId' | 'deviceId'>): {
  forDevice(userId: string, deviceId: string): Required<TokenProvider>;
} {
  const providers = new Map<string, Required<TokenProvider>>();
  return {
    forDevice(userId, deviceId) {
      const key = `${userId}\n${deviceId.toLowerCase()}`;
      let provider = providers.get(key);
      if (!provider) {
        provider = createUdtTokenProvider({ ...options, userId, deviceId });
        providers.set(key, provider);
      }
      return provider;
    },
  };
}
