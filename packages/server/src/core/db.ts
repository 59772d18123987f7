import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import type { ServerConfig } from './config.js';

export type { Knex };

/** One migration of one API module; names are prefixed with the module so they never collide. */
export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

export function isPostgres(db: Knex): boolean {
  return db.client.config.client === 'pg';
}

/** Knex on PostgreSQL when `DATABASE_URL` is set, else on a SQLite file in DATA_DIR. */
export function createDatabase(config: ServerConfig): Knex {
  if (config.databaseUrl) {
    return knex({
      client: 'pg',
      connection: config.databaseUrl,
      pool: { min: 0, max: 10 },
    });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return knex({
    client: 'better-sqlite3',
    connection: { filename: join(config.dataDir, 'music-apis.sqlite') },
    useNullAsDefault: true,
    pool: {
      afterCreate(connection: { pragma(statement: string): unknown }, done: (error: Error | null) => void) {
        // WAL lets readers run while a writer commits; foreign keys are off by default in SQLite.
        connection.pragma('journal_mode = WAL');
        connection.pragma('synchronous = NORMAL');
        connection.pragma('foreign_keys = ON');
        connection.pragma('busy_timeout = 5000');
        done(null);
      },
    },
  });
}

/** Runs every module's pending migrations, in order, under knex's migration lock. */
export async function migrate(db: Knex, migrations: readonly Migration[]): Promise<void> {
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  await db.migrate.latest({
    tableName: 'schema_migrations',
    migrationSource: {
      getMigrations: async () => migrations.map((migration) => migration.name),
      getMigrationName: (name: string) => name,
      getMigration: async (name: string) => byName.get(name)!,
    },
  });
}
