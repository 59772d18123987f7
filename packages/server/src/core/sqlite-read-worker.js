// One reader of the SQLite read pool (sqlite-read-pool.ts), in its own thread: a read-only
// better-sqlite3 connection to the server's database file, answering `{ id, sql, bindings }` with
// `{ id, rows }` or `{ id, error }`. Plain JavaScript, not TypeScript, so that the same file runs
// from src/ (vitest, tsx) and from dist/ (tsup copies it there as an entry) without a loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const connection = new Database(workerData.filename, { readonly: true, fileMustExist: true });
// WAL (set by the writer): this connection reads the last committed state while the main thread writes.
connection.pragma('busy_timeout = 5000');

/** Statements prepared once per SQL text; bounded, as texts vary with the length of IN lists. */
const statements = new Map();
const MAX_STATEMENTS = 256;

function statementFor(sql) {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value);
    statement = connection.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

parentPort.on('message', ({ id, sql, bindings }) => {
  try {
    parentPort.postMessage({ id, rows: statementFor(sql).all(bindings) });
  } catch (error) {
    parentPort.postMessage({ id, error: { name: error.name, message: error.message, code: error.code } });
  }
});
