import { type SetupWorker, setupWorker } from 'msw/browser';
import { type CreateMockOptions, createMock, type MusicApisMock } from './index.js';

export * from './index.js';

/**
 * An MSW service worker for the browser, answering every operation of the served APIs. Copy MSW's
 * worker script into your public folder once (`npx msw init public/`), then:
 *
 *   const { worker, mock } = setupMockWorker();
 *   await worker.start({ onUnhandledRequest: 'bypass' });
 */
export function setupMockWorker(options: CreateMockOptions = {}): {
  worker: SetupWorker;
  mock: MusicApisMock;
} {
  const mock = createMock(options);
  return { worker: setupWorker(...mock.handlers), mock };
}
