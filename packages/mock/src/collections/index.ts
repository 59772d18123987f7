import {
  apiKeyGrantOf,
  assertAwaitingAudio,
  assertHasSourceFile,
  audioUploadPath,
  type CollectionRecord,
  type CollectionTrackRecord,
  callerOfGrant,
  collectionChanges,
  collectionFields,
  collectionInScope,
  collectionsApiKey,
  collectionsErrorReply,
  collectionsOk,
  collectionTrackNotFound,
  collectionView,
  coverNotFound,
  creatorForNewRow,
  fullAccessGrant,
  IMAGE_CONTENT_TYPES,
  parseCoverFileName,
  trackChanges,
  trackFields,
  trackInScope,
  trackVariantFromBody,
  trackView,
  unknownApiKey,
  variantIndexTaken,
  variantView,
} from '@music-apis/domain';
import { collectionsSpec, type operations } from '@music-apis/spec/collections';
import type { MockApiDefinition } from '../core/api.js';
import { assertCreatorExists, findCreator, organizationHandlers } from './organizations.js';
import { playbackHandlers } from './playback.js';
import { processTrackAudio, sourceAudioOf } from './processing.js';
import {
  type CollectionsMockState,
  type CollectionsPrincipals,
  createCollectionsState,
  findCollection,
  findTrack,
  insertNewTrack,
} from './state.js';
import { uploadSessionHandlers } from './upload-sessions.js';
import { issueCoverUploadUrl, issueUploadUrl, uploadHandlers } from './uploads.js';
import { variantHandlers, variantsOfTrack } from './variants.js';

export {
  COLLECTIONS_MOCK_API_KEY,
  type CollectionsMockState,
  type CollectionsPrincipals,
} from './state.js';

/**
 * The collections API in memory, with the server's records, views and rules (`@music-apis/domain`).
 * Upload URLs point at the mock and accept the PUT/POST there (`uploads.ts`).
 */

export const collectionsMockApi: MockApiDefinition<
  operations,
  typeof collectionsSpec.operations,
  CollectionsMockState,
  CollectionsPrincipals
