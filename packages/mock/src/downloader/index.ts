import type { Catalog } from '@music-apis/catalog';
import {
  createDemoSpotifyCatalog,
  createDownloaderCatalog,
  createDownloaderService,
  type DownloaderPrincipals,
  type DownloaderSettings,
  downloaderAuthenticators,
  downloaderCatalogHandlers,
  downloaderErrorReply,
  downloaderHandlers,
  downloadTaskHandlers,
  offlineAccountLoginCheck,
  passwordUserRecord,
  type SpotifyCatalogSource,
} from '@music-apis/domain';
import { PENDING_OPERATIONS, pendingHandlers } from '@music-apis/spec';
import { downloaderSpec, type operations } from '@music-apis/spec/downloader';
import type { BinaryBody, MockApiDefinition, MockContext, MockEnv } from '../core/api.js';
import { createMockDownloaderStore, type DownloaderMockData } from './store.js';
import { createMockTasks, createTaskMockState, type DownloaderTaskMockState } from './tasks.js';
import { createMockDownloaderTokens } from './tokens.js';

/**
 * The downloader in memory, through the same service as the server (`@music-apis/domain`): only
 * the store (maps) and the crypto differ. Auth is off by default, as on the server; a test turns
 * it on with `mock.state.downloader.settings.authEnabled = true` and signs in as
 * `mock.state.downloader.addUser(…)`'s user (or registers one).
 */

export interface DownloaderMockState extends DownloaderMockData {
  /** The deployment settings the server reads from its environment; change them in a test. */
  settings: DownloaderSettings;
  /** Download tasks and the clock they run on (`downloads.clock.auto = false` to step them by hand). */
  downloads: DownloaderTaskMockState;
  /** Adds an account directly (say the first admin), as the server's start does. */
  addUser(user: { username: string; password: string; role?: 'user' | 'admin'; email?: string }): void;
}

/** One source per catalog, kept across `reset()`: its search indexes are built once. */
const spotifySources = new WeakMap<Catalog, SpotifyCatalogSource>();
function spotifySourceOf(catalog: Catalog): SpotifyCatalogSource {
  const source = spotifySources.get(catalog) ?? createDemoSpotifyCatalog(catalog);
  spotifySources.set(catalog, source);
  return source;
}

/** The mock keeps passwords tagged, not hashed: it is a test double whose data never leaves memory. */
const MOCK_HASH_PREFIX = 'mock-plain:';

export const downloaderMockApi: MockApiDefinition<
  operations,
  typeof downloaderSpec.operations,
  DownloaderMockState,
  DownloaderPrincipals
> = {
  spec: downloaderSpec,
  createState: ({ now }: MockContext) => {
    const state: DownloaderMockState = {
      users: new Map(),
      config: undefined,
      accounts: new Map(),
      spotifyApi: undefined,
      downloads: createTaskMockState(),
      settings: {
        authEnabled: false,
        registrationEnabled: true,
        tokenLifetimeHours: 24,
        explicitFilter: false,
        ssoProviders: [],
      },
      addUser({ username, password, role = 'user', email }) {
        state.users.set(
          username,
          passwordUserRecord({
            username,
            email,
            role,
            passwordHash: `${MOCK_HASH_PREFIX}${password}`,
            now: now(),
          }),
        );
      },
    };
    return state;
  },
  errorReply: (error, { operationId, path }) =>
    downloaderErrorReply(error, {
      operationId,
      path,
      tags: operationId
        ? (downloaderSpec.operations as Record<string, { tags: readonly string[] }>)[operationId]?.tags
        : undefined,
    }),
  implement: (state, { now, catalog }) => {
    const service = createDownloaderService({
      store: createMockDownloaderStore(state),
      settings: state.settings,
      crypto: {
        hashPassword: async (password) => `${MOCK_HASH_PREFIX}${password}`,
        verifyPassword: async (password, hash) => hash === `${MOCK_HASH_PREFIX}${password}`,
        ...createMockDownloaderTokens('music-apis mock downloader', now),
      },
      accountCheck: offlineAccountLoginCheck,
      now,
    });
    const store = createMockDownloaderStore(state);
    const tasks = createMockTasks(state.downloads, {
      source: spotifySourceOf(catalog),
      readConfig: () => store.config.read(),
      explicitFilter: () => state.settings.explicitFilter,
      now,
    });
    return {
      authenticate: downloaderAuthenticators<MockEnv>(service),
      handlers: {
        ...downloaderHandlers<MockEnv, BinaryBody>(service),
        // The demo catalog, as the server's built-in provider serves it; nothing is watched yet.
        ...downloaderCatalogHandlers<MockEnv, BinaryBody>(createDownloaderCatalog(spotifySourceOf(catalog))),
        ...downloadTaskHandlers<MockEnv, BinaryBody>(tasks.service, (env) => env.baseUrl),
        // The stream body is a web ReadableStream (MSW passes it through); typed as the text it carries.
        streamTaskProgress: (_input, env) => ({
          status: 200 as const,
          body: tasks.progressStream(env.baseUrl, env.request.signal) as unknown as string,
          contentType: 'text/event-stream',
          headers: { 'cache-control': 'no-cache', connection: 'keep-alive' },
        }),
        ...pendingHandlers(PENDING_OPERATIONS.downloader),
      },
    };
  },
};
