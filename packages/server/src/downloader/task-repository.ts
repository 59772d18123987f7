import type { DownloadTaskRecord, DownloadTaskStore } from '@music-apis/domain';
import { isPostgres, type Knex, type Migration } from '../core/db.js';

/**
 * The downloader's tasks in SQL (upstream: Redis `task:<id>:info` and `:status`), so they survive
 * a restart and every instance on one PostgreSQL sees the same tasks. One row per task with its
 * last status line; `active_key` (kind and item, set while the task is active) is unique, which
 * makes the duplicate check of a download atomic across instances.
 */

const TASKS = 'downloader_tasks';

export const downloaderTasksMigration: Migration = {
  name: 'downloader_003_tasks',
  async up(db) {
    await db.schema.createTable(TASKS, (table) => {
      table.string('task_id', 128).primary();
      table.string('download_type', 16).notNullable();
      table.string('item_id', 64).notNullable();
      /** `<type>:<item id>` while the task is active, null after: one active task per item. */
      table.string('active_key', 100).nullable().unique();
      table.text('name').notNullable();
      table.text('artist').notNullable();
      table.string('owner', 128).notNullable();
      /** Unix seconds (fractions), as the original's `created_at` and status timestamps. */
      table.double('created_at').notNullable();
      table.double('timestamp').notNullable();
      table.integer('status_count').notNullable();
      table.string('status', 32).notNullable();
      table.boolean('active').notNullable();
      /** A worker holds one of the `maxConcurrentDownloads` slots for it. */
      table.boolean('started').notNullable().defaultTo(false);
      table.text('last_line').notNullable();
      table.text('options').notNullable();
      table.text('children').notNullable();
      table.index(['active', 'created_at'], 'downloader_tasks_active_created_index');
    });
  },
  async down(db) {
    await db.schema.dropTable(TASKS);
  },
};

interface TaskRow {
  task_id: string;
  download_type: string;
  item_id: string;
  name: string;
  artist: string;
  owner: string;
  created_at: number | string;
  timestamp: number | string;
  status_count: number;
  status: string;
  active: boolean | number;
  last_line: string;
  options: string;
  children: string;
}

const activeKeyOf = (record: { downloadType: string; itemId: string }) =>
  `${record.downloadType}:${record.itemId}`;

function recordOf(row: TaskRow): DownloadTaskRecord {
  return {
    taskId: row.task_id,
    downloadType: row.download_type as DownloadTaskRecord['downloadType'],
    itemId: row.item_id,
    name: row.name,
    artist: row.artist,
    owner: row.owner,
    createdAt: Number(row.created_at),
    timestamp: Number(row.timestamp),
    statusCount: row.status_count,
    status: row.status,
    active: row.active === true || row.active === 1,
    lastLine: JSON.parse(row.last_line),
    options: JSON.parse(row.options),
    children: JSON.parse(row.children),
  };
}

export interface DownloaderTaskRepository extends DownloadTaskStore {
  /**
   * Takes one of `limit` download slots for the task (counted over every instance); false when
   * all are taken: the caller tries again later.
   */
  takeSlot(taskId: string, limit: number): Promise<boolean>;
  /** Whether the task already held a slot (a worker started it before). */
  wasStarted(taskId: string): Promise<boolean>;
}

export function createDownloaderTaskRepository(db: Knex): DownloaderTaskRepository {
  const get = async (taskId: string) => {
    const row = await db<TaskRow>(TASKS).where({ task_id: taskId }).first();
    return row && recordOf(row);
  };
  return {
    get,
    async all() {
      const rows = await db<TaskRow>(TASKS).select();
      return rows.map(recordOf);
    },
    async insert(record) {
      const row = {
        task_id: record.taskId,
        download_type: record.downloadType,
        item_id: record.itemId,
        active_key: activeKeyOf(record),
        name: record.name,
        artist: record.artist,
        owner: record.owner,
        created_at: record.createdAt,
        timestamp: record.timestamp,
        status_count: record.statusCount,
        status: record.status,
        active: true,
        started: false,
        last_line: JSON.stringify(record.lastLine),
        options: JSON.stringify(record.options),
        children: JSON.stringify(record.children),
      };
      // Twice at most: a duplicate that ended between the failed insert and the look-up frees the key.
      for (let attempt = 0; attempt < 2; attempt++) {
        const inserted = await db(TASKS).insert(row).onConflict('active_key').ignore().returning('task_id');
        if (inserted.length > 0) return { inserted: true };
        const existing = (await db(TASKS).where({ active_key: row.active_key }).first('task_id')) as
          | { task_id: string }
          | undefined;
        if (existing) return { existing: existing.task_id };
      }
      throw new Error(`Could not queue ${row.active_key}`);
    },
    async writeStatus(taskId, line, change) {
      const updated = await db(TASKS)
        .where({ task_id: taskId, active: true })
        .update({
          last_line: JSON.stringify(line),
          status: change.status,
          active: change.active,
          timestamp: change.at,
          status_count: db.raw('status_count + 1'),
          ...(change.active ? {} : { active_key: null, started: false }),
          ...(change.children ? { children: JSON.stringify(change.children) } : {}),
        });
      return updated > 0 ? get(taskId) : undefined;
    },
    async remove(taskId) {
      return (await db(TASKS).where({ task_id: taskId }).delete()) > 0;
    },
    async takeSlot(taskId, limit) {
      return db.transaction(async (trx) => {
        // One slot taker at a time over all instances (SQLite serialises its writers anyway).
        if (isPostgres(db)) await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [TASKS]);
        const [{ count }] = (await trx(TASKS)
          .where({ active: true, started: true })
          .count({ count: '*' })) as [{ count: number | string }];
        if (Number(count) >= limit) return false;
        const taken = await trx(TASKS).where({ task_id: taskId, active: true }).update({ started: true });
        return taken > 0;
      });
    },
    async wasStarted(taskId) {
      const row = (await db(TASKS).where({ task_id: taskId }).first('started')) as
        | { started: boolean | number }
        | undefined;
      return row?.started === true || row?.started === 1;
    },
  };
}
