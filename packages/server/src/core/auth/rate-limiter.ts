import { createHash } from 'node:crypto';
import type { Knex, Migration } from '../db.js';

/**
 * Rate limits kept in the database, so every instance on one PostgreSQL counts against the same
 * numbers and a restart forgets nothing (on SQLite too). Each key may be attempted `limit` times
 * per window of `windowMs`, counted from the first attempt of the window.
 *
 * An attempt is counted *before* the work it guards (a password check, a mail), in one atomic
 * upsert-increment, so concurrent requests cannot all pass a check that none of them has counted
 * yet. A key is only ever removed once its window is over: there is no size cap whose eviction
 * could wipe a lockout (the number of rows is bounded by the callers' keys, e.g. an address limit
 * in front of an email limit).
 */
export interface RateLimiter {
  /** Counts one attempt of `key`; `wait` is 0 when it may go ahead, else the seconds until it may. */
  attempt(key: string): Promise<{ wait: number }>;
  /** Gives back one counted attempt (it turned out not to count: a success, or it never ran). */
  release(key: string): Promise<void>;
  /** Forgets `key`'s attempts (e.g. a successful login clears that email's failures). */
  reset(key: string): Promise<void>;
}

const TABLE = 'rate_limits';
/** How often one process deletes finished windows (their rows are dead weight, never needed). */
const SWEEP_INTERVAL_MS = 60_000;

export const rateLimitsMigration: Migration = {
  name: 'core_rate_limits_001',
  async up(db) {
    await db.schema.createTable(TABLE, (table) => {
      // A SHA-256 of limiter name and key: fixed length, and no emails or addresses stored in clear.
      table.string('key_hash', 64).primary();
      table.integer('attempts').notNullable();
      table.bigInteger('window_ends_at').notNullable().index();
    });
  },
  async down(db) {
    await db.schema.dropTable(TABLE);
  },
};

export function createRateLimiter(
  db: Knex,
  options: {
    /** Names the limiter, so two limiters never share a key. */
    name: string;
    limit: number;
    windowMs: number;
    now?: () => number;
  },
): RateLimiter {
  const now = options.now ?? Date.now;
  const hashOf = (key: string) => createHash('sha256').update(`${options.name}\n${key}`).digest('hex');
  let lastSweep = 0;

  async function sweep(at: number) {
    if (at - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = at;
    await db(TABLE).where('window_ends_at', '<=', at).delete();
  }

  return {
    async attempt(key) {
      const at = now();
      const keyHash = hashOf(key);
      // One statement on both databases: a new key starts a window; an expired window restarts;
      // otherwise the attempt is counted only while under the limit (the WHERE of DO UPDATE), and
      // RETURNING yields a row exactly when it was counted.
      const counted = await db.raw(
        `insert into ${TABLE} (key_hash, attempts, window_ends_at) values (?, 1, ?)
         on conflict (key_hash) do update set
           attempts = case when ${TABLE}.window_ends_at <= ? then 1 else ${TABLE}.attempts + 1 end,
           window_ends_at = case when ${TABLE}.window_ends_at <= ? then excluded.window_ends_at
                                 else ${TABLE}.window_ends_at end
         where ${TABLE}.window_ends_at <= ? or ${TABLE}.attempts < ?
         returning attempts`,
        [keyHash, at + options.windowMs, at, at, at, options.limit],
      );
      const rows = (Array.isArray(counted) ? counted : counted.rows) as unknown[];
      await sweep(at);
      if (rows.length > 0) return { wait: 0 };
      const row = await db(TABLE).where({ key_hash: keyHash }).first('window_ends_at');
      const endsAt = Number(row?.window_ends_at ?? at);
      return { wait: Math.max(1, Math.ceil((endsAt - at) / 1000)) };
    },
    async release(key) {
      await db(TABLE)
        .where({ key_hash: hashOf(key) })
        .andWhere('attempts', '>', 0)
        .decrement('attempts', 1);
    },
    async reset(key) {
      await db(TABLE)
        .where({ key_hash: hashOf(key) })
        .delete();
    },
  };
}
