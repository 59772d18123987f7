import {
  type DownloadHistoryStore,
  type HistoryChild,
  type HistoryEntry,
  historySearchTextOf,
  tracksDoneOf,
} from '@music-apis/domain';
import { isPostgres, type Knex, type Migration, readRows } from '../core/db.js';
import { whereContains } from '../core/substring-search.js';

/**
 * The download history in SQL (upstream: `download_history.db`, research §2.4). A record is kept
 * whole as JSON; the columns beside it are what the routes filter, order and count by. A parent's
 * tracks are rows of one children table keyed by task and position (upstream makes one table per
 * parent). Search is a substring of the title or an artist name through a trigram index (see
 * core/substring-search.ts), so it does not scan as the history grows.
 */

const HISTORY = 'downloader_history';
const CHILDREN = 'downloader_history_children';
const HISTORY_FTS = 'downloader_history_fts';

const SQLITE_SEARCH_INDEX = [
  `create virtual table ${HISTORY_FTS} using fts5(search_text, content='${HISTORY}', content_rowid='id', tokenize='trigram case_sensitive 1')`,
  `create trigger ${HISTORY_FTS}_insert after insert on ${HISTORY} begin
     insert into ${HISTORY_FTS} (rowid, search_text) values (new.id, new.search_text);
   end`,
  `create trigger ${HISTORY_FTS}_delete after delete on ${HISTORY} begin
     insert into ${HISTORY_FTS} (${HISTORY_FTS}, rowid, search_text) values ('delete', old.id, old.search_text);
   end`,
  `create trigger ${HISTORY_FTS}_update after update of search_text on ${HISTORY}
   when old.search_text is not new.search_text begin
     insert into ${HISTORY_FTS} (${HISTORY_FTS}, rowid, search_text) values ('delete', old.id, old.search_text);
     insert into ${HISTORY_FTS} (rowid, search_text) values (new.id, new.search_text);
   end`,
];

export const downloaderHistoryMigration: Migration = {
  name: 'downloader_004_history',
  async up(db) {
    await db.schema.createTable(HISTORY, (table) => {
      table.increments('id').primary();
      table.string('task_id', 128).notNullable().unique();
      table.string('download_type', 16).notNullable();
      table.string('status', 16).notNullable();
      /** Unix seconds (fractions), as upstream's `timestamp`. */
      table.double('timestamp').notNullable();
      /** Lower-cased title and artist names (`historySearchTextOf`). */
      table.text('search_text').notNullable();
      /** `tracksDoneOf` the record, summed by the statistics. */
      table.integer('tracks_done').notNullable();
      table.text('record').notNullable();
      table.index(['timestamp'], `${HISTORY}_timestamp_index`);
      table.index(['status', 'timestamp'], `${HISTORY}_status_index`);
      table.index(['download_type', 'status', 'timestamp'], `${HISTORY}_type_status_index`);
    });
    await db.schema.createTable(CHILDREN, (table) => {
      table.string('task_id', 128).notNullable();
      table.integer('position').notNullable();
      table.integer('track_number').nullable();
      table.double('timestamp').notNullable();
      table.text('record').notNullable();
      table.primary(['task_id', 'position']);
    });
    if (!isPostgres(db)) {
      for (const statement of SQLITE_SEARCH_INDEX) await db.raw(statement);
      return;
    }
    try {
      // In a savepoint: a refused CREATE EXTENSION must not abort the migration; without the
      // extension the search still works, by scanning.
      await db.transaction(async (savepoint) => {
        await savepoint.raw('create extension if not exists pg_trgm');
        await savepoint.raw(
          `create index ${HISTORY}_search_trgm on ${HISTORY} using gin (search_text gin_trgm_ops)`,
        );
      });
    } catch {
      // No trigram index.
    }
  },
  async down(db) {
    if (!isPostgres(db)) await db.raw(`drop table ${HISTORY_FTS}`);
    await db.schema.dropTable(CHILDREN);
    await db.schema.dropTable(HISTORY);
  },
};

