import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { components } from '@music-apis/sdk/songs';
import {
  createRateLimiter,
  hashPassword,
  InvalidJwtError,
  type JwtClaims,
  type JwtSigner,
  verifyPassword,
} from '../core/auth/index.js';
import { conflict, forbidden, HttpError, notFound } from '../core/http/errors.js';
import type { MailProvider } from '../core/mail.js';
import type { SongsRepository } from './repository.js';

type LoginResponse = components['schemas']['LoginResponse'];
type NewUser = components['schemas']['NewUser'];

/** The original's token lifetimes and claims (issuer, audience, `type`, `admin`). */
export const JWT_ISSUER = 'https://newm.io';
export const JWT_AUDIENCE = 'newm-server-users';
export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 604_800;
const JOIN_CODE_SECONDS = 300;
const JOIN_CODE_MAX_ATTEMPTS = 5;

/** Failed logins allowed per email, and per client address, in a 15-minute window. */
export const LOGIN_LIMITS = { perEmail: 5, perAddress: 50, windowMs: 15 * 60_000 } as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STRONG_PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,}$/;

/** 401 with an empty body and a bearer challenge, as the original's Ktor JWT plugin answers. */
export const bearerChallenge = (reason: string) =>
  new HttpError(401, reason, {
    code: 'BEARER_CHALLENGE',
    headers: { 'www-authenticate': 'Bearer realm="NEWM Server"' },
  });

const unprocessable = (cause: string) => new HttpError(422, cause);
const hashCode = (email: string, code: string) =>
  createHash('sha256').update(`${email}\n${code}`).digest('hex');

export interface AccountsService {
  sendJoinCode(email: string): Promise<void>;
  createUser(body: NewUser): Promise<string>;
  login(email: string, password: string, clientAddress: string): Promise<LoginResponse>;
  refresh(refreshToken: string): Promise<LoginResponse>;
  /** The user id of a valid access token; throws the 401 challenge otherwise. */
  authenticateAccess(accessToken: string): Promise<string>;
}

export function createAccountsService(options: {
  repository: SongsRepository;
  signer: JwtSigner;
  mail: MailProvider;
  now?: () => number;
}): AccountsService {
  const { repository, signer, mail } = options;
  const now = options.now ?? Date.now;
  const failuresByEmail = createRateLimiter({
    limit: LOGIN_LIMITS.perEmail,
    windowMs: LOGIN_LIMITS.windowMs,
  });
  const failuresByAddress = createRateLimiter({
    limit: LOGIN_LIMITS.perAddress,
    windowMs: LOGIN_LIMITS.windowMs,
  });

  async function issueTokens(userId: string): Promise<LoginResponse> {
    const claims = { admin: false };
    const access = await signer.sign(userId, ACCESS_TOKEN_SECONDS, { ...claims, type: 'Access' });
    const refresh = await signer.sign(userId, REFRESH_TOKEN_SECONDS, { ...claims, type: 'Refresh' });
    await repository.saveRefreshToken(refresh.jti, userId, refresh.expiresAt * 1000);
    return { accessToken: access.token, refreshToken: refresh.token };
  }

  async function verify(token: string, type: 'Access' | 'Refresh'): Promise<JwtClaims> {
    try {
      return await signer.verify(token, { type });
    } catch (error) {
      if (error instanceof InvalidJwtError) throw bearerChallenge(`Invalid ${type.toLowerCase()} token`);
      throw error;
    }
  }

  return {
    async sendJoinCode(emailInput) {
      const email = emailInput.toLowerCase();
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await repository.saveJoinCode(email, hashCode(email, code), now() + JOIN_CODE_SECONDS * 1000);
      const joining = !(await repository.findUserByEmail(email));
      await mail.send(
        joining
          ? {
              to: email,
              subject: 'Your NEWM verification code',
              text: `Welcome to NEWM! Your verification code is ${code}. It expires in 5 minutes.`,
            }
          : {
              to: email,
              subject: 'Your NEWM password reset code',
              text: `Your password reset code is ${code}. It expires in 5 minutes. If you did not ask for it, ignore this email.`,
            },
      );
    },

    async createUser(body) {
      const email = body.email.toLowerCase();
      if (!EMAIL.test(email)) throw unprocessable(`Invalid email: ${body.email}`);
      if (!STRONG_PASSWORD.test(body.newPassword)) {
        throw unprocessable(
          'Password must contain at least 8 characters, 1 uppercase letter, 1 lowercase letter and 1 number.',
        );
      }
      if (body.confirmPassword !== body.newPassword) throw unprocessable('Password confirmation failed');
      if (body.pictureUrl !== undefined && !isHttpUrl(body.pictureUrl)) {
        throw unprocessable(`Invalid url: ${body.pictureUrl}`);
      }
      if (await repository.findUserByEmail(email)) throw conflict(`Already exists: ${email}`);
      if (
        !(await repository.consumeJoinCode(
          email,
          hashCode(email, body.authCode),
          now(),
          JOIN_CODE_MAX_ATTEMPTS,
        ))
      ) {
        throw forbidden('2FA failed');
      }
      const id = randomUUID();
      const inserted = await repository.insertUser({
        id,
        email,
        passwordHash: await hashPassword(body.newPassword),
        firstName: body.firstName,
        lastName: body.lastName,
        nickname: body.nickname,
        pictureUrl: body.pictureUrl,
        role: body.role,
        genre: body.genre,
        biography: body.biography,
        walletAddress: body.walletAddress,
        verified: false,
        createdAt: now(),
      });
      if (!inserted) throw conflict(`Already exists: ${email}`);
      return id;
    },

    async login(emailInput, password, clientAddress) {
      const email = emailInput.toLowerCase();
      const emailKey = `email:${email}`;
      const addressKey = `address:${clientAddress}`;
      const wait = Math.max(failuresByEmail.retryAfter(emailKey), failuresByAddress.retryAfter(addressKey));
      if (wait > 0) {
        throw new HttpError(429, `Too many failed logins, try again in ${wait} seconds`, {
          headers: { 'retry-after': String(wait) },
        });
      }
      const user = await repository.findUserByEmail(email);
      if (!user || !(await verifyPassword(password, user.passwordHash))) {
        failuresByEmail.recordFailure(emailKey);
        failuresByAddress.recordFailure(addressKey);
        if (!user) throw notFound(`Doesn't exist: ${email}`);
        throw new HttpError(401, 'Invalid password');
      }
      failuresByEmail.reset(emailKey);
      return issueTokens(user.id);
    },

    async refresh(refreshToken) {
      const claims = await verify(refreshToken, 'Refresh');
      // Rotation: the token is deleted as it is used, so a second use (a replay) fails.
      if (!(await repository.consumeRefreshToken(claims.jti, claims.sub, now()))) {
        throw bearerChallenge('Refresh token was already used or revoked');
      }
      return issueTokens(claims.sub);
    },

    async authenticateAccess(accessToken) {
      return (await verify(accessToken, 'Access')).sub;
    },
  };
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
