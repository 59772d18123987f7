import type { Catalog } from '@music-apis/catalog';
import type { ApiKey } from '@music-apis/spec';
import type { ServerConfig } from './config.js';
import type { Knex, Migration } from './db.js';
import type { EventBus } from './events.js';
import type { AnyServerApi } from './http/pipeline.js';
import type { JobQueue } from './jobs.js';
import type { Logger } from './logger.js';
import type { MailProvider } from './mail.js';
import type { CatalogProvider } from './providers/catalog.js';
import type { BlobStore } from './storage.js';

/** What the server core hands every API module. */
export interface ModuleContext {
  config: ServerConfig;
  db: Knex;
  logger: Logger;
  blobs: BlobStore;
  /** The durable job queue: register handlers in `createApi`; workers start when the server listens. */
  jobs: JobQueue;
  /** Events between instances (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite): SSE streams listen here. */
  events: EventBus;
  /**
   * Aborted when the server starts closing, before it waits for running jobs: a long job (a
   * realTime download) stops early instead of holding the shutdown.
   */
  shutdown: AbortSignal;
  /** Outgoing mail: the database outbox (shown in the log and at `GET /dev/mail`) or SMTP. */
  mail: MailProvider;
  /** The demo catalog: seed data for every API. */
  catalog: Catalog;
  /** The catalog behind track lookups: built-in demo catalog or Spotify. */
  catalogProvider: CatalogProvider;
}

/** One API of the toolkit, served by the reference server. */
export interface ApiModule {
  /** The API's key in the registry, e.g. `trackManager`. */
  key: ApiKey;
  migrations: Migration[];
  /** Loads the demo data (idempotent; runs at each start when DEMO_DATA is on). */
  seed?(context: ModuleContext): Promise<void>;
  /** The API's handlers, authenticators and envelope, typed from its document. */
  createApi(context: ModuleContext): AnyServerApi | Promise<AnyServerApi>;
}
