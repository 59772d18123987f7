import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createDownloaderCatalog,
  createDownloaderService,
  createDownloaderSso,
  createDownloadHistory,
  type DownloaderPrincipals,
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
  watchDownloadsOf,
} from '@music-apis/domain';
import { downloaderSpec, type operations } from '@music-apis/spec/downloader';
import { hashPassword, verifyPassword } from '../core/auth/index.js';
import type { ServerConfig } from '../core/config.js';
import type { Knex } from '../core/db.js';
import { linkBase } from '../core/http/link-base.js';
import type { ServerApi, ServerEnv, ServerRawBody } from '../core/http/pipeline.js';
import type { ApiModule } from '../core/module.js';
import { getOrCreateSecret } from '../core/secrets.js';
import { downloadDirOf } from './downloads.js';
import {
  createDownloaderHistoryRepository,
  downloaderHistoryCountsMigration,
  downloaderHistoryMigration,
} from './history-repository.js';
import { createDownloaderRepository, downloaderMigrations } from './repository.js';
import { createSecretBox } from './secret-box.js';
import { configuredSsoProviders, createOAuthSsoProviders } from './sso-providers.js';
import { downloaderTasksMigration } from './task-repository.js';
import { createServerDownloadTasks } from './tasks.js';
import { createDownloaderTokens } from './tokens.js';
import { createServerWatch, downloaderWatchMigration } from './watch.js';

async function openRepository(db: Knex, config: ServerConfig) {
  const key = await getOrCreateSecret(db, 'downloader-secrets-key', config.downloader.secretsKey);
  return createDownloaderRepository(db, createSecretBox(key));
}

export const downloaderModule: ApiModule = {
  key: 'downloader',
  migrations: [
    ...downloaderMigrations,
    downloaderWatchMigration,
    downloaderTasksMigration,
    downloaderHistoryMigration,
    downloaderHistoryCountsMigration,
  ],
  async createApi({ db, config, catalogProvider, jobs, events, logger, shutdown }) {
    const settings = config.downloader;
    const secret = await getOrCreateSecret(db, 'downloader-jwt', settings.jwtSecret);
    const store = await openRepository(db, config);
    const history = createDownloadHistory({
      store: createDownloaderHistoryRepository(db),
      source: catalogProvider.spotify,
      now: () => Date.now() / 1000,
      filePathOf: (relative) => join(downloadDirOf(config), relative),
      onWriteError: (error, taskId) =>
        logger.warn({ err: error, taskId }, 'could not write a download history record'),
    });
    const tasks = createServerDownloadTasks({
      db,
      jobs,
      events,
      logger,
      config,
      source: catalogProvider.spotify,
      readConfig: () => store.config.read(),
      shutdown,
      taskEvents: history.events,
    });
    const service = createDownloaderService({
      store,
      settings: {
        authEnabled: settings.authEnabled,
        registrationEnabled: !settings.registrationDisabled,
        tokenLifetimeHours: settings.tokenLifetimeHours,
        explicitFilter: settings.explicitFilter,
        ssoProviders: configuredSsoProviders(settings.sso),
        ssoEnabled: settings.sso.enabled,
      },
      crypto: {
        hashPassword: (password) => hashPassword(password),
        verifyPassword,
        ...createDownloaderTokens(secret),
      },
      accountCheck: offlineAccountLoginCheck,
      now: () => new Date(),
    });
    const sso = createDownloaderSso({
      store,
      service,
      settings: { redirectBase: settings.sso.redirectBase, frontendUrl: settings.sso.frontendUrl },
      providers: createOAuthSsoProviders(settings.sso),
      now: () => new Date(),
    });
    // The watch lists: checks on the job queue, the schedule in the database (watch.ts).
    const watch = createServerWatch({
      db,
      jobs,
      logger,
      source: catalogProvider.spotify,
      watchConfig: () => service.watchConfig(),
      downloads: watchDownloadsOf(tasks.service),
    });
    watch.startSchedule();
    const api: ServerApi<operations, typeof downloaderSpec.operations, DownloaderPrincipals> = {
      spec: downloaderSpec,
      errorReply: (error, env) =>
        downloaderErrorReply(error, { ...(env.operation ?? {}), path: env.ctx.path }),
      authenticate: downloaderAuthenticators<ServerEnv>(service),
      handlers: {
        ...downloaderHandlers<ServerEnv, ServerRawBody>(service),
        ...downloaderSsoHandlers<ServerEnv, ServerRawBody>(sso, {
          origin: ({ ctx }) => linkBase(ctx, config.publicUrl),
          cookie: ({ ctx }) => ctx.get('cookie') || undefined,
        }),
        // Items of watched playlists and artists carry `is_locally_known`.
        ...downloaderCatalogHandlers<ServerEnv, ServerRawBody>(
          createDownloaderCatalog(catalogProvider.spotify, watch.service.locallyKnown),
        ),
        ...downloaderWatchHandlers<ServerEnv, ServerRawBody>(watch.service),
        ...downloadTaskHandlers<ServerEnv, ServerRawBody>(tasks.service, (env) =>
          linkBase(env.ctx, config.publicUrl),
        ),
        streamTaskProgress: (_input, env) => tasks.streamTaskProgress(env),
        ...downloadHistoryHandlers<ServerEnv, ServerRawBody>(history),
      },
    };
    return api;
  },
};

/**
 * With auth enabled and no user yet, creates the first admin: `DOWNLOADER_ADMIN_PASSWORD`, or a
 * random password returned (to be printed this once; only its hash is kept). Undefined when a user
 * exists already, when auth is off, or when another instance created the admin first.
 */
export async function createFirstDownloaderAdmin(
  db: Knex,
  config: ServerConfig,
): Promise<{ username: string; password: string | undefined } | undefined> {
  const settings = config.downloader;
  if (!settings.authEnabled) return undefined;
  const store = await openRepository(db, config);
  if ((await store.users.count()) > 0) return undefined;
  const password = settings.adminPassword ?? randomBytes(12).toString('base64url');
  const created = await store.users.insert(
    passwordUserRecord({
      username: settings.adminUsername,
      role: 'admin',
      passwordHash: await hashPassword(password),
      now: new Date(),
    }),
  );
  if (!created) return undefined;
  return { username: settings.adminUsername, password: settings.adminPassword ? undefined : password };
}
