import { Worker } from 'node:worker_threads';

/**
 * Reads that can take longer than a millisecond (songs search, counts, large pages) run here, off
 * the main thread: better-sqlite3 is synchronous, so on the main thread one slow query stops every
 * other request (issue 10: a client looping on a count at 1M songs took a cheap GET from 8,035 to
 * 86 req/s). Each worker holds its own read-only connection (WAL: it sees every committed write,
 * and the one writer stays on the main thread) and runs one query at a time; a query goes to the
 * worker with the fewest queries waiting. Workers start on the first query and hold the process
 * open only while they have work, so an idle pool never keeps a CLI command or a test running.
 */
export interface SqliteReadPool {
  all<Row>(sql: string, bindings: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** Two readers: one slow query leaves another reader free, without taking every core from the main thread. */
const POOL_SIZE = 2;

/** Found next to this module: src/core/ under vitest and tsx, dist/ in the build (a tsup entry). */
const WORKER_FILE = new URL('./sqlite-read-worker.js', import.meta.url);

interface Pending {
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

/** What a worker posts back for one query (sqlite-read-worker.js). */
interface Answer {
  id: number;
  rows?: unknown[];
  error?: { name: string; message: string; code?: string };
}

interface Reader {
  worker: Worker;
  pending: Map<number, Pending>;
}

export function createSqliteReadPool(filename: string): SqliteReadPool {
  const readers: (Reader | undefined)[] = Array.from({ length: POOL_SIZE });
  let nextId = 0;

  const start = (slot: number): Reader => {
    const worker = new Worker(WORKER_FILE, { workerData: { filename } });
    worker.unref();
    const reader: Reader = { worker, pending: new Map() };
    const settle = (id: number) => {
      const pending = reader.pending.get(id);
      reader.pending.delete(id);
      if (reader.pending.size === 0) worker.unref();
      return pending;
    };
    worker.on('message', (message: Answer) => {
      const pending = settle(message.id);
      if (!message.error) return pending?.resolve(message.rows!);
      // better-sqlite3's SqliteError as the main thread would have it (name, message and code), so
      // callers handle both alike.
      const { name, code } = message.error;
      pending?.reject(Object.assign(new Error(message.error.message), { name, code }));
    });
    // A reader that dies (out of memory, a native crash) fails its queries; the next query starts a new one.
    const fail = (error: Error) => {
      if (readers[slot] === reader) readers[slot] = undefined;
      for (const id of [...reader.pending.keys()]) settle(id)?.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`SQLite reader exited with code ${code}`)));
    readers[slot] = reader;
    return reader;
  };

  const leastBusy = (): Reader => {
    let best: Reader | undefined;
    for (let slot = 0; slot < POOL_SIZE; slot++) {
      const reader = readers[slot] ?? start(slot);
      if (!best || reader.pending.size < best.pending.size) best = reader;
      if (best.pending.size === 0) break;
    }
    return best!;
  };

  return {
    all<Row>(sql: string, bindings: readonly unknown[]) {
      const reader = leastBusy();
      const id = nextId++;
      return new Promise<Row[]>((resolve, reject) => {
        reader.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
        reader.worker.ref();
        reader.worker.postMessage({ id, sql, bindings });
      });
    },
    async close() {
      const running = readers.filter((reader): reader is Reader => reader !== undefined);
      readers.fill(undefined);
      await Promise.all(running.map((reader) => reader.worker.terminate()));
    },
  };
}
