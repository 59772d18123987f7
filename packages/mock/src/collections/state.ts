import {
  COLLECTIONS_DEFAULT_ORGANIZATION,
  type CollectionRecord,
  type CollectionsApiKeyGrant,
  type CollectionsCaller,
  type CollectionsKeyScope,
  type CollectionsVariantRecord,
  type CollectionTrackFields,
  type CollectionTrackRecord,
  type CreatorRecord,
  collectionInScope,
  collectionNotFound,
  collectionsDemoData,
  collectionTrackNotFound,
  ORGANIZATION_DEFAULTS,
  type OrganizationRecord,
  type PlaySessionRecord,
  trackBasePath,
  trackInScope,
  type UploadSessionRecord,
} from '@music-apis/domain';
import type { collectionsSpec, operations } from '@music-apis/spec/collections';
import type { MockContext, MockHandlers } from '../core/api.js';
import type { MockTrackFile } from './processing.js';

/**
 * The collections store: the server's records (`@music-apis/domain`), covers and issued upload URLs;
 * seeded with the demo collections and their ready tracks, as the server's demo data.
 */

/** The API key the mock accepts out of the box, of the default organization (add more to `state.apiKeys`). */
export const COLLECTIONS_MOCK_API_KEY = 'adn_mock_collections_api_key';

export interface IssuedUploadUrl {
  method: 'PUT' | 'POST';
  path: string;
  /** Epoch seconds. */
  expires: number;
  used: boolean;
}

export interface CollectionsMockState {
  /**
   * Valid API keys → the id of their organization (an API Access key: any string; the demo
   * collections are `COLLECTIONS_DEFAULT_ORGANIZATION`'s), or the whole grant of a client-side key
   * (type, scope, expiry), as `createApiKey` stores them; starts with `COLLECTIONS_MOCK_API_KEY` of
   * that default organization. A key sees its organization's collections and tracks only (others: 404).
   */
  apiKeys: Map<string, string | CollectionsApiKeyGrant>;
  /** By ID; an organization a key names appears here (with the defaults) when first needed. */
  organizations: Map<string, OrganizationRecord>;
  /** By ID, in creation order. */
  creators: Map<string, CreatorRecord>;
  /** By ID; a deleted collection's sessions answer 404. */
  uploadSessions: Map<string, UploadSessionRecord>;
  /** By ID, in creation order. */
  collections: Map<string, CollectionRecord>;
  tracks: Map<string, CollectionTrackRecord>;
  /** Variants by ID, in creation order: each organization's (configured on first use) and tracks'. */
  variants: Map<string, CollectionsVariantRecord>;
  /** Each track's files by variant ID (`processing.ts`); the `original` keeps the uploaded audio. */
  trackFiles: Map<string, Map<string, MockTrackFile>>;
  /** By ID; a deleted collection's or track's sessions answer 404. */
  playSessions: Map<string, PlaySessionRecord>;
  /** Each organization's URL signing key (made on first use), by organization ID. */
  urlSigningKeys: Map<string, string>;
  /** Stored covers by blob key (`cover_key`). */
  blobs: Map<string, Uint8Array>;
  /** Issued upload URLs by signature. */
  uploadUrls: Map<string, IssuedUploadUrl>;
  limits: { maxAudioBytes: number; maxCoverBytes: number; uploadTtlSeconds: number };
  /** Numbers the blob keys, so a replaced cover gets a new URL. */
  uploads: number;
}

/** Scheme name → principal: the organization, type and scope of the key of `Authorization: Bearer <key>`. */
export type CollectionsPrincipals = { BearerAuth: CollectionsCaller };

export type CollectionsHandlers = MockHandlers<
  operations,
  typeof collectionsSpec.operations,
  CollectionsPrincipals
>;

