import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  authSessionView,
  checkTokenDevice,
  invalidAuthToken,
  invalidClient,
  invalidOnboardingToken,
  invalidOtpCode,
  invalidRefreshToken,
  newUserRecord,
  OTP_SENT_MESSAGE,
  type OtpLocale,
  otpAttempt,
  otpMail,
  STREAMING_ACCESS_TOKEN_SECONDS,
  STREAMING_CLIENT_TOKEN_SECONDS,
  STREAMING_ONBOARDING_TOKEN_SECONDS,
  STREAMING_OTP,
  STREAMING_OTP_LIMITS,
  STREAMING_REFRESH_TOKEN_SECONDS,
  STREAMING_UDT_SECONDS,
  type StreamingUserRecord,
  streamingBearerToken,
  streamingNotFound,
  tooManyAttempts,
  type UserFieldChanges,
} from '@music-apis/domain';
import type { components } from '@music-apis/spec/streaming';
import { createRateLimiter, type RateLimiter } from '../core/auth/index.js';
import type { Knex } from '../core/db.js';
import type { MailProvider } from '../core/mail.js';
import { type ClientVerifier, hashSecret } from './clients.js';
import {
  findRefreshToken,
  findTenant,
  findTenantBySlug,
  findToken,
  type TenantStore,
  takeOnboardingToken,
  tenantStore,
} from './store.js';

type AuthSession = components['schemas']['AuthSession'];

/** The tenant a client token authenticates (`OAuth2`). */
export interface TenantCaller {
  tenantId: string;
  clientId: string;
}

/** The end user a UDT or a session access token authenticates (`UserToken`). */
export interface UserCaller {
  tenantId: string;
  userId: string;
  deviceId: string | null;
  /** The user as authentication read them (a handler need not read them again). */
  user: StreamingUserRecord;
  store: TenantStore;
}

/** An opaque bearer token: 32 random bytes; only its SHA-256 is stored. */
const newToken = () => randomBytes(32).toString('base64url');

