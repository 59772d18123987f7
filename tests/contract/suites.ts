import type { ScenarioSuite } from './scenario.js';
import { songsScenarios } from './scenarios/songs.js';
import { trackManagerScenarios } from './scenarios/track-manager.js';

/** Every API's scenarios. */
export const SUITES: ScenarioSuite[] = [trackManagerScenarios, songsScenarios];

/** APIs whose implementation is finished: each of their operations must be covered by a scenario. */
export const FINISHED_APIS = ['track-manager', 'songs'];
