import { randomUUID } from 'node:crypto';
import {
  type CollectionsCaller,
  callerOfGrant,
  collectionsApiKey,
  collectionsDemoData,
  collectionsErrorReply,
  unknownApiKey,
} from '@music-apis/domain';
import { collectionsSpec, type operations } from '@music-apis/spec/collections';
import type { Context } from 'koa';
import { detectFfmpeg } from '../core/audio-encoder.js';
import { linkBase } from '../core/http/link-base.js';
import type { ServerApi } from '../core/http/pipeline.js';
import type { ApiModule } from '../core/module.js';
import { getOrCreateSecret } from '../core/secrets.js';
import { createApiKeyVerifier, storeApiKey } from './api-keys.js';
import { createPlaybackService } from './playback.js';
import { createPlaybackRepository, playbackMigration } from './playback-repository.js';
import { collectionsMigrations, createCollectionsRepository } from './repository.js';
import {
  createCollectionsService,
  PROCESS_TRACK_QUEUE,
  PROCESS_TRACK_VARIANT_QUEUE,
  type UploadRequest,
} from './service.js';
import { createUploadUrlSigner } from './upload-urls.js';
import { createVariantRepository } from './variant-repository.js';
import { webhooksMigration } from './webhook-store.js';
import { createCollectionsWebhooks } from './webhooks.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `BearerAuth`: the organization, type and scope of the API key the caller sent (verified). */
type CollectionsPrincipals = { BearerAuth: CollectionsCaller };

/** Upload URLs are signed with a key of their own, kept in the database for every instance. */
const UPLOAD_SECRET = 'collections-upload-url';

/**
 * `api_request_id` is documented as a UUID: the request id when it is one, else one made for this
 * request (a caller's own non-UUID `x-request-id` is not reused).
 */
const apiRequestIds = new WeakMap<Context, string>();
function apiRequestId(ctx: Context): string {
  const requestId = ctx.state.requestId as string | undefined;
  if (requestId && UUID.test(requestId)) return requestId;
  const id = apiRequestIds.get(ctx) ?? randomUUID();
  apiRequestIds.set(ctx, id);
  return id;
}