export function createCollectionsState(context: Pick<MockContext, 'catalog'>): CollectionsMockState {
  const demo = collectionsDemoData(context.catalog);
  return {
    apiKeys: new Map([[COLLECTIONS_MOCK_API_KEY, COLLECTIONS_DEFAULT_ORGANIZATION.id]]),
    organizations: new Map([
      [
        COLLECTIONS_DEFAULT_ORGANIZATION.id,
        { ...COLLECTIONS_DEFAULT_ORGANIZATION, ...structuredClone(ORGANIZATION_DEFAULTS) },
      ],
    ]),
    creators: new Map(),
    uploadSessions: new Map(),
    collections: new Map(demo.collections.map((collection) => [collection.id, { ...collection }])),
    tracks: new Map(demo.tracks.map((track) => [track.id, { ...track }])),
    variants: new Map(),
    trackFiles: new Map(
      demo.originalFiles.map((file) => [
        file.track_id,
        new Map([[file.variant_id, demoOriginal(demo, file)]]),
      ]),
    ),
    playSessions: new Map(),
    urlSigningKeys: new Map(),
    // Covers; audio is in `trackFiles`.
    blobs: new Map(demo.covers.map((cover) => [cover.key, cover.bytes()])),
    uploadUrls: new Map(),
    limits: { maxAudioBytes: 200 * 1024 * 1024, maxCoverBytes: 10 * 1024 * 1024, uploadTtlSeconds: 3600 },
    uploads: 0,
  };
}

/** A demo track's WAV as its `original` file, made when first read (the demo audio is large). */
function demoOriginal(
  demo: ReturnType<typeof collectionsDemoData>,
  file: ReturnType<typeof collectionsDemoData>['originalFiles'][number],
): MockTrackFile {
  let bytes: Uint8Array | undefined;
  return {
    variant_id: file.variant_id,
    key: file.blob_key,
    content_type: file.content_type,
    get bytes() {
      bytes ??= demo.audio.find((audio) => audio.key === file.blob_key)?.bytes();
      return bytes ?? null;
    },
    is_success: true,
    status_text: null,
  };
}

/**
 * The organization a request acts for (its key's); `null`, any: only for the capability upload
 * URLs and the public covers, which no key reaches.
 */
export type OrganizationScope = string | null;

const inScope = (record: { organization_id: string }, organizationId: OrganizationScope) =>
  organizationId === null || record.organization_id === organizationId;

/**
 * Another organization's collection, or one outside a scoped key's scope, answers 404, as one that
 * does not exist.
 */
export function findCollection(
  state: CollectionsMockState,
  organizationId: OrganizationScope,
  id: string,
  scope?: CollectionsKeyScope,
): CollectionRecord {
  const collection = state.collections.get(id.toLowerCase());
  if (
    !collection ||
    !inScope(collection, organizationId) ||
    (scope && !collectionInScope(scope, collection))
  ) {
    throw collectionNotFound();
  }
  return collection;
}

/** Stores a new track, as `createTrack` and an upload session make it: waiting for its audio. */
export function insertNewTrack(
  state: CollectionsMockState,
  identity: { id: string; organization_id: string; collection_id: string; file_name: string },
  fields: CollectionTrackFields,
): CollectionTrackRecord {
  const track: CollectionTrackRecord = {
    ...identity,
    ...fields,
    title: null,
    duration: null,
    status: 'initialized',
    status_text: null,
    audio_key: null,
    cover_key: null,
    base_path: trackBasePath(identity.organization_id, identity.id),
    levels: null,
    theme: [],
  };
  state.tracks.set(track.id, track);
  return track;
}

export function findTrack(
  state: CollectionsMockState,
  organizationId: OrganizationScope,
  id: string,
  scope?: CollectionsKeyScope,
): CollectionTrackRecord {
  const track = state.tracks.get(id.toLowerCase());
  if (!track || !inScope(track, organizationId) || (scope && !trackInScope(scope, track))) {
    throw collectionTrackNotFound();
  }
  return track;
}
