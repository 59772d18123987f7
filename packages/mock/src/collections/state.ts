import {
  type CollectionRecord,
  type CollectionTrackRecord,
  collectionNotFound,
  collectionsDemoData,
  collectionTrackNotFound,
} from '@music-apis/domain';
import type { collectionsSpec, operations } from '@music-apis/spec/collections';
import type { MockContext, MockHandlers } from '../core/api.js';

/**
 * The collections store: the server's records (`@music-apis/domain`), covers and issued upload URLs;
 * seeded with the demo collections and their ready tracks, as the server's demo data.
 */

/** The API key the mock accepts out of the box (add more to `state.apiKeys`). */
export const COLLECTIONS_MOCK_API_KEY = 'adn_mock_collections_api_key';

export interface IssuedUploadUrl {
  method: 'PUT' | 'POST';
  path: string;
  /** Epoch seconds. */
  expires: number;
  used: boolean;
}

export interface CollectionsMockState {
  /** Valid API keys; starts with `COLLECTIONS_MOCK_API_KEY`. */
  apiKeys: Set<string>;
  /** By ID, in creation order. */
  collections: Map<string, CollectionRecord>;
  tracks: Map<string, CollectionTrackRecord>;
  /** Stored covers by blob key (`cover_key`); audio is probed on upload and not kept. */
  blobs: Map<string, Uint8Array>;
  /** Issued upload URLs by signature. */
  uploadUrls: Map<string, IssuedUploadUrl>;
  limits: { maxAudioBytes: number; maxCoverBytes: number; uploadTtlSeconds: number };
  /** Numbers the blob keys, so a replaced cover gets a new URL. */
  uploads: number;
}

/** Scheme name → principal: the API key of `Authorization: Bearer <key>`. */
export type CollectionsPrincipals = { BearerAuth: string };

export type CollectionsHandlers = MockHandlers<
  operations,
  typeof collectionsSpec.operations,
  CollectionsPrincipals
>;

export function createCollectionsState(context: Pick<MockContext, 'catalog'>): CollectionsMockState {
  const demo = collectionsDemoData(context.catalog);
  return {
    apiKeys: new Set([COLLECTIONS_MOCK_API_KEY]),
    collections: new Map(demo.collections.map((collection) => [collection.id, { ...collection }])),
    tracks: new Map(demo.tracks.map((track) => [track.id, { ...track }])),
    // Covers only: the API never serves audio back, so the mock does not keep it.
    blobs: new Map(demo.covers.map((cover) => [cover.key, cover.bytes()])),
    uploadUrls: new Map(),
    limits: { maxAudioBytes: 200 * 1024 * 1024, maxCoverBytes: 10 * 1024 * 1024, uploadTtlSeconds: 3600 },
    uploads: 0,
  };
}

export function findCollection(state: CollectionsMockState, id: string): CollectionRecord {
  const collection = state.collections.get(id.toLowerCase());
  if (!collection) throw collectionNotFound();
  return collection;
}

export function findTrack(state: CollectionsMockState, id: string): CollectionTrackRecord {
  const track = state.tracks.get(id.toLowerCase());
  if (!track) throw collectionTrackNotFound();
  return track;
}
