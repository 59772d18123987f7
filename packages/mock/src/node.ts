import { type SetupServerApi, setupServer } from 'msw/node';
import { type CreateMockOptions, createMock, type MockStates, type MusicApiMock } from './index.js';

export * from './index.js';

/**
 * An MSW server for Node tests, answering every music-apis operation:
 *
 *   const { server, mock } = setupMockServer();
 *   beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
 *   afterEach(() => mock.reset());
 *   afterAll(() => server.close());
 */
export function setupMockServer(options: CreateMockOptions = {}): {
  server: SetupServerApi;
  mock: MusicApiMock<MockStates>;
} {
  const mock = createMock(options);
  return { server: setupServer(...mock.handlers), mock };
}
