import { collectionsMockApi } from './collections/index.js';
import type { StateOf } from './core/api.js';
import { type CreateMockOptions, createMockCore, type MusicApiMock } from './core/mock.js';
import { downloaderMockApi } from './downloader/index.js';
import { songsMockApi } from './songs/index.js';
import { streamingMockApi } from './streaming/index.js';
import { trackManagerMockApi } from './track-manager/index.js';

export {
  COLLECTIONS_MOCK_API_KEY,
  type CollectionsMockState,
  type CollectionsPrincipals,
  collectionsMockApi,
} from './collections/index.js';
export type {
  AnyMockApiDefinition,
  BinaryBody,
  MockApiDefinition,
  MockContext,
  MockEnv,
  MockErrorContext,
  MockHandlers,
  MockMailMessage,
  OperationIdOf,
  OperationsOf,
  StateOf,
  TableOf,
} from './core/api.js';
export {
  type CreateMockOptions,
  createMockCore,
  type MockApiControls,
  type MockCall,
  type MusicApiMock,
} from './core/mock.js';
export type {
  DocumentedStatus,
  MockOverride,
  MockResponder,
  MockRespondRequest,
  NetworkErrorOverride,
  PassThroughOverride,
  RespondOverride,
  ResponseBody,
  StatusOverride,
} from './core/override.js';
export { type DownloaderMockState, downloaderMockApi } from './downloader/index.js';
export { downloaderMockSsoCode } from './downloader/sso.js';
export {
  type SongsCaller,
  type SongsMockSong,
  type SongsMockState,
  type SongsMockUser,
  type SongsPrincipals,
  songsMockApi,
} from './songs/index.js';
export {
  STREAMING_MOCK_CLIENT,
  STREAMING_MOCK_HLS_URL_SECRET,
  STREAMING_MOCK_STRIPE_WEBHOOK_SECRET,
  type StreamingMockPlay,
  type StreamingMockState,
  type StreamingMockTenantCaller,
  type StreamingMockUserCaller,
  type StreamingPlaylistsMockState,
  type StreamingPrincipals,
  streamingMockApi,
} from './streaming/index.js';
export {
  type TrackManagerMockState,
  type TrackManagerPrincipals,
  trackManagerMockApi,
} from './track-manager/index.js';

/**
 * The APIs the mock serves, by registry key. Streaming and the downloader are served in part: their
 * operations not built yet answer 501 (PENDING_OPERATIONS).
 */
export const mockApis = {
  trackManager: trackManagerMockApi,
  songs: songsMockApi,
  collections: collectionsMockApi,
  downloader: downloaderMockApi,
  streaming: streamingMockApi,
};

export type MockApis = typeof mockApis;

/** The state of every mocked API, by API key. */
export type MockStates = { [Key in keyof MockApis]: StateOf<MockApis[Key]> };

/** The mock of every served API: `mock.songs.override(…)`, `mock.state.songs`, `mock.calls()`, … */
export type MusicApisMock = MusicApiMock<MockApis>;

/**
 * A mock of every music-apis API for MSW: `createMock().handlers` go into `setupServer` (Node) or
 * `setupWorker` (browser). Use `setupMockServer` from `@music-apis/mock/node` or `setupMockWorker`
 * from `@music-apis/mock/browser` to have that done for you.
 */
export function createMock(options: CreateMockOptions = {}): MusicApisMock {
  return createMockCore(mockApis, options);
}
