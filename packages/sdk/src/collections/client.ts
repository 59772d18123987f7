import type { components } from '@music-apis/spec/collections';
import {
  type CallOptions,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type Paginator,
  paginateByOffset,
  type TokenSource,
} from '../core/index.js';
import { type CollectionsMethods, collectionsMethods } from './client.gen.js';
import {
  createPlaybackSession,
  type PlaybackSession,
  type PlaybackSessionOptions,
} from './lib/play-session.js';
import {
  type SessionUploadResult,
  type UploadViaSessionOptions,
  uploadViaSession,
} from './lib/upload-session.js';
import {
  type SignedUrlMethods,
  signedUrlMethods,
  type UploadBody,
  type UploadCallOptions,
} from './lib/uploads.js';
import { type WaitForTrackOptions, waitForTrack } from './lib/wait-for-track.js';

type Schemas = components['schemas'];

export type Collection = Schemas['Collection'];
export type CollectionInput = Schemas['CollectionInput'];
export type Track = Schemas['Track'];
export type TrackStatus = Schemas['TrackStatus'];
export type TrackCreate = Schemas['TrackCreate'];
export type TrackUpdate = Schemas['TrackUpdate'];
export type ImageColor = Schemas['ImageColor'];
export type UploadHandle = Schemas['UploadHandle'];
export type CollectionList = Schemas['CollectionList'];
export type CollectionResult = Schemas['CollectionResult'];
export type CollectionCoverUploadResult = Schemas['CollectionCoverUploadResult'];
export type CollectionDeleted = Schemas['CollectionDeleted'];
export type TrackList = Schemas['TrackList'];
export type TrackResult = Schemas['TrackResult'];
export type TrackCreated = Schemas['TrackCreated'];
export type TrackCoverUploadResult = Schemas['TrackCoverUploadResult'];
export type TrackDeleted = Schemas['TrackDeleted'];
export type Organization = Schemas['Organization'];
export type Creator = Schemas['Creator'];
export type UploadSession = Schemas['UploadSession'];
export type UploadSessionCreated = Schemas['UploadSessionCreated'];
export type UploadSessionTrackCreated = Schemas['UploadSessionTrackCreated'];
export type PlaySession = Schemas['PlaySession'];
export type PlayTrack = Schemas['PlayTrack'];
export type PlayVariant = Schemas['PlayVariant'];
/** The three webhooks' bodies, for `verifyWebhookSignature<…>` on your receiver. */
export type TrackProcessingEvent = Schemas['TrackProcessingEvent'];
export type TrackFileEvent = Schemas['TrackFileEvent'];
export type CollectionSyncEvent = Schemas['CollectionSyncEvent'];
/** The collections API's error body (`{ ok: false, message, api_request_id }`), on `ApiError.body`. */
export type CollectionsErrorBody = Schemas['ErrorEnvelope'];

export interface CollectionsClientOptions
  extends Omit<HttpClientOptions, 'credentials' | 'errorMessage' | 'requestId'> {
  /** The API key, sent as `Authorization: Bearer <key>`: a string, a function or a `TokenProvider`. */
  apiKey: TokenSource;
}

export interface UploadTrackOptions extends UploadCallOptions {
  collectionId: string;
  /** The audio file. A `File` brings its own name; otherwise pass `fileName`. */
  file: UploadBody;
  fileName?: string;
  /** The other fields of `createTrack` (player title, metadata, …). */
  fields?: Omit<TrackCreate, 'collection_id' | 'file_name'>;
  /** Wait until processing ends (`ready`), with these polling options; default true. */
  waitUntilReady?: boolean | WaitForTrackOptions;
}

export interface UploadTrackResult {
  /** The track as the last call saw it: `ready` when waited for, else `processing`. */
  track: Track;
  /** The `createTrack` answer, with the cover upload URL the track can still use. */
  created: TrackCreated;
}

type UrlMethodNames = keyof SignedUrlMethods;

