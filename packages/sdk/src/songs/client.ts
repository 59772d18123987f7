import {
  createHttpClient,
  expandPath,
  type HttpClient,
  type HttpClientOptions,
  type Progress,
  type TokenSource,
} from '../core/index.js';
import type { components, operations } from './schema.gen.js';
import {
  createSongsSession,
  type LoginResponse,
  type SongsCredentials,
  type SongsSession,
  songsErrorMessage,
} from './session.js';

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

/** Filters and paging of Get Songs; arrays are sent comma-separated, `-` excludes a value. */
export type ListSongsQuery = NonNullable<operations['listSongs']['parameters']['query']>;
export type SongFilterQuery = NonNullable<operations['countSongs']['parameters']['query']>;
export type ListSongGenresQuery = NonNullable<operations['listSongGenres']['parameters']['query']>;

/** What `uploadAudio` accepts: bytes, a file/Blob, a web stream, or any async iterable (a Node stream). */
export type AudioBody =
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

export interface SongsClientOptions extends Omit<HttpClientOptions, 'auth' | 'errorMessage' | 'requestId'> {
  /**
   * The access token: a string, a function, a `TokenProvider`, or `{ email, password }` to log in,
   * refresh before expiry or after a 401, and retry (see `createSongsSession`).
   */
  auth?: TokenSource | SongsCredentials;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeout?: number | false;
}

export interface SongsClient {
  /** `POST /v1/songs`: the caller becomes the owner. 409 when the title is taken. */
  createSong(song: NewSong, options?: CallOptions): Promise<{ songId: string }>;
  /** `GET /v1/songs`: one page of matching songs, oldest first unless `sortOrder: 'desc'`. */
  listSongs(query?: ListSongsQuery, options?: CallOptions): Promise<Song[]>;
  /** Every page of `listSongs`, `limit` songs at a time (default 25), for `for await`. */
  listSongPages(query?: ListSongsQuery, options?: CallOptions): AsyncIterable<Song[]>;
  /** `GET /v1/songs/count`. */
  countSongs(query?: SongFilterQuery, options?: CallOptions): Promise<CountResponse>;
  /** `GET /v1/songs/genres`: genres of the matching songs, most used first by default. */
  listSongGenres(query?: ListSongGenresQuery, options?: CallOptions): Promise<string[]>;
  /** `GET /v1/songs/genres/count`. */
  countSongGenres(query?: SongFilterQuery, options?: CallOptions): Promise<CountResponse>;
  /** `GET /v1/songs/{songId}`. */
  getSong(params: { songId: string }, options?: CallOptions): Promise<Song>;
  /** `PATCH /v1/songs/{songId}`: absent fields unchanged, `''` clears. Owner only. */
  updateSong(params: { songId: string }, changes: SongFields, options?: CallOptions): Promise<void>;
  /** `DELETE /v1/songs/{songId}`. Owner only. */
  deleteSong(params: { songId: string }, options?: CallOptions): Promise<void>;
  /** `POST /v1/songs/{songId}/audio` with the raw file as the body. Owner only. */
  uploadSongAudio(
    params: { songId: string },
    body: AudioBody,
    options?: CallOptions & { onUploadProgress?: (progress: Progress) => void },
  ): Promise<AudioUploadReport>;
  /** Shorthand for `uploadSongAudio({ songId }, file)`. */
  uploadAudio(songId: string, file: AudioBody, options?: CallOptions): Promise<AudioUploadReport>;
  /** `PUT /v1/songs/{songId}/agreement`. Owner only, and the owner must be KYC-verified. */
  processSongStreamTokenAgreement(
    params: { songId: string },
    body: { accepted: boolean },
    options?: CallOptions,
  ): Promise<void>;
  /** `POST /v1/auth/login`. */
  login(credentials: SongsCredentials, options?: CallOptions): Promise<LoginResponse>;
  /** `GET /v1/auth/refresh`: new tokens; the refresh token sent stops working. */
  refreshToken(params: { refreshToken: string }, options?: CallOptions): Promise<LoginResponse>;
  /** `GET /v1/auth/code`: emails a 6-digit code (valid 5 minutes) for sign-up. */
  sendJoinCode(params: { email: string }, options?: CallOptions): Promise<void>;
  /** `POST /v1/users`: sign up with the emailed code. */
  createUser(user: NewUser, options?: CallOptions): Promise<{ userId: string }>;
  /** The session behind `auth: { email, password }`. */
  readonly session: SongsSession | undefined;
  readonly http: HttpClient;
}

