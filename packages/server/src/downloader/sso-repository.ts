import type { DownloaderSsoStateStore } from '@music-apis/domain';
import type { Knex, Migration } from '../core/db.js';

/**
 * Started SSO sign-ins in SQL: the callback may reach another instance than the start did, so the
 * OAuth state lives in the shared database, never in one process's memory.
 */

const STATES = 'downloader_sso_states';

export const downloaderSsoStatesMigration: Migration = {
  name: 'downloader_002_sso_states',
  async up(db) {
    await db.schema.createTable(STATES, (table) => {
      table.string('state', 128).primary();
      table.string('provider', 16).notNullable();
      /** Milliseconds since the epoch; expired rows are removed on the next save. */
      table.bigInteger('expires_at').notNullable().index();
    });
  },
  async down(db) {
    await db.schema.dropTable(STATES);
  },
};

export function createDownloaderSsoStateStore(db: Knex): DownloaderSsoStateStore {
  return {
    async save({ state, provider, expiresAt }) {
      await db(STATES).where('expires_at', '<', Date.now()).delete();
      await db(STATES).insert({ state, provider, expires_at: expiresAt });
    },
    async consume(state, provider, now) {
      // One DELETE decides: of two callbacks with the same state only one removes the row.
      const removed = await db(STATES).where({ state, provider }).andWhere('expires_at', '>', now).delete();
      return removed > 0;
    },
  };
}
