import { runScenarios, startMock } from './targets.js';

runScenarios('mock', startMock);