> = {
  spec: collectionsSpec,
  createState: createCollectionsState,
  errorReply: (error) => collectionsErrorReply(error, crypto.randomUUID()),
  implement(state, context) {
    const ok = () => collectionsOk(crypto.randomUUID());
    const viewOfTrack = (track: CollectionTrackRecord, baseUrl: string) =>
      trackView(track, state.collections.get(track.collection_id), baseUrl);
    const coverHandle = (baseUrl: string, owner: 'collection' | 'track', id: string) =>
      issueCoverUploadUrl(state, context, baseUrl, owner, id);
    /** A deleted track's files and track-specific variants go with it. */
    const forgetTrack = (id: string) => {
      state.tracks.delete(id);
      state.trackFiles.delete(id);
      for (const [variantId, variant] of state.variants) {
        if (variant.track_id === id) state.variants.delete(variantId);
      }
    };

    return {
      authenticate: {
        BearerAuth(request, _env, { operation }) {
          const stored = state.apiKeys.get(collectionsApiKey(request.header('authorization')));
          if (stored === undefined) throw unknownApiKey();
          const grant = typeof stored === 'string' ? fullAccessGrant(stored) : stored;
          return callerOfGrant(grant, operation.operationId, context.now().getTime());
        },
      },
      handlers: {
        createApiKey({ body, principal: { organizationId } }) {
          const grant = apiKeyGrantOf(organizationId, body, context.now().getTime());
          if (grant.collection_id !== null) findCollection(state, organizationId, grant.collection_id);
          if (grant.track_id !== null) {
            const track = findTrack(state, organizationId, grant.track_id);
            if (track.collection_id !== grant.collection_id) throw collectionTrackNotFound();
          }
          if (grant.creator_id !== null) findCreator(state, organizationId, grant.creator_id);
          const key = `adn_${crypto.randomUUID().replaceAll('-', '')}`;
          state.apiKeys.set(key, grant);
          return { status: 200, body: { ...ok(), api_key: key } };
        },
        listCollections({ query: { limit = 50, offset = 0 }, principal }, { baseUrl }) {
          const all = [...state.collections.values()].filter(
            (item) =>
              item.organization_id === principal.organizationId && collectionInScope(principal.scope, item),
          );
          return {
            status: 200,
            body: {
              ...ok(),
              count: all.length,
              collections: all.slice(offset, offset + limit).map((item) => collectionView(item, baseUrl)),
            },
          };
        },
        createCollection({ body, principal: { organizationId: principal } }, { baseUrl }) {
          assertCreatorExists(state, principal, body);
          const id = crypto.randomUUID();
          const stored: CollectionRecord = {
            id,
            organization_id: principal,
            ...collectionFields(body),
            cover_key: null,
          };
          state.collections.set(id, stored);
          return {
            status: 200,
            body: {
              ...ok(),
              collection_id: id,
              collection: collectionView(stored, baseUrl),
              collection_cover_upload: coverHandle(baseUrl, 'collection', id),
            },
          };
        },
        getCollection({ path, principal: { organizationId: principal, scope } }, { baseUrl }) {
          const collection = findCollection(state, principal, path.collection_id, scope);
          return {
            status: 200,
            body: { ...ok(), collection_id: collection.id, collection: collectionView(collection, baseUrl) },
          };
        },
        updateCollection({ path, body, principal: { organizationId: principal } }, { baseUrl }) {
          const collection = findCollection(state, principal, path.collection_id);
          assertCreatorExists(state, principal, body);
          Object.assign(collection, collectionChanges(body));
          return {
            status: 200,
            body: { ...ok(), collection_id: collection.id, collection: collectionView(collection, baseUrl) },
          };
        },
        deleteCollection({ path, principal: { organizationId: principal } }, { baseUrl }) {
          const collection = findCollection(state, principal, path.collection_id);
          for (const [id, track] of state.tracks) {
            if (track.collection_id !== collection.id) continue;
            if (track.cover_key) state.blobs.delete(track.cover_key);
            forgetTrack(id);
          }
          if (collection.cover_key) state.blobs.delete(collection.cover_key);
          state.collections.delete(collection.id);
          return {
            status: 200,
            body: {
              ...ok(),
              collection_id: collection.id,
              deleted_collection: { ...collectionView(collection, baseUrl), cover_url: null },
            },
          };
        },
        listCollectionTracks(
          { path, query: { limit = 50, offset = 0 }, principal: { organizationId: principal, scope } },
          { baseUrl },
        ) {
          const collection = findCollection(state, principal, path.collection_id, scope);
          const tracks = [...state.tracks.values()].filter(
            (track) => track.collection_id === collection.id && trackInScope(scope, track),
          );
          return {
            status: 200,
            body: {
              ...ok(),
              count: tracks.length,
              tracks: tracks
                .slice(offset, offset + limit)
                .map((track) => trackView(track, collection, baseUrl)),
            },
          };
        },
        createCollectionCover({ path, principal: { organizationId: principal, scope } }, { baseUrl }) {
          const collection = findCollection(state, principal, path.collection_id, scope);
          return {
            status: 200,
            body: {
              ...ok(),
              collection_id: collection.id,
              collection: collectionView(collection, baseUrl),
              collection_cover_upload: coverHandle(baseUrl, 'collection', collection.id),
            },
          };
        },
        createTrack({ body: sent, principal: { organizationId: principal, scope } }, { baseUrl }) {
          const collection = findCollection(state, principal, sent.collection_id, scope);
          const body = creatorForNewRow(scope, sent);
          assertCreatorExists(state, principal, body);
          const id = crypto.randomUUID();
          const stored = insertNewTrack(
            state,
            { id, organization_id: principal, collection_id: collection.id, file_name: body.file_name },
            trackFields(body),
          );
          return {
            status: 200,
            body: {
              ...ok(),
              track_id: id,
              track: viewOfTrack(stored, baseUrl),
              track_upload: issueUploadUrl(state, context, 'PUT', baseUrl, audioUploadPath(id)),
              track_cover_upload: coverHandle(baseUrl, 'track', id),
            },
          };
        },
        getTrack({ path, principal: { organizationId: principal, scope } }, { baseUrl }) {
          const track = findTrack(state, principal, path.track_id, scope);
          return { status: 200, body: { ...ok(), track_id: track.id, track: viewOfTrack(track, baseUrl) } };
        },
        updateTrack({ path, body, principal: { organizationId: principal } }, { baseUrl }) {
          const track = findTrack(state, principal, path.track_id);
          assertCreatorExists(state, principal, body);
          Object.assign(track, trackChanges(body));
          return { status: 200, body: { ...ok(), track_id: track.id, track: viewOfTrack(track, baseUrl) } };
        },
        deleteTrack({ path, principal: { organizationId: principal } }, { baseUrl }) {
          const track = findTrack(state, principal, path.track_id);
          if (track.cover_key) state.blobs.delete(track.cover_key);
          forgetTrack(track.id);
          return {
            status: 200,
            body: {
              ...ok(),
              track_id: track.id,
              // Like a deleted collection, a deleted track points at no cover: its files are gone.
              deleted_track: { ...trackView(track, undefined, baseUrl), cover_url: null },
            },
          };
        },
        createTrackCover({ path, principal: { organizationId: principal, scope } }, { baseUrl }) {
          const track = findTrack(state, principal, path.track_id, scope);
          return {
            status: 200,
            body: {
              ...ok(),
              track_id: track.id,
              track: viewOfTrack(track, baseUrl),
              track_cover_upload: coverHandle(baseUrl, 'track', track.id),
            },
          };
        },
        createTrackUpload({ path, principal: { organizationId: principal, scope } }, { baseUrl }) {
          const track = findTrack(state, principal, path.track_id, scope);
          assertAwaitingAudio(track);
          return {
            status: 200,
            body: {
              ...ok(),
              track_id: track.id,
              track: viewOfTrack(track, baseUrl),
              track_upload: issueUploadUrl(state, context, 'PUT', baseUrl, audioUploadPath(track.id)),
            },
          };
        },
        ...uploadHandlers(state, context),
        ...organizationHandlers(state, () => context.now()),
        ...uploadSessionHandlers(state, context),
        ...variantHandlers(state),
        ...playbackHandlers(state, context),
        addTrackVariant({ path, body, principal: { organizationId: principal, scope } }) {
          const track = findTrack(state, principal, path.track_id, scope);
          assertHasSourceFile(track);
          const variant = trackVariantFromBody(body, {
            id: crypto.randomUUID(),
            organization_id: principal,
            track_id: track.id,
          });
          const taken = variantsOfTrack(state, track).some((other) => other.index === variant.index);
          if (taken) throw variantIndexTaken(variant.index);
          state.variants.set(variant.id, variant);
          const source = sourceAudioOf(state, track);
          // The track's audio is in (checked above), so the original was kept; processing is instant.
          if (source && track.duration !== null) {
            processTrackAudio(state, track, source, track.duration, [variant]);
          }
          return {
            status: 200,
            body: {
              ...ok(),
              track_id: track.id,
              variant_id: variant.id,
              job_id: crypto.randomUUID(),
              variant: variantView(variant),
            },
          };
        },
        getCoverImage({ path }) {
          const cover = parseCoverFileName(path.file_name);
          if (!cover) throw coverNotFound();
          const owner = path.owner_type === 'collection' ? state.collections : state.tracks;
          const key = owner.get(cover.id)?.cover_key;
          const bytes = key?.endsWith(`.${cover.type}`) ? state.blobs.get(key) : undefined;
          if (!bytes) throw coverNotFound();
          return {
            status: 200,
            body: bytes,
            contentType: IMAGE_CONTENT_TYPES[cover.type],
            headers: { 'cache-control': 'no-cache' },
          };
        },
      },
    };
  },
};
