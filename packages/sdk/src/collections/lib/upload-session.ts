import type { components } from '@music-apis/spec/collections';
import { type CallOptions, createHttpClient, type HttpClient, type Progress } from '../../core/index.js';
import { type CollectionsMethods, collectionsMethods } from '../client.gen.js';
import type { SignedUrlMethods, UploadBody, UploadCallOptions } from './uploads.js';
import { type WaitForTrackOptions, waitForTrack } from './wait-for-track.js';

type Track = components['schemas']['Track'];
type UploadSessionTrackInput = components['schemas']['UploadSessionTrackInput'];
type UploadSessionTrackCreated = components['schemas']['UploadSessionTrackCreated'];

/** One file of `uploadViaSession`. */
export interface SessionFile {
  /** The audio. A `File` brings its own name; otherwise pass `fileName`. */
  file: UploadBody;
  fileName?: string;
  /** The other fields of `createUploadSessionTrack` (player title, metadata, …). */
  fields?: Omit<UploadSessionTrackInput, 'file_name'>;
}

/** Progress of one file of `uploadViaSession`: which file (its index in `files`) and its bytes. */
export interface SessionFileProgress extends Progress {
  index: number;
  fileName: string;
}

export interface UploadViaSessionOptions extends Omit<UploadCallOptions, 'onUploadProgress'> {
  /** From `createUploadSession` (made with an API key, typically on your server). */
  uploadSessionId: string;
  files: SessionFile[];
  /** Files uploaded at once; default 2. */
  concurrency?: number;
  /** Called as bytes of each file are sent (where the runtime can report it, as `uploadTrackAudio`). */
  onUploadProgress?: (progress: SessionFileProgress) => void;
  /** Called when a file's bytes are in (its track is `processing`), in completion order. */
  onFileUploaded?: (result: SessionUploadResult, index: number) => void;
  /** Wait until every track is `ready`, with these polling options (needs the API key); default false. */
  waitUntilReady?: boolean | WaitForTrackOptions;
}

export interface SessionUploadResult {
  /** The track as the last call saw it: `ready` when waited for, else `processing`. */
  track: Track;
  /** The `createUploadSessionTrack` answer, with the cover upload URL the track can still use. */
  created: UploadSessionTrackCreated;
}

/**
 * Uploads many files through one upload session: per file, `createUploadSessionTrack` (the session
 * id is the credential: sent without the API key) and a `PUT` of the bytes to its `track_upload`
 * URL, `concurrency` files at a time. Rejects with the first error; files not started by then are
 * not started, and `signal` aborts the ones in flight.
 */
export async function uploadViaSession(
  methods: CollectionsMethods,
  urls: SignedUrlMethods,
  http: HttpClient,
  options: UploadViaSessionOptions,
): Promise<SessionUploadResult[]> {
  const {
    uploadSessionId,
    files,
    concurrency = 2,
    onUploadProgress,
    onFileUploaded,
    waitUntilReady = false,
    ...call
  } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError('uploadViaSession: concurrency must be a positive integer');
  }
  const names = files.map(({ file, fileName }) => fileName ?? (file as { name?: string }).name);
  const unnamed = names.findIndex((name) => !name);
  if (unnamed !== -1) {
    throw new TypeError(`uploadViaSession: files[${unnamed}] needs a fileName (or be a File, which has one)`);
  }
  const anonymous = collectionsMethods(createHttpClient({ ...http.options, credentials: undefined }));
  const short: CallOptions = { signal: call.signal, timeout: call.timeout };
  const results: SessionUploadResult[] = new Array(files.length);
  let next = 0;
  let failed = false;

  async function upload(index: number): Promise<void> {
    const { file, fields } = files[index] as SessionFile;
    const fileName = names[index] as string;
    const created = await anonymous.createUploadSessionTrack(
      { upload_session_id: uploadSessionId, body: { ...fields, file_name: fileName } },
      short,
    );
    const uploaded = await urls.uploadTrackAudio(
      { uploadUrl: created.track_upload.upload_url, body: file },
      {
        ...call,
        onUploadProgress:
          onUploadProgress && ((progress) => onUploadProgress({ ...progress, index, fileName })),
      },
    );
    results[index] = { track: uploaded.track, created };
    onFileUploaded?.(results[index], index);
  }

  async function worker(): Promise<void> {
    while (!failed && next < files.length) {
      const index = next++;
      try {
        await upload(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (!waitUntilReady) return results;
  const wait = { signal: call.signal, ...(waitUntilReady === true ? {} : waitUntilReady) };
  return Promise.all(
    results.map(async (result) => ({ ...result, track: await waitForTrack(methods, result.track.id, wait) })),
  );
}
