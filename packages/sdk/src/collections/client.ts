import {
  createHttpClient,
  expandPath,
  type HttpClient,
  type HttpClientOptions,
  MusicApiError,
  type Progress,
  type TokenSource,
} from '../core/index.js';
import type { components } from './schema.gen.js';

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
/** The collections API's error body (`{ ok: false, message, api_request_id }`), on `ApiError.body`. */
export type CollectionsErrorBody = Schemas['ErrorEnvelope'];

export interface CollectionsClientOptions
  extends Omit<HttpClientOptions, 'auth' | 'errorMessage' | 'requestId'> {
  /** The API key, sent as `Authorization: Bearer <key>`: a string, a function or a `TokenProvider`. */
  apiKey: TokenSource;
}

/** Options every method takes. */
export interface CallOptions {
  signal?: AbortSignal;
  timeout?: number | false;
}

export interface PageParams {
  /** 1–200, default 50. */
  limit?: number;
  /** Default 0. */
  offset?: number;
}

/** Bytes of an audio file or image: a `Blob`/`File`, an `ArrayBuffer`, a typed array or a stream. */
export type UploadBody = Blob | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>;

export interface UploadCallOptions extends CallOptions {
  /**
   * Called as bytes are sent. Only where the runtime supports streaming request bodies (Node 20,
   * Chromium); elsewhere it is not called. Default timeout for uploads: none (use `signal`).
   */
  onUploadProgress?: (progress: Progress) => void;
}

