import { type SetupServerApi, setupServer } from 'msw/node';
import { type CreateMockOptions, createMock, type MusicApisMock } from './index.js';

export * from './index.js';

/**
 * An MSW server for Node tests, answering every operation of the served APIs:
 *
 *   const { server, mock } = setupMockServer();
 *   beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
 *   afterEach(() => mock.reset());
 *   afterAll(() => server.close());
 */
export function setupMockServer(options: CreateMockOptions = {}): {
  server: SetupServerApi;
  mock: MusicApisMock;
} {
  const mock = createMock(options);
  return { server: setupServer(...mock.handlers), mock };
}
