import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiKeyGrantOf,
  assertAwaitingAudio,
  assertHasSourceFile,
  audioUploadPath,
  type CollectionsCaller,
  type CollectionsKeyScope,
  type CollectionsVariantRecord,
  collectionChanges,
  collectionFields,
  collectionInScope,
  collectionNotFound,
  collectionTrackNotFound,
  collectionView,
  creatorChanges,
  creatorForNewRow,
  creatorNotFound,
  creatorView,
  IMAGE_CONTENT_TYPES,
  type ImageType,
  mostVibrantColor,
  NOT_AUDIO_TEXT,
  namedCreatorId,
  organizationChanges,
  organizationNameTaken,
  organizationNotFound,
  organizationView,
  PROCESSING_GAVE_UP_TEXT,
  processingOutcome,
  sessionPlayerColors,
  sniffImage,
  trackChanges,
  trackFields,
  trackInScope,
  trackVariantFromBody,
  trackView,
  UPLOAD_SESSION_DEFAULT_EXPIRES_IN,
  type UploadSessionRecord,
  uploadSessionCollectionId,
  uploadSessionExpired,
  uploadSessionNotFound,
  uploadSessionOpen,
  uploadSessionTrackFields,
  uploadSessionView,
  uploadUrlRejected,
  variantIndexTaken,
  variantNotFound,
  variantView,
} from '@music-apis/domain';
import { badRequest, notFound } from '@music-apis/spec';
import type { components } from '@music-apis/spec/collections';
import type { AudioEncoder } from '../core/audio-encoder.js';
import type { JobQueue } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../core/storage.js';
import { createFileMaker, downloadBlob, type SourceAudio } from './processing.js';
import type {
  CollectionRecord,
  CollectionsRepository,
  OrganizationScope,
  TrackRecord,
} from './repository.js';
import type { UploadHandle, UploadUrlSigner } from './upload-urls.js';
import { limitedRequestBody, PayloadTooLargeError, readMultipartFile, unsupportedImage } from './uploads.js';
import type { TrackFileRecord, VariantRepository } from './variant-repository.js';
import { type CollectionsWebhooks, coverFile } from './webhooks.js';

type Collection = components['schemas']['Collection'];
type Track = components['schemas']['Track'];
type CollectionInput = components['schemas']['CollectionInput'];
type CollectionUpdate = components['schemas']['CollectionUpdate'];
type TrackCreate = components['schemas']['TrackCreate'];
type TrackUpdate = components['schemas']['TrackUpdate'];
type OrganizationUpdate = components['schemas']['OrganizationUpdate'];
type CreatorInput = components['schemas']['CreatorInput'];
type CreatorUpdate = components['schemas']['CreatorUpdate'];
type UploadSessionInput = components['schemas']['UploadSessionInput'];
type UploadSessionTrackInput = components['schemas']['UploadSessionTrackInput'];
type ApiKeyInput = components['schemas']['ApiKeyInput'];
type AddTrackVariantBody = components['schemas']['AddTrackVariantBody'];

