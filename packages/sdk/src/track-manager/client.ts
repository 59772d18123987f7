import type { components } from '@music-apis/spec/track-manager';
import {
  type CallOptions,
  createCachedTokenProvider,
  createHttpClient,
  createPaginator,
  type HttpClient,
  type HttpClientOptions,
  type Paginator,
  type TokenProvider,
  type TokenSource,
} from '../core/index.js';
import { type GetTrackCoverParams, type TrackManagerMethods, trackManagerMethods } from './client.gen.js';

export type AccessToken = components['schemas']['AccessToken'];
/** A saved track as `getTrackMetadata` returns it (`playbackSeconds`). */
export type TrackDTO = components['schemas']['TrackDTO'];
/** A saved track as `createTrack` returns it (the original spells the duration `playBackSeconds`). */
export type CreatedTrackDTO = components['schemas']['CreatedTrackDTO'];
/** The track manager's error body, on `ApiError.body`. */
export type TrackManagerErrorBody = components['schemas']['ErrorResponse'];
/** A page of saved tracks, Spring Data's `Page` JSON. */
export type TrackPage = components['schemas']['TrackPage'];

export interface TrackManagerClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /**
   * The catalog token sent as `Token: Bearer …` on `createTrack`: a string, a function, a
   * `TokenProvider`, or `'auto'` (default) to fetch one from `POST /api/token` and reuse it until it expires.
   */
  token?: TokenSource | 'auto';
}

export interface TrackManagerClient extends TrackManagerMethods {
  /** Every saved track, `pageSize` (default 100) per `getAllTracks` call: `for await` items, `.pages()` pages. */
  iterateTracks(params?: { pageSize?: number }, options?: CallOptions): Paginator<TrackDTO, TrackPage>;
  /** `getTrackCover` as a Blob (`image/jpeg`), e.g. for `URL.createObjectURL`. */
  getTrackCoverBlob(args: GetTrackCoverParams, options?: CallOptions): Promise<Blob>;
  /** The provider behind `token: 'auto'`: call `invalidate()` to force a new token. */
  readonly tokenProvider: TokenProvider | undefined;
  readonly http: HttpClient;
}

export function createTrackManagerClient(options: TrackManagerClientOptions): TrackManagerClient {
  const { token = 'auto', ...httpOptions } = options;
  // `getToken` is public, so fetching a token never sends (or waits for) one.
  const tokenProvider =
    token === 'auto'
      ? createCachedTokenProvider(async (signal) => {
          const fetched = await methods.getToken(undefined, { signal });
          return { token: fetched.access_token, expiresInSeconds: fetched.expires_in };
        })
      : undefined;
  const http = createHttpClient({
    ...httpOptions,
    credentials: { catalogToken: { token: tokenProvider ?? token, header: 'Token' } },
    errorMessage: (body) => {
      const message = (body as Partial<TrackManagerErrorBody> | undefined)?.message;
      return typeof message === 'string' ? message : undefined;
    },
  });
  const methods = trackManagerMethods(http);

  return {
    ...methods,
    iterateTracks: ({ pageSize = 100 } = {}, call) =>
      createPaginator({
        first: 0,
        fetchPage: (page) => methods.getAllTracks({ page, size: pageSize }, call),
        items: (page) => page.content,
        next: (page, number) => (page.last ? undefined : number + 1),
      }),
    async getTrackCoverBlob(args, call) {
      const { data, response } = await methods.getTrackCover(args, call).withResponse();
      return new Blob([data as BlobPart], { type: response.headers.get('content-type') ?? 'image/jpeg' });
    },
    tokenProvider,
    http,
  };
}
