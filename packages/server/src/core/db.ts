import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import type { ServerConfig } from './config.js';
import { createSqliteReadPool, type SqliteReadPool } from './sqlite-read-pool.js';

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

/**
 * A read query compiled once and run with new parameter values: the hot path of GET-by-key
 * endpoints. Knex builds the SQL and better-sqlite3 would prepare it again on every call (half the
 * cost of a metadata GET); here SQLite runs a statement prepared once on a read-only connection
 * (WAL: it sees every committed write), and PostgreSQL runs a named statement (prepared once per
 * connection) without the query builder.
 */
export interface PreparedRead<Row> {
  first(...values: unknown[]): Promise<Row | undefined>;
}

/** What `prepareRead` uses of knex's PostgreSQL client: its pool of pg connections. */
interface PostgresPoolClient {
  acquireConnection(): Promise<{
    query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  }>;
  releaseConnection(connection: unknown): Promise<void>;
}

const sqliteReaders = new WeakMap<Knex, Database.Database>();
/** Numbers the PostgreSQL statement names: one name per prepared read, never reused for other SQL. */
let preparedReads = 0;

/**
 * `build` receives placeholders for the values: `(q, isrc) => q.from(T).where({ isrc })`; the
 * first matching row is read (`LIMIT 1` is written into the SQL: SQLite runs a bound `LIMIT ?`
 * nearly twice as slowly).
 */
export function prepareRead<Row>(
  db: Knex,
  build: (query: Knex.QueryBuilder, ...placeholders: string[]) => Knex.QueryBuilder,
  parameterCount: number,
): PreparedRead<Row> {
  const placeholders = Array.from({ length: parameterCount }, (_, i) => `__param_${i}__`);
  const compiled = build(db.queryBuilder(), ...placeholders)
    .limit(1, { skipBinding: true })
    .toSQL();
  // Each binding is either one of the caller's values (by position) or a constant of the query.
  const slots = compiled.bindings.map((binding) => ({
    index: placeholders.indexOf(binding as string),
    binding,
  }));
  const valuesFor = (values: unknown[]) =>
    slots.map((slot) => (slot.index >= 0 ? values[slot.index] : slot.binding));

  if (isPostgres(db)) {
    // A named statement: pg prepares it once per pooled connection, then only binds and executes.
    // It is sent on a connection of knex's pool without knex's query runner, which would rewrite
    // the `?` placeholders and run its query events on every call (a third of a cached GET's CPU).
    const name = `music_apis_read_${++preparedReads}`;
    const text = db.raw(compiled.sql, compiled.bindings).toSQL().toNative().sql;
    const client = db.client as PostgresPoolClient;
    return {
      async first(...values) {
        const connection = await client.acquireConnection();
        try {
          const result = await connection.query({ name, text, values: valuesFor(values) });
          return result.rows[0] as Row | undefined;
        } finally {
          await client.releaseConnection(connection);
        }
      },
    };
  }
  let statement: Database.Statement | undefined;
  return {
    async first(...values) {
      if (!statement) {
        let reader = sqliteReaders.get(db);
        if (!reader) {
          reader = new Database(sqliteFilename(db), { readonly: true, fileMustExist: true });
          sqliteReaders.set(db, reader);
        }
        statement = reader.prepare(compiled.sql);
      }
      return statement.get(...valuesFor(values)) as Row | undefined;
    },
  };
}

const readPools = new WeakMap<Knex, SqliteReadPool>();

/**
 * The rows of a read that may take longer than a millisecond (a search, a count over a filter, a
 * large page). On SQLite it runs in the read pool (sqlite-read-pool.ts), so the main thread goes
 * on serving other requests meanwhile; PostgreSQL runs it on its own server already. Only for
 * reads outside a transaction: the pool's connections see committed writes only, so a query built
 * on a transaction (`trx(...)`, `.transacting(trx)`) runs on that transaction's connection instead.
 */
export async function readRows<Row>(db: Knex, query: Knex.QueryBuilder): Promise<Row[]> {
  if (isPostgres(db) || (query as unknown as { client: { transacting?: boolean } }).client.transacting)
    return (await query) as Row[];
  let pool = readPools.get(db);
  if (!pool) {
    pool = createSqliteReadPool(sqliteFilename(db));
    readPools.set(db, pool);
  }
  const { sql, bindings } = query.toSQL().toNative();
  try {
    return await pool.all<Row>(sql, bindings.map(toSqliteValue));
  } catch (error) {
    // As knex reports a failed query: the SQL with its values, then the driver's message.
    (error as Error).message = `${query.toQuery()} - ${(error as Error).message}`;
    throw error;
  }
}

/** What knex's better-sqlite3 client binds for a value (the driver refuses booleans and dates). */
const toSqliteValue = (value: unknown) =>
  typeof value === 'boolean' ? Number(value) : value instanceof Date ? value.valueOf() : value;

const sqliteFilename = (db: Knex) => (db.client.config.connection as { filename: string }).filename;

/** Closes the pool and any prepared-read or read-pool connection. */
export async function closeDatabase(db: Knex): Promise<void> {
  sqliteReaders.get(db)?.close();
  sqliteReaders.delete(db);
  await readPools.get(db)?.close();
  readPools.delete(db);
  await db.destroy();
}
