import {
  COLLECTIONS_MOCK_API_KEY,
  type CollectionsMockState,
  collectionsMockApi,
} from './collections/index.js';
import { type CreateMockOptions, createMockCore, type MusicApiMock } from './core/mock.js';
import { type SongsMockState, songsMockApi } from './songs/index.js';
import { type TrackManagerMockState, trackManagerMockApi } from './track-manager/index.js';

export {
  type CreateMockOptions,
  createMockCore,
  type MockApiDefinition,
  type MockCall,
  type MockContext,
  type MockHandler,
  MockHttpError,
  type MockMailMessage,
  type MockOverride,
  type MockRequest,
  type MusicApiMock,
} from './core/mock.js';
export type { SongsMockSong, SongsMockState, SongsMockUser } from './songs/index.js';
export type { TrackManagerMockState };
export { COLLECTIONS_MOCK_API_KEY, type CollectionsMockState };

/** The state of every mocked API, by API key. */
export interface MockStates extends Record<string, unknown> {
  trackManager: TrackManagerMockState;
  songs: SongsMockState;
  collections: CollectionsMockState;
}

/**
 * A mock of every music-apis API for MSW: `createMock().handlers` go into `setupServer` (Node) or
 * `setupWorker` (browser). Use `setupMockServer` from `@music-apis/mock/node` or `setupMockWorker`
 * from `@music-apis/mock/browser` to have that done for you.
 */
export function createMock(options: CreateMockOptions = {}): MusicApiMock<MockStates> {
  return createMockCore<MockStates>(
    { trackManager: trackManagerMockApi, songs: songsMockApi, collections: collectionsMockApi },
    options,
  );
}
