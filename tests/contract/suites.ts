import { API_MODULES } from '@music-apis/server';
import type { ApiKey } from '@music-apis/spec';
import type { ScenarioSuite } from './scenario.js';
import { collectionsScenarios } from './scenarios/collections.js';
import { downloaderScenarios } from './scenarios/downloader.js';
import { downloaderCatalogScenarios } from './scenarios/downloader-catalog.js';
import { downloaderHistoryScenarios } from './scenarios/downloader-history.js';
import { downloaderSsoScenarios } from './scenarios/downloader-sso.js';
import { downloaderTaskScenarios } from './scenarios/downloader-tasks.js';
import { downloaderWatchScenarios } from './scenarios/downloader-watch.js';
import { songsScenarios } from './scenarios/songs.js';
import { streamingScenarios } from './scenarios/streaming.js';
import { streamingCatalogScenarios } from './scenarios/streaming-catalog.js';
import { streamingHlsScenarios } from './scenarios/streaming-hls.js';
import { streamingPlaylistScenarios } from './scenarios/streaming-playlists.js';
import { trackManagerScenarios } from './scenarios/track-manager.js';

/** Every API's scenarios, by registry key; `undefined` until an API has some. */
export const SUITES_BY_API: { readonly [Key in ApiKey]: ScenarioSuite | undefined } = {
  collections: collectionsScenarios,
  downloader: {
    ...downloaderScenarios,
    scenarios: [
      ...downloaderScenarios.scenarios,
      ...downloaderCatalogScenarios,
      ...downloaderSsoScenarios,
      ...downloaderWatchScenarios,
      ...downloaderTaskScenarios,
      ...downloaderHistoryScenarios,
    ],
  },
  songs: songsScenarios,
  streaming: {
    ...streamingScenarios,
    scenarios: [
      ...streamingScenarios.scenarios,
      // Part 2: the catalog, HLS streams, heartbeat, aggregator status, home page, playlists.
      ...streamingCatalogScenarios,
      ...streamingHlsScenarios,
      ...streamingPlaylistScenarios,
    ],
  },
  trackManager: trackManagerScenarios,
};

export const SUITES: ScenarioSuite[] = Object.values(SUITES_BY_API).filter(
  (suite): suite is ScenarioSuite => suite !== undefined,
);

/** APIs the reference server serves: each of their operations must be covered by a scenario. */
export const FINISHED_APIS: ApiKey[] = (Object.keys(API_MODULES) as ApiKey[]).filter(
  (key) => API_MODULES[key],
);