export interface WaitForTrackOptions {
  signal?: AbortSignal;
  /** First delay between polls, doubled after each poll up to `maxIntervalMs`. Default 500. */
  intervalMs?: number;
  /** Default 5000. */
  maxIntervalMs?: number;
  /** Give up (rejecting with a `TrackProcessingTimeoutError`) after this many ms. Default: never. */
  timeoutMs?: number;
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

/** Processing ended in `failed`: the uploaded file is not audio the server can decode. */
export class TrackProcessingError extends MusicApiError {
  override name = 'TrackProcessingError';
  constructor(readonly track: Track) {
    super(`Track ${track.id} (${track.file_name}) could not be processed: status ${track.status}`);
  }
}

/** `waitForTrack` ran out of `timeoutMs` while the track was still processing. */
export class TrackProcessingTimeoutError extends MusicApiError {
  override name = 'TrackProcessingTimeoutError';
  constructor(
    readonly track: Track,
    readonly timeoutMs: number,
  ) {
    super(`Track ${track.id} was still ${track.status} after ${timeoutMs} ms`);
  }
}

export interface CollectionsClient {
  /** `GET /v1/collection`: a page of collections, oldest first, and `count`, the total. */
  listCollections(params?: PageParams, options?: CallOptions): Promise<CollectionList>;
  /** Every collection, page by page (`pageSize` default 200). */
  iterateCollections(params?: { pageSize?: number }, options?: CallOptions): AsyncIterable<Collection>;
  /** `POST /v1/collection`: also returns `collection_cover_upload`. */
  createCollection(body: CollectionInput, options?: CallOptions): Promise<CollectionCoverUploadResult>;
  getCollection(params: { collectionId: string }, options?: CallOptions): Promise<CollectionResult>;
  /** `PUT`: the body is the new state; fields left out go back to their defaults. */
  updateCollection(
    params: { collectionId: string },
    body: CollectionInput,
    options?: CallOptions,
  ): Promise<CollectionResult>;
  /** Deletes the collection with its tracks and files. */
  deleteCollection(params: { collectionId: string }, options?: CallOptions): Promise<CollectionDeleted>;
  listCollectionTracks(
    params: { collectionId: string } & PageParams,
    options?: CallOptions,
  ): Promise<TrackList>;
  /** Every track of a collection, page by page. */
  iterateCollectionTracks(
    params: { collectionId: string; pageSize?: number },
    options?: CallOptions,
  ): AsyncIterable<Track>;
  /** A new signed `POST` URL for the collection's cover. */
  createCollectionCover(
    params: { collectionId: string },
    options?: CallOptions,
  ): Promise<CollectionCoverUploadResult>;
  /** `POST /v1/track`: the track (`initializing`) and its `track_upload` / `track_cover_upload` URLs. */
  createTrack(body: TrackCreate, options?: CallOptions): Promise<TrackCreated>;
  getTrack(params: { trackId: string }, options?: CallOptions): Promise<TrackResult>;
  updateTrack(params: { trackId: string }, body: TrackUpdate, options?: CallOptions): Promise<TrackResult>;
  deleteTrack(params: { trackId: string }, options?: CallOptions): Promise<TrackDeleted>;
  /** A new signed `POST` URL for the track's own cover. */
  createTrackCover(params: { trackId: string }, options?: CallOptions): Promise<TrackCoverUploadResult>;
  /** `PUT`s audio bytes to a `track_upload.upload_url` (no API key; the URL works once). */
  uploadTrackAudio(
    params: { uploadUrl: string; body: UploadBody; contentType?: string },
    options?: UploadCallOptions,
  ): Promise<TrackResult>;
  /** `POST`s a JPEG/PNG to a `track_cover_upload.upload_url` as multipart/form-data. */
  uploadTrackCover(
    params: { uploadUrl: string; file: Blob | ArrayBuffer | Uint8Array; fileName?: string },
    options?: UploadCallOptions,
  ): Promise<TrackResult>;
  /** `POST`s a JPEG/PNG to a `collection_cover_upload.upload_url`. */
  uploadCollectionCover(
    params: { uploadUrl: string; file: Blob | ArrayBuffer | Uint8Array; fileName?: string },
    options?: UploadCallOptions,
  ): Promise<CollectionResult>;
  /** The image bytes behind a `cover_url` (no API key). */
  getCoverImage(params: { coverUrl: string }, options?: CallOptions): Promise<Blob>;
  /**
   * Polls `getTrack` with backoff until `status` is `ready` (resolves the track) or `failed`
   * (rejects with `TrackProcessingError`). Abort with `signal`.
   */
  waitForTrack(params: { trackId: string }, options?: WaitForTrackOptions): Promise<Track>;
  /** Creates a track, `PUT`s the file to its upload URL and (by default) waits until it is `ready`. */
  uploadTrack(options: UploadTrackOptions): Promise<UploadTrackResult>;
  readonly http: HttpClient;
}

export function createCollectionsClient(options: CollectionsClientOptions): CollectionsClient {
  const { apiKey, ...httpOptions } = options;
  const http = createHttpClient({
    ...httpOptions,
    auth: { token: apiKey },
    errorMessage: errorMessageOf,
    requestId: (_response, body) => requestIdOf(body),
  });

  /**
   * Upload and cover URLs are absolute and may point at another host than `baseUrl` (a CDN, a
   * proxy), so each gets a client of its own origin. No retries: the URL works once, and a
   * stream body cannot be sent twice.
   */
  function capabilityRequest(url: string) {
    const parsed = new URL(url);
    const client = createHttpClient({
      ...httpOptions,
      baseUrl: parsed.origin,
      retry: 0,
      errorMessage: errorMessageOf,
      requestId: (_response, body) => requestIdOf(body),
    });
    return { client, path: parsed.pathname, query: Object.fromEntries(parsed.searchParams) };
  }

  const progressOption = (onUploadProgress: UploadCallOptions['onUploadProgress']) =>
    onUploadProgress && supportsRequestStreams()
      ? (progress: Progress) => onUploadProgress(progress)
      : undefined;

  async function postCover<T>(
    uploadUrl: string,
    file: Blob | ArrayBuffer | Uint8Array,
    fileName: string | undefined,
    call: UploadCallOptions = {},
  ): Promise<T> {
    const { client, path, query } = capabilityRequest(uploadUrl);
    const form = new FormData();
    const blob = file instanceof Blob ? file : new Blob([file as BlobPart]);
    form.append('file', blob, fileName ?? ((file as { name?: string }).name || 'cover'));
    const { onUploadProgress, ...rest } = call;
    return client.json<T>({
      method: 'POST',
      path,
      query,
      body: form,
      auth: false,
      timeout: false,
      ...rest,
      onUploadProgress: progressOption(onUploadProgress),
    });
  }

  async function* paginate<T>(
    fetchPage: (limit: number, offset: number) => Promise<{ count: number; items: T[] }>,
    pageSize = 200,
  ): AsyncIterable<T> {
    for (let offset = 0; ; offset += pageSize) {
      const page = await fetchPage(pageSize, offset);
      yield* page.items;
      if (page.items.length < pageSize || offset + page.items.length >= page.count) return;
    }
  }

  const client: CollectionsClient = {
    http,
    listCollections: (params = {}, call) =>
      http.json({ method: 'GET', path: '/v1/collection', query: { ...params }, ...call }),
    iterateCollections: (params = {}, call) =>
      paginate(async (limit, offset) => {
        const page = await client.listCollections({ limit, offset }, call);
        return { count: page.count, items: page.collections };
      }, params.pageSize),
    createCollection: (body, call) =>
      http.json({ method: 'POST', path: '/v1/collection', json: body, ...call }),
    getCollection: ({ collectionId }, call) =>
      http.json({
        method: 'GET',
        path: expandPath('/v1/collection/{collection_id}', { collection_id: collectionId }),
        ...call,
      }),
    updateCollection: ({ collectionId }, body, call) =>
      http.json({
        method: 'PUT',
        path: expandPath('/v1/collection/{collection_id}', { collection_id: collectionId }),
        json: body,
        ...call,
      }),
    deleteCollection: ({ collectionId }, call) =>
      http.json({
        method: 'DELETE',
        path: expandPath('/v1/collection/{collection_id}', { collection_id: collectionId }),
        ...call,
      }),
    listCollectionTracks: ({ collectionId, limit, offset }, call) =>
      http.json({
        method: 'GET',
        path: expandPath('/v1/collection/{collection_id}/track', { collection_id: collectionId }),
        query: { limit, offset },
        ...call,
      }),
    iterateCollectionTracks: ({ collectionId, pageSize }, call) =>
      paginate(async (limit, offset) => {
        const page = await client.listCollectionTracks({ collectionId, limit, offset }, call);
        return { count: page.count, items: page.tracks };
      }, pageSize),
    createCollectionCover: ({ collectionId }, call) =>
      http.json({
        method: 'POST',
        path: expandPath('/v1/collection/{collection_id}/cover', { collection_id: collectionId }),
        ...call,
      }),
    createTrack: (body, call) => http.json({ method: 'POST', path: '/v1/track', json: body, ...call }),
    getTrack: ({ trackId }, call) =>
      http.json({ method: 'GET', path: expandPath('/v1/track/{track_id}', { track_id: trackId }), ...call }),
    updateTrack: ({ trackId }, body, call) =>
      http.json({
        method: 'PUT',
        path: expandPath('/v1/track/{track_id}', { track_id: trackId }),
        json: body,
        ...call,
      }),
    deleteTrack: ({ trackId }, call) =>
      http.json({
        method: 'DELETE',
        path: expandPath('/v1/track/{track_id}', { track_id: trackId }),
        ...call,
      }),
    createTrackCover: ({ trackId }, call) =>
      http.json({
        method: 'POST',
        path: expandPath('/v1/track/{track_id}/cover', { track_id: trackId }),
        ...call,
      }),
    uploadTrackAudio({ uploadUrl, body, contentType }, call = {}) {
      const { client: uploader, path, query } = capabilityRequest(uploadUrl);
      const { onUploadProgress, ...rest } = call;
      return uploader.json<TrackResult>({
        method: 'PUT',
        path,
        query,
        body: body as BodyInit,
        headers: {
          'content-type':
            contentType ?? (body instanceof Blob && body.type ? body.type : 'application/octet-stream'),
        },
        auth: false,
        timeout: false,
        ...rest,
        onUploadProgress: progressOption(onUploadProgress),
      });
    },
    uploadTrackCover: ({ uploadUrl, file, fileName }, call) => postCover(uploadUrl, file, fileName, call),
    uploadCollectionCover: ({ uploadUrl, file, fileName }, call) =>
      postCover(uploadUrl, file, fileName, call),
    getCoverImage({ coverUrl }, call) {
      const { client: reader, path, query } = capabilityRequest(coverUrl);
      return reader.blob({ method: 'GET', path, query, auth: false, ...call });
    },
    async waitForTrack({ trackId }, wait = {}) {
      const started = Date.now();
      let delay = wait.intervalMs ?? 500;
      for (;;) {
        const { track } = await client.getTrack({ trackId }, { signal: wait.signal });
        if (track.status === 'ready') return track;
        if (track.status === 'failed') throw new TrackProcessingError(track);
        if (wait.timeoutMs !== undefined && Date.now() - started + delay > wait.timeoutMs) {
          throw new TrackProcessingTimeoutError(track, wait.timeoutMs);
        }
        await sleep(delay, wait.signal);
        delay = Math.min(delay * 2, wait.maxIntervalMs ?? 5000);
      }
    },
    async uploadTrack({ collectionId, file, fileName, fields, waitUntilReady = true, ...call }) {
      const name = fileName ?? (file as { name?: string }).name;
      if (!name) throw new TypeError('uploadTrack: pass fileName, or a File, which has a name');
      const created = await client.createTrack(
        { ...fields, collection_id: collectionId, file_name: name },
        { signal: call.signal, timeout: call.timeout },
      );
      const uploaded = await client.uploadTrackAudio(
        { uploadUrl: created.track_upload.upload_url, body: file },
        call,
      );
      if (!waitUntilReady) return { track: uploaded.track, created };
      const waitOptions = waitUntilReady === true ? {} : waitUntilReady;
      const track = await client.waitForTrack(
        { trackId: created.track_id },
        { signal: call.signal, ...waitOptions },
      );
      return { track, created };
    },
  };
  return client;
}

function errorMessageOf(body: unknown): string | undefined {
  const message = (body as Partial<CollectionsErrorBody> | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

function requestIdOf(body: unknown): string | undefined {
  const id = (body as Partial<CollectionsErrorBody> | undefined)?.api_request_id;
  return typeof id === 'string' ? id : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

let requestStreamsSupported: boolean | undefined;

/** Whether `fetch` can send a stream body (what upload progress needs); the same test ky makes. */
function supportsRequestStreams(): boolean {
  if (requestStreamsSupported !== undefined) return requestStreamsSupported;
  let duplexAccessed = false;
  let hasContentType = false;
  try {
    hasContentType = new Request('https://example.invalid', {
      body: new ReadableStream(),
      method: 'POST',
      get duplex() {
        duplexAccessed = true;
        return 'half';
      },
    } as RequestInit).headers.has('Content-Type');
  } catch {
    requestStreamsSupported = false;
    return false;
  }
  requestStreamsSupported = duplexAccessed && !hasContentType;
  return requestStreamsSupported;
}