/**
 * Records and finished tracks per (download type, status), maintained by triggers on every
 * insert, replacement and delete of a record, so the statistics read a few rows however long the
 * history grows (issue 10: counts never scan). On PostgreSQL the triggers run per statement over
 * transition tables (as the songs counters), so a cleanup that deletes many records updates each
 * counter row once.
 */
const COUNTS = 'downloader_history_counts';
const SQLITE_COUNTS_UP = [
  `create table ${COUNTS} (download_type varchar(16) not null, status varchar(16) not null,
     records integer not null, tracks_done integer not null, primary key (download_type, status))`,
  `insert into ${COUNTS} (download_type, status, records, tracks_done)
     select download_type, status, count(*), sum(tracks_done) from ${HISTORY} group by download_type, status`,
  `create trigger ${COUNTS}_insert after insert on ${HISTORY} begin
     insert into ${COUNTS} (download_type, status, records, tracks_done) values (new.download_type, new.status, 1, new.tracks_done)
       on conflict (download_type, status) do update set records = records + 1, tracks_done = tracks_done + excluded.tracks_done;
   end`,
  `create trigger ${COUNTS}_delete after delete on ${HISTORY} begin
     update ${COUNTS} set records = records - 1, tracks_done = tracks_done - old.tracks_done
       where download_type = old.download_type and status = old.status;
   end`,
  `create trigger ${COUNTS}_update after update of download_type, status, tracks_done on ${HISTORY} begin
     update ${COUNTS} set records = records - 1, tracks_done = tracks_done - old.tracks_done
       where download_type = old.download_type and status = old.status;
     insert into ${COUNTS} (download_type, status, records, tracks_done) values (new.download_type, new.status, 1, new.tracks_done)
       on conflict (download_type, status) do update set records = records + 1, tracks_done = tracks_done + excluded.tracks_done;
   end`,
];
/** PostgreSQL: adds each group's net change to its counter row in one upsert. */
const pgApply = (deltas: string) =>
  `insert into ${COUNTS} (download_type, status, records, tracks_done)
     select download_type, status, sum(records), sum(tracks_done) from (${deltas}) d
     group by download_type, status having sum(records) <> 0 or sum(tracks_done) <> 0
     on conflict (download_type, status) do update
     set records = ${COUNTS}.records + excluded.records, tracks_done = ${COUNTS}.tracks_done + excluded.tracks_done`;
const added = (rows: string) => `select download_type, status, 1 as records, tracks_done from ${rows}`;
const removed = (rows: string) =>
  `select download_type, status, -1 as records, -tracks_done as tracks_done from ${rows}`;
const PG_COUNTS_UP = [
  `create table ${COUNTS} (download_type varchar(16) not null, status varchar(16) not null,
     records bigint not null, tracks_done bigint not null, primary key (download_type, status))`,
  `insert into ${COUNTS} (download_type, status, records, tracks_done)
     select download_type, status, count(*), sum(tracks_done) from ${HISTORY} group by download_type, status`,
  `create function ${COUNTS}_change() returns trigger language plpgsql as $$
   begin
     if tg_op = 'INSERT' then
       ${pgApply(added('new_rows'))};
     elsif tg_op = 'DELETE' then
       ${pgApply(removed('old_rows'))};
     else
       ${pgApply(`${added('new_rows')} union all ${removed('old_rows')}`)};
     end if;
     return null;
   end $$`,
  `create trigger ${COUNTS}_insert after insert on ${HISTORY} referencing new table as new_rows
     for each statement execute function ${COUNTS}_change()`,
  `create trigger ${COUNTS}_delete after delete on ${HISTORY} referencing old table as old_rows
     for each statement execute function ${COUNTS}_change()`,
  `create trigger ${COUNTS}_update after update on ${HISTORY} referencing old table as old_rows new table as new_rows
     for each statement execute function ${COUNTS}_change()`,
];

export const downloaderHistoryCountsMigration: Migration = {
  name: 'downloader_005_history_counts',
  async up(db) {
    for (const statement of isPostgres(db) ? PG_COUNTS_UP : SQLITE_COUNTS_UP) await db.raw(statement);
  },
  async down(db) {
    for (const event of ['insert', 'delete', 'update']) {
      await db.raw(`drop trigger ${COUNTS}_${event}${isPostgres(db) ? ` on ${HISTORY}` : ''}`);
    }
    if (isPostgres(db)) await db.raw(`drop function ${COUNTS}_change`);
    await db.schema.dropTable(COUNTS);
  },
};

