import { createHash, randomInt, randomUUID } from 'node:crypto';
import {
  bearerChallenge,
  checkNewUser,
  emailTaken,
  joinCodeMail,
  joinCodeRejected,
  joinCodesThrottled,
  loginThrottled,
  SONGS_ACCESS_TOKEN_SECONDS,
  SONGS_JOIN_CODE_LIMITS,
  SONGS_JOIN_CODE_MAX_ATTEMPTS,
  SONGS_JOIN_CODE_SECONDS,
  SONGS_LOGIN_LIMITS,
  SONGS_REFRESH_TOKEN_SECONDS,
  unknownEmail,
  wrongPassword,
} from '@music-apis/domain';
import type { components } from '@music-apis/spec/songs';
import {
  createRateLimiter,
  hashPassword,
  InvalidJwtError,
  type JwtClaims,
  type JwtSigner,
  verifyPassword,
} from '../core/auth/index.js';
import type { Knex } from '../core/db.js';
import type { MailProvider } from '../core/mail.js';
import type { SongsRepository } from './repository.js';

type LoginResponse = components['schemas']['LoginResponse'];
type NewUser = components['schemas']['NewUser'];

const hashCode = (email: string, code: string) =>
  createHash('sha256').update(`${email}\n${code}`).digest('hex');

export interface AccountsService {
  sendJoinCode(email: string, clientAddress: string): Promise<void>;
  createUser(body: NewUser): Promise<string>;
  login(email: string, password: string, clientAddress: string): Promise<LoginResponse>;
  refresh(refreshToken: string): Promise<LoginResponse>;
  /** The user id of a valid access token; throws the 401 challenge otherwise. */
  authenticateAccess(accessToken: string): Promise<string>;
}

export function createAccountsService(options: {
  /** Where the rate limits live, shared by every instance. */
  db: Knex;
  repository: SongsRepository;
  signer: JwtSigner;
  mail: MailProvider;
  now?: () => number;
}): AccountsService {
  const { repository, signer, mail } = options;
  const now = options.now ?? Date.now;
  /** A limit per client address and one per email, counted together by `reserve`. */
  const limitPair = (name: string, limits: { perEmail: number; perAddress: number; windowMs: number }) => ({
    byAddress: createRateLimiter(options.db, {
      name: `${name}-address`,
      limit: limits.perAddress,
      windowMs: limits.windowMs,
      now,
    }),
    byEmail: createRateLimiter(options.db, {
      name: `${name}-email`,
      limit: limits.perEmail,
      windowMs: limits.windowMs,
      now,
    }),
  });
  const logins = limitPair('songs-login', SONGS_LOGIN_LIMITS);
  const codes = limitPair('songs-code', SONGS_JOIN_CODE_LIMITS);

  /**
   * Counts one attempt against both limits before the work it guards; the seconds to wait when
   * either refuses (0: go ahead). The address first, so a refused address costs no row per email it
   * names; when only the email refuses, the address gets its attempt back.
   */
  async function reserve(pair: ReturnType<typeof limitPair>, address: string, email: string) {
    const byAddress = await pair.byAddress.attempt(address);
    if (byAddress.wait > 0) return byAddress.wait;
    const byEmail = await pair.byEmail.attempt(email);
    if (byEmail.wait > 0) await pair.byAddress.release(address);
    return byEmail.wait;
  }

  async function issueTokens(userId: string): Promise<LoginResponse> {
    const claims = { admin: false };
    const access = await signer.sign(userId, SONGS_ACCESS_TOKEN_SECONDS, { ...claims, type: 'Access' });
    const refresh = await signer.sign(userId, SONGS_REFRESH_TOKEN_SECONDS, { ...claims, type: 'Refresh' });
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
    async sendJoinCode(emailInput, clientAddress) {
      const email = emailInput.toLowerCase();
      const wait = await reserve(codes, clientAddress, email);
      if (wait > 0) throw joinCodesThrottled(wait);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await repository.saveJoinCode(email, hashCode(email, code), now() + SONGS_JOIN_CODE_SECONDS * 1000);
      const joining = !(await repository.findUserByEmail(email));
      await mail.send({ to: email, ...joinCodeMail(code, joining) });
    },

    async createUser(body) {
      const email = checkNewUser(body);
      if (await repository.findUserByEmail(email)) throw emailTaken(email);
      if (
        !(await repository.consumeJoinCode(
          email,
          hashCode(email, body.authCode),
          now(),
          SONGS_JOIN_CODE_MAX_ATTEMPTS,
        ))
      ) {
        throw joinCodeRejected();
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
      if (!inserted) throw emailTaken(email);
      return id;
    },

    async login(emailInput, password, clientAddress) {
      const email = emailInput.toLowerCase();
      // Counted before the password is checked, so concurrent guesses cannot all pass a limit none
      // of them has counted yet; attempts that turn out not to count are given back.
      const wait = await reserve(logins, clientAddress, email);
      if (wait > 0) throw loginThrottled(wait);
      const user = await repository.findUserByEmail(email);
      let verified: boolean;
      try {
        verified = !!user && (await verifyPassword(password, user.passwordHash));
      } catch (error) {
        // Refused by the hashing queue (503): no guess was checked, so none is counted.
        await Promise.all([logins.byEmail.release(email), logins.byAddress.release(clientAddress)]);
        throw error;
      }
      if (!user) throw unknownEmail(email);
      if (!verified) throw wrongPassword();
      // The limits are on failures: a success clears the email's and gives the address its attempt back.
      await Promise.all([logins.byEmail.reset(email), logins.byAddress.release(clientAddress)]);
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
      const { sub } = await verify(accessToken, 'Access');
      // A token outlives its user (removed by an operator): without this check the handlers would
      // act for a user who is gone, and writes fail on the owner's foreign key (a 500).
      if (!(await repository.findUser(sub))) throw bearerChallenge('The token user no longer exists');
      return sub;
    },
  };
}
