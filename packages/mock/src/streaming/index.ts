import { deterministicUuid } from '@music-apis/catalog';
import {
  authenticateOptionalUser,
  authSessionView,
  builtinCheckoutPage,
  builtinSubscription,
  checkoutNotOpen,
  checkoutReturnUrl,
  checkTokenDevice,
  invalidAuthToken,
  invalidClient,
  invalidOnboardingToken,
  invalidOtpCode,
  invalidRefreshToken,
  laravelPage,
  newBuiltinCheckoutSession,
  newUserRecord,
  OTP_SENT_MESSAGE,
  otpAttempt,
  otpMail,
  productOf,
  STREAMING_ACCESS_TOKEN_SECONDS,
  STREAMING_CLIENT_TOKEN_SECONDS,
  STREAMING_ONBOARDING_TOKEN_SECONDS,
  STREAMING_OTP,
  STREAMING_OTP_LIMITS,
  STREAMING_PAGE_SIZE,
  STREAMING_REFRESH_TOKEN_SECONDS,
  STREAMING_UDT_SECONDS,
  type StreamingUserRecord,
  streamingBearerToken,
  streamingCatalogHandlers,
  streamingEmailTaken,
  streamingErrorReply,
  streamingNotFound,
  streamingTrackIdOf,
  stripeEventChange,
  tooManyAttempts,
  tryBearerScheme,
  type UserFieldChanges,
  userChanges,
  userView,
  verifyStripeSignature,
} from '@music-apis/domain';
import { type components, type operations, streamingSpec } from '@music-apis/spec/streaming';
import type { BinaryBody, MockApiDefinition, MockEnv } from '../core/api.js';
import { memoryCatalogStore } from './catalog.js';
import { hlsHandlers } from './hls.js';
import { playlistHandlers, recordPlay } from './playlists.js';
import { createStreamingState, type StreamingMockState, type StreamingMockToken } from './state.js';

export { STREAMING_MOCK_HLS_URL_SECRET, type StreamingMockPlay } from './hls.js';
export type { StreamingPlaylistsMockState } from './playlists.js';
export {
  STREAMING_MOCK_CLIENT,
  STREAMING_MOCK_STRIPE_WEBHOOK_SECRET,
  type StreamingMockState,
} from './state.js';

/**
 * The streaming API (part 1: tenants and identity) in memory, with the server's rules from
 * `@music-apis/domain`: the same envelopes, lifetimes, limits, OTP and checkout rules. The mock is
 * always the built-in checkout provider; its Stripe webhook checks signatures with
 * `STREAMING_MOCK_STRIPE_WEBHOOK_SECRET`. The client address of every request is `mock`.
 */

/** Who a valid token belongs to. */
export interface StreamingMockTenantCaller {
  tenantId: string;
  clientId: string;
}
export interface StreamingMockUserCaller {
  tenantId: string;
  userId: string;
}
export type StreamingPrincipals = { OAuth2: StreamingMockTenantCaller; UserToken: StreamingMockUserCaller };

type AuthSession = components['schemas']['AuthSession'];

const CLIENT_ADDRESS = 'mock';

export const streamingMockApi: MockApiDefinition<
  operations,
  typeof streamingSpec.operations,
  StreamingMockState,
  StreamingPrincipals