export const PROCESS_TRACK_QUEUE = 'collections.process-track';
export const PROCESS_TRACK_VARIANT_QUEUE = 'collections.process-track-variant';

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
  /** ffmpeg, or undefined when none is installed (tracks then end `incomplete`). */
  encoder: AudioEncoder | undefined;
  jobs: JobQueue;
  signer: UploadUrlSigner;
  limits: CollectionsLimits;
  logger: Logger;
  webhooks: CollectionsWebhooks;
}) {
  const { repository, variants, blobs, encoder, jobs, signer, limits, logger, webhooks } = options;
  let lastClaimCleanup = 0;

  // Another organization's records, and those outside a scoped key's scope, answer 404, exactly as
  // ids that do not exist: a key cannot even tell whether an id is in use elsewhere.
  async function existingCollection(
    organizationId: OrganizationScope,
    id: string,
    scope?: CollectionsKeyScope,
  ): Promise<CollectionRecord> {
    const collection = await repository.findCollection(organizationId, id);
    if (!collection || (scope && !collectionInScope(scope, collection))) throw collectionNotFound();
    return collection;
  }

  async function existingTrack(
    organizationId: OrganizationScope,
    id: string,
    scope?: CollectionsKeyScope,
  ): Promise<TrackRecord> {
    const track = await repository.findTrack(organizationId, id);
    if (!track || (scope && !trackInScope(scope, track))) throw trackNotFound();
    return track;
  }

  /** A `creator_id` the body names must be a creator of the organization (404 like an unknown one). */
  async function assertCreatorExists(organizationId: string, body: { creator_id?: string | null }) {
    const creatorId = namedCreatorId(body);
    if (creatorId !== undefined && !(await repository.findCreator(organizationId, creatorId))) {
      throw creatorNotFound();
    }
  }

  /** A key sees its own organization only; any other ID is unknown to it. */
  async function ownOrganization(organizationId: string, id: string) {
    const organization =
      id.toLowerCase() === organizationId ? await repository.findOrganization(organizationId) : undefined;
    if (!organization) throw organizationNotFound();
    return organizationView(organization);
  }

  /** A session that still takes tracks: unknown is 404, expired 401 (its id no longer authorizes). */
  async function openUploadSession(id: string): Promise<UploadSessionRecord> {
    const session = await repository.findUploadSession(id.toLowerCase());
    if (!session) throw uploadSessionNotFound();
    if (!uploadSessionOpen(session, Date.now())) throw uploadSessionExpired();
    return session;
  }

  async function existingCreator(organizationId: string, id: string) {
    const creator = await repository.findCreator(organizationId, id);
    if (!creator) throw creatorNotFound();
    return creator;
  }

  async function trackWithCollection(
    organizationId: OrganizationScope,
    id: string,
    baseUrl: string,
    scope?: CollectionsKeyScope,
  ) {
    const track = await existingTrack(organizationId, id, scope);
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
  ): Promise<{ key: string; size: number }> {
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
      return { key: stored, size: bytes.length };
    } catch (error) {
      if (stored) await deleteBlobs([stored]);
      // The upload did not happen: the URL stays usable until it expires.
      await repository.releaseUploadUrl(upload.signature);
      throw error;
    }
  }

  const fileMaker = createFileMaker({ blobs, encoder, maxCoverBytes: limits.maxCoverBytes });

  /**
   * Every terminal transition of processing goes through here (`ready`, `incomplete`, `error`,
   * `init_error`): the one place to react to a finished track. Only a track still `processing`
   * changes, so a second job settling the same track changes nothing.
   */
  /** The terminal transition, and the webhooks that announce it (once: a retried job finishes nothing). */
  async function finishTrack(id: string, result: Parameters<CollectionsRepository['finishProcessing']>[1]) {
    const track = await repository.findTrack(null, id);
    if (await repository.finishProcessing(id, result)) {
      logger.info({ trackId: id, status: result.status, reason: result.status_text }, 'track processed');
      if (track?.audio_key) {
        const size = (await blobs.size(track.audio_key)) ?? null;
        // The uploaded original is kept when the track is `ready` or `incomplete` (only variants failed).
        const keptOriginal = result.status === 'ready' || result.status === 'incomplete';
        const failure = keptOriginal ? null : (result.status_text ?? null);
        await webhooks.processingFinished(
          { ...track, audio_key: track.audio_key },
          { status: result.status, duration: result.duration ?? track.duration },
          { size, failure },
          keptOriginal ? await filesWithVariants(track) : [],
        );
      }
    }
  }

  /** The track's recorded files, each with its variant. */
  async function filesWithVariants(track: TrackRecord) {
    const configured = await variants.variantsOfTrack(track.organization_id, track.id);
    const files = await variants.filesOfTrack(track.id);
    return configured.flatMap((variant) => {
      const file = files.find((made) => made.variant_id === variant.id);
      return file ? [{ variant, file }] : [];
    });
  }

  /**
   * Settles the track once every one of its variants has a file recorded (made, failed or nothing to
   * make): `ready`, or `incomplete` with why. While another job still makes some, that job settles it.
   */
  async function settle(track: TrackRecord): Promise<void> {
    const wanted = await variants.variantsOfTrack(track.organization_id, track.id);
    const recorded = new Map((await variants.filesOfTrack(track.id)).map((file) => [file.variant_id, file]));
    const files = wanted.map((variant) => recorded.get(variant.id));
    if (files.some((file) => file === undefined)) return;
    await finishTrack(track.id, processingOutcome(files as TrackFileRecord[]));
  }

  /** A local copy of the track's audio in a temporary directory, probed; removed when `use` is done. */
  async function withSource(
    trackId: string,
    audioKey: string,
    use: (source: SourceAudio | 'missing' | 'not audio', workDir: string) => Promise<void>,
  ): Promise<void> {
    const workDir = await mkdtemp(join(tmpdir(), 'music-apis-track-'));
    try {
      const path = join(workDir, 'source');
      if (!(await downloadBlob(blobs, audioKey, path))) return await use('missing', workDir);
      let probed: SourceAudio | undefined;
      try {
        const { parseFile } = await import('music-metadata'); // loaded with the first upload, not at start
        const metadata = await parseFile(path, { duration: true });
        const duration = metadata.format.duration;
        if (duration !== undefined && Number.isFinite(duration) && duration > 0) {
          probed = {
            path,
            duration: Math.round(duration * 1000) / 1000,
            picture: metadata.common.picture?.[0],
          };
        }
      } catch (error) {
        logger.info({ trackId, reason: (error as Error).message }, 'uploaded file is not audio');
      }
      await use(probed ?? 'not audio', workDir);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Makes the files of `wanted` for the track, one after the other (ffmpeg uses the cores), records them, settles. */
  async function makeFiles(
    track: TrackRecord,
    wanted: CollectionsVariantRecord[],
    source: SourceAudio,
    workDir: string,
  ): Promise<void> {
    const made: TrackFileRecord[] = [];
    for (const variant of wanted) {
      const { file, additions } = await fileMaker.make(variant, source, track.base_path, workDir);
      made.push(file);
      if (additions.levels) await repository.recordProcessed(track.id, { levels: additions.levels });
      if (additions.theme) await repository.recordProcessed(track.id, { theme: additions.theme });
      if (additions.cover) {
        // A copy of its own: replacing the track's cover deletes the old one, never the delivered file.
        const coverKey = `collections/covers/track/${track.id}-${randomUUID()}.${additions.cover.type}`;
        await blobs.put(coverKey, createReadStream(additions.cover.path));
        const adopted = await repository.adoptEmbeddedCover(
          track.id,
          coverKey,
          mostVibrantColor(additions.theme ?? []),
        );
        if (!adopted) await deleteBlobs([coverKey]);
      }
    }
    await variants.saveTrackFiles(track.id, made);
    await webhooks.variantFilesMade(
      track,
      made.map((file, index) => ({ variant: wanted[index] as CollectionsVariantRecord, file })),
    );
    await settle(track);
  }

  return {
    collectionView,
    trackView,

    getOrganization: ownOrganization,

    /**
     * The grant of a new client-side key: the ids it is scoped to must be the organization's (404
     * otherwise, as anywhere), a track the one of the collection named with it.
     */
    async apiKeyGrant(organizationId: string, input: ApiKeyInput) {
      const grant = apiKeyGrantOf(organizationId, input, Date.now());
      if (grant.collection_id !== null) await existingCollection(organizationId, grant.collection_id);
      if (grant.track_id !== null) {
        const track = await existingTrack(organizationId, grant.track_id);
        if (track.collection_id !== grant.collection_id) throw trackNotFound();
      }
      if (grant.creator_id !== null) await existingCreator(organizationId, grant.creator_id);
      return grant;
    },

    async updateOrganization(organizationId: string, id: string, input: OrganizationUpdate) {
      await ownOrganization(organizationId, id);
      if (!(await repository.updateOrganization(organizationId, organizationChanges(input)))) {
        throw organizationNameTaken(input.name ?? '');
      }
      return ownOrganization(organizationId, id);
    },

    async listCreators(organizationId: string, limit: number, offset: number) {
      const page = await repository.listCreators(organizationId, limit, offset);
      return { count: page.count, creators: page.items.map(creatorView) };
    },

    async createCreator(organizationId: string, input: CreatorInput) {
      const id = randomUUID();
      await repository.insertCreator(organizationId, id, {
        organization_index: input.organization_index,
        metadata: input.metadata ?? {},
      });
      return creatorView(await existingCreator(organizationId, id));
    },

    async getCreator(organizationId: string, id: string) {
      return creatorView(await existingCreator(organizationId, id.toLowerCase()));
    },

    async updateCreator(organizationId: string, id: string, input: CreatorUpdate) {
      if (!(await repository.updateCreator(organizationId, id.toLowerCase(), creatorChanges(input)))) {
        throw creatorNotFound();
      }
      return creatorView(await existingCreator(organizationId, id.toLowerCase()));
    },

    async deleteCreator(organizationId: string, id: string) {
      const deleted = await repository.deleteCreator(organizationId, id.toLowerCase());
      if (!deleted) throw creatorNotFound();
      return creatorView(deleted);
    },

    /** A session for one collection of the organization; the response's colors are the player's. */
    async createUploadSession({ organizationId, scope }: CollectionsCaller, body: UploadSessionInput) {
      const collection = await existingCollection(
        organizationId,
        uploadSessionCollectionId(scope, body),
        scope,
      );
      const input = creatorForNewRow(scope, body);
      await assertCreatorExists(organizationId, input);
      const organization = await repository.findOrganization(organizationId);
      if (!organization) throw organizationNotFound();
      const session: UploadSessionRecord = {
        id: randomUUID(),
        organization_id: organizationId,
        collection_id: collection.id,
        creator_id: namedCreatorId(input) ?? null,
        organization_index: input.organization_index ?? null,
        metadata: input.metadata ?? {},
        expires_at: Date.now() + (input.expires_in ?? UPLOAD_SESSION_DEFAULT_EXPIRES_IN) * 1000,
      };
      await repository.insertUploadSession(session);
      return { session: uploadSessionView(session), colors: sessionPlayerColors(organization, collection) };
    },

    getUploadSession: async (id: string) => uploadSessionView(await openUploadSession(id)),

    /** A track in the session's collection, as `createTrack` makes one; the session id is the credential. */
    async createUploadSessionTrack(sessionId: string, input: UploadSessionTrackInput, baseUrl: string) {
      const session = await openUploadSession(sessionId);
      const id = randomUUID();
      const identity = { collection_id: session.collection_id, file_name: input.file_name };
      const fields = uploadSessionTrackFields(session, input);
      // The collection went between the lookup and the insert: the session went with it.
      if (!(await repository.insertTrack(session.organization_id, id, identity, fields))) {
        throw uploadSessionNotFound();
      }
      return {
        session: uploadSessionView(session),
        track: await trackWithCollection(session.organization_id, id, baseUrl),
        audioUpload: audioHandle(baseUrl, id),
        coverUpload: coverHandle(baseUrl, 'track', id),
      };
    },

    async listCollections(
      { organizationId, scope }: CollectionsCaller,
      limit: number,
      offset: number,
      baseUrl: string,
    ) {
      const page = await repository.listCollections(organizationId, scope, limit, offset);
      return { count: page.count, collections: page.items.map((item) => collectionView(item, baseUrl)) };
    },

    async createCollection(organizationId: string, input: CollectionInput, baseUrl: string) {
      await assertCreatorExists(organizationId, input);
      const id = randomUUID();
      await repository.insertCollection(organizationId, id, collectionFields(input));
      const collection = collectionView(await existingCollection(organizationId, id), baseUrl);
      await webhooks.collectionSynced('created', organizationId, collection);
      return { collection, upload: coverHandle(baseUrl, 'collection', id) };
    },

    async getCollection({ organizationId, scope }: CollectionsCaller, id: string, baseUrl: string) {
      return collectionView(await existingCollection(organizationId, id, scope), baseUrl);
    },

    async updateCollection(organizationId: string, id: string, input: CollectionUpdate, baseUrl: string) {
      await existingCollection(organizationId, id);
      await assertCreatorExists(organizationId, input);
      if (!(await repository.updateCollection(organizationId, id, collectionChanges(input)))) {
        throw collectionNotFound();
      }
      const collection = collectionView(await existingCollection(organizationId, id), baseUrl);
      await webhooks.collectionSynced('updated', organizationId, collection);
      return collection;
    },

    async deleteCollection(organizationId: string, id: string, baseUrl: string) {
      // Listed before the rows go (the cascade deletes them); a file made meanwhile is left behind.
      const fileKeys = await variants.fileKeysOfCollection(id);
      const deleted = await repository.deleteCollection(organizationId, id);
      if (!deleted) throw collectionNotFound();
      await deleteBlobs([
        deleted.collection.cover_key,
        ...deleted.tracks.flatMap((track) => [track.audio_key, track.cover_key]),
        ...fileKeys,
      ]);
      const collection = { ...collectionView(deleted.collection, baseUrl), cover_url: null };
      await webhooks.collectionSynced('deleted', organizationId, collection);
      return collection;
    },

    async listCollectionTracks(
      { organizationId, scope }: CollectionsCaller,
      collectionId: string,
      limit: number,
      offset: number,
      baseUrl: string,
    ) {
      const collection = await existingCollection(organizationId, collectionId, scope);
      const page = await repository.listTracks(collectionId, scope, limit, offset);
      return { count: page.count, tracks: page.items.map((track) => trackView(track, collection, baseUrl)) };
    },

    async createCollectionCover(organizationId: string, id: string, baseUrl: string) {
      return {
        collection: collectionView(await existingCollection(organizationId, id), baseUrl),
        upload: coverHandle(baseUrl, 'collection', id),
      };
    },

    async createTrack({ organizationId, scope }: CollectionsCaller, body: TrackCreate, baseUrl: string) {
      await existingCollection(organizationId, body.collection_id, scope);
      const input = creatorForNewRow(scope, body);
      await assertCreatorExists(organizationId, input);
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

    getTrack: ({ organizationId, scope }: CollectionsCaller, id: string, baseUrl: string) =>
      trackWithCollection(organizationId, id, baseUrl, scope),

    async updateTrack(organizationId: string, id: string, input: TrackUpdate, baseUrl: string) {
      await existingTrack(organizationId, id);
      await assertCreatorExists(organizationId, input);
      const updated = await repository.updateTrack(organizationId, id, trackChanges(input));
      if (!updated) throw trackNotFound();
      return trackWithCollection(organizationId, id, baseUrl);
    },

    async deleteTrack(organizationId: string, id: string, baseUrl: string) {
      const fileKeys = await variants.fileKeysOfTracks([id]);
      const deleted = await repository.deleteTrack(organizationId, id);
      if (!deleted) throw trackNotFound();
      await deleteBlobs([deleted.audio_key, deleted.cover_key, ...fileKeys]);
      // Like a deleted collection, a deleted track points at no cover: its files are gone.
      return { ...trackView(deleted, undefined, baseUrl), cover_url: null };
    },

    async createTrackCover({ organizationId, scope }: CollectionsCaller, id: string, baseUrl: string) {
      return {
        track: await trackWithCollection(organizationId, id, baseUrl, scope),
        upload: coverHandle(baseUrl, 'track', id),
      };
    },

    /** A new audio upload URL, for a track whose upload never went through (or was not audio). */
    async createTrackUpload({ organizationId, scope }: CollectionsCaller, id: string, baseUrl: string) {
      const track = await existingTrack(organizationId, id, scope);
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
      const cover = await uploadCover('track', id, upload);
      const track = await existingTrack(null, id);
      await webhooks.trackFile(track, coverFile(track, cover.key, cover.size, baseUrl));
      return trackWithCollection(null, id, baseUrl);
    },

    async uploadCollectionCover(id: string, upload: UploadRequest, baseUrl: string): Promise<Collection> {
      await uploadCover('collection', id, upload);
      const collection = await existingCollection(null, id);
      const view = collectionView(collection, baseUrl);
      await webhooks.collectionSynced('updated', collection.organization_id, view);
      return view;
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
     * The processing job: probes the stored audio with music-metadata (its duration and embedded
     * cover; `init_error` when the bytes are not audio it can decode), then makes the file of every
     * variant of the track (`makeFiles`) and settles its status.
     */
    async processTrack(id: string): Promise<void> {
      const track = await repository.findTrack(null, id);
      // Deleted meanwhile, or already processed (a retried job): nothing to do.
      if (track?.status !== 'processing' || !track.audio_key) return;
      await withSource(track.id, track.audio_key, async (source, workDir) => {
        if (source === 'missing') {
          await finishTrack(id, { status: 'error', status_text: AUDIO_MISSING_TEXT, duration: null });
          return;
        }
        if (source === 'not audio') {
          // Bytes that are not audio serve nothing: the file goes, the track stays as 'init_error'.
          await finishTrack(id, {
            status: 'init_error',
            status_text: NOT_AUDIO_TEXT,
            duration: null,
            audio_key: null,
          });
          await deleteBlobs([track.audio_key]);
          return;
        }
        await repository.recordProcessed(id, { duration: source.duration });
        await makeFiles(track, await variants.variantsOfTrack(track.organization_id, id), source, workDir);
      });
    },

    /** The job of `addTrackVariant`: makes one variant's file for the track, then settles its status. */
    async processTrackVariant(trackId: string, variantId: string): Promise<void> {
      const track = await repository.findTrack(null, trackId);
      if (!track?.audio_key) return;
      const variant = await variants.findVariant(track.organization_id, variantId);
      if (!variant) return;
      await withSource(track.id, track.audio_key, async (source, workDir) => {
        if (typeof source === 'string') {
          await variants.saveTrackFiles(trackId, [failedFile(variantId, AUDIO_MISSING_TEXT)]);
          await settle(track);
          return;
        }
        await makeFiles(track, [variant], source, workDir);
      });
    },

    /** The main job gave up after its last attempt. */
    async markProcessingFailed(id: string): Promise<void> {
      await finishTrack(id, { status: 'error', status_text: PROCESSING_GAVE_UP_TEXT, duration: null });
    },

    /** A variant's job gave up after its last attempt: its file failed, the track settles without it. */
    async markVariantFailed(trackId: string, variantId: string): Promise<void> {
      const track = await repository.findTrack(null, trackId);
      if (!track) return;
      await variants.saveTrackFiles(trackId, [failedFile(variantId, PROCESSING_GAVE_UP_TEXT)]);
      await settle(track);
    },

    async addTrackVariant(organizationId: string, trackId: string, body: AddTrackVariantBody) {
      const track = await existingTrack(organizationId, trackId);
      assertHasSourceFile(track);
      const variant = trackVariantFromBody(body, {
        id: randomUUID(),
        organization_id: organizationId,
        track_id: trackId,
      });
      if (!(await variants.insertTrackVariant(variant))) throw variantIndexTaken(body.index);
      // A UUID, as the original's `job_id`: the queue's own row ids are numbers.
      const jobId = randomUUID();
      await repository.reopenProcessing(trackId, (transaction) =>
        jobs.enqueue(PROCESS_TRACK_VARIANT_QUEUE, { trackId, variantId: variant.id, jobId }, { transaction }),
      );
      return { trackId, variantId: variant.id, jobId, variant: variantView(variant) };
    },
  };
}

const AUDIO_MISSING_TEXT = 'The uploaded file is missing from storage: upload it again';

const failedFile = (variantId: string, reason: string): TrackFileRecord => ({
  variant_id: variantId,
  blob_key: null,
  size: null,
  content_type: null,
  is_success: false,
  status_text: reason,
});

export type CollectionsService = ReturnType<typeof createCollectionsService>;