export interface CollectionsClient extends Omit<CollectionsMethods, UrlMethodNames>, SignedUrlMethods {
  /** Every collection, oldest first, `pageSize` (default 200) per `listCollections` call. */
  iterateCollections(
    params?: { pageSize?: number },
    options?: CallOptions,
  ): Paginator<Collection, CollectionList>;
  /** Every track of a collection, `pageSize` (default 200) per `listCollectionTracks` call. */
  iterateCollectionTracks(
    params: { collectionId: string; pageSize?: number },
    options?: CallOptions,
  ): Paginator<Track, TrackList>;
  /**
   * Polls `getTrack` with backoff until `status` is terminal: `ready` resolves the track;
   * `incomplete`, `error` and `init_error` reject with `TrackProcessingError`. Abort with `signal`.
   */
  waitForTrack(params: { trackId: string }, options?: WaitForTrackOptions): Promise<Track>;
  /** Creates a track, `PUT`s the file to its upload URL and (by default) waits until it is `ready`. */
  uploadTrack(options: UploadTrackOptions): Promise<UploadTrackResult>;
  /**
   * Uploads many files through one upload session (`createUploadSession`), with per-file upload
   * progress: results in the order of `files`.
   */
  uploadViaSession(options: UploadViaSessionOptions): Promise<SessionUploadResult[]>;
  /**
   * Creates a play session (`createPlaySession`) for a collection or a track and wraps it with typed
   * variant URLs: `(await adn.createPlaybackSession({ trackId, variants: ['hq'] })).firstTrack?.urls.hq`.
   * Named apart from the generated `createPlaySession`, which stays the operation as documented.
   */
  createPlaybackSession<const Variant extends string = string>(
    options: PlaybackSessionOptions<Variant>,
  ): Promise<PlaybackSession<Variant>>;
  readonly http: HttpClient;
}

export function createCollectionsClient(options: CollectionsClientOptions): CollectionsClient {
  const { apiKey, ...httpOptions } = options;
  const http = createHttpClient({
    ...httpOptions,
    credentials: { BearerAuth: { token: apiKey } },
    errorMessage: (body) => envelope(body)?.message,
    requestId: (_response, body) => envelope(body)?.api_request_id,
  });
  const methods = collectionsMethods(http);
  const urls = signedUrlMethods(methods, http);

  return {
    ...methods,
    ...urls,
    iterateCollections: ({ pageSize = 200 } = {}, call) =>
      paginateByOffset({
        limit: pageSize,
        fetchPage: (offset, limit) => methods.listCollections({ limit, offset }, call),
        items: (page) => page.collections,
        total: (page) => page.count,
      }),
    iterateCollectionTracks: ({ collectionId, pageSize = 200 }, call) =>
      paginateByOffset({
        limit: pageSize,
        fetchPage: (offset, limit) =>
          methods.listCollectionTracks({ collection_id: collectionId, limit, offset }, call),
        items: (page) => page.tracks,
        total: (page) => page.count,
      }),
    waitForTrack: ({ trackId }, wait) => waitForTrack(methods, trackId, wait),
    async uploadTrack({ collectionId, file, fileName, fields, waitUntilReady = true, ...call }) {
      const name = fileName ?? (file as { name?: string }).name;
      if (!name) throw new TypeError('uploadTrack: pass fileName, or a File, which has a name');
      const created = await methods.createTrack(
        { body: { ...fields, collection_id: collectionId, file_name: name } },
        { signal: call.signal, timeout: call.timeout },
      );
      const uploaded = await urls.uploadTrackAudio(
        { uploadUrl: created.track_upload.upload_url, body: file },
        call,
      );
      if (!waitUntilReady) return { track: uploaded.track, created };
      const track = await waitForTrack(methods, created.track_id, {
        signal: call.signal,
        ...(waitUntilReady === true ? {} : waitUntilReady),
      });
      return { track, created };
    },
    uploadViaSession: (session) => uploadViaSession(methods, urls, http, session),
    createPlaybackSession: (playback) => createPlaybackSession(methods, playback),
    http,
  };
}

/** The string fields of the error envelope, when the body is one. */
function envelope(body: unknown): { message?: string; api_request_id?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, api_request_id } = body as Partial<CollectionsErrorBody>;
  return {
    message: typeof message === 'string' ? message : undefined,
    api_request_id: typeof api_request_id === 'string' ? api_request_id : undefined,
  };
}
