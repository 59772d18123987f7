import { runScenarios, startServer } from './targets.js';

runScenarios('sqlite', () => startServer());
