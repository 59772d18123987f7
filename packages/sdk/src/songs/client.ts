import type { components } from '@music-apis/spec/songs';
import { toApiPromise } from '../core/api-promise.js';
import {
  type ApiPromise,
  type BinaryBody,
  type CallOptions,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type Paginator,
  paginateByOffset,
  type TokenSource,
} from '../core/index.js';
import {
  type ListSongsParams,
  type RefreshTokenResult,
  type SongsMethods,
  type StreamSongAudioResult,
  songsMethods,
  type UploadSongAudioResult,
} from './client.gen.js';
import {
  createSongsSession,
  type LoginResponse,
  refreshTokenHeader,
  type SongsCredentials,
  type SongsSession,
  songsErrorMessage,
} from './lib/session.js';
import { streamUrlParams } from './lib/stream.js';

export type Song = components['schemas']['Song'];
/** The writable song fields (the Patch Song body); all optional. */
export type SongFields = components['schemas']['SongFields'];
/** The Post Song body: `title` and `genres` required. */
export type NewSong = components['schemas']['NewSong'];
export type MintingStatus = components['schemas']['MintingStatus'];
export type AudioUploadReport = components['schemas']['AudioUploadReport'];
export type NewUser = components['schemas']['NewUser'];
export type CountResponse = components['schemas']['CountResponse'];
/** The songs API's error body, on `ApiError.body` (401s have no body). */
export type SongsErrorBody = components['schemas']['StatusResponse'];
export type { LoginResponse, SongsCredentials, SongsSession };

/** What `uploadAudio` accepts: bytes, a file/Blob, a web stream, or any async iterable (a Node stream). */
export type AudioBody = BinaryBody;

export interface SongsClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /**
   * The access token: a string, a function, a `TokenProvider`, or `{ email, password }` to log in,
   * refresh before expiry or after a 401, and retry (see `createSongsSession`).
   */
  auth?: TokenSource | SongsCredentials;
}

export interface SongsClient extends Omit<SongsMethods, 'refreshToken'> {
  /**
   * `GET /v1/auth/refresh` with `refreshToken` as the credential: new tokens; the refresh token
   * sent stops working.
   */
  refreshToken(args: { refreshToken: string }, options?: CallOptions): ApiPromise<RefreshTokenResult>;
  /** Every matching song, `limit` (default 25) per `listSongs` call, from `offset`. */
  iterateSongs(query?: ListSongsParams, options?: CallOptions): Paginator<Song, Song[]>;
  /** Every page of `listSongs`, `limit` songs at a time (default 25), for `for await`. */
  listSongPages(query?: ListSongsParams, options?: CallOptions): AsyncIterable<Song[]>;
  /** Shorthand for `uploadSongAudio({ songId, body: file })`. */
  uploadAudio(songId: string, file: AudioBody, options?: CallOptions): ApiPromise<UploadSongAudioResult>;
  /**
   * The song's uploaded audio, through the signed URL of `getSongStream`: the whole file, or one
   * `range` (`'bytes=0-1023'`; the answer is then 206, its `Content-Range` on `.withResponse()`).
   */
  fetchSongAudio(
    songId: string,
    options?: CallOptions & { range?: string },
  ): ApiPromise<StreamSongAudioResult>;
  /** The session behind `auth: { email, password }`. */
  readonly session: SongsSession | undefined;
  readonly http: HttpClient;
}

export function createSongsClient(options: SongsClientOptions): SongsClient {
  const { auth, ...httpOptions } = options;
  const session = isCredentials(auth) ? createSongsSession({ ...httpOptions, credentials: auth }) : undefined;
  const token = isCredentials(auth) ? session : auth;
  const http = createHttpClient({
    ...httpOptions,
    credentials: { accessJwt: token === undefined ? undefined : { token } },
    errorMessage: songsErrorMessage,
  });
  const methods = songsMethods(http);
  const iterateSongs = (query: ListSongsParams = {}, call?: CallOptions) =>
    paginateByOffset({
      offset: query.offset,
      limit: query.limit ?? 25,
      fetchPage: (offset, limit) => methods.listSongs({ ...query, offset, limit }, call),
      items: (page) => page,
    });

  return {
    ...methods,
    refreshToken: ({ refreshToken }, call = {}) =>
      methods.refreshToken(undefined, {
        ...call,
        headers: { ...call.headers, ...refreshTokenHeader(refreshToken) },
      }),
    iterateSongs,
    listSongPages: (query, call) => iterateSongs(query, call).pages(),
    uploadAudio: (songId, file, call) => methods.uploadSongAudio({ songId, body: file }, call),
    fetchSongAudio: (songId, { range, ...call } = {}) =>
      toApiPromise(
        methods
          .getSongStream({ songId }, call)
          .then(({ url }) =>
            methods
              .streamSongAudio(
                { ...streamUrlParams(url), ...(range === undefined ? {} : { Range: range }) },
                call,
              )
              .withResponse(),
          ),
      ),
    session,
    http,
  };
}

const isCredentials = (auth: SongsClientOptions['auth']): auth is SongsCredentials =>
  typeof auth === 'object' && 'email' in auth && 'password' in auth;