export function createStreamingIdentity(options: {
  db: Knex;
  mail: MailProvider;
  verifyClient: ClientVerifier;
  /** Keys the HMAC of stored one-time codes, so a leaked table does not give the codes away. */
  otpSecret: Uint8Array;
  now?: () => number;
}) {
  const { db, mail, verifyClient } = options;
  const now = options.now ?? Date.now;
  const limiter = (name: string, limit: number, windowMs: number) =>
    createRateLimiter(db, { name, limit, windowMs, now });
  const limits = {
    sendsByAddress: limiter(
      'streaming-otp-address',
      STREAMING_OTP_LIMITS.perAddressPerHour,
      STREAMING_OTP_LIMITS.hourMs,
    ),
    sendInterval: limiter('streaming-otp-interval', 1, STREAMING_OTP_LIMITS.minIntervalMs),
    sendsByEmail: limiter(
      'streaming-otp-email',
      STREAMING_OTP_LIMITS.perEmailPerHour,
      STREAMING_OTP_LIMITS.hourMs,
    ),
    verifiesByAddress: limiter(
      'streaming-verify-address',
      STREAMING_OTP_LIMITS.verifyPerAddressPerHour,
      STREAMING_OTP_LIMITS.hourMs,
    ),
  };
  const codeHash = (tenantId: string, email: string, code: string) =>
    createHmac('sha256', options.otpSecret).update(`${tenantId}\n${email}\n${code}`).digest('hex');

  /**
   * Counts one attempt against each limit in turn; when one refuses, the earlier ones get theirs
   * back (the request did nothing) and the answer is 429 with that limit's wait.
   */
  async function reserve(attempts: [RateLimiter, string][]): Promise<void> {
    for (const [index, [limit, key]] of attempts.entries()) {
      const { wait } = await limit.attempt(key);
      if (wait > 0) {
        for (const [earlier, earlierKey] of attempts.slice(0, index)) await earlier.release(earlierKey);
        throw tooManyAttempts(wait);
      }
    }
  }

  async function issueSession(
    store: TenantStore,
    user: StreamingUserRecord,
    deviceId: string,
    familyId: string = randomUUID(),
    trx?: Knex.Transaction,
  ): Promise<AuthSession> {
    const access = newToken();
    const refresh = newToken();
    await store.insertToken(
      {
        token_hash: hashSecret(access),
        kind: 'access',
        client_id: null,
        user_id: user.id,
        device_id: deviceId,
        family_id: familyId,
        expires_at: now() + STREAMING_ACCESS_TOKEN_SECONDS * 1000,
      },
      trx,
    );
    await store.insertRefreshToken(
      {
        token_hash: hashSecret(refresh),
        family_id: familyId,
        user_id: user.id,
        device_id: deviceId,
        expires_at: now() + STREAMING_REFRESH_TOKEN_SECONDS * 1000,
      },
      trx,
    );
    return authSessionView(user, { access, refresh });
  }

  return {
    /** Passport's client credentials grant. */
    async issueClientToken(clientId: string, clientSecret: string) {
      const client = await verifyClient(clientId, clientSecret);
      if (!client) throw invalidClient();
      const token = newToken();
      await tenantStore(db, client.tenantId).insertToken({
        token_hash: hashSecret(token),
        kind: 'client',
        client_id: client.clientId,
        user_id: null,
        device_id: null,
        family_id: null,
        expires_at: now() + STREAMING_CLIENT_TOKEN_SECONDS * 1000,
      });
      return {
        access_token: token,
        token_type: 'Bearer' as const,
        expires_in: STREAMING_CLIENT_TOKEN_SECONDS,
      };
    },

    /** `OAuth2`: a live client token. A user's token here is the wrong kind. */
    async authenticateTenant(authorization: string | undefined): Promise<TenantCaller> {
      const token = await findToken(db, hashSecret(streamingBearerToken(authorization)), now());
      if (token?.kind !== 'client' || token.client_id === null) throw invalidAuthToken();
      return { tenantId: token.tenant_id, clientId: token.client_id };
    },

    /** `UserToken`: a live UDT or session access token of an existing user, on its own device. */
    async authenticateUser(
      authorization: string | undefined,
      deviceHeader: string | undefined,
    ): Promise<UserCaller> {
      const token = await findToken(db, hashSecret(streamingBearerToken(authorization)), now());
      if (!token || (token.kind !== 'udt' && token.kind !== 'access') || token.user_id === null) {
        throw invalidAuthToken();
      }
      checkTokenDevice(token.device_id, deviceHeader);
      const store = tenantStore(db, token.tenant_id);
      // A token outlives nothing it names: a user removed since is not acted for.
      const user = await store.findUser(token.user_id);
      if (!user) throw invalidAuthToken();
      return { tenantId: token.tenant_id, userId: token.user_id, deviceId: token.device_id, user, store };
    },

    async mintUserDelegationToken(caller: TenantCaller, userId: string, deviceId: string) {
      const store = tenantStore(db, caller.tenantId);
      const user = await store.findUser(userId);
      if (!user) throw streamingNotFound();
      const token = newToken();
      await store.insertToken({
        token_hash: hashSecret(token),
        kind: 'udt',
        client_id: caller.clientId,
        user_id: user.id,
        device_id: deviceId.toLowerCase(),
        family_id: null,
        expires_at: now() + STREAMING_UDT_SECONDS * 1000,
      });
      return { token_type: 'Bearer' as const, expires_in: STREAMING_UDT_SECONDS, token };
    },

    /**
     * Sends a code to any address of an existing tenant, user or not (a new user signs up this
     * way), and answers the same either way; an unknown tenant gets the same answer and no mail.
     */
    async sendOtp(body: { tenant: string; email: string; locale?: OtpLocale }, clientAddress: string) {
      const email = body.email.toLowerCase();
      const emailKey = `${body.tenant}\n${email}`;
      await reserve([
        [limits.sendsByAddress, clientAddress],
        [limits.sendInterval, emailKey],
        [limits.sendsByEmail, emailKey],
      ]);
      const tenant = await findTenantBySlug(db, body.tenant);
      if (tenant) {
        const code = String(randomInt(0, 10 ** STREAMING_OTP.digits)).padStart(STREAMING_OTP.digits, '0');
        await tenantStore(db, tenant.id).saveOtpCode(
          email,
          codeHash(tenant.id, email, code),
          now() + STREAMING_OTP.lifetimeSeconds * 1000,
        );
        await mail.send({ to: email, ...otpMail(code, body.locale ?? 'en', tenant.name) });
      }
      return { message: OTP_SENT_MESSAGE };
    },

    /** A session for an existing user; an onboarding token (bound to the device) for a new one. */
    async verifyOtp(
      body: { tenant: string; email: string; code: string; device_id: string },
      clientAddress: string,
    ): Promise<AuthSession | components['schemas']['OnboardingRequired']> {
      await reserve([[limits.verifiesByAddress, clientAddress]]);
      const email = body.email.toLowerCase();
      const deviceId = body.device_id.toLowerCase();
      const tenant = await findTenantBySlug(db, body.tenant);
      if (!tenant) throw invalidOtpCode();
      const store = tenantStore(db, tenant.id);
      const pending = await store.findOtpCode(email);
      const presented = codeHash(tenant.id, email, body.code);
      const outcome = otpAttempt(
        pending && {
          code_matches: timingSafeEqual(Buffer.from(pending.code_hash, 'hex'), Buffer.from(presented, 'hex')),
          device_id: pending.device_id,
          attempts: pending.attempts,
          expires_at: pending.expires_at,
        },
        deviceId,
        now(),
      );
      if (outcome === 'exhausted') {
        if (pending) await store.deleteOtpCode(email, pending.code_hash);
        throw invalidOtpCode();
      }
      if (outcome === 'rejected') {
        await store.failOtpAttempt(email, pending!.code_hash, deviceId);
        throw invalidOtpCode();
      }
      // Accepted: the one request that removes the code goes on (a code works once).
      if (!(await store.deleteOtpCode(email, pending!.code_hash))) throw invalidOtpCode();
      const user = await store.findUserByEmail(email);
      if (user) return issueSession(store, user, deviceId);
      const onboardingToken = newToken();
      await store.insertOnboardingToken({
        token_hash: hashSecret(onboardingToken),
        email,
        device_id: deviceId,
        expires_at: now() + STREAMING_ONBOARDING_TOKEN_SECONDS * 1000,
      });
      return { onboarding_token: onboardingToken, expires_in: STREAMING_ONBOARDING_TOKEN_SECONDS };
    },

    /** Creates the user the onboarding token was issued for (or finds them), and a session on that device. */
    async completeOnboarding(onboardingToken: string, fields: Required<Omit<UserFieldChanges, 'email'>>) {
      const taken = await takeOnboardingToken(db, hashSecret(onboardingToken), now());
      if (!taken || !(await findTenant(db, taken.tenant_id))) throw invalidOnboardingToken();
      const store = tenantStore(db, taken.tenant_id);
      const created = newUserRecord(
        { id: randomUUID(), tenant_id: taken.tenant_id, nowMs: now() },
        { ...fields, email: taken.email },
      );
      // Created meanwhile (by the tenant, or another onboarding): that user signs in as they are.
      const user = (await store.insertUser(created)) ? created : await store.findUserByEmail(taken.email);
      if (!user) throw invalidOnboardingToken();
      return issueSession(store, user, taken.device_id);
    },

    /**
     * Rotation: the refresh token is marked used and a new pair of its family issued (the old access
     * token is revoked). A used token coming back means it was copied: the whole family is revoked,
     * so whoever holds the newest pair is signed out too.
     */
    async refreshSession(refreshToken: string): Promise<AuthSession> {
      const presented = await findRefreshToken(db, hashSecret(refreshToken));
      if (!presented || presented.expires_at <= now()) throw invalidRefreshToken();
      const store = tenantStore(db, presented.tenant_id);
      const rotated = await store.transaction(async (trx) => {
        if (!(await store.rotateRefreshToken(presented.token_hash, now(), trx))) return undefined;
        await store.revokeFamilyAccessTokens(presented.family_id, trx);
        const user = await store.findUser(presented.user_id, trx);
        if (!user) return undefined;
        return issueSession(store, user, presented.device_id, presented.family_id, trx);
      });
      if (rotated) return rotated;
      if (presented.used_at !== null || (await findRefreshToken(db, presented.token_hash))?.used_at) {
        await store.revokeFamily(presented.family_id);
      }
      throw invalidRefreshToken();
    },

    /** Ends the token's session (every generation of it); nothing to do for an unknown token. */
    async logout(refreshToken: string): Promise<void> {
      const presented = await findRefreshToken(db, hashSecret(refreshToken));
      if (presented) await tenantStore(db, presented.tenant_id).revokeFamily(presented.family_id);
    },
  };
}

export type StreamingIdentity = ReturnType<typeof createStreamingIdentity>;
