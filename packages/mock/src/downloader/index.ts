import type { Catalog } from '@music-apis/catalog';
import {
  createDemoSpotifyCatalog,
  createDownloaderCatalog,
  createDownloaderService,
  createDownloaderSso,
  createDownloadHistory,
  type DownloaderPrincipals,
  type DownloaderSettings,
  type DownloaderSsoSettings,
  downloaderAuthenticators,
  downloaderCatalogHandlers,
  downloaderErrorReply,
  downloaderHandlers,
  downloaderSsoHandlers,
  downloaderWatchHandlers,
  downloadHistoryHandlers,
  downloadTaskHandlers,
  offlineAccountLoginCheck,
  passwordUserRecord,
  type SpotifyCatalogSource,
  watchDownloadsOf,
} from '@music-apis/domain';
import { downloaderSpec, type operations } from '@music-apis/spec/downloader';
import type { BinaryBody, MockApiDefinition, MockContext, MockEnv } from '../core/api.js';
import {
  createDownloaderHistoryMockData,
  createMockHistoryStore,
  type DownloaderHistoryMockData,
} from './history.js';
import { createMockSsoProviders } from './sso.js';
import { createMockDownloaderStore, type DownloaderMockData } from './store.js';
import { createMockTasks, createTaskMockState, type DownloaderTaskMockState } from './tasks.js';
import { createMockDownloaderTokens } from './tokens.js';
import {
  createDownloaderWatchMockData,
  createMockWatch,
  type DownloaderWatchMockData,
  withDueWatchChecks,
} from './watch.js';

/**
 * The downloader in memory, through the same service as the server (`@music-apis/domain`): only
 * the store (maps) and the crypto differ. Auth is off by default, as on the server; a test turns
 * it on with `mock.state.downloader.settings.authEnabled = true` and signs in as
 * `mock.state.downloader.addUser(…)`'s user (or registers one).
 */

export interface DownloaderMockState extends DownloaderMockData {
  /** The deployment settings the server reads from its environment; change them in a test. */
  settings: DownloaderSettings;
  /**
   * SSO (on with auth; set `settings.ssoProviders` to offer providers): where the flow goes, and
   * who the simulated provider signs in when the login redirect is followed (see `./sso.ts`).
   */
  sso: DownloaderSsoSettings & { consentEmail: string };
  /** The watch lists (issue 15): watched items, known items, what checks queued, the scheduler. */
  watch: DownloaderWatchMockData;
  /** Download tasks and the clock they run on (`downloads.clock.auto = false` to step them by hand). */
  downloads: DownloaderTaskMockState;
  /** The download history: records by task id, each album's or playlist's tracks. */
  history: DownloaderHistoryMockData;
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
      ssoStates: new Map(),
      sso: {
        redirectBase: undefined,
        frontendUrl: 'http://localhost:3000',
        consentEmail: 'sso.user@example.com',
      },
      watch: createDownloaderWatchMockData(),
      downloads: createTaskMockState(),
      history: createDownloaderHistoryMockData(),
      settings: {
        authEnabled: false,
        registrationEnabled: true,
        tokenLifetimeHours: 24,
        explicitFilter: false,
        ssoProviders: [],
        ssoEnabled: true,
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
    const store = createMockDownloaderStore(state);
    const service = createDownloaderService({
      store,
      settings: state.settings,
      crypto: {
        hashPassword: async (password) => `${MOCK_HASH_PREFIX}${password}`,
        verifyPassword: async (password, hash) => hash === `${MOCK_HASH_PREFIX}${password}`,
        ...createMockDownloaderTokens('music-apis mock downloader', now),
      },
      accountCheck: offlineAccountLoginCheck,
      now,
    });
    const history = createDownloadHistory({
      store: createMockHistoryStore(state.history),
      source: spotifySourceOf(catalog),
      now: () => now().getTime() / 1000,
      // The mock writes no file: the paths are where the server's default directory would put them.
      filePathOf: (relative) => `/downloads/${relative}`,
    });
    const tasks = createMockTasks(state.downloads, {
      source: spotifySourceOf(catalog),
      events: history.events,
      readConfig: () => store.config.read(),
      explicitFilter: () => state.settings.explicitFilter,
      now,
    });
    const sso = createDownloaderSso({
      store,
      service,
      // Read on every request, so a test may change them after start-up.
      settings: state.sso,
      providers: createMockSsoProviders(() => state.sso.consentEmail),
      now,
    });
    const watch = createMockWatch(
      state.watch,
      spotifySourceOf(catalog),
      () => service.watchConfig(),
      watchDownloadsOf(tasks.service),
      now,
    );
    const catalogHandlers = downloaderCatalogHandlers<MockEnv, BinaryBody>(
      createDownloaderCatalog(spotifySourceOf(catalog), watch.service.locallyKnown),
    );
    return {
      authenticate: downloaderAuthenticators<MockEnv>(service),
      handlers: {
        ...downloaderHandlers<MockEnv, BinaryBody>(service),
        ...downloaderSsoHandlers<MockEnv, BinaryBody>(sso, {
          origin: ({ baseUrl }) => baseUrl,
          cookie: ({ request }) => request.headers.get('cookie') ?? undefined,
        }),
        // The demo catalog, as the server's built-in provider serves it; watched items carry
        // `is_locally_known`, after the scheduled checks that fell due on the mock clock.
        ...catalogHandlers,
        ...withDueWatchChecks(
          { getPlaylistInfo: catalogHandlers.getPlaylistInfo, getArtistInfo: catalogHandlers.getArtistInfo },
          watch,
        ),
        ...withDueWatchChecks(downloaderWatchHandlers<MockEnv, BinaryBody>(watch.service), watch),
        ...downloadTaskHandlers<MockEnv, BinaryBody>(tasks.service, (env) => env.baseUrl),
        // The stream body is a web ReadableStream (MSW passes it through); typed as the text it carries.
        streamTaskProgress: (_input, env) => ({
          status: 200 as const,
          body: tasks.progressStream(env.baseUrl, env.request.signal) as unknown as string,
          contentType: 'text/event-stream',
          headers: { 'cache-control': 'no-cache', connection: 'keep-alive' },
        }),
        ...downloadHistoryHandlers<MockEnv, BinaryBody>(history),
      },
    };
  },
};