> = {
  spec: streamingSpec,
  createState: createStreamingState,
  errorReply: (error, { operationId }) => streamingErrorReply(error, { operationId }),
  implement(state, context) {
    const nowMs = () => context.now().getTime();
    const newToken = (kind: string) => {
      state.counters.tokens += 1;
      return `mock_${kind}_${deterministicUuid(`streaming-token:${state.counters.tokens}:${nowMs()}`).replace(/-/g, '')}`;
    };
    const liveToken = (authorization: string | undefined): StreamingMockToken | undefined => {
      const token = state.tokens.get(streamingBearerToken(authorization));
      return token && token.expiresAt > nowMs() ? token : undefined;
    };
    const tenantBySlug = (slug: string) => state.tenants.get(slug);
    const tenantById = (id: string) => [...state.tenants.values()].find((tenant) => tenant.id === id);
    /** A user of this tenant only: another tenant's id is not there. */
    const userOf = (tenantId: string, userId: string) => {
      const user = state.users.get(userId.toLowerCase());
      return user && user.tenant_id === tenantId ? user : undefined;
    };
    const userByEmail = (tenantId: string, email: string) =>
      [...state.users.values()].find((user) => user.tenant_id === tenantId && user.email === email);
    const emailTakenByOther = (tenantId: string, email: string, userId: string) =>
      [...state.users.values()].some(
        (user) => user.tenant_id === tenantId && user.email === email && user.id !== userId,
      );
    const update = (user: StreamingUserRecord, changes: Partial<StreamingUserRecord>) =>
      Object.assign(user, changes, { updated_at: nowMs() });

    /** The server's rate limiter: `limit` attempts per window from the first; the wait when refused. */
    function attempt(key: string, limit: number, windowMs: number): number {
      const window = state.rateLimits.get(key);
      if (!window || nowMs() - window.startedAt >= windowMs) {
        state.rateLimits.set(key, { startedAt: nowMs(), count: 1 });
        return 0;
      }
      if (window.count < limit) {
        window.count += 1;
        return 0;
      }
      return Math.max(1, Math.ceil((window.startedAt + windowMs - nowMs()) / 1000));
    }
    /** Each limit in turn; a refusal gives the earlier ones their attempt back, as on the server. */
    function reserve(limits: [string, number, number][]) {
      for (const [index, [key, limit, windowMs]] of limits.entries()) {
        const wait = attempt(key, limit, windowMs);
        if (wait > 0) {
          for (const [earlier] of limits.slice(0, index)) {
            const window = state.rateLimits.get(earlier);
            if (window) window.count -= 1;
          }
          throw tooManyAttempts(wait);
        }
      }
    }

    function issueSession(user: StreamingUserRecord, deviceId: string, familyId?: string): AuthSession {
      state.counters.sessions += 1;
      const family = familyId ?? deterministicUuid(`streaming-family:${state.counters.sessions}:${nowMs()}`);
      const access = newToken('access');
      const refresh = newToken('refresh');
      state.tokens.set(access, {
        kind: 'access',
        tenantId: user.tenant_id,
        clientId: null,
        userId: user.id,
        deviceId,
        familyId: family,
        expiresAt: nowMs() + STREAMING_ACCESS_TOKEN_SECONDS * 1000,
      });
      state.refreshTokens.set(refresh, {
        tenantId: user.tenant_id,
        familyId: family,
        userId: user.id,
        deviceId,
        expiresAt: nowMs() + STREAMING_REFRESH_TOKEN_SECONDS * 1000,
        usedAt: null,
      });
      return authSessionView(user, { access, refresh });
    }
    function revokeFamily(familyId: string, kinds: 'all' | 'access' = 'all') {
      for (const [token, issued] of state.tokens)
        if (issued.familyId === familyId) state.tokens.delete(token);
      if (kinds === 'all')
        for (const [token, issued] of state.refreshTokens)
          if (issued.familyId === familyId) state.refreshTokens.delete(token);
    }

    function openCheckout(sessionId: string) {
      const session = state.checkoutSessions.get(sessionId);
      const tenant = session && tenantById(session.tenant_id);
      const user = session && userOf(session.tenant_id, session.user_id);
      if (!session || !tenant || !user) throw streamingNotFound();
      return { session, tenant, user };
    }
    const today = () => context.now();

    return {
      authenticate: {
        OAuth2: (request, _env, options) =>
          tryBearerScheme(options, () => {
            const token = liveToken(request.header('authorization'));
            if (token?.kind !== 'client' || token.clientId === null) throw invalidAuthToken();
            return { tenantId: token.tenantId, clientId: token.clientId };
          }),
        UserToken: (request, _env, options) =>
          tryBearerScheme(options, () =>
            authenticateOptionalUser(request.header('authorization'), options.optional, () => {
              const token = liveToken(request.header('authorization'));
              if (!token || (token.kind !== 'udt' && token.kind !== 'access') || token.userId === null) {
                throw invalidAuthToken();
              }
              checkTokenDevice(token.deviceId, request.header('x-device-id'));
              if (!userOf(token.tenantId, token.userId)) throw invalidAuthToken();
              return { tenantId: token.tenantId, userId: token.userId };
            }),
          ),
      },
      handlers: {
        issueClientToken({ body }) {
          const client = state.clients.get(body.client_id);
          if (!client || client.secret !== body.client_secret) throw invalidClient();
          const token = newToken('client');
          state.tokens.set(token, {
            kind: 'client',
            tenantId: client.tenantId,
            clientId: body.client_id,
            userId: null,
            deviceId: null,
            familyId: null,
            expiresAt: nowMs() + STREAMING_CLIENT_TOKEN_SECONDS * 1000,
          });
          return {
            status: 200,
            body: { access_token: token, token_type: 'Bearer', expires_in: STREAMING_CLIENT_TOKEN_SECONDS },
            headers: { 'cache-control': 'no-store' },
          };
        },
        mintUserDelegationToken({ path, body, principal }) {
          const user = userOf(principal.tenantId, path.user_id);
          if (!user) throw streamingNotFound();
          const token = newToken('udt');
          state.tokens.set(token, {
            kind: 'udt',
            tenantId: principal.tenantId,
            clientId: principal.clientId,
            userId: user.id,
            deviceId: body.deviceId.toLowerCase(),
            familyId: null,
            expiresAt: nowMs() + STREAMING_UDT_SECONDS * 1000,
          });
          return { status: 200, body: { token_type: 'Bearer', expires_in: STREAMING_UDT_SECONDS, token } };
        },
        listUsers({ query, principal }, { baseUrl }) {
          const page = query.page ?? 1;
          const users = [...state.users.values()].filter((user) => user.tenant_id === principal.tenantId);
          const offset = (page - 1) * STREAMING_PAGE_SIZE;
          return {
            status: 200,
            body: laravelPage(users.slice(offset, offset + STREAMING_PAGE_SIZE).map(userView), {
              page,
              perPage: STREAMING_PAGE_SIZE,
              total: users.length,
              path: `${baseUrl}/api/v1/users`,
            }),
          };
        },
        createUser({ body, principal }) {
          const fields = userChanges(body, today()) as Required<UserFieldChanges>;
          if (userByEmail(principal.tenantId, fields.email)) throw streamingEmailTaken();
          state.counters.users += 1;
          const id = deterministicUuid(`streaming-user:${state.counters.users}:${nowMs()}`);
          const user = newUserRecord({ id, tenant_id: principal.tenantId, nowMs: nowMs() }, fields);
          state.users.set(id, user);
          return { status: 201, body: userView(user) };
        },
        getUser({ path, principal }) {
          const user = userOf(principal.tenantId, path.user_id);
          if (!user) throw streamingNotFound();
          return { status: 200, body: userView(user) };
        },
        updateUser({ path, body, principal }) {
          const changes = userChanges(body, today());
          const user = userOf(principal.tenantId, path.user_id);
          if (!user) throw streamingNotFound();
          if (changes.email !== undefined && emailTakenByOther(principal.tenantId, changes.email, user.id)) {
            throw streamingEmailTaken();
          }
          if (Object.keys(changes).length > 0) update(user, changes);
          return { status: 200, body: userView(user) };
        },
        sendEmailOtp({ body }) {
          const email = body.email.toLowerCase();
          const emailKey = `${body.tenant}\n${email}`;
          reserve([
            [
              `otp-address:${CLIENT_ADDRESS}`,
              STREAMING_OTP_LIMITS.perAddressPerHour,
              STREAMING_OTP_LIMITS.hourMs,
            ],
            [`otp-interval:${emailKey}`, 1, STREAMING_OTP_LIMITS.minIntervalMs],
            [`otp-email:${emailKey}`, STREAMING_OTP_LIMITS.perEmailPerHour, STREAMING_OTP_LIMITS.hourMs],
          ]);
          const tenant = tenantBySlug(body.tenant);
          if (tenant) {
            // Deterministic codes: a test can read them in `state.otpCodes` or the outbox.
            state.counters.codes += 1;
            const code = String(100_000 + ((state.counters.codes * 7919 + email.length * 104_729) % 900_000));
            state.otpCodes.set(`${tenant.id}\n${email}`, {
              code,
              deviceId: null,
              attempts: 0,
              expiresAt: nowMs() + STREAMING_OTP.lifetimeSeconds * 1000,
            });
            context.mail.push({
              recipient: email,
              ...otpMail(code, body.locale ?? 'en', tenant.name),
              sentAt: context.now().toISOString(),
            });
          }
          return { status: 200, body: { message: OTP_SENT_MESSAGE } };
        },
        verifyEmailOtp({ body }) {
          reserve([
            [
              `verify-address:${CLIENT_ADDRESS}`,
              STREAMING_OTP_LIMITS.verifyPerAddressPerHour,
              STREAMING_OTP_LIMITS.hourMs,
            ],
          ]);
          const email = body.email.toLowerCase();
          const deviceId = body.device_id.toLowerCase();
          const tenant = tenantBySlug(body.tenant);
          if (!tenant) throw invalidOtpCode();
          const key = `${tenant.id}\n${email}`;
          const pending = state.otpCodes.get(key);
          const outcome = otpAttempt(
            pending && {
              code_matches: pending.code === body.code,
              device_id: pending.deviceId,
              attempts: pending.attempts,
              expires_at: pending.expiresAt,
            },
            deviceId,
            nowMs(),
          );
          if (outcome === 'exhausted') {
            state.otpCodes.delete(key);
            throw invalidOtpCode();
          }
          if (outcome === 'rejected') {
            pending!.attempts += 1;
            pending!.deviceId ??= deviceId;
            throw invalidOtpCode();
          }
          state.otpCodes.delete(key);
          const user = userByEmail(tenant.id, email);
          if (user)
            return {
              status: 200,
              body: issueSession(user, deviceId),
              headers: { 'cache-control': 'no-store' },
            };
          const onboardingToken = newToken('onboarding');
          state.onboardingTokens.set(onboardingToken, {
            tenantId: tenant.id,
            email,
            deviceId,
            expiresAt: nowMs() + STREAMING_ONBOARDING_TOKEN_SECONDS * 1000,
          });
          return {
            status: 200,
            body: { onboarding_token: onboardingToken, expires_in: STREAMING_ONBOARDING_TOKEN_SECONDS },
            headers: { 'cache-control': 'no-store' },
          };
        },
        completeOnboarding({ body }) {
          const { first_name, last_name, date_of_birth } = body;
          const fields = userChanges({ first_name, last_name, date_of_birth }, today()) as Required<
            Omit<UserFieldChanges, 'email'>
          >;
          const taken = state.onboardingTokens.get(body.onboarding_token);
          if (!taken || taken.expiresAt <= nowMs()) throw invalidOnboardingToken();
          state.onboardingTokens.delete(body.onboarding_token);
          let user = userByEmail(taken.tenantId, taken.email);
          if (!user) {
            state.counters.users += 1;
            const id = deterministicUuid(`streaming-user:${state.counters.users}:${nowMs()}`);
            user = newUserRecord(
              { id, tenant_id: taken.tenantId, nowMs: nowMs() },
              { ...fields, email: taken.email },
            );
            state.users.set(id, user);
          }
          return {
            status: 200,
            body: issueSession(user, taken.deviceId),
            headers: { 'cache-control': 'no-store' },
          };
        },
        refreshSession({ body }) {
          const presented = state.refreshTokens.get(body.refresh_token);
          if (!presented || presented.expiresAt <= nowMs()) throw invalidRefreshToken();
          if (presented.usedAt !== null) {
            // A rotated token coming back was copied: the whole session ends.
            revokeFamily(presented.familyId);
            throw invalidRefreshToken();
          }
          const user = userOf(presented.tenantId, presented.userId);
          if (!user) throw invalidRefreshToken();
          presented.usedAt = nowMs();
          revokeFamily(presented.familyId, 'access');
          return {
            status: 200,
            body: issueSession(user, presented.deviceId, presented.familyId),
            headers: { 'cache-control': 'no-store' },
          };
        },
        logout({ body }) {
          const presented = state.refreshTokens.get(body.refresh_token);
          if (presented) revokeFamily(presented.familyId);
          return { status: 204, body: undefined };
        },
        getMe({ principal }) {
          const user = userOf(principal.tenantId, principal.userId);
          if (!user) throw streamingNotFound();
          return { status: 200, body: userView(user) };
        },
        updateMe({ body, principal }) {
          const user = userOf(principal.tenantId, principal.userId);
          if (!user) throw streamingNotFound();
          const { first_name, last_name, date_of_birth } = body;
          const changes = userChanges({ first_name, last_name, date_of_birth }, today());
          if (Object.keys(changes).length > 0) update(user, changes);
          return { status: 200, body: userView(user) };
        },
        createCheckoutSession({ body, principal }, { baseUrl }) {
          const user = userOf(principal.tenantId, principal.userId);
          if (!user) throw streamingNotFound();
          state.counters.sessions += 1;
          const { session, url } = newBuiltinCheckoutSession(user, body, {
            idSuffix: deterministicUuid(`streaming-checkout:${state.counters.sessions}:${nowMs()}`).replace(
              /-/g,
              '',
            ),
            baseUrl,
            allowedRedirects: state.checkout.allowedRedirects,
            nowMs: nowMs(),
          });
          state.checkoutSessions.set(session.id, session);
          return { status: 200, body: { id: session.id, url } };
        },
        showBuiltinCheckout({ path }) {
          const { session, tenant, user } = openCheckout(path.session_id);
          return {
            status: 200,
            body: builtinCheckoutPage(session, {
              tenantName: tenant.name,
              email: user.email,
              nowMs: nowMs(),
            }),
            contentType: 'text/html; charset=utf-8',
            headers: { 'cache-control': 'no-store' },
          };
        },
        completeBuiltinCheckout({ path, body }) {
          const { session, user } = openCheckout(path.session_id);
          if (session.status !== 'open' || session.expires_at <= nowMs()) throw checkoutNotOpen();
          const paid = body.action === 'pay';
          session.status = paid ? 'complete' : 'cancelled';
          if (paid) update(user, builtinSubscription(productOf(session.product_slug), nowMs()));
          return { status: 303, body: undefined, headers: { location: checkoutReturnUrl(session, paid) } };
        },
        async handleStripeWebhook({ headers }, { rawBody }) {
          const payload = new TextDecoder().decode(rawBody);
          await verifyStripeSignature(
            payload,
            headers['Stripe-Signature'],
            state.checkout.stripeWebhookSecret,
            nowMs(),
          );
          const change = stripeEventChange(payload);
          const user = change && userOf(change.tenantId, change.userId);
          if (user) update(user, change.changes);
          return { status: 200, body: { message: change ? 'Webhook Handled' : 'Webhook Received' } };
        },
        ...streamingCatalogHandlers<StreamingPrincipals, MockEnv, BinaryBody>(
          memoryCatalogStore(context.catalog),
        ),
        ...hlsHandlers(context, ({ tenantId, userId, track }) =>
          recordPlay(state, context, {
            tenantId,
            userId,
            trackId: streamingTrackIdOf(context.catalog, track) ?? '',
          }),
        ),
        ...playlistHandlers(state, context),
      },
    };
  },
};
