import { STATUS_CODES } from 'node:http';
import { songsDemoSongs, songsDemoUsers } from '@music-apis/catalog';
import { NEW_SONG_DEFAULTS, NEW_SONG_STATUSES, SONGS_JWT_AUDIENCE, SONGS_JWT_ISSUER } from '@music-apis/domain';
import type { components } from '@music-apis/sdk/songs';
import type { Context } from 'koa';
import { createJwtSigner, hashPassword } from '../core/auth/index.js';
import type { Knex } from '../core/db.js';
import type { OperationHandler } from '../core/http/api.js';
import { HttpError, RequestValidationError, type ValidationIssue } from '@music-apis/spec';
import type { ApiModule } from '../core/module.js';
import { loadApiDocument } from '../core/openapi.js';
import { getOrCreateSecret } from '../core/secrets.js';
import { bearerChallenge, createAccountsService } from './accounts.js';
import { parseSongFilters, sortOrderOf } from './filters.js';
import { type SongFields, type SongRecord, toSong } from './model.js';
import { createSongsRepository, songsMigrations } from './repository.js';
import { createSongsService } from './service.js';

type StatusResponse = components['schemas']['StatusResponse'];
type NewUser = components['schemas']['NewUser'];
type LoginRequest = components['schemas']['LoginRequest'];

const TYPE_ERROR = /^must be (string|number|integer|boolean|array|object|null)(,|$)/;
const MAX_LENGTH = /^must NOT have more than (\d+) characters$/;

/**
 * Validation failures in the original's terms: a missing mandatory field or a body of the wrong
 * JSON types is 400, anything else that does not fit (too long, bad enum, bad filter, bad UUID)
 * is 422 — except on the public auth routes, which document only 400.
 */
function validationFailure(error: RequestValidationError, ctx: Context): { status: number; cause: string } {
  const operationId = ctx.state.operationId as string | undefined;
  const issues = error.issues;
  const describe = (issue: ValidationIssue) => `${issue.field || issue.location} ${issue.message}`;
  const required = issues.find((issue) => issue.location === 'body' && issue.message === 'is required');
  if (required) {
    if (required.field === '') return { status: 400, cause: 'Failed to convert request body' };
    if (required.field === 'authCode') return { status: 400, cause: 'Missing 2FA code' };
    return { status: 400, cause: `missing ${required.field}` };
  }
  const typeError = issues.find((issue) => issue.location === 'body' && TYPE_ERROR.test(issue.message));
  if (typeError) return { status: 400, cause: `Failed to convert request body: ${describe(typeError)}` };
  if (operationId === 'sendJoinCode' || operationId === 'login') {
    const [first] = issues;
    if (first?.field === 'email' && first.message === 'is required') {
      return { status: 400, cause: 'Missing parameter: email' };
    }
    return { status: 400, cause: issues.map(describe).join('; ') };
  }
  const tooLong = issues.find((issue) => MAX_LENGTH.test(issue.message));
  if (tooLong) {
    const limit = MAX_LENGTH.exec(tooLong.message)?.[1];
    return { status: 422, cause: `Field ${tooLong.field.split('.')[0]} exceeds ${limit} chars limit` };
  }
  const badId = issues.find((issue) => issue.location === 'path');
  if (badId) return { status: 422, cause: `Invalid UUID string: ${String(ctx.params?.[badId.field] ?? '')}` };
  return { status: 422, cause: issues.map(describe).join('; ') };
}

function bearerToken(ctx: Context): string {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization').trim());
  if (!match) throw bearerChallenge('Missing bearer token');
  return match[1] as string;
}

/**
 * The one place where the shared songs rules' failures (`SongsRuleError` from `@music-apis/catalog`)
 * become this server's `HttpError`, for every handler.
 */
function withRuleErrors(handlers: Record<string, OperationHandler>): Record<string, OperationHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([operationId, handler]) => [
      operationId,
      async (ctx, input) => {
        try {
          await handler(ctx, input);
        } catch (error) {
          throw error;
          throw error;
        }
      },
    ]),
  );
}

/** Operators mark a user KYC-verified (`music-apis-server verify-user <email>`); false when unknown. */
export async function setSongsUserVerified(db: Knex, email: string, verified = true): Promise<boolean> {
  return createSongsRepository(db).setUserVerified(email, verified);
}

