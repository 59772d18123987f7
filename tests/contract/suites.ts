import type { ScenarioSuite } from './scenario.js';
import { collectionsScenarios } from './scenarios/collections.js';
import { songsScenarios } from './scenarios/songs.js';
import { trackManagerScenarios } from './scenarios/track-manager.js';

/** Every API's scenarios. */
export const SUITES: ScenarioSuite[] = [trackManagerScenarios, songsScenarios, collectionsScenarios];

/** APIs whose implementation is finished: each of their operations must be covered by a scenario. */
export const FINISHED_APIS = ['track-manager', 'songs', 'collections'];
