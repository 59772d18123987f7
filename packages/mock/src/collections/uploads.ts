import {
  ACCEPTED_AUDIO_TYPES,
  type CoverOwner,
  collectionsOk,
  collectionView,
  coverUploadPath,
  emptyAudioUpload,
  fileTooLarge,
  NOT_AUDIO_TEXT,
  readCoverUpload,
  sniffAudioType,
  trackView,
  uploadHandle,
  uploadUrlRejected,
} from '@music-apis/domain';
import type { MockContext, MockEnv } from '../core/api.js';
import { readAudioFormat } from '../core/audio.js';
import { processTrackAudio } from './processing.js';
import {
  type CollectionsHandlers,
  type CollectionsMockState,
  findCollection,
  findTrack,
  type IssuedUploadUrl,
} from './state.js';

/**
 * Upload URLs (issued here, signed with a random signature the store remembers) and the uploads
 * they allow. Audio is "processed" at once: WAV, AIFF and FLAC get their exact duration from their
 * headers, other recognised audio (MP3, Ogg, MP4) an estimate from its size at 128 kbit/s, and
 * anything else ends `init_error`, as on the server.
 */

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}

/** Duration in seconds of an uploaded file, or undefined when it is not audio. */
function probeAudio(bytes: Uint8Array): number | undefined {
  const type = sniffAudioType(bytes.subarray(0, 16));
  const extension = ACCEPTED_AUDIO_TYPES[type];
  if (extension) {
    const seconds = readAudioFormat(bytes, extension)?.durationSeconds;
    return seconds ? Math.round(seconds * 1000) / 1000 : undefined;
  }
  if (type === 'application/octet-stream') return undefined;
  return Math.round((bytes.length * 8 * 1000) / 128_000) / 1000;
}

const nowSeconds = ({ now }: MockContext) => Math.floor(now().getTime() / 1000);

/** An upload URL for `method` on `path`, valid for the store's TTL. */
export function issueUploadUrl<Method extends 'PUT' | 'POST'>(
  state: CollectionsMockState,
  context: MockContext,
  method: Method,
  baseUrl: string,
  path: string,
) {
  const ttl = state.limits.uploadTtlSeconds;
  const expires = nowSeconds(context) + ttl;
  const signature = randomHex(32);
  state.uploadUrls.set(signature, { method, path, expires, used: false });
  return uploadHandle({ method, baseUrl, path, expires, nonce: randomHex(16), signature, ttl });
}

export const issueCoverUploadUrl = (
  state: CollectionsMockState,
  context: MockContext,
  baseUrl: string,
  owner: CoverOwner,
  id: string,
) => issueUploadUrl(state, context, 'POST', baseUrl, coverUploadPath(owner, id));

type UploadHandlers = Pick<
  CollectionsHandlers,
  'uploadTrackAudio' | 'uploadTrackCover' | 'uploadCollectionCover'
>;

export function uploadHandlers(state: CollectionsMockState, context: MockContext): UploadHandlers {
  const ok = () => collectionsOk(crypto.randomUUID());

  /** The issued URL this request uses (whether it was used already is checked by `claim`). */
  function issuedUrl(query: { expires: number; signature: string }, env: MockEnv): IssuedUploadUrl {
    const issued = state.uploadUrls.get(query.signature);
    if (
      !issued ||
      issued.method !== env.request.method ||
      issued.path !== env.path ||
      issued.expires !== query.expires ||
      issued.expires <= nowSeconds(context)
    ) {
      throw uploadUrlRejected();
    }
    return issued;
  }

  /** Checked after the target exists, as the server does: a deleted target is 404 even for a used URL. */
  function claim(issued: IssuedUploadUrl): void {
    if (issued.used) throw uploadUrlRejected();
  }

  async function storeCover(
    env: MockEnv,
    owner: CoverOwner,
    record: { id: string; cover_key: string | null },
  ) {
    const limit = state.limits.maxCoverBytes;
    if (env.rawBody.length > limit) throw fileTooLarge(limit);
    const image = await readCoverUpload(env.request.headers.get('content-type') ?? '', env.rawBody);
    if (image.bytes.length > limit) throw fileTooLarge(limit);
    state.uploads += 1;
    const key = `collections/covers/${owner}/${record.id}-${state.uploads}.${image.type}`;
    if (record.cover_key) state.blobs.delete(record.cover_key);
    state.blobs.set(key, image.bytes);
    record.cover_key = key;
  }

  return {
    uploadTrackAudio({ path, query }, env) {
      const issued = issuedUrl(query, env);
      const track = findTrack(state, null, path.track_id);
      claim(issued);
      const bytes = env.rawBody;
      if (bytes.length > state.limits.maxAudioBytes) throw fileTooLarge(state.limits.maxAudioBytes);
      if (bytes.length === 0) throw emptyAudioUpload();
      issued.used = true;
      state.uploads += 1;
      Object.assign(track, {
        status: 'processing',
        status_text: null,
        duration: null,
        audio_key: `collections/audio/${track.id}/${state.uploads}`,
      });
      const collection = state.collections.get(track.collection_id);
      const body = { ...ok(), track_id: track.id, track: trackView(track, collection, env.baseUrl) };
      // Processing is instant in the mock: the next read sees the outcome.
      const duration = probeAudio(bytes);
      if (duration === undefined) {
        Object.assign(track, { status: 'init_error', status_text: NOT_AUDIO_TEXT, audio_key: null });
      } else {
        processTrackAudio(state, track, bytes, duration);
      }
      return { status: 200, body };
    },
    async uploadTrackCover({ path, query }, env) {
      const issued = issuedUrl(query, env);
      const track = findTrack(state, null, path.track_id);
      claim(issued);
      await storeCover(env, 'track', track);
      issued.used = true;
      const collection = state.collections.get(track.collection_id);
      return {
        status: 200,
        body: { ...ok(), track_id: track.id, track: trackView(track, collection, env.baseUrl) },
      };
    },
    async uploadCollectionCover({ path, query }, env) {
      const issued = issuedUrl(query, env);
      const collection = findCollection(state, null, path.collection_id);
      claim(issued);
      await storeCover(env, 'collection', collection);
      issued.used = true;
      return {
        status: 200,
        body: { ...ok(), collection_id: collection.id, collection: collectionView(collection, env.baseUrl) },
      };
    },
  };
}
