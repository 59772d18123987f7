import type { Server } from 'node:http';
import { type Catalog, demoCatalog } from '@music-apis/catalog';
import type { ApiKey } from '@music-apis/spec';
import { documents } from '@music-apis/spec/documents';
import Koa from 'koa';
import { collectionsModule } from './collections/module.js';
import { createApiDocsRouter } from './core/api-docs.js';
import { createApiIndex } from './core/api-index.js';
import { rateLimitsMigration } from './core/auth/index.js';
import type { ServerConfig } from './core/config.js';
import { closeDatabase, createDatabase, type Knex, migrate } from './core/db.js';
import { createEventBus } from './core/events.js';
import { createCors } from './core/http/cors.js';
import { createFallbackErrors } from './core/http/fallback.js';
import { createApiLookup, createApiRouter } from './core/http/pipeline.js';
import { createRequestLogger } from './core/http/request-log.js';
import { createSecurityHeaders } from './core/http/security-headers.js';
import { createJobQueue, type JobQueue, jobsMigration } from './core/jobs.js';
import { createLogger, type Logger } from './core/logger.js';
import { createMailProvider, mailOutboxMigration } from './core/mail.js';
import type { ApiModule, ModuleContext } from './core/module.js';
import { createBuiltinCatalogProvider } from './core/providers/builtin-catalog.js';
import type { CatalogProvider } from './core/providers/catalog.js';
import { createSpotifyCatalogProvider } from './core/providers/spotify-catalog.js';
import { getOrCreateSecret, secretsMigration } from './core/secrets.js';
import { createBlobStore } from './core/storage.js';
import { downloaderModule } from './downloader/module.js';
import { songsModule } from './songs/module.js';
import { streamingModule } from './streaming/module.js';
import { trackManagerModule } from './track-manager/module.js';

/**
 * The module serving each API of the registry (one per document in openapi/); `undefined` marks an
 * API that is documented but not served yet. A new document does not compile until it is listed.
 */
export const API_MODULES: { readonly [Key in ApiKey]: ApiModule | undefined } = {
  collections: collectionsModule,
  downloader: downloaderModule,
  songs: songsModule,
  streaming: streamingModule,
  trackManager: trackManagerModule,
};
const servedModules = Object.values(API_MODULES).filter(
  (module): module is ApiModule => module !== undefined,
);

export interface MusicApiServer {
  app: Koa;
  db: Knex;
  logger: Logger;
  config: ServerConfig;
  /** The durable job queue; its workers run while the server listens. */
  jobs: JobQueue;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, lets in-flight ones finish, closes the database. */
  close(): Promise<void>;
}

export interface CreateServerOptions {
  /** Overrides the catalog provider (tests). */
  catalogProvider?: CatalogProvider;
  /** Overrides the demo catalog (benchmarks with a scaled catalog). */
  catalog?: Catalog;
  logger?: Logger;
}

export async function createServer(
  config: ServerConfig,
  options: CreateServerOptions = {},
): Promise<MusicApiServer> {
  const logger = options.logger ?? createLogger(config.logLevel, { format: config.logFormat });
  // First: a configuration that would lose files stops the start before anything is opened.
  const blobs = await createBlobStore(config, logger);
  const db = createDatabase(config);
  try {
    await migrate(db, [
      secretsMigration,
      jobsMigration,
      mailOutboxMigration,
      rateLimitsMigration,
      ...servedModules.flatMap((module) => module.migrations),
    ]);
  } catch (error) {
    await closeDatabase(db);
    await blobs.close();
    throw error;
  }
  const catalog = options.catalog ?? demoCatalog;
  const catalogProvider =
    options.catalogProvider ??
    (config.spotify.clientId && config.spotify.clientSecret
      ? createSpotifyCatalogProvider({
          ...config.spotify,
          clientId: config.spotify.clientId,
          clientSecret: config.spotify.clientSecret,
        })
      : createBuiltinCatalogProvider(
          catalog,
          await getOrCreateSecret(db, 'catalog-token', config.tokenSecret),
        ));
  const shutdown = new AbortController();
  const context: ModuleContext = {
    config,
    db,
    logger,
    blobs,
    jobs: createJobQueue(db, logger, config.jobs),
    events: createEventBus(db, config.databaseUrl, logger),
    shutdown: shutdown.signal,
    mail: createMailProvider(config, db, logger),
    catalog,
    catalogProvider,
  };
  if (config.demoData) {
    for (const module of servedModules) await module.seed?.(context);
  }

  const apis = [];
  for (const module of servedModules)
    apis.push({ api: await module.createApi(context), document: documents[module.key] });

  // X-Forwarded-For/-Proto only from configured proxies, and the address the nearest of them saw
  // (maxIpsCount): believed from anyone, a forged address would walk past every per-address limit.
  const app = new Koa({ proxy: config.trustProxy > 0, maxIpsCount: config.trustProxy });
  app.use(createSecurityHeaders());
  app.use(createRequestLogger(logger, { apiOf: createApiLookup(apis) }));
  app.on('error', (error) => logger.error({ err: error }, 'koa error'));
  // Before routing, so preflights of every operation (upload URLs included) are answered, and
  // before the fallback, so its 404/405 answers carry CORS headers a browser app can read.
  app.use(createCors({ origins: config.corsOrigins, documents: Object.values(documents) }));

  // The response checker (Ajv, compiling schemas as it meets them) is loaded only where it runs.
  const createResponseChecker = config.validateResponses
    ? (await import('./core/http/response-check.js')).createResponseChecker
    : undefined;
  app.use(createApiRouter(apis, { logger, createResponseChecker }));
  // After the API router, which answers its operations and namespaces in each API's own envelope
  // and catches their errors itself: only what no API answered goes through this one (an async
  // frame less on every API request).
  app.use(createFallbackErrors());
  const served = new Set(servedModules.map((module) => module.key));
  app.use(createApiDocsRouter(served, { publicUrl: config.publicUrl }).routes());
  app.use(createApiIndex(served));
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        // The fallback answers it in the server's JSON envelope.
        ctx.status = 405;
        ctx.set('allow', 'GET, HEAD');
        return;
      }
      await db.raw('select 1');
      ctx.body = { status: 'ok', catalog: catalogProvider.name, database: db.client.config.client };
      return;
    }
    // Development only: the outbox, so a newcomer (or a test) can read an emailed code.
    if (ctx.path === '/dev/mail' && ctx.method === 'GET' && config.devEndpoints) {
      const messages = await context.mail.outbox();
      ctx.body = messages.map(({ to, subject, text, sentAt }) => ({ recipient: to, subject, text, sentAt }));
      return;
    }
    await next();
  });

  let server: Server | undefined;
  return {
    app,
    db,
    logger,
    config,
    jobs: context.jobs,
    listen() {
      return new Promise((resolve, reject) => {
        server = app.listen(config.port, config.host);
        server.once('error', reject);
        server.once('listening', () => {
          const address = server!.address();
          const port = typeof address === 'object' && address ? address.port : config.port;
          context.jobs.start();
          resolve(
            config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`,
          );
        });
      });
    },
    async close() {
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
      }
      // Running jobs finish before the database goes away; pending ones wait in the table for the next start.
      shutdown.abort();
      await context.jobs.stop();
      await context.events.close();
      await closeDatabase(db);
      await blobs.close();
    },
  };
}
