import { isPostgres, type Knex, type Migration } from './db.js';
import type { Logger } from './logger.js';

/**
 * A durable job queue in the server's own database. Jobs are rows, so they survive a restart and
 * are shared by every server instance on one PostgreSQL. Workers poll inside the server process;
 * a job is claimed atomically (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a single
 * `UPDATE … RETURNING` on SQLite, whose writers are serialised anyway), runs under a lease, and is
 * retried with exponential backoff when its handler throws. While a job runs, its worker renews
 * the lease (a heartbeat every third of it), so a job may run for longer than its lease; a worker
 * that dies stops renewing, and the next poll after the lease lapses picks the job up again. The
 * claim's attempt number fences the old worker: its late heartbeats and its result no longer touch
 * a job someone else has claimed since.
 */

const TABLE = 'jobs';

export const DEFAULT_JOB_LEASE_MS = 30_000;

export const jobsMigration: Migration = {
  name: 'core_002_jobs',
  async up(db) {
    await db.schema.createTable(TABLE, (table) => {
      table.bigIncrements('id').primary();
      table.string('queue', 64).notNullable();
      table.text('payload').notNullable();
      /** pending → running → (deleted when done) | pending again (retry) | failed (attempts used up). */
      table.string('status', 16).notNullable();
      table.integer('attempts').notNullable().defaultTo(0);
      table.integer('max_attempts').notNullable();
      /** Epoch ms: not before. */
      table.bigInteger('run_at').notNullable();
      /** Epoch ms: while running, the lease; past it the job is considered abandoned. */
      table.bigInteger('locked_until');
      table.text('last_error');
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.index(['status', 'run_at'], 'jobs_status_run_at_index');
    });
  },
  async down(db) {
    await db.schema.dropTable(TABLE);
  },
};

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Job<Payload = JsonValue> {
  id: number;
  queue: string;
  payload: Payload;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

export interface JobHandler<Payload = JsonValue> {
  run(job: Job<Payload>): Promise<void>;
  /** Called once when the last attempt failed, e.g. to mark the record the job was about as failed. */
  onExhausted?(job: Job<Payload>, error: unknown): Promise<void>;
  /**
   * Delay in ms before retry n (1-based) of this queue's jobs, instead of the queue-wide backoff:
   * for work whose failures last longer than a second or a minute (a webhook receiver that is down).
   */
  retryDelayMs?(attempt: number): number;
  /**
   * At most this many of this queue's jobs run at once in this process. Long jobs (a download) set
   * it below the process's concurrency, so they never hold every worker and other queues' jobs (a
   * watch check, a transcode) still run. Default: no limit but the process's.
   */
  maxConcurrent?: number;
}

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. Default 0. */
  delayMs?: number;
  /** Default: the queue's `maxAttempts` (5). */
  maxAttempts?: number;
  /** Enqueue inside this transaction, so the job exists exactly when the caller's change commits. */
  transaction?: Knex.Transaction;
}

export interface JobQueueOptions {
  /** How often idle workers look for due jobs. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Jobs run at once by this process. Default 2. */
  concurrency?: number;
  /**
   * How long a claimed job is reserved without a heartbeat before another worker may take it over:
   * about how long a job of a killed instance waits. Default 30 s.
   */
  leaseMs?: number;
  /** How often a running job's lease is renewed. Default a third of `leaseMs`, so two missed beats are survived. */
  heartbeatIntervalMs?: number;
  /** Delay before retry n (1-based): `min(baseBackoffMs * 2^(n-1), maxBackoffMs)`. Default 1000 / 60 000. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  defaultMaxAttempts?: number;
  now?: () => number;
}

export interface JobQueue {
  /** Registers the handler of a queue; do it before `start()`. */
  register<Payload extends JsonValue>(queue: string, handler: JobHandler<Payload>): void;
  enqueue(queue: string, payload: JsonValue, options?: EnqueueOptions): Promise<number>;
  /** Starts the workers (idempotent). */
  start(): void;
  /** Stops claiming, waits for running jobs to finish. */
  stop(): Promise<void>;
  /** Claims and runs due jobs until none is left, without the workers (`start()` not needed): for tests. */
  drain(): Promise<number>;
}

interface JobRow {
  id: number | string;
  queue: string;
  payload: string;
  attempts: number;
  max_attempts: number;
}

