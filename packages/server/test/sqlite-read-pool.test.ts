import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { closeDatabase, createDatabase, type Knex, readRows } from '../src/core/db.js';

describe('readRows on SQLite (the read pool)', () => {
  let dataDir: string;
  let db: Knex;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'music-apis-read-pool-'));
    db = createDatabase(loadConfig({}, { dataDir }));
    await db.schema.createTable('items', (table) => {
      table.increments('id');
      table.string('name');
      table.boolean('flag');
    });
    await db('items').insert([
      { name: 'a', flag: true },
      { name: 'b', flag: false },
    ]);
  });
  afterEach(async () => {
    await closeDatabase(db);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers what knex answers, booleans bound as SQLite stores them', async () => {
    const query = () => db('items').select('name').where({ flag: true }).orderBy('id');
    expect(await readRows(db, query())).toEqual(await query());
    expect(await readRows(db, db('items').count({ count: '*' }))).toEqual([{ count: 2 }]);
  });

  it('sees a write committed just before it', async () => {
    const names = async () =>
      (await readRows<{ name: string }>(db, db('items').select('name').orderBy('id'))).map((row) => row.name);
    // A first read starts the reader and prepares the statement: the write comes after both.
    expect(await names()).toEqual(['a', 'b']);
    await db('items').insert({ name: 'c', flag: true });
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('runs a read inside a transaction on that transaction, where its own writes are', async () => {
    await db.transaction(async (trx) => {
      await trx('items').insert({ name: 'c', flag: true });
      const built = await readRows<{ name: string }>(trx, trx('items').select('name').orderBy('id'));
      expect(built.map((row) => row.name)).toEqual(['a', 'b', 'c']);
      const joined = await readRows<{ name: string }>(
        db,
        db('items').select('name').orderBy('id').transacting(trx),
      );
      expect(joined.map((row) => row.name)).toEqual(['a', 'b', 'c']);
    });
  });

  it('leaves the main thread free while a slow query runs', async () => {
    // A query of a few hundred milliseconds; on the main thread, the timer could only fire after it.
    const slow = db
      .withRecursive('n', ['i'], db.raw('select 1 union all select i + 1 from n where i < 3000000'))
      .from('n')
      .count({ count: '*' });
    const order: string[] = [];
    const done = readRows(db, slow).then((rows) => {
      order.push('query');
      return rows;
    });
    await new Promise((resolve) => setTimeout(resolve, 1));
    order.push('timer');
    expect(await done).toEqual([{ count: 3000000 }]);
    expect(order).toEqual(['timer', 'query']);
  });

  it('rejects with the SQLite error code, as knex does', async () => {
    await expect(readRows(db, db('missing').select())).rejects.toMatchObject({
      message: expect.stringContaining('no such table'),
      code: 'SQLITE_ERROR',
    });
    // The same error as knex's own (its message names the SQL), so logs and callers see no difference.
    const missing = () => db('missing').select().where({ name: 'a' });
    const failure = (query: Promise<unknown>) =>
      query.then(
        () => undefined,
        (error: Error & { code?: string }) => error,
      );
    const fromKnex = await failure(missing());
    const fromPool = await failure(readRows(db, missing()));
    expect(fromKnex).toBeInstanceOf(Error);
    expect(fromPool).toMatchObject({
      name: fromKnex!.name,
      message: fromKnex!.message,
      code: fromKnex!.code,
    });
    // The reader survives an error.
    expect(await readRows(db, db('items').count({ count: '*' }))).toEqual([{ count: 2 }]);
  });

  it('refuses writes: its connections are read-only', async () => {
    // RETURNING makes the insert a statement that returns rows, so it reaches SQLite.
    const insert = db('items').insert({ name: 'x' }).returning('name') as unknown as Knex.QueryBuilder;
    await expect(readRows(db, insert)).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    expect(await db('items').count({ count: '*' })).toEqual([{ count: 2 }]);
  });
});