export const collectionsModule: ApiModule = {
  key: 'collections',
  migrations: [...collectionsMigrations, webhooksMigration, playbackMigration],
  /**
   * The demo collections and their ready tracks (audio, covers, durations), as the mock has them.
   * Files are written before the rows that point at them; a collection or track that is there
   * already (or that another instance inserts meanwhile) is kept as it is.
   */
  async seed({ db, blobs, catalog }) {
    const repository = createCollectionsRepository(db);
    const demo = collectionsDemoData(catalog);
    const files = new Map([...demo.covers, ...demo.audio].map((file) => [file.key, file]));
    const write = async (key: string | null) => {
      const file = key === null ? undefined : files.get(key);
      if (file && (await blobs.size(file.key)) === undefined) await blobs.put(file.key, file.bytes());
    };
    for (const collection of demo.collections) {
      if (await repository.findCollection(null, collection.id)) continue;
      await write(collection.cover_key);
      await repository.insertMissingCollection(collection);
    }
    for (const track of demo.tracks) {
      if (await repository.findTrack(null, track.id)) continue;
      await write(track.audio_key);
      await write(track.cover_key);
      await repository.insertMissingTrack(track);
    }
    // Recorded for the demo tracks of earlier versions too (not for one deleted since).
    const variants = createVariantRepository(db);
    for (const { track_id, ...file } of demo.originalFiles) {
      if (!(await repository.findTrack(null, track_id))) continue;
      const recorded = await variants.filesOfTrack(track_id);
      if (recorded.some((made) => made.variant_id === file.variant_id)) continue;
      const size = (await blobs.size(file.blob_key)) ?? null;
      await variants.saveTrackFiles(track_id, [{ ...file, size, is_success: true, status_text: null }]);
    }
  },
  async createApi({ db, blobs, jobs, config, logger }) {
    const repository = createCollectionsRepository(db);
    const webhooks = createCollectionsWebhooks({
      db,
      jobs,
      blobs,
      logger,
      delivery: config.collections.webhooks,
      // Without PUBLIC_URL (development only) jobs link to the local server, as a browser there would.
      jobBaseUrl: config.publicUrl ?? `http://localhost:${config.port}`,
    });
    const service = createCollectionsService({
      webhooks,
      repository,
      variants: createVariantRepository(db),
      blobs,
      encoder: await detectFfmpeg(config.collections.ffmpegPath, logger),
      jobs,
      signer: createUploadUrlSigner(await getOrCreateSecret(db, UPLOAD_SECRET)),
      limits: config.collections,
      logger,
    });
    jobs.register<{ trackId: string }>(PROCESS_TRACK_QUEUE, {
      run: (job) => service.processTrack(job.payload.trackId),
      onExhausted: (job) => service.markProcessingFailed(job.payload.trackId),
    });
    jobs.register<{ trackId: string; variantId: string; jobId: string }>(PROCESS_TRACK_VARIANT_QUEUE, {
      run: (job) => {
        logger.debug({ jobId: job.payload.jobId, trackId: job.payload.trackId }, 'making a track variant');
        return service.processTrackVariant(job.payload.trackId, job.payload.variantId);
      },
      onExhausted: (job) => service.markVariantFailed(job.payload.trackId, job.payload.variantId),
    });
    const playback = createPlaybackService({
      repository,
      variants: createVariantRepository(db),
      playback: createPlaybackRepository(db),
      blobs,
    });
    const verifyApiKey = createApiKeyVerifier(db, config.collections.apiKey);

    const baseUrl = (ctx: Context) => linkBase(ctx, config.publicUrl);
    const ok = (ctx: Context) => ({ ok: true as const, api_request_id: apiRequestId(ctx) });
    const uploadOf = (
      ctx: Context,
      query: { expires: number; nonce: string; signature: string },
    ): UploadRequest => ({ path: ctx.path, ...query, request: ctx.req });

    const api: ServerApi<operations, typeof collectionsSpec.operations, CollectionsPrincipals> = {
      spec: collectionsSpec,
      errorReply: (error, { ctx }) => collectionsErrorReply(error, apiRequestId(ctx)),
      authenticate: {
        async BearerAuth(request, _env, { operation }) {
          const grant = await verifyApiKey(collectionsApiKey(request.header('authorization')));
          if (!grant) throw unknownApiKey();
          return callerOfGrant(grant, operation.operationId, Date.now());
        },
      },
      handlers: {
        createApiKey: async ({ body, principal }, { ctx }) => {
          const grant = await service.apiKeyGrant(principal.organizationId, body);
          const { key } = await storeApiKey(db, body.title, grant);
          return { status: 200, body: { ...ok(ctx), api_key: key } };
        },
        getOrganization: async ({ path, principal }, { ctx }) => {
          const organization = await service.getOrganization(principal.organizationId, path.organization_id);
          return { status: 200, body: { ...ok(ctx), organization_id: organization.id, organization } };
        },
        updateOrganization: async ({ path, body, principal }, { ctx }) => {
          const organization = await service.updateOrganization(
            principal.organizationId,
            path.organization_id,
            body,
          );
          return { status: 200, body: { ...ok(ctx), organization_id: organization.id, organization } };
        },
        listCreators: async ({ query, principal }, { ctx }) => ({
          status: 200,
          body: {
            ...ok(ctx),
            ...(await service.listCreators(principal.organizationId, query.limit ?? 50, query.offset ?? 0)),
          },
        }),
        createCreator: async ({ body, principal }, { ctx }) => {
          const creator = await service.createCreator(principal.organizationId, body);
          return { status: 200, body: { ...ok(ctx), creator_id: creator.id, creator } };
        },
        getCreator: async ({ path, principal }, { ctx }) => {
          const creator = await service.getCreator(principal.organizationId, path.creator_id);
          return { status: 200, body: { ...ok(ctx), creator_id: creator.id, creator } };
        },
        updateCreator: async ({ path, body, principal }, { ctx }) => {
          const creator = await service.updateCreator(principal.organizationId, path.creator_id, body);
          return { status: 200, body: { ...ok(ctx), creator_id: creator.id, creator } };
        },
        deleteCreator: async ({ path, principal }, { ctx }) => {
          const creator = await service.deleteCreator(principal.organizationId, path.creator_id);
          return { status: 200, body: { ...ok(ctx), creator_id: creator.id, deleted_creator: creator } };
        },
        createUploadSession: async ({ body, principal }, { ctx }) => {
          const { session, colors } = await service.createUploadSession(principal, body);
          return {
            status: 200,
            body: {
              ...ok(ctx),
              upload_session_id: session.id,
              upload_session: session,
              ...colors,
              expires_at: session.expires_at,
            },
          };
        },
        getUploadSession: async ({ path }, { ctx }) => {
          const session = await service.getUploadSession(path.upload_session_id);
          return {
            status: 200,
            body: { ...ok(ctx), upload_session_id: session.id, upload_session: session },
          };
        },
        createUploadSessionTrack: async ({ path, body }, { ctx }) => {
          const created = await service.createUploadSessionTrack(path.upload_session_id, body, baseUrl(ctx));
          return {
            status: 200,
            body: {
              ...ok(ctx),
              upload_session_id: created.session.id,
              track_id: created.track.id,
              track: created.track,
              upload_session: created.session,
              track_upload: created.audioUpload,
              track_cover_upload: created.coverUpload,
            },
          };
        },
        listCollections: async ({ query, principal }, { ctx }) => ({
          status: 200,
          body: {
            ...ok(ctx),
            ...(await service.listCollections(principal, query.limit ?? 50, query.offset ?? 0, baseUrl(ctx))),
          },
        }),
        createCollection: async ({ body, principal }, { ctx }) => {
          const { collection, upload } = await service.createCollection(
            principal.organizationId,
            body,
            baseUrl(ctx),
          );
          return {
            status: 200,
            body: { ...ok(ctx), collection_id: collection.id, collection, collection_cover_upload: upload },
          };
        },
        getCollection: async ({ path, principal }, { ctx }) => {
          const collection = await service.getCollection(principal, path.collection_id, baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), collection_id: collection.id, collection } };
        },
        updateCollection: async ({ path, body, principal }, { ctx }) => {
          const collection = await service.updateCollection(
            principal.organizationId,
            path.collection_id,
            body,
            baseUrl(ctx),
          );
          return { status: 200, body: { ...ok(ctx), collection_id: collection.id, collection } };
        },
        deleteCollection: async ({ path, principal }, { ctx }) => {
          const deleted = await service.deleteCollection(
            principal.organizationId,
            path.collection_id,
            baseUrl(ctx),
          );
          return {
            status: 200,
            body: { ...ok(ctx), collection_id: deleted.id, deleted_collection: deleted },
          };
        },
        listCollectionTracks: async ({ path, query, principal }, { ctx }) => ({
          status: 200,
          body: {
            ...ok(ctx),
            ...(await service.listCollectionTracks(
              principal,
              path.collection_id,
              query.limit ?? 50,
              query.offset ?? 0,
              baseUrl(ctx),
            )),
          },
        }),
        createCollectionCover: async ({ path, principal }, { ctx }) => {
          const { collection, upload } = await service.createCollectionCover(
            principal.organizationId,
            path.collection_id,
            baseUrl(ctx),
          );
          return {
            status: 200,
            body: { ...ok(ctx), collection_id: collection.id, collection, collection_cover_upload: upload },
          };
        },
        createTrack: async ({ body, principal }, { ctx }) => {
          const created = await service.createTrack(principal, body, baseUrl(ctx));
          return {
            status: 200,
            body: {
              ...ok(ctx),
              track_id: created.track.id,
              track: created.track,
              track_upload: created.audioUpload,
              track_cover_upload: created.coverUpload,
            },
          };
        },
        getTrack: async ({ path, principal }, { ctx }) => {
          const track = await service.getTrack(principal, path.track_id, baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), track_id: track.id, track } };
        },
        updateTrack: async ({ path, body, principal }, { ctx }) => {
          const track = await service.updateTrack(
            principal.organizationId,
            path.track_id,
            body,
            baseUrl(ctx),
          );
          return { status: 200, body: { ...ok(ctx), track_id: track.id, track } };
        },
        deleteTrack: async ({ path, principal }, { ctx }) => {
          const track = await service.deleteTrack(principal.organizationId, path.track_id, baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), track_id: track.id, deleted_track: track } };
        },
        createTrackCover: async ({ path, principal }, { ctx }) => {
          const { track, upload } = await service.createTrackCover(principal, path.track_id, baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), track_id: track.id, track, track_cover_upload: upload } };
        },
        createTrackUpload: async ({ path, principal }, { ctx }) => {
          const { track, upload } = await service.createTrackUpload(principal, path.track_id, baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), track_id: track.id, track, track_upload: upload } };
        },
        uploadTrackAudio: async ({ path, query }, { ctx }) => {
          const track = await service.uploadTrackAudio(path.track_id, uploadOf(ctx, query), baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), track_id: track.id, track } };
        },
        uploadTrackCover: async ({ path, query }, { ctx }) => {
          const track = await service.uploadTrackCover(path.track_id, uploadOf(ctx, query), baseUrl(ctx));
          return { status: 200, body: { ...ok(ctx), track_id: track.id, track } };
        },
        uploadCollectionCover: async ({ path, query }, { ctx }) => {
          const collection = await service.uploadCollectionCover(
            path.collection_id,
            uploadOf(ctx, query),
            baseUrl(ctx),
          );
          return { status: 200, body: { ...ok(ctx), collection_id: collection.id, collection } };
        },
        listVariants: async ({ query, principal }, { ctx }) => ({
          status: 200,
          body: {
            ...ok(ctx),
            ...(await service.listVariants(principal.organizationId, query.limit ?? 50, query.offset ?? 0)),
          },
        }),
        getVariant: async ({ path, principal }, { ctx }) => {
          const variant = await service.getVariant(principal.organizationId, path.variant_id);
          return { status: 200, body: { ...ok(ctx), variant_id: variant.id, variant } };
        },
        addTrackVariant: async ({ path, body, principal }, { ctx }) => {
          const added = await service.addTrackVariant(principal.organizationId, path.track_id, body);
          return {
            status: 200,
            body: {
              ...ok(ctx),
              track_id: added.trackId,
              variant_id: added.variantId,
              job_id: added.jobId,
              variant: added.variant,
            },
          };
        },
        createPlaySession: async ({ path, body, principal }, { ctx }) => {
          const created = await playback.createPlaySession(principal, path.scope, body, baseUrl(ctx));
          return {
            status: 200,
            body: {
              ...ok(ctx),
              play_session_id: created.session.id,
              play_session: created.session,
              tracks: created.tracks,
              first_track: created.firstTrack,
              expires_at: created.session.expires_at,
            },
          };
        },
        getPlaySession: async ({ path, principal }, { ctx }) => {
          const { session, tracks } = await playback.getPlaySession(
            principal,
            path.play_session_id,
            baseUrl(ctx),
          );
          return {
            status: 200,
            body: { ...ok(ctx), play_session_id: session.id, play_session: session, tracks },
          };
        },
        getPlayTrack: async ({ path }, { ctx }) => {
          const { session, playTrack } = await playback.getPlayTrack(
            path.play_session_id,
            path.play_track_id,
            baseUrl(ctx),
          );
          return {
            status: 200,
            body: { ...ok(ctx), play_session_id: session.id, play_session: session, ...playTrack },
          };
        },
        downloadPlayTrackVariant: async ({ path }, { ctx }) => {
          const download = await playback.downloadPlayTrackVariant(
            path.play_session_id,
            path.play_track_id,
            path.variant_index,
            baseUrl(ctx),
          );
          return { status: 200, body: { ...ok(ctx), download } };
        },
        getDeliveryFile: async ({ path, headers }, { ctx }) => {
          // The signature covers the path and query string exactly as sent.
          const file = await playback.getDeliveryFile({
            organizationId: path.organization_id,
            fileName: path.file_name,
            path: ctx.path,
            query: ctx.querystring,
            range: headers.Range,
          });
          return {
            status: file.status,
            body: file.body,
            contentType: file.contentType,
            headers: file.headers,
          };
        },
        getCoverImage: async ({ path }) => {
          const image = await service.getCoverImage(path.owner_type, path.file_name);
          // The URL stays the same when a cover is replaced by one of the same type: revalidate.
          return {
            status: 200,
            body: image.stream,
            contentType: image.contentType,
            headers: { 'cache-control': 'no-cache' },
          };
        },
      },
    };
    return api;
  },
};
