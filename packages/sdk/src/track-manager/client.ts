import {
  createCachedTokenProvider,
  createHttpClient,
  expandPath,
  type HttpClient,
  type HttpClientOptions,
  type TokenProvider,
  type TokenSource,
} from '../core/index.js';
import type { components } from './schema.gen.js';

export type AccessToken = components['schemas']['AccessToken'];
/** A saved track as `getTrackMetadata` returns it (`playbackSeconds`). */
export type TrackDTO = components['schemas']['TrackDTO'];
/** A saved track as `createTrack` returns it (the original spells the duration `playBackSeconds`). */
export type CreatedTrackDTO = components['schemas']['CreatedTrackDTO'];
/** The track manager's error body, on `ApiError.body`. */
export type TrackManagerErrorBody = components['schemas']['ErrorResponse'];

export interface TrackManagerClientOptions
  extends Omit<HttpClientOptions, 'auth' | 'errorMessage' | 'requestId'> {
  /**
   * The catalog token sent as `Token: Bearer …` on `createTrack`: a string, a function, a
   * `TokenProvider`, or `'auto'` (default) to fetch one from `POST /api/token` and reuse it until it expires.
   */
  token?: TokenSource | 'auto';
}

/** Options every method takes. */
export interface CallOptions {
  signal?: AbortSignal;
  timeout?: number | false;
}

export interface TrackManagerClient {
  /** `POST /api/token`: a catalog access token (the server answers text/plain; parsed here). */
  getToken(options?: CallOptions): Promise<AccessToken>;
  /** `POST /api/track/create?isrc=`: looks the ISRC up in the catalog and saves it. 409 if saved already. */
  createTrack(params: { isrc: string }, options?: CallOptions): Promise<CreatedTrackDTO>;
  /** `GET /api/track/metadata/{isrc}`: a saved track. */
  getTrackMetadata(params: { isrc: string }, options?: CallOptions): Promise<TrackDTO>;
  /** `GET /api/track/cover/{isrc}`: the cover JPEG's bytes. */
  getTrackCover(params: { isrc: string }, options?: CallOptions): Promise<Uint8Array>;
  /** The same cover as a Blob (`image/jpeg`), e.g. for `URL.createObjectURL`. */
  getTrackCoverBlob(params: { isrc: string }, options?: CallOptions): Promise<Blob>;
  /** The provider behind `token: 'auto'`: call `invalidate()` to force a new token. */
  readonly tokenProvider: TokenProvider | undefined;
  readonly http: HttpClient;
}

export function createTrackManagerClient(options: TrackManagerClientOptions): TrackManagerClient {
  const { token = 'auto', ...httpOptions } = options;
  // The token endpoint itself goes through a client without auth, so fetching a token never recurses.
  const publicHttp = createHttpClient({ ...httpOptions, errorMessage: errorMessageOf });
  const getToken = async (call: CallOptions = {}): Promise<AccessToken> =>
    JSON.parse(await publicHttp.text({ method: 'POST', path: '/api/token', ...call })) as AccessToken;

  const tokenProvider =
    token === 'auto'
      ? createCachedTokenProvider(async (signal) => {
          const fetched = await getToken({ signal });
          return { token: fetched.access_token, expiresInSeconds: fetched.expires_in };
        })
      : undefined;
  const http = createHttpClient({
    ...httpOptions,
    auth: { token: tokenProvider ?? (token as TokenSource), header: 'Token', scheme: 'Bearer' },
    errorMessage: errorMessageOf,
  });

  return {
    getToken,
    createTrack: ({ isrc }, call) =>
      http.json<CreatedTrackDTO>({ method: 'POST', path: '/api/track/create', query: { isrc }, ...call }),
    getTrackMetadata: ({ isrc }, call) =>
      http.json<TrackDTO>({
        method: 'GET',
        path: expandPath('/api/track/metadata/{isrc}', { isrc }),
        auth: false,
        ...call,
      }),
    getTrackCover: ({ isrc }, call) =>
      http.bytes({
        method: 'GET',
        path: expandPath('/api/track/cover/{isrc}', { isrc }),
        auth: false,
        ...call,
      }),
    getTrackCoverBlob: ({ isrc }, call) =>
      http.blob({
        method: 'GET',
        path: expandPath('/api/track/cover/{isrc}', { isrc }),
        auth: false,
        ...call,
      }),
    tokenProvider,
    http,
  };
}

function errorMessageOf(body: unknown): string | undefined {
  const message = (body as Partial<TrackManagerErrorBody> | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
