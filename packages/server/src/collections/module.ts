import { randomUUID } from 'node:crypto';
import type { components } from '@music-apis/sdk/collections';
import type { Context } from 'koa';
import type { OperationInput } from '../core/http/api.js';
import { type HttpError, unauthorized } from '@music-apis/spec';
import type { ApiModule } from '../core/module.js';
import { loadApiDocument } from '../core/openapi.js';
import { getOrCreateSecret } from '../core/secrets.js';
import { createApiKeyVerifier } from './api-keys.js';
import { collectionsMigrations, createCollectionsRepository } from './repository.js';
import { createCollectionsService, PROCESS_TRACK_QUEUE, type UploadRequest } from './service.js';
import { createUploadUrlSigner } from './upload-urls.js';

type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
type CollectionList = components['schemas']['CollectionList'];
type CollectionResult = components['schemas']['CollectionResult'];
type CollectionCoverUploadResult = components['schemas']['CollectionCoverUploadResult'];
type CollectionDeleted = components['schemas']['CollectionDeleted'];
type TrackList = components['schemas']['TrackList'];
type TrackResult = components['schemas']['TrackResult'];
type TrackCreated = components['schemas']['TrackCreated'];
type TrackCoverUploadResult = components['schemas']['TrackCoverUploadResult'];
type TrackDeleted = components['schemas']['TrackDeleted'];
type CollectionInput = components['schemas']['CollectionInput'];
type TrackCreate = components['schemas']['TrackCreate'];
type TrackUpdate = components['schemas']['TrackUpdate'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `api_request_id` is documented as a UUID; a caller's own non-UUID `x-request-id` is not reused. */
function apiRequestId(ctx: Context): string {
  const requestId = ctx.state.requestId as string | undefined;
  if (requestId && UUID.test(requestId)) return requestId;
  ctx.state.apiRequestId ??= randomUUID();
  return ctx.state.apiRequestId as string;
}

const STATUSES_KEPT = new Set([400, 401, 403, 404, 405, 409, 413, 415]);

/** Upload URLs are signed with a key of their own, kept in the database for every instance. */
const UPLOAD_SECRET = 'collections-upload-url';

export const collectionsModule: ApiModule = {
  name: 'collections',
  migrations: collectionsMigrations,
  async createApi({ db, blobs, jobs, config, logger }) {
    const repository = createCollectionsRepository(db);
    const service = createCollectionsService({
      repository,
      blobs,
      jobs,
      signer: createUploadUrlSigner(await getOrCreateSecret(db, UPLOAD_SECRET)),
      limits: config.collections,
      logger,
    });
    jobs.register<{ trackId: string }>(PROCESS_TRACK_QUEUE, {
      run: (job) => service.processTrack(job.payload.trackId),
      onExhausted: (job) => service.markProcessingFailed(job.payload.trackId),
    });
    const verifyApiKey = createApiKeyVerifier(db, config.collections.apiKey);

    // Links (upload and cover URLs) point where the client reached us, unless PUBLIC_URL says
    // otherwise; behind a proxy Koa reads X-Forwarded-Proto/Host (the app trusts the proxy).
    const baseUrl = (ctx: Context) =>
      config.publicUrl?.replace(/\/+$/, '') ??
      `${ctx.protocol}://${ctx.host || `${config.host}:${ctx.req.socket.localPort}`}`;
    const ok = (ctx: Context) => ({ ok: true as const, api_request_id: apiRequestId(ctx) });
    const paging = (input: OperationInput) => ({
      limit: (input.query.limit as number | undefined) ?? 50,
      offset: (input.query.offset as number | undefined) ?? 0,
    });
    const uploadOf = (ctx: Context, input: OperationInput): UploadRequest => ({
      path: ctx.path,
      expires: input.query.expires as number,
      nonce: input.query.nonce as string,
      signature: input.query.signature as string,
      request: ctx.req,
    });
    const collectionId = (input: OperationInput) => input.path.collection_id as string;
    const trackId = (input: OperationInput) => input.path.track_id as string;

    return {
      document: loadApiDocument('collections', { validateResponses: config.validateResponses }),
      pathPrefixes: ['/v1/collection', '/v1/track', '/v1/upload', '/media/covers'],
      errorResponse(error: HttpError, ctx: Context) {
        const status = STATUSES_KEPT.has(error.status) ? error.status : 500;
        const body: ErrorEnvelope = {
          ok: false,
          message: status === 500 ? 'Internal server error' : error.message,
          api_request_id: apiRequestId(ctx),
        };
        return { status, body };
      },
      async authenticate(ctx) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
        if (!match) throw unauthorized('Unauthorized: send "Authorization: Bearer <API key>"');
        if (!(await verifyApiKey(match[1] as string))) throw unauthorized('Unauthorized: unknown API key');
      },
      handlers: {
        async listCollections(ctx, input) {
          const { limit, offset } = paging(input);
          const body: CollectionList = {
            ...ok(ctx),
            ...(await service.listCollections(limit, offset, baseUrl(ctx))),
          };
          ctx.body = body;
        },
        async createCollection(ctx, input) {
          const { collection, upload } = await service.createCollection(
            input.body as CollectionInput,
            baseUrl(ctx),
          );
          const body: CollectionCoverUploadResult = {
            ...ok(ctx),
            collection_id: collection.id,
            collection,
            collection_cover_upload: upload as CollectionCoverUploadResult['collection_cover_upload'],
          };
          ctx.body = body;
        },
        async getCollection(ctx, input) {
          const collection = await service.getCollection(collectionId(input), baseUrl(ctx));
          const body: CollectionResult = { ...ok(ctx), collection_id: collection.id, collection };
          ctx.body = body;
        },
        async updateCollection(ctx, input) {
          const collection = await service.updateCollection(
            collectionId(input),
            input.body as CollectionInput,
            baseUrl(ctx),
          );
          const body: CollectionResult = { ...ok(ctx), collection_id: collection.id, collection };
          ctx.body = body;
        },
        async deleteCollection(ctx, input) {
          const deleted = await service.deleteCollection(collectionId(input), baseUrl(ctx));
          const body: CollectionDeleted = {
            ...ok(ctx),
            collection_id: deleted.id,
            deleted_collection: deleted,
          };
          ctx.body = body;
        },
        async listCollectionTracks(ctx, input) {
          const { limit, offset } = paging(input);
          const body: TrackList = {
            ...ok(ctx),
            ...(await service.listCollectionTracks(collectionId(input), limit, offset, baseUrl(ctx))),
          };
          ctx.body = body;
        },
        async createCollectionCover(ctx, input) {
          const { collection, upload } = await service.createCollectionCover(
            collectionId(input),
            baseUrl(ctx),
          );
          const body: CollectionCoverUploadResult = {
            ...ok(ctx),
            collection_id: collection.id,
            collection,
            collection_cover_upload: upload as CollectionCoverUploadResult['collection_cover_upload'],
          };
          ctx.body = body;
        },
        async createTrack(ctx, input) {
          const created = await service.createTrack(input.body as TrackCreate, baseUrl(ctx));
          const body: TrackCreated = {
            ...ok(ctx),
            track_id: created.track.id,
            track: created.track,
            track_upload: created.audioUpload as TrackCreated['track_upload'],
            track_cover_upload: created.coverUpload as TrackCreated['track_cover_upload'],
          };
          ctx.body = body;
        },
        async getTrack(ctx, input) {
          const track = await service.getTrack(trackId(input), baseUrl(ctx));
          const body: TrackResult = { ...ok(ctx), track_id: track.id, track };
          ctx.body = body;
        },
        async updateTrack(ctx, input) {
          const track = await service.updateTrack(trackId(input), input.body as TrackUpdate, baseUrl(ctx));
          const body: TrackResult = { ...ok(ctx), track_id: track.id, track };
          ctx.body = body;
        },
        async deleteTrack(ctx, input) {
          const track = await service.deleteTrack(trackId(input), baseUrl(ctx));
          const body: TrackDeleted = { ...ok(ctx), track_id: track.id, deleted_track: track };
          ctx.body = body;
        },
        async createTrackCover(ctx, input) {
          const { track, upload } = await service.createTrackCover(trackId(input), baseUrl(ctx));
          const body: TrackCoverUploadResult = {
            ...ok(ctx),
            track_id: track.id,
            track,
            track_cover_upload: upload as TrackCoverUploadResult['track_cover_upload'],
          };
          ctx.body = body;
        },
        async uploadTrackAudio(ctx, input) {
          const track = await service.uploadTrackAudio(trackId(input), uploadOf(ctx, input), baseUrl(ctx));
          const body: TrackResult = { ...ok(ctx), track_id: track.id, track };
          ctx.body = body;
        },
        async uploadTrackCover(ctx, input) {
          const track = await service.uploadTrackCover(trackId(input), uploadOf(ctx, input), baseUrl(ctx));
          const body: TrackResult = { ...ok(ctx), track_id: track.id, track };
          ctx.body = body;
        },
        async uploadCollectionCover(ctx, input) {
          const collection = await service.uploadCollectionCover(
            collectionId(input),
            uploadOf(ctx, input),
            baseUrl(ctx),
          );
          const body: CollectionResult = { ...ok(ctx), collection_id: collection.id, collection };
          ctx.body = body;
        },
        async getCoverImage(ctx, input) {
          const image = await service.getCoverImage(
            input.path.owner_type as 'collection' | 'track',
            input.path.file_name as string,
          );
          ctx.type = image.contentType;
          // The URL stays the same when a cover is replaced by one of the same type: revalidate.
          ctx.set('cache-control', 'no-cache');
          ctx.body = image.stream;
        },
      },
    };
  },
};
