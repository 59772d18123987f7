import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  assertAwaitingAudio,
  audioUploadPath,
  collectionChanges,
  collectionFields,
  collectionNotFound,
  collectionTrackNotFound,
  collectionView,
  IMAGE_CONTENT_TYPES,
  type ImageType,
  NOT_AUDIO_TEXT,
  PROCESSING_GAVE_UP_TEXT,
  sniffImage,
  trackChanges,
  trackFields,
  trackView,
  uploadUrlRejected,
  variantNotFound,
  variantView,
} from '@music-apis/domain';
import { badRequest, notFound } from '@music-apis/spec';
import type { components } from '@music-apis/spec/collections';
import { parseStream } from 'music-metadata';
import type { JobQueue } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../core/storage.js';
import type {
  CollectionRecord,
  CollectionsRepository,
  OrganizationScope,
  TrackRecord,
} from './repository.js';
import type { UploadHandle, UploadUrlSigner } from './upload-urls.js';
import { limitedRequestBody, PayloadTooLargeError, readMultipartFile, unsupportedImage } from './uploads.js';
import type { VariantRepository } from './variant-repository.js';

type Collection = components['schemas']['Collection'];
type Track = components['schemas']['Track'];
type CollectionInput = components['schemas']['CollectionInput'];
type CollectionUpdate = components['schemas']['CollectionUpdate'];
type TrackCreate = components['schemas']['TrackCreate'];
type TrackUpdate = components['schemas']['TrackUpdate'];

export const PROCESS_TRACK_QUEUE = 'collections.process-track';

export interface CollectionsLimits {
  maxAudioBytes: number;
  maxCoverBytes: number;
  uploadTtlSeconds: number;
}

export interface UploadRequest {
  /** The URL path the client used (the signed part), without the query string. */
  path: string;
  expires: number;
  nonce: string;
  signature: string;
  request: IncomingMessage;
}

const COVER_FILE = /^([0-9a-fA-F-]{36})\.(jpg|png)$/;
const EXPIRED_CLAIM_CLEANUP_INTERVAL_MS = 10 * 60_000;

const trackNotFound = collectionTrackNotFound;

