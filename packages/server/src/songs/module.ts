import { songsDemoSongs, songsDemoUsers } from '@music-apis/catalog';
import {
  NEW_SONG_DEFAULTS,
  NEW_SONG_STATUSES,
  SONGS_JWT_AUDIENCE,
  SONGS_JWT_ISSUER,
  songsBearerToken,
  songsErrorReply,
  songView,
} from '@music-apis/domain';
import { type operations, songsSpec } from '@music-apis/spec/songs';
import type { Context } from 'koa';
import { createJwtSigner, hashPassword } from '../core/auth/index.js';
import type { Knex } from '../core/db.js';
import { linkBase } from '../core/http/link-base.js';
import type { ServerApi } from '../core/http/pipeline.js';
import { NO_STORE_HEADERS } from '../core/http/security-headers.js';
import type { ApiModule } from '../core/module.js';
import { getOrCreateSecret } from '../core/secrets.js';
import { createAccountsService } from './accounts.js';
import { parseSongFilters, sortOrderOf } from './filters.js';
import type { SongRecord } from './model.js';
import { createSongsRepository, songsMigrations } from './repository.js';
import { hasPhraseIndex, SONGS_TRGM_INDEX } from './search-index.js';
import { createSongsService } from './service.js';
import { createStreamUrlSigner } from './stream-urls.js';

/** `accessJwt`: the caller's user id; `refreshJwt`: the refresh token itself (checked by `refreshToken`). */
type SongsPrincipals = { accessJwt: string; refreshJwt: string };

/** Stream URLs are signed with a key of their own, kept in the database for every instance. */
const STREAM_URL_SECRET = 'songs-stream-url';

/** The validator has filled in the document's defaults (offset 0, limit 25). */
const pageOf = (query: { offset?: number; limit?: number }) => ({
  offset: query.offset ?? 0,
  limit: query.limit ?? 25,
});

/** Operators mark a user KYC-verified (`music-apis-server verify-user <email>`); false when unknown. */
export async function setSongsUserVerified(db: Knex, email: string, verified = true): Promise<boolean> {
  return createSongsRepository(db).setUserVerified(email, verified);
}

export const songsModule: ApiModule = {
  key: 'songs',
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
        (song) => ({ ...song, ...NEW_SONG_DEFAULTS, ...NEW_SONG_STATUSES }) satisfies SongRecord,
      ),
    );
  },
  async createApi({ db, blobs, config, mail, logger }) {
    const repository = createSongsRepository(db);
    if (!(await hasPhraseIndex(db))) {
      logger.warn(
        'songs: the pg_trgm extension could not be created, so `phrase` searches scan the songs table; ' +
          'as a superuser run `CREATE EXTENSION pg_trgm;` then ' +
          `\`CREATE INDEX ${SONGS_TRGM_INDEX} ON songs_songs USING gin (search_text gin_trgm_ops);\``,
      );
    }
    const signer = createJwtSigner({
      // In the database, not DATA_DIR: every instance on one PostgreSQL must verify the same tokens.
      secret: await getOrCreateSecret(db, 'songs-jwt', config.songs.jwtSecret),
      issuer: SONGS_JWT_ISSUER,
      audience: SONGS_JWT_AUDIENCE,
    });
    const accounts = createAccountsService({ db, repository, signer, mail });
    const songs = createSongsService({
      repository,
      blobs,
      isVerified: async (userId) => (await repository.findUser(userId))?.verified === true,
      streamUrls: createStreamUrlSigner(
        await getOrCreateSecret(db, STREAM_URL_SECRET),
        config.songs.streamUrlTtlSeconds,
      ),
    });
    const baseUrl = (ctx: Context) => linkBase(ctx, config.publicUrl);

    const api: ServerApi<operations, typeof songsSpec.operations, SongsPrincipals> = {
      spec: songsSpec,
      errorReply: (error, { operation, pathParams }) =>
        songsErrorReply(error, { operationId: operation?.operationId, pathParams }),
      authenticate: {
        accessJwt: (request) =>
          accounts.authenticateAccess(songsBearerToken(request.header('authorization'))),
        refreshJwt: (request) => songsBearerToken(request.header('authorization')),
      },
      handlers: {
        createSong: async ({ body, principal }) => ({
          status: 200,
          body: { songId: await songs.createSong(principal, body) },
        }),
        listSongs: async ({ query, principal }) => {
          const filters = parseSongFilters(query, principal);
          const found = await songs.listSongs(filters, pageOf(query), sortOrderOf(query.sortOrder, 'asc'));
          return { status: 200, body: found.map(songView) };
        },
        countSongs: async ({ query, principal }) => ({
          status: 200,
          body: { count: await songs.countSongs(parseSongFilters(query, principal)) },
        }),
        listSongGenres: async ({ query, principal }) => ({
          status: 200,
          body: await songs.listGenres(
            parseSongFilters(query, principal),
            pageOf(query),
            sortOrderOf(query.sortOrder, 'desc'),
          ),
        }),
        countSongGenres: async ({ query, principal }) => ({
          status: 200,
          body: { count: await songs.countGenres(parseSongFilters(query, principal)) },
        }),
        getSong: async ({ path }) => ({ status: 200, body: songView(await songs.getSong(path.songId)) }),
        updateSong: async ({ path, body, principal }) => {
          await songs.updateSong(principal, path.songId, body);
          return { status: 204, body: undefined };
        },
        deleteSong: async ({ path, principal }) => {
          await songs.deleteSong(principal, path.songId);
          return { status: 204, body: undefined };
        },
        uploadSongAudio: async ({ path, principal }, { ctx }) => ({
          status: 200,
          body: await songs.uploadAudio(principal, path.songId, ctx.req, ctx.request.length),
        }),
        processSongStreamTokenAgreement: async ({ path, body, principal }) => {
          await songs.processAgreement(principal, path.songId, body.accepted);
          return { status: 204, body: undefined };
        },
        getSongStream: async ({ path }, { ctx }) => ({
          status: 200,
          body: { url: await songs.streamUrl(path.songId, baseUrl(ctx)) },
        }),
        streamSongAudio: async ({ path, query, headers }) => {
          const audio = await songs.openAudio({
            songId: path.songId,
            expires: query.expires,
            signature: query.signature,
            range: headers.Range,
          });
          return {
            status: audio.status,
            body: audio.body,
            contentType: audio.mediaType,
            headers: audio.headers,
          };
        },
        login: async ({ body }, { ctx }) => ({
          status: 200,
          body: await accounts.login(body.email, body.password, ctx.ip),
          headers: NO_STORE_HEADERS,
        }),
        refreshToken: async ({ principal }) => ({
          status: 200,
          body: await accounts.refresh(principal),
          headers: NO_STORE_HEADERS,
        }),
        sendJoinCode: async ({ query }, { ctx }) => {
          await accounts.sendJoinCode(query.email, ctx.ip);
          return { status: 204, body: undefined };
        },
        createUser: async ({ body }) => ({ status: 200, body: { userId: await accounts.createUser(body) } }),
      },
    };
    return api;
  },
};
