import {
  createDownloaderWatchService,
  type DownloaderWatchConfig,
  type DownloaderWatchService,
  type DownloaderWatchStore,
  type KnownWatchItem,
  type SpotifyCatalogSource,
  type WatchCheck,
  type WatchDownloads,
  type WatchedArtistRecord,
  type WatchedPlaylistRecord,
  type WatchListStore,
} from '@music-apis/domain';
import { isPostgres, type Knex, type Migration } from '../core/db.js';
import type { JobQueue } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';

/**
 * The downloader's watch lists in SQL (upstream: `data/watch/playlists.db` and `artists.db`, with
 * one table per watched item; here one table of known items per list, keyed by the watched id),
 * and the watcher's background work on the shared job queue:
 * - a check (`downloader.watch.check`) is a job, so it runs once, on whichever instance claims it,
 *   and survives a restart;
 * - the schedule (one item per `watchPollIntervalSeconds`, round robin, as the original's
 *   scheduler thread) is a row: every instance looks at it now and then, and the one whose update
 *   of the row wins enqueues that tick's check in the same transaction. Two instances never run a
 *   tick (or a check) twice.
 */

const PLAYLISTS = 'downloader_watched_playlists';
const PLAYLIST_TRACKS = 'downloader_watched_playlist_tracks';
const ARTISTS = 'downloader_watched_artists';
const ARTIST_ALBUMS = 'downloader_watched_artist_albums';
const SCHEDULE = 'downloader_watch_schedule';

export const WATCH_CHECK_QUEUE = 'downloader.watch.check';
/** How often each instance looks whether a scheduled tick is due (the UI's shortest interval is 60 s). */
export const WATCH_SWEEP_INTERVAL_MS = 5_000;

function knownItemsTable(table: Knex.CreateTableBuilder, parent: string) {
  table.string('watched_id', 64).notNullable().references('spotify_id').inTable(parent).onDelete('CASCADE');
  table.string('item_id', 64).notNullable();
  table.text('name').notNullable();
  table.text('artist_names').notNullable();
  table.string('album_group', 32).nullable();
  table.bigInteger('added_at').notNullable();
  table.string('source', 16).notNullable();
  table.primary(['watched_id', 'item_id']);
}

export const downloaderWatchMigration: Migration = {
  name: 'downloader_002_watch_lists',
  async up(db) {
    await db.schema.createTable(PLAYLISTS, (table) => {
      table.string('spotify_id', 64).primary();
      table.text('name').notNullable();
      table.text('owner_id').nullable();
      table.text('owner_name').nullable();
      table.integer('total_tracks').nullable();
      table.text('link').nullable();
      table.text('snapshot_id').nullable();
      table.bigInteger('last_checked').nullable();
      table.bigInteger('added_at').nullable();
      table.integer('is_active').notNullable().defaultTo(1);
      table.integer('batch_next_offset').notNullable().defaultTo(0);
      table.text('batch_processing_snapshot_id').nullable();
      /** The seed's watch options, as JSON. */
      table.text('options').notNullable();
      table.boolean('first_sync_done').notNullable().defaultTo(false);
      table.index(['is_active', 'added_at']);
    });
    await db.schema.createTable(PLAYLIST_TRACKS, (table) => knownItemsTable(table, PLAYLISTS));
    await db.schema.createTable(ARTISTS, (table) => {
      table.string('spotify_id', 64).primary();
      table.text('name').notNullable();
      table.text('link').nullable();
      table.integer('total_albums_on_spotify').nullable();
      table.bigInteger('last_checked').nullable();
      table.bigInteger('added_at').nullable();
      table.integer('is_active').notNullable().defaultTo(1);
      table.text('genres').nullable();
      table.integer('popularity').nullable();
      table.text('image_url').nullable();
      table.integer('batch_next_offset').notNullable().defaultTo(0);
      table.text('options').notNullable();
      table.boolean('first_sync_done').notNullable().defaultTo(false);
      table.index(['is_active', 'added_at']);
    });
    await db.schema.createTable(ARTIST_ALBUMS, (table) => knownItemsTable(table, ARTISTS));
    // One row: when the last scheduled tick ran (epoch ms) and how many ran (the round-robin cursor).
    await db.schema.createTable(SCHEDULE, (table) => {
      table.integer('id').primary();
      table.bigInteger('last_tick_at').notNullable();
      table.bigInteger('ticks').notNullable();
    });
  },
  async down(db) {
    await db.schema.dropTable(SCHEDULE);
    await db.schema.dropTable(ARTIST_ALBUMS);
    await db.schema.dropTable(ARTISTS);
    await db.schema.dropTable(PLAYLIST_TRACKS);
    await db.schema.dropTable(PLAYLISTS);
  },
};

