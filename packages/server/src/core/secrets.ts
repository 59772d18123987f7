import { randomBytes } from 'node:crypto';
import type { Knex, Migration } from './db.js';

/**
 * Signing secrets the server generates for itself when none is configured. They are kept in the
 * database, so every instance sharing one PostgreSQL signs and verifies with the same key, and
 * tokens survive restarts.
 */
export const secretsMigration: Migration = {
  name: 'core_001_secrets',
  async up(db) {
    await db.schema.createTable('server_secrets', (table) => {
      table.string('name', 64).primary();
      table.string('value', 128).notNullable();
    });
  },
  async down(db) {
    await db.schema.dropTable('server_secrets');
  },
};

export async function getOrCreateSecret(db: Knex, name: string, configured?: string): Promise<Uint8Array> {
  if (configured) return new TextEncoder().encode(configured);
  await db('server_secrets')
    .insert({ name, value: randomBytes(32).toString('base64url') })
    .onConflict('name')
    .ignore();
  const row = await db('server_secrets').where({ name }).first('value');
  return new TextEncoder().encode(row.value as string);
}

/**
 * Claims a one-time marker (e.g. "the first key was made"): true for the one caller, among all
 * instances sharing the database, that set it; false on every later or concurrent call.
 */
export async function claimOnce(db: Knex, name: string): Promise<boolean> {
  const claimed = await db('server_secrets')
    .insert({ name, value: new Date().toISOString() })
    .onConflict('name')
    .ignore()
    .returning('name');
  return claimed.length > 0;
}