interface HistoryRow {
  id: number;
  record: string;
}

const entryOf = (row: HistoryRow): HistoryEntry => ({ id: Number(row.id), ...JSON.parse(row.record) });

export function createDownloaderHistoryRepository(db: Knex): DownloadHistoryStore {
  const postgres = isPostgres(db);
  const newestFirst = (query: Knex.QueryBuilder) =>
    query.orderBy([
      { column: 'h.timestamp', order: 'desc' },
      { column: 'h.id', order: 'desc' },
    ]);
  return {
    async putEntry(record) {
      const row = {
        task_id: record.task_id,
        download_type: record.download_type,
        status: record.status,
        timestamp: record.timestamp,
        search_text: historySearchTextOf(record),
        tracks_done: tracksDoneOf(record),
        record: JSON.stringify(record),
      };
      // On the task id: a track's `in_progress` record is replaced when it ends, its id kept.
      await db(HISTORY).insert(row).onConflict('task_id').merge();
    },
    async putChild(taskId, child) {
      await db(CHILDREN)
        .insert({
          task_id: taskId,
          position: child.position ?? 0,
          track_number: child.track_number,
          timestamp: child.timestamp,
          record: JSON.stringify(child),
        })
        .onConflict(['task_id', 'position'])
        .merge();
    },
    async entry(taskId) {
      const row = (await db(HISTORY).where({ task_id: taskId }).first('id', 'record')) as
        | HistoryRow
        | undefined;
      return row && entryOf(row);
    },
    async children(taskId) {
      const rows = (await db(CHILDREN)
        .where({ task_id: taskId })
        .orderBy([{ column: 'track_number' }, { column: 'position' }])
        .select('position', 'record')) as { position: number; record: string }[];
      // Upstream's rows are numbered in its per-parent table; here the position is that number.
      return rows.map((row): HistoryChild => ({ id: row.position, ...JSON.parse(row.record) }));
    },
    async list({ limit, offset, downloadType, status }) {
      const query = newestFirst(db(`${HISTORY} as h`).select('h.id', 'h.record'))
        .limit(limit)
        .offset(offset);
      if (downloadType) query.where('h.download_type', downloadType);
      if (status) query.where('h.status', status);
      return (await readRows<HistoryRow>(db, query)).map(entryOf);
    },
    async search(text, limit) {
      const query = newestFirst(db(`${HISTORY} as h`).select('h.id', 'h.record')).limit(limit);
      whereContains(query, postgres, { column: 'h.search_text', fts: HISTORY_FTS, rowid: 'h.id' }, text);
      return (await readRows<HistoryRow>(db, query)).map(entryOf);
    },
    async stats(since) {
      const [groups, [recent]] = await Promise.all([
        db(COUNTS)
          .where('records', '>', 0)
          .select('download_type', 'status', 'records', 'tracks_done') as Promise<
          { download_type: string; status: string; records: number | string; tracks_done: number | string }[]
        >,
        // A range of the timestamp index: it grows with the week's downloads, not with the history.
        readRows<{ count: number | string }>(
          db,
          db(HISTORY).where('timestamp', '>', since).count({ count: '*' }),
        ),
      ]);
      const byTypeAndStatus: Record<string, Record<string, number>> = {};
      let tracks = 0;
      for (const group of groups) {
        byTypeAndStatus[group.download_type] ??= {};
        byTypeAndStatus[group.download_type]![group.status] = Number(group.records);
        tracks += Number(group.tracks_done);
      }
      return {
        by_type_and_status: byTypeAndStatus,
        total_successful_tracks: tracks,
        recent_downloads_7d: Number(recent?.count ?? 0),
      };
    },
    async cleanup(before) {
      return db.transaction(async (trx): Promise<number> => {
        const old = trx(HISTORY).where('timestamp', '<', before).select('task_id');
        await trx(CHILDREN).whereIn('task_id', old).delete();
        return await trx(HISTORY).where('timestamp', '<', before).delete();
      });
    },
  };
}
