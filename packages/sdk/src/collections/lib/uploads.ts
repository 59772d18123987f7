import {
  type ApiPromise,
  type BinaryBody,
  type CallOptions,
  createHttpClient,
  type HttpClient,
  type Progress,
} from '../../core/index.js';
import {
  type CollectionsMethods,
  collectionsMethods,
  type GetCoverImageParams,
  type GetCoverImageResult,
  type UploadCollectionCoverParams,
  type UploadCollectionCoverResult,
  type UploadTrackAudioParams,
  type UploadTrackAudioResult,
  type UploadTrackCoverParams,
  type UploadTrackCoverResult,
} from '../client.gen.js';
import { splitSignedUrl } from './signed-url.js';

/** Bytes of an audio file or image: a `Blob`/`File`, an `ArrayBuffer`, a typed array or a stream. */
export type UploadBody = BinaryBody;

/** An image for a cover upload: a `Blob`/`File` (which brings its name) or bytes. */
export type CoverFile = Blob | ArrayBuffer | Uint8Array;

export interface UploadCallOptions extends CallOptions {
  /**
   * Called as bytes are sent. Only where the runtime supports streaming request bodies (Node 20,
   * Chromium); elsewhere it is not called. Default timeout for uploads: none (use `signal`).
   */
  onUploadProgress?: (progress: Progress) => void;
}

/** `PUT`s audio bytes to a `track_upload.upload_url` (no API key; the URL works once). */
export interface AudioUploadByUrl {
  uploadUrl: string;
  body: UploadBody;
  /** Default: the Blob's type, else `application/octet-stream` (the server sniffs the bytes). */
  contentType?: string;
}

/** `POST`s a JPEG/PNG to a cover upload URL as multipart/form-data. */
export interface CoverUploadByUrl {
  uploadUrl: string;
  file: CoverFile;
  /** Default: the File's name, else 'cover'. */
  fileName?: string;
}

/**
 * The upload and cover operations, taking either their generated arguments or the URL the API
 * handed out (`{ uploadUrl }`, `{ coverUrl }`), which already holds them.
 */
export interface SignedUrlMethods {
  uploadTrackAudio(
    args: AudioUploadByUrl | UploadTrackAudioParams,
    options?: UploadCallOptions,
  ): ApiPromise<UploadTrackAudioResult>;
  uploadTrackCover(
    args: CoverUploadByUrl | UploadTrackCoverParams,
    options?: UploadCallOptions,
  ): ApiPromise<UploadTrackCoverResult>;
  uploadCollectionCover(
    args: CoverUploadByUrl | UploadCollectionCoverParams,
    options?: UploadCallOptions,
  ): ApiPromise<UploadCollectionCoverResult>;
  /** The image behind a `cover_url`, as a Blob of its type (no API key). */
  getCoverImage(args: { coverUrl: string }, options?: CallOptions): Promise<Blob>;
  getCoverImage(args: GetCoverImageParams, options?: CallOptions): ApiPromise<GetCoverImageResult>;
}

export function signedUrlMethods(methods: CollectionsMethods, http: HttpClient): SignedUrlMethods {
  /**
   * The methods against the URL's own origin (a CDN, a proxy), without credentials or retries:
   * the URL works once, and a stream body cannot be sent twice.
   */
  function at<TArgs>(url: string, template: string) {
    const { baseUrl, args } = splitSignedUrl<TArgs>(url, template);
    const client = createHttpClient({ ...http.options, baseUrl, retry: 0, credentials: undefined });
    return { methods: collectionsMethods(client), args };
  }
  const uploadOptions = ({ onUploadProgress, ...options }: UploadCallOptions = {}): CallOptions => ({
    timeout: false,
    ...options,
    onUploadProgress: onUploadProgress && supportsRequestStreams() ? onUploadProgress : undefined,
  });
  const coverForm = ({ file, fileName }: CoverUploadByUrl) => {
    const form = new FormData();
    const blob = file instanceof Blob ? file : new Blob([file as BlobPart]);
    form.append('file', blob, fileName ?? ((file as { name?: string }).name || 'cover'));
    return form;
  };

  const uploadTrackAudio: SignedUrlMethods['uploadTrackAudio'] = (args, options) => {
    if (!('uploadUrl' in args)) return methods.uploadTrackAudio(args, uploadOptions(options));
    const signed = at<Omit<UploadTrackAudioParams, 'body'>>(args.uploadUrl, '/v1/upload/track/{track_id}');
    const call = uploadOptions(options);
    return signed.methods.uploadTrackAudio(
      { ...signed.args, body: args.body },
      { ...call, headers: { 'content-type': args.contentType, ...call.headers } },
    );
  };
  const uploadTrackCover: SignedUrlMethods['uploadTrackCover'] = (args, options) => {
    if (!('uploadUrl' in args)) return methods.uploadTrackCover(args, uploadOptions(options));
    const signed = at<Omit<UploadTrackCoverParams, 'body'>>(
      args.uploadUrl,
      '/v1/upload/cover/track/{track_id}',
    );
    return signed.methods.uploadTrackCover({ ...signed.args, body: coverForm(args) }, uploadOptions(options));
  };
  const uploadCollectionCover: SignedUrlMethods['uploadCollectionCover'] = (args, options) => {
    if (!('uploadUrl' in args)) return methods.uploadCollectionCover(args, uploadOptions(options));
    const signed = at<Omit<UploadCollectionCoverParams, 'body'>>(
      args.uploadUrl,
      '/v1/upload/cover/collection/{collection_id}',
    );
    return signed.methods.uploadCollectionCover(
      { ...signed.args, body: coverForm(args) },
      uploadOptions(options),
    );
  };

  function getCoverImage(args: { coverUrl: string }, options?: CallOptions): Promise<Blob>;
  function getCoverImage(args: GetCoverImageParams, options?: CallOptions): ApiPromise<GetCoverImageResult>;
  function getCoverImage(args: { coverUrl: string } | GetCoverImageParams, options?: CallOptions) {
    if (!('coverUrl' in args)) return methods.getCoverImage(args, options);
    const signed = at<GetCoverImageParams>(args.coverUrl, '/media/covers/{owner_type}/{file_name}');
    return signed.methods
      .getCoverImage(signed.args, options)
      .withResponse()
      .then(
        ({ data, response }) =>
          new Blob([data as BlobPart], { type: response.headers.get('content-type') ?? '' }),
      );
  }

  return { uploadTrackAudio, uploadTrackCover, uploadCollectionCover, getCoverImage };
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