const INTEGER_COLUMNS = [
  'total_tracks',
  'total_albums_on_spotify',
  'last_checked',
  'added_at',
  'is_active',
  'batch_next_offset',
  'popularity',
] as const;

/** A row as the driver gives it (bigints as strings on PostgreSQL, booleans as 0/1 on SQLite). */
function fromRow<Record>(row: { [key: string]: unknown }): Record {
  const record: { [key: string]: unknown } = { ...row };
  for (const column of INTEGER_COLUMNS)
    if (record[column] !== undefined && record[column] !== null) record[column] = Number(record[column]);
  record.options = JSON.parse(String(row.options ?? '{}'));
  record.first_sync_done = !!row.first_sync_done;
  return record as Record;
}

function toRow(record: { [key: string]: unknown }): { [key: string]: unknown } {
  const row: { [key: string]: unknown } = { ...record };
  if (record.options !== undefined) row.options = JSON.stringify(record.options);
  return row;
}

function sqlList<Record extends { spotify_id: string }>(
  db: Knex,
  table: string,
  itemsTable: string,
): WatchListStore<Record> {
  const postgres = isPostgres(db);
  return {
    async list() {
      const rows = await db(table)
        .where({ is_active: 1 })
        .orderBy([
          { column: 'added_at', order: 'asc' },
          { column: 'spotify_id', order: 'asc' },
        ]);
      return rows.map((row) => fromRow<Record>(row));
    },
    async get(id) {
      const row = await db(table).where({ spotify_id: id }).first();
      return row ? fromRow<Record>(row) : undefined;
    },
    async insert(record) {
      const inserted = await db(table)
        .insert(toRow(record as never))
        .onConflict('spotify_id')
        .ignore()
        .returning('spotify_id');
      return inserted.length > 0;
    },
    async remove(id) {
      // The known items go with it (ON DELETE CASCADE), in the same statement.
      return (await db(table).where({ spotify_id: id }).delete()) > 0;
    },
    async update(id, changes) {
      if (Object.keys(changes).length === 0) return;
      await db(table)
        .where({ spotify_id: id })
        .update(toRow(changes as never));
    },
    async knownIds(id) {
      const [watched, items] = await Promise.all([
        db(table).where({ spotify_id: id }).first('spotify_id'),
        db(itemsTable).where({ watched_id: id }).select('item_id'),
      ]);
      return watched ? new Set(items.map((row) => String(row.item_id))) : undefined;
    },
    async addKnown(id, items: KnownWatchItem[]) {
      if (items.length === 0) return [];
      return db.transaction(async (trx) => {
        // The watched row is locked (PostgreSQL) so a removal cannot slip in between; a removed
        // entry gets nothing.
        const watched = trx(table).where({ spotify_id: id }).first('spotify_id');
        if (!(await (postgres ? watched.forUpdate() : watched))) return [];
        const added: string[] = [];
        // In chunks: SQLite caps the bound parameters of one statement.
        for (let start = 0; start < items.length; start += 100) {
          const rows = await trx(itemsTable)
            .insert(
              items.slice(start, start + 100).map((item) => ({
                watched_id: id,
                item_id: item.id,
                name: item.name,
                artist_names: item.artist_names,
                album_group: item.album_group,
                added_at: item.added_at,
                source: item.source,
              })),
            )
            .onConflict(['watched_id', 'item_id'])
            .ignore()
            .returning('item_id');
          added.push(...rows.map((row: { item_id: string }) => String(row.item_id)));
        }
        return added;
      });
    },
    async removeKnown(id, itemIds) {
      let removed = 0;
      for (let start = 0; start < itemIds.length; start += 500)
        removed += await db(itemsTable)
          .where({ watched_id: id })
          .whereIn('item_id', itemIds.slice(start, start + 500))
          .delete();
      return removed;
    },
  };
}