export function createJobQueue(db: Knex, logger: Logger, options: JobQueueOptions = {}): JobQueue {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const leaseMs = options.leaseMs ?? DEFAULT_JOB_LEASE_MS;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const baseBackoffMs = options.baseBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const defaultMaxAttempts = options.defaultMaxAttempts ?? 5;
  const now = options.now ?? Date.now;
  const handlers = new Map<string, JobHandler<never>>();

  let running = false;
  /** Wakes sleeping workers at once (a job was enqueued by this process, or stop() was called). */
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...sleepers]) wake();
  };
  const workers: Promise<void>[] = [];

  /** Jobs of each queue this process runs now, for the handlers' `maxConcurrent`. */
  const runningByQueue = new Map<string, number>();
  /** Claims one at a time in this process, so two workers never both take a queue's last place. */
  let claiming: Promise<unknown> = Promise.resolve();
  function claim(): Promise<JobRow | undefined> {
    const claimed = claiming.then(claimOne);
    claiming = claimed.catch(() => undefined);
    return claimed;
  }

  async function claimOne(): Promise<JobRow | undefined> {
    const queues = [...handlers].flatMap(([queue, handler]) =>
      (runningByQueue.get(queue) ?? 0) < (handler.maxConcurrent ?? Number.POSITIVE_INFINITY) ? [queue] : [],
    );
    if (queues.length === 0) return undefined;
    const at = now();
    const placeholders = queues.map(() => '?').join(', ');
    const due = `queue in (${placeholders}) and ((status = 'pending' and run_at <= ?) or (status = 'running' and locked_until < ?))`;
    const sql = isPostgres(db)
      ? `update ${TABLE} set status = 'running', attempts = attempts + 1, locked_until = ?, updated_at = ?
         where id = (select id from ${TABLE} where ${due} order by run_at, id limit 1 for update skip locked)
         returning id, queue, payload, attempts, max_attempts`
      : `update ${TABLE} set status = 'running', attempts = attempts + 1, locked_until = ?, updated_at = ?
         where id = (select id from ${TABLE} where ${due} order by run_at, id limit 1)
         returning id, queue, payload, attempts, max_attempts`;
    const result = await db.raw(sql, [at + leaseMs, at, ...queues, at, at]);
    const rows: JobRow[] = isPostgres(db) ? result.rows : result;
    const row = rows[0];
    if (row) runningByQueue.set(row.queue, (runningByQueue.get(row.queue) ?? 0) + 1);
    return row;
  }

  /**
   * Renews the lease of a claimed job until `stop` is called. A failed renewal is retried at the
   * next beat (the database may be back by then); a renewal that finds the job claimed by someone
   * else (this worker was too slow and lost it) stops beating.
   */
  function heartbeat(id: number, attempt: number): () => void {
    const timer = setInterval(() => {
      db(TABLE)
        .where({ id, status: 'running', attempts: attempt })
        .update({ locked_until: now() + leaseMs, updated_at: now() })
        .then((renewed) => {
          if (renewed > 0) return;
          clearInterval(timer);
          logger.warn({ jobId: id, attempt }, 'job lease lost to another worker');
        })
        .catch((error) => logger.warn({ err: error, jobId: id }, 'could not renew a job lease'));
    }, heartbeatIntervalMs);
    return () => clearInterval(timer);
  }

  async function runClaimed(row: JobRow): Promise<void> {
    const id = Number(row.id);
    const handler = handlers.get(row.queue) as JobHandler<JsonValue> | undefined;
    const job: Job = {
      id,
      queue: row.queue,
      payload: JSON.parse(row.payload) as JsonValue,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
    };
    // Only while this claim holds: a worker whose lease lapsed must not finish someone else's run.
    const ours = () => db(TABLE).where({ id, status: 'running', attempts: job.attempt });
    const stopHeartbeat = heartbeat(id, job.attempt);
    try {
      if (!handler) throw new Error(`No handler for queue ${row.queue}`);
      await handler.run(job);
      stopHeartbeat();
      // Done jobs are deleted: the table only holds work still to do and jobs that failed for good.
      await ours().delete();
    } catch (error) {
      stopHeartbeat();
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (job.attempt >= job.maxAttempts) {
        logger.error({ err: error, jobId: id, queue: row.queue }, 'job failed for good');
        const marked = await ours().update({
          status: 'failed',
          locked_until: null,
          last_error: message,
          updated_at: now(),
        });
        if (marked > 0) await handler?.onExhausted?.(job, error);
      } else {
        const delay =
          handler?.retryDelayMs?.(job.attempt) ??
          Math.min(baseBackoffMs * 2 ** (job.attempt - 1), maxBackoffMs);
        logger.warn({ err: error, jobId: id, queue: row.queue, retryInMs: delay }, 'job failed, will retry');
        await ours().update({
          status: 'pending',
          locked_until: null,
          run_at: now() + delay,
          last_error: message,
          updated_at: now(),
        });
      }
    }
  }

  /** Claims and runs one job; false when none was due. */
  async function runOne(): Promise<boolean> {
    const row = await claim();
    if (!row) return false;
    try {
      await runClaimed(row);
    } finally {
      runningByQueue.set(row.queue, (runningByQueue.get(row.queue) ?? 1) - 1);
    }
    return true;
  }

  const sleep = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, pollIntervalMs);
      sleepers.add(done);
    });

  async function workerLoop(): Promise<void> {
    while (running) {
      let worked = false;
      try {
        worked = await runOne();
      } catch (error) {
        // The database is unreachable or the row update failed: back off and try again.
        logger.error({ err: error }, 'job worker error');
      }
      if (!worked && running) await sleep();
    }
  }

  return {
    register(queue, handler) {
      handlers.set(queue, handler as JobHandler<never>);
    },
    async enqueue(queue, payload, enqueueOptions = {}) {
      const at = now();
      const [inserted] = await (enqueueOptions.transaction ?? db)(TABLE)
        .insert({
          queue,
          payload: JSON.stringify(payload),
          status: 'pending',
          attempts: 0,
          max_attempts: enqueueOptions.maxAttempts ?? defaultMaxAttempts,
          run_at: at + (enqueueOptions.delayMs ?? 0),
          created_at: at,
          updated_at: at,
        })
        .returning('id');
      const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
      // A job enqueued in a transaction becomes visible on commit: wake the workers then.
      if (enqueueOptions.transaction) enqueueOptions.transaction.executionPromise.then(wakeAll, () => {});
      else wakeAll();
      return id;
    },
    start() {
      if (running) return;
      running = true;
      for (let index = 0; index < concurrency; index++) workers.push(workerLoop());
    },
    async stop() {
      running = false;
      wakeAll();
      await Promise.all(workers.splice(0));
    },
    async drain() {
      let count = 0;
      while (await runOne()) count++;
      return count;
    },
  };
}
