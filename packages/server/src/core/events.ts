import { EventEmitter } from 'node:events';
import { isPostgres, type Knex } from './db.js';
import type { Logger } from './logger.js';

/**
 * Events between the parts of the server, and between instances: what an SSE stream listens to
 * (a download's progress written by whichever instance runs it). In one process (SQLite) an
 * emitter; on PostgreSQL every instance LISTENs on one connection of its own and publishes with
 * NOTIFY, so an event reaches every instance, this one included. Behind this interface, so a
 * Redis pub/sub bus can be added without touching the APIs.
 */
export interface EventBus {
  /** Delivers `payload` to every subscriber of `channel`, in every instance. Keep it small (< 8000 bytes on PostgreSQL). */
  publish(channel: string, payload: string): Promise<void>;
  /** Returns the unsubscribe. Listeners must not throw. */
  subscribe(channel: string, listener: (payload: string) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
function checkChannel(channel: string) {
  if (!CHANNEL.test(channel)) throw new Error(`Invalid event channel name: ${channel}`);
}

export function createInProcessEventBus(): EventBus {
  const emitter = new EventEmitter();
  // Every open SSE stream is one listener: no leak warning at the default of 10.
  emitter.setMaxListeners(0);
  return {
    async publish(channel, payload) {
      checkChannel(channel);
      emitter.emit(channel, payload);
    },
    subscribe(channel, listener) {
      checkChannel(channel);
      emitter.on(channel, listener);
      return () => emitter.off(channel, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** Delay before reconnecting the LISTEN connection after it dropped: doubles up to 30 s. */
const RECONNECT_MS = [250, 500, 1000, 2000, 5000, 10_000, 30_000];

/** The part of node-postgres' `Client` used here (the driver knex loaded; pg ships no types of its own). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'end', listener: () => void): void;
}
type PgClientClass = new (options: { connectionString: string }) => PgClient;

export function createPostgresEventBus(db: Knex, databaseUrl: string, logger: Logger): EventBus {
  const local = createInProcessEventBus();
  const channels = new Set<string>();
  const Client = (db.client as { driver: { Client: PgClientClass } }).driver.Client;
  let client: PgClient | undefined;
  let connecting: Promise<PgClient | undefined> | undefined;
  let closed = false;
  let failures = 0;

  function connect(): Promise<PgClient | undefined> {
    connecting ??= (async () => {
      const next = new Client({ connectionString: databaseUrl });
      next.on('notification', (message) => {
        if (message.payload !== undefined) void local.publish(message.channel, message.payload);
      });
      next.on('error', (error) => {
        logger.warn({ err: error }, 'event bus: the LISTEN connection failed; reconnecting');
        dropped(next);
      });
      next.on('end', () => dropped(next));
      try {
        await next.connect();
        for (const channel of channels) await next.query(`LISTEN "${channel}"`);
        failures = 0;
        client = next;
        return next;
      } catch (error) {
        logger.warn({ err: error }, 'event bus: could not open the LISTEN connection; retrying');
        void next.end().catch(() => {});
        retryLater();
        return undefined;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  }

  function dropped(which: PgClient) {
    if (client !== which) return;
    client = undefined;
    void which.end().catch(() => {});
    retryLater();
  }

  function retryLater() {
    if (closed) return;
    const delay = RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]!;
    setTimeout(() => {
      if (!closed && !client) void connect();
    }, delay).unref();
  }

  return {
    async publish(channel, payload) {
      checkChannel(channel);
      await db.raw('select pg_notify(?, ?)', [channel, payload]);
    },
    subscribe(channel, listener) {
      checkChannel(channel);
      const unsubscribe = local.subscribe(channel, listener);
      if (!channels.has(channel)) {
        channels.add(channel);
        if (client)
          client
            .query(`LISTEN "${channel}"`)
            .catch((error: unknown) => logger.warn({ err: error }, 'LISTEN failed'));
        else void connect();
      }
      return unsubscribe;
    },
    async close() {
      closed = true;
      await local.close();
      const open = client ?? (await connecting);
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}

/**
 * The bus for this database: LISTEN/NOTIFY on PostgreSQL (instances share it), in-process on
 * SQLite (one instance per database file).
 */
export function createEventBus(db: Knex, databaseUrl: string | undefined, logger: Logger): EventBus {
  return isPostgres(db) && databaseUrl
    ? createPostgresEventBus(db, databaseUrl, logger)
    : createInProcessEventBus();
}
