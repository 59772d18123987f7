import type { ScenarioSuite } from './scenario.js';
import { trackManagerScenarios } from './scenarios/track-manager.js';

/** Every API's scenarios. */
export const SUITES: ScenarioSuite[] = [trackManagerScenarios];

/** APIs whose implementation is finished: each of their operations must be covered by a scenario. */
export const FINISHED_APIS = ['track-manager'];