export function createSqlWatchStore(db: Knex): DownloaderWatchStore {
  return {
    playlists: sqlList<WatchedPlaylistRecord>(db, PLAYLISTS, PLAYLIST_TRACKS),
    artists: sqlList<WatchedArtistRecord>(db, ARTISTS, ARTIST_ALBUMS),
  };
}

export interface ServerWatchOptions {
  db: Knex;
  jobs: JobQueue;
  logger: Logger;
  source: SpotifyCatalogSource;
  watchConfig(): Promise<DownloaderWatchConfig>;
  /** Where new items go: the download tasks (`watchDownloadsOf`). */
  downloads: WatchDownloads;
  now?: () => Date;
}

export interface ServerWatch {
  service: DownloaderWatchService;
  /**
   * Runs the scheduler once: when watching is on and a tick is due, claims it (one instance wins)
   * and enqueues its check. Answers the check enqueued, if any. The timer calls it every few seconds.
   */
  sweep(): Promise<WatchCheck | undefined>;
  /** Starts the sweep timer (unref'd: it never keeps a process alive); idempotent. */
  startSchedule(): void;
  stopSchedule(): void;
}

export function createServerWatch({
  db,
  jobs,
  logger,
  source,
  watchConfig,
  downloads,
  now = () => new Date(),
}: ServerWatchOptions): ServerWatch {
  const service = createDownloaderWatchService({
    store: createSqlWatchStore(db),
    source,
    watchConfig,
    downloads,
    checks: {
      async request(check, delayMs) {
        await jobs.enqueue(WATCH_CHECK_QUEUE, { kind: check.kind, id: check.id }, { delayMs });
      },
    },
    now,
    onCheckProblem: (check, problem) =>
      logger.warn({ watch: check.kind, id: check.id, problem }, 'watch check'),
  });
  jobs.register<{ kind: WatchCheck['kind']; id: string }>(WATCH_CHECK_QUEUE, {
    run: (job) => service.runCheck({ kind: job.payload.kind, id: job.payload.id }),
  });

  async function sweep(): Promise<WatchCheck | undefined> {
    const config = await watchConfig();
    const at = now().getTime();
    const row = await db(SCHEDULE).where({ id: 1 }).first();
    if (!config.enabled) {
      // Off: the schedule starts over (one interval) when watching is turned on again.
      if (row) await db(SCHEDULE).where({ id: 1 }).delete();
      return undefined;
    }
    if (!row) {
      // First seen on: the first tick is one interval later, as the original's scheduler waits.
      await db(SCHEDULE).insert({ id: 1, last_tick_at: at, ticks: 0 }).onConflict('id').ignore();
      return undefined;
    }
    const intervalMs = Math.max(1, Number(config.watchPollIntervalSeconds) || 3600) * 1000;
    if (Number(row.last_tick_at) + intervalMs > at) return undefined;
    // Picked before the transaction (SQLite has one connection for writes and reads of it).
    const check = await service.scheduledCheck(Number(row.ticks));
    return db.transaction(async (trx) => {
      // Compare-and-set on the tick: of two instances that read the same row, one updates it.
      const claimed = await trx(SCHEDULE)
        .where({ id: 1, last_tick_at: row.last_tick_at, ticks: row.ticks })
        .update({ last_tick_at: at, ticks: Number(row.ticks) + 1 });
      if (claimed === 0) return undefined;
      if (check) await jobs.enqueue(WATCH_CHECK_QUEUE, { ...check }, { transaction: trx });
      return check;
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  return {
    service,
    sweep,
    startSchedule() {
      if (timer) return;
      timer = setInterval(() => {
        // A closed server's database has no pool any more: the timer ends with it.
        if (!(db.client as { pool?: unknown }).pool) {
          clearInterval(timer);
          timer = undefined;
          return;
        }
        // One sweep at a time: a slow database must not pile them up.
        if (sweeping) return;
        sweeping = true;
        sweep()
          .catch((error) => logger.warn({ err: error }, 'watch schedule sweep failed'))
          .finally(() => {
            sweeping = false;
          });
      }, WATCH_SWEEP_INTERVAL_MS).unref();
    },
    stopSchedule() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