export const songsModule: ApiModule = {
  name: 'songs',
  migrations: songsMigrations,
  async seed({ db, catalog }) {
    const repository = createSongsRepository(db);
    for (const user of songsDemoUsers(catalog)) {
      if (await repository.findUserByEmail(user.email)) continue;
      const { password, ...profile } = user;
      await repository.insertUser({ ...profile, passwordHash: await hashPassword(password), createdAt: 0 });
    }
    await repository.insertMissingSongs(
      songsDemoSongs(catalog).map(
        (song) =>
          ({
            ...song,
            ...NEW_SONG_DEFAULTS,
            ...NEW_SONG_STATUSES,
          }) satisfies SongRecord,
      ),
    );
  },
  async createApi({ db, blobs, config, mail }) {
    const repository = createSongsRepository(db);
    const signer = createJwtSigner({
      // In the database, not DATA_DIR: every instance on one PostgreSQL must verify the same tokens.
      secret: await getOrCreateSecret(db, 'songs-jwt', config.songs.jwtSecret),
      issuer: SONGS_JWT_ISSUER,
      audience: SONGS_JWT_AUDIENCE,
    });
    const accounts = createAccountsService({ repository, signer, mail });
    const songs = createSongsService({
      repository,
      blobs,
      isVerified: async (userId) => (await repository.findUser(userId))?.verified === true,
    });
    const callerOf = (ctx: Context) => ctx.state.songsUserId as string;
    const page = (query: Record<string, unknown>) => ({
      offset: query.offset as number,
      limit: query.limit as number,
    });

    return {
      document: loadApiDocument('songs', { validateResponses: config.validateResponses }),
      pathPrefixes: ['/v1/songs', '/v1/auth', '/v1/users'],
      errorResponse(error: HttpError, ctx: Context) {
        if (error.options.code === 'BEARER_CHALLENGE') return { status: 401, body: '' };
        const { status, cause } =
          error instanceof RequestValidationError
            ? validationFailure(error, ctx)
            : { status: error.status, cause: error.message };
        const body: StatusResponse = { code: status, description: STATUS_CODES[status] ?? 'Error', cause };
        return { status, body };
      },
      async authenticate(ctx, operation) {
        const token = bearerToken(ctx);
        if (operation.security.includes('refreshJwt')) ctx.state.songsRefreshToken = token;
        else ctx.state.songsUserId = await accounts.authenticateAccess(token);
      },
      handlers: withRuleErrors({
        async createSong(ctx, input) {
          ctx.body = { songId: await songs.createSong(callerOf(ctx), input.body as SongFields) };
        },
        async listSongs(ctx, input) {
          const filters = parseSongFilters(input.query, callerOf(ctx));
          const found = await songs.listSongs(
            filters,
            page(input.query),
            sortOrderOf(input.query.sortOrder, 'asc'),
          );
          ctx.body = found.map(toSong);
        },
        async countSongs(ctx, input) {
          ctx.body = { count: await songs.countSongs(parseSongFilters(input.query, callerOf(ctx))) };
        },
        async listSongGenres(ctx, input) {
          const filters = parseSongFilters(input.query, callerOf(ctx));
          ctx.body = await songs.listGenres(
            filters,
            page(input.query),
            sortOrderOf(input.query.sortOrder, 'desc'),
          );
        },
        async countSongGenres(ctx, input) {
          ctx.body = { count: await songs.countGenres(parseSongFilters(input.query, callerOf(ctx))) };
        },
        async getSong(ctx, input) {
          ctx.body = toSong(await songs.getSong(input.path.songId as string));
        },
        async updateSong(ctx, input) {
          await songs.updateSong(callerOf(ctx), input.path.songId as string, input.body as SongFields);
          ctx.status = 204;
        },
        async deleteSong(ctx, input) {
          await songs.deleteSong(callerOf(ctx), input.path.songId as string);
          ctx.status = 204;
        },
        async uploadSongAudio(ctx, input) {
          ctx.body = await songs.uploadAudio(callerOf(ctx), input.path.songId as string, ctx.req);
        },
        async processSongStreamTokenAgreement(ctx, input) {
          const { accepted } = input.body as { accepted: boolean };
          await songs.processAgreement(callerOf(ctx), input.path.songId as string, accepted);
          ctx.status = 204;
        },
        async login(ctx, input) {
          const { email, password } = input.body as LoginRequest;
          ctx.body = await accounts.login(email, password, ctx.ip);
        },
        async refreshToken(ctx) {
          ctx.body = await accounts.refresh(ctx.state.songsRefreshToken as string);
        },
        async sendJoinCode(ctx, input) {
          await accounts.sendJoinCode(input.query.email as string);
          ctx.status = 204;
        },
        async createUser(ctx, input) {
          ctx.body = { userId: await accounts.createUser(input.body as NewUser) };
        },
      }),
    };
  },
};