const songPath = (template: string, songId: string) => expandPath(template, { songId });

export function createSongsClient(options: SongsClientOptions): SongsClient {
  const { auth, ...httpOptions } = options;
  const session =
    auth && typeof auth === 'object' && 'email' in auth && 'password' in auth
      ? createSongsSession({ ...httpOptions, credentials: auth })
      : undefined;
  const token = session ?? (auth as TokenSource | undefined);
  const http = createHttpClient({
    ...httpOptions,
    ...(token === undefined ? {} : { auth: { token } }),
    errorMessage: songsErrorMessage,
  });
  const comma = 'comma' as const;

  const listSongs = (query: ListSongsQuery = {}, call: CallOptions = {}) =>
    http.json<Song[]>({ method: 'GET', path: '/v1/songs', query, arrayFormat: comma, ...call });

  const uploadSongAudio: SongsClient['uploadSongAudio'] = ({ songId }, body, call = {}) =>
    http.json<AudioUploadReport>({
      method: 'POST',
      path: songPath('/v1/songs/{songId}/audio', songId),
      headers: { 'content-type': 'application/octet-stream' },
      body: toBodyInit(body),
      ...call,
    });

  return {
    createSong: (song, call) => http.json({ method: 'POST', path: '/v1/songs', json: song, ...call }),
    listSongs,
    async *listSongPages(query = {}, call = {}) {
      const limit = query.limit ?? 25;
      let offset = query.offset ?? 0;
      if (limit <= 0) return;
      while (true) {
        const page = await listSongs({ ...query, offset, limit }, call);
        if (page.length > 0) yield page;
        if (page.length < limit) return;
        offset += limit;
      }
    },
    countSongs: (query = {}, call = {}) =>
      http.json({ method: 'GET', path: '/v1/songs/count', query, arrayFormat: comma, ...call }),
    listSongGenres: (query = {}, call = {}) =>
      http.json({ method: 'GET', path: '/v1/songs/genres', query, arrayFormat: comma, ...call }),
    countSongGenres: (query = {}, call = {}) =>
      http.json({ method: 'GET', path: '/v1/songs/genres/count', query, arrayFormat: comma, ...call }),
    getSong: ({ songId }, call) =>
      http.json({ method: 'GET', path: songPath('/v1/songs/{songId}', songId), ...call }),
    updateSong: ({ songId }, changes, call) =>
      http.void({ method: 'PATCH', path: songPath('/v1/songs/{songId}', songId), json: changes, ...call }),
    deleteSong: ({ songId }, call) =>
      http.void({ method: 'DELETE', path: songPath('/v1/songs/{songId}', songId), ...call }),
    uploadSongAudio,
    uploadAudio: (songId, file, call) => uploadSongAudio({ songId }, file, call),
    processSongStreamTokenAgreement: ({ songId }, body, call) =>
      http.void({
        method: 'PUT',
        path: songPath('/v1/songs/{songId}/agreement', songId),
        json: body,
        ...call,
      }),
    login: (credentials, call) =>
      http.json({ method: 'POST', path: '/v1/auth/login', json: credentials, auth: false, ...call }),
    refreshToken: ({ refreshToken }, call) =>
      http.json({
        method: 'GET',
        path: '/v1/auth/refresh',
        headers: { authorization: `Bearer ${refreshToken}` },
        auth: false,
        ...call,
      }),
    sendJoinCode: ({ email }, call) =>
      http.void({ method: 'GET', path: '/v1/auth/code', query: { email }, auth: false, ...call }),
    createUser: (user, call) =>
      http.json({ method: 'POST', path: '/v1/users', json: user, auth: false, ...call }),
    session,
    http,
  };
}

/** Node streams and other async iterables become a web stream, which `fetch` can send. */
function toBodyInit(body: AudioBody): BodyInit {
  if (body instanceof Blob || body instanceof ArrayBuffer || body instanceof ReadableStream) return body;
  if (ArrayBuffer.isView(body)) return body as unknown as BodyInit;
  const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value instanceof Uint8Array ? value : new Uint8Array(value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}