export function createCollectionsService(options: {
  repository: CollectionsRepository;
  variants: VariantRepository;
  blobs: BlobStore;
  jobs: JobQueue;
  signer: UploadUrlSigner;
  limits: CollectionsLimits;
  logger: Logger;
}) {
  const { repository, variants, blobs, jobs, signer, limits, logger } = options;
  let lastClaimCleanup = 0;

  // Another organization's records answer 404, exactly as ids that do not exist: a key cannot
  // even tell whether an id is in use elsewhere.
  async function existingCollection(
    organizationId: OrganizationScope,
    id: string,
  ): Promise<CollectionRecord> {
    const collection = await repository.findCollection(organizationId, id);
    if (!collection) throw collectionNotFound();
    return collection;
  }

  async function existingTrack(organizationId: OrganizationScope, id: string): Promise<TrackRecord> {
    const track = await repository.findTrack(organizationId, id);
    if (!track) throw trackNotFound();
    return track;
  }

  async function trackWithCollection(organizationId: OrganizationScope, id: string, baseUrl: string) {
    const track = await existingTrack(organizationId, id);
    return trackView(
      track,
      await repository.findCollection(track.organization_id, track.collection_id),
      baseUrl,
    );
  }

  /** Best effort: a file that cannot be deleted now is logged, the request still succeeds. */
  async function deleteBlobs(keys: (string | null)[]): Promise<void> {
    await Promise.all(
      keys
        .filter((key): key is string => key !== null)
        .map((key) =>
          blobs.delete(key).catch((error) => logger.error({ err: error, key }, 'could not delete a file')),
        ),
    );
  }

  const coverHandle = (baseUrl: string, owner: 'collection' | 'track', id: string): UploadHandle<'POST'> =>
    signer.issue('POST', baseUrl, `/v1/upload/cover/${owner}/${id}`, limits.uploadTtlSeconds);
  const audioHandle = (baseUrl: string, id: string): UploadHandle<'PUT'> =>
    signer.issue('PUT', baseUrl, audioUploadPath(id), limits.uploadTtlSeconds);

  /** 403 unless the URL carries a valid signature for this method and path and has not expired. */
  function verifyUploadUrl(upload: UploadRequest, method: 'PUT' | 'POST'): void {
    if (!signer.verify(method, upload.path, upload.expires, upload.nonce, upload.signature).ok)
      throw uploadUrlRejected();
  }

  /** Marks a verified URL as used; 403 when another upload already used it. */
  async function claimUploadUrl(upload: UploadRequest): Promise<void> {
    if (!(await repository.claimUploadUrl(upload.signature, upload.expires))) throw uploadUrlRejected();
    if (Date.now() - lastClaimCleanup > EXPIRED_CLAIM_CLEANUP_INTERVAL_MS) {
      lastClaimCleanup = Date.now();
      repository
        .deleteExpiredUploadClaims(Math.floor(Date.now() / 1000))
        .catch((error) => logger.warn({ err: error }, 'could not delete expired upload claims'));
    }
  }

  async function uploadCover(
    owner: 'collection' | 'track',
    id: string,
    upload: UploadRequest,
  ): Promise<void> {
    verifyUploadUrl(upload, 'POST');
    const exists =
      owner === 'collection'
        ? await repository.findCollection(null, id)
        : await repository.findTrack(null, id);
    if (!exists) throw owner === 'collection' ? collectionNotFound() : trackNotFound();
    const declared = Number(upload.request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxCoverBytes) {
      throw new PayloadTooLargeError(limits.maxCoverBytes);
    }
    await claimUploadUrl(upload);
    let stored: string | undefined;
    try {
      const bytes = await readMultipartFile(upload.request, limits.maxCoverBytes);
      const type = sniffImage(bytes);
      if (!type) throw unsupportedImage();
      // A fresh key per upload: concurrent replacements never write the same file.
      stored = `collections/covers/${owner}/${id}-${randomUUID()}.${type}`;
      await blobs.put(stored, bytes);
      const replaced = await repository.replaceCoverKey(owner, id, stored);
      if (replaced === false) throw owner === 'collection' ? collectionNotFound() : trackNotFound();
      await deleteBlobs([replaced]);
    } catch (error) {
      if (stored) await deleteBlobs([stored]);
      // The upload did not happen: the URL stays usable until it expires.
      await repository.releaseUploadUrl(upload.signature);
      throw error;
    }
  }

  return {
    collectionView,
    trackView,

    async listCollections(organizationId: string, limit: number, offset: number, baseUrl: string) {
      const page = await repository.listCollections(organizationId, limit, offset);
      return { count: page.count, collections: page.items.map((item) => collectionView(item, baseUrl)) };
    },

    async createCollection(organizationId: string, input: CollectionInput, baseUrl: string) {
      const id = randomUUID();
      await repository.insertCollection(organizationId, id, collectionFields(input));
      return {
        collection: collectionView(await existingCollection(organizationId, id), baseUrl),
        upload: coverHandle(baseUrl, 'collection', id),
      };
    },

    async getCollection(organizationId: string, id: string, baseUrl: string) {
      return collectionView(await existingCollection(organizationId, id), baseUrl);
    },

    async updateCollection(organizationId: string, id: string, input: CollectionUpdate, baseUrl: string) {
      if (!(await repository.updateCollection(organizationId, id, collectionChanges(input)))) {
        throw collectionNotFound();
      }
      return collectionView(await existingCollection(organizationId, id), baseUrl);
    },

    async deleteCollection(organizationId: string, id: string, baseUrl: string) {
      const deleted = await repository.deleteCollection(organizationId, id);
      if (!deleted) throw collectionNotFound();
      await deleteBlobs([
        deleted.collection.cover_key,
        ...deleted.tracks.flatMap((track) => [track.audio_key, track.cover_key]),
      ]);
      return { ...collectionView(deleted.collection, baseUrl), cover_url: null };
    },

    async listCollectionTracks(
      organizationId: string,
      collectionId: string,
      limit: number,
      offset: number,
      baseUrl: string,
    ) {
      const collection = await existingCollection(organizationId, collectionId);
      const page = await repository.listTracks(collectionId, limit, offset);
      return { count: page.count, tracks: page.items.map((track) => trackView(track, collection, baseUrl)) };
    },

    async createCollectionCover(organizationId: string, id: string, baseUrl: string) {
      return {
        collection: collectionView(await existingCollection(organizationId, id), baseUrl),
        upload: coverHandle(baseUrl, 'collection', id),
      };
    },

    async createTrack(organizationId: string, input: TrackCreate, baseUrl: string) {
      const id = randomUUID();
      const identity = { collection_id: input.collection_id, file_name: input.file_name };
      if (!(await repository.insertTrack(organizationId, id, identity, trackFields(input)))) {
        throw collectionNotFound();
      }
      return {
        track: await trackWithCollection(organizationId, id, baseUrl),
        audioUpload: audioHandle(baseUrl, id),
        coverUpload: coverHandle(baseUrl, 'track', id),
      };
    },

    getTrack: (organizationId: string, id: string, baseUrl: string) =>
      trackWithCollection(organizationId, id, baseUrl),

    async updateTrack(organizationId: string, id: string, input: TrackUpdate, baseUrl: string) {
      const updated = await repository.updateTrack(organizationId, id, trackChanges(input));
      if (!updated) throw trackNotFound();
      return trackWithCollection(organizationId, id, baseUrl);
    },

    async deleteTrack(organizationId: string, id: string, baseUrl: string) {
      const deleted = await repository.deleteTrack(organizationId, id);
      if (!deleted) throw trackNotFound();
      await deleteBlobs([deleted.audio_key, deleted.cover_key]);
      // Like a deleted collection, a deleted track points at no cover: its files are gone.
      return { ...trackView(deleted, undefined, baseUrl), cover_url: null };
    },

    async createTrackCover(organizationId: string, id: string, baseUrl: string) {
      return {
        track: await trackWithCollection(organizationId, id, baseUrl),
        upload: coverHandle(baseUrl, 'track', id),
      };
    },

    /** A new audio upload URL, for a track whose upload never went through (or was not audio). */
    async createTrackUpload(organizationId: string, id: string, baseUrl: string) {
      const track = await existingTrack(organizationId, id);
      assertAwaitingAudio(track);
      return {
        track: trackView(
          track,
          await repository.findCollection(organizationId, track.collection_id),
          baseUrl,
        ),
        upload: audioHandle(baseUrl, id),
      };
    },

    /** Streams the audio to blob storage, then hands the track to the processing job. */
    async uploadTrackAudio(id: string, upload: UploadRequest, baseUrl: string): Promise<Track> {
      verifyUploadUrl(upload, 'PUT');
      await existingTrack(null, id);
      const declared = Number(upload.request.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxAudioBytes) {
        throw new PayloadTooLargeError(limits.maxAudioBytes);
      }
      await claimUploadUrl(upload);
      const key = `collections/audio/${id}/${randomUUID()}`;
      let stored = false;
      try {
        const { size } = await blobs.put(key, limitedRequestBody(upload.request, limits.maxAudioBytes));
        stored = true;
        if (size === 0) throw badRequest('The body is empty: send the audio file');
        const replaced = await repository.markAudioUploaded(id, key, (transaction) =>
          jobs.enqueue(PROCESS_TRACK_QUEUE, { trackId: id }, { transaction }),
        );
        if (replaced === false) throw trackNotFound();
        // The audio of an earlier upload (an `error` track's, kept when processing gave up) goes.
        await deleteBlobs([replaced]);
      } catch (error) {
        if (stored) await deleteBlobs([key]);
        await repository.releaseUploadUrl(upload.signature);
        throw error;
      }
      return trackWithCollection(null, id, baseUrl);
    },

    async uploadTrackCover(id: string, upload: UploadRequest, baseUrl: string): Promise<Track> {
      await uploadCover('track', id, upload);
      return trackWithCollection(null, id, baseUrl);
    },

    async uploadCollectionCover(id: string, upload: UploadRequest, baseUrl: string): Promise<Collection> {
      await uploadCover('collection', id, upload);
      return collectionView(await existingCollection(null, id), baseUrl);
    },

    async listVariants(organizationId: string, limit: number, offset: number) {
      const page = await variants.listOrganizationVariants(organizationId, limit, offset);
      return { count: page.count, variants: page.items.map(variantView) };
    },

    async getVariant(organizationId: string, id: string) {
      const variant = await variants.findVariant(organizationId, id);
      if (!variant) throw variantNotFound();
      return variantView(variant);
    },

    /** The image behind a `cover_url`, or 404 when it has been replaced or deleted. */
    async getCoverImage(owner: 'collection' | 'track', fileName: string) {
      const match = COVER_FILE.exec(fileName);
      if (!match) throw notFound('Cover not found');
      const [, id, extension] = match as unknown as [string, string, ImageType];
      const record =
        owner === 'collection'
          ? await repository.findCollection(null, id.toLowerCase())
          : await repository.findTrack(null, id.toLowerCase());
      if (!record?.cover_key?.endsWith(`.${extension}`)) throw notFound('Cover not found');
      const stream = await blobs.stream(record.cover_key);
      if (!stream) throw notFound('Cover not found');
      return { stream, contentType: IMAGE_CONTENT_TYPES[extension] };
    },

    /**
     * The processing job: reads the stored audio with music-metadata and records its real
     * duration (`ready`), or `init_error` when the bytes are not audio it can decode.
     */
    async processTrack(id: string): Promise<void> {
      const track = await repository.findTrack(null, id);
      // Deleted meanwhile, or already processed (a retried job): nothing to do.
      if (track?.status !== 'processing' || !track.audio_key) return;
      const size = await blobs.size(track.audio_key);
      const stream = await blobs.stream(track.audio_key);
      if (size === undefined || !stream) {
        await repository.finishProcessing(id, {
          status: 'error',
          status_text: 'The uploaded file is missing from storage: upload it again',
          duration: null,
        });
        return;
      }
      let duration: number | undefined;
      try {
        const metadata = await parseStream(stream, { size }, { duration: true, skipCovers: true });
        duration = metadata.format.duration;
      } catch (error) {
        logger.info({ trackId: id, reason: (error as Error).message }, 'uploaded file is not audio');
      } finally {
        stream.destroy();
      }
      const playable = duration !== undefined && Number.isFinite(duration) && duration > 0;
      if (playable) {
        await repository.finishProcessing(id, {
          status: 'ready',
          status_text: null,
          duration: Math.round(duration! * 1000) / 1000,
        });
        return;
      }
      // Bytes that are not audio serve nothing: the file goes, the track stays as 'init_error'.
      await repository.finishProcessing(id, {
        status: 'init_error',
        status_text: NOT_AUDIO_TEXT,
        duration: null,
        audio_key: null,
      });
      await deleteBlobs([track.audio_key]);
    },

    async markProcessingFailed(id: string): Promise<void> {
      await repository.finishProcessing(id, {
        status: 'error',
        status_text: PROCESSING_GAVE_UP_TEXT,
        duration: null,
      });
    },
  };
}

export type CollectionsService = ReturnType<typeof createCollectionsService>;
