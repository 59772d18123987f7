import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { loadConfig } from '../src/core/config.js';
import { createDatabase, type Knex, migrate } from '../src/core/db.js';
import { createJobQueue, type JobQueue, jobsMigration } from '../src/core/jobs.js';
import { createLogger } from '../src/core/logger.js';

const logger = createLogger('silent');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sqliteDatabase(dataDir?: string): Promise<{ db: Knex; dataDir: string }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'music-apis-jobs-')));
  const db = createDatabase(loadConfig({}, { dataDir: dir }));
  await migrate(db, [jobsMigration]);
  return { db, dataDir: dir };
}

const jobRows = (db: Knex) => db('jobs').select('status', 'attempts', 'last_error');

describe('job queue (SQLite)', () => {
  it('retries a failing job with doubling backoff, then deletes it once it succeeds', async () => {
    const { db, dataDir } = await sqliteDatabase();
    cleanups.push(async () => {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    });
    let now = 1_000_000;
    const queue = createJobQueue(db, logger, { now: () => now, baseBackoffMs: 1000 });
    const attempts: number[] = [];
    queue.register<{ n: number }>('flaky', {
      async run(job) {
        attempts.push(job.attempt);
        expect(job.payload).toEqual({ n: 7 });
        if (job.attempt < 3) throw new Error(`attempt ${job.attempt} failed`);
      },
    });
    await queue.enqueue('flaky', { n: 7 });
    expect(await queue.drain()).toBe(1);
    expect(await jobRows(db)).toEqual([
      { status: 'pending', attempts: 1, last_error: expect.stringContaining('attempt 1') },
    ]);
    expect(await queue.drain()).toBe(0); // not due before its backoff
    now += 1000;
    expect(await queue.drain()).toBe(1);
    now += 1999;
    expect(await queue.drain()).toBe(0); // the second backoff is 2 s
    now += 1;
    expect(await queue.drain()).toBe(1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await jobRows(db)).toEqual([]);
  });

  it('keeps a job that ran out of attempts as failed and tells its handler', async () => {
    const { db, dataDir } = await sqliteDatabase();
    cleanups.push(async () => {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    });
    let now = 0;
    const queue = createJobQueue(db, logger, { now: () => now });
    const exhausted: unknown[] = [];
    queue.register('doomed', {
      run: async () => {
        throw new Error('always');
      },
      onExhausted: async (job, error) => {
        exhausted.push([job.payload, (error as Error).message]);
      },
    });
    await queue.enqueue('doomed', 'x', { maxAttempts: 2 });
    await queue.drain();
    now += 60_000;
    await queue.drain();
    now += 60_000;
    expect(await queue.drain()).toBe(0);
    expect(exhausted).toEqual([['x', 'always']]);
    expect(await jobRows(db)).toEqual([
      { status: 'failed', attempts: 2, last_error: expect.stringContaining('always') },
    ]);
  });

  it('keeps jobs across a restart, and takes over a job whose worker died (lease expired)', async () => {
    const first = await sqliteDatabase();
    const enqueuer = createJobQueue(first.db, logger);
    await enqueuer.enqueue('work', { id: 1 });
    await enqueuer.enqueue('work', { id: 2 });
    // A worker claimed job 2 and died: it is 'running' with a lease in the past.
    await first
      .db('jobs')
      .where({ id: 2 })
      .update({ status: 'running', attempts: 1, locked_until: Date.now() - 1 });
    await first.db.destroy();

    const second = await sqliteDatabase(first.dataDir);
    cleanups.push(async () => {
      await second.db.destroy();
      await rm(first.dataDir, { recursive: true, force: true });
    });
    const done: unknown[] = [];
    const queue = createJobQueue(second.db, logger, { pollIntervalMs: 10 });
    queue.register<{ id: number }>('work', {
      run: async (job) => void done.push([job.payload.id, job.attempt]),
    });
    queue.start();
    await expect.poll(() => done.length, { timeout: 5000 }).toBe(2);
    await queue.stop();
    expect(done).toEqual(
      expect.arrayContaining([
        [1, 1],
        [2, 2],
      ]),
    );
    expect(await jobRows(second.db)).toEqual([]);
  });

  it('stop() waits for the running job; jobs enqueued meanwhile stay for the next start', async () => {
    const { db, dataDir } = await sqliteDatabase();
    cleanups.push(async () => {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    });
    const queue = createJobQueue(db, logger, { pollIntervalMs: 10, concurrency: 1 });
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    queue.register('slow', {
      async run() {
        started();
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished = true;
      },
    });
    queue.start();
    await queue.enqueue('slow', null);
    await running;
    await queue.enqueue('slow', null);
    await queue.stop();
    expect(finished).toBe(true);
    expect(await jobRows(db)).toEqual([{ status: 'pending', attempts: 0, last_error: null }]);
  });

  it("a queue's maxConcurrent leaves the other workers to the other queues, however many of its jobs wait", async () => {
    const { db, dataDir } = await sqliteDatabase();
    cleanups.push(async () => {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    });
    const queue = createJobQueue(db, logger, { pollIntervalMs: 10, concurrency: 3 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let longRunning = 0;
    let mostLongAtOnce = 0;
    queue.register('long', {
      maxConcurrent: 2,
      async run() {
        longRunning += 1;
        mostLongAtOnce = Math.max(mostLongAtOnce, longRunning);
        await released;
        longRunning -= 1;
      },
    });
    let quickDone!: () => void;
    const quickRan = new Promise<void>((resolve) => {
      quickDone = resolve;
    });
    queue.register('quick', { run: async () => quickDone() });
    for (let index = 0; index < 6; index++) await queue.enqueue('long', index);
    queue.start();
    await queue.enqueue('quick', null);
    // The quick job runs while long ones still wait: only two of them hold workers.
    await quickRan;
    expect(longRunning).toBe(2);
    release();
    await queue.stop();
    expect(mostLongAtOnce).toBe(2);
  });
});

// Leases: two queues on two connections to one database stand for two server instances.

/** A job whose handler runs until `finish()` is called. */
function blockingHandler() {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const runs: string[] = [];
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    runs,
    running,
    finish,
    handler: (name: string) => ({
      async run(job: { attempt: number }) {
        runs.push(`${name}:${job.attempt}`);
        started();
        await finished;
      },
    }),
  };
}

const lockedUntil = async (db: Knex) => Number((await db('jobs').first('locked_until'))?.locked_until);

function leaseTests(open: () => Promise<[Knex, Knex]>) {
  it('takes over the job of a worker that died once JOB_LEASE_MS has passed since its last heartbeat', async () => {
    const [first, second] = await open();
    let now = 1_000_000;
    const { jobs } = loadConfig({ JOB_LEASE_MS: '2000' });
    const blocking = blockingHandler();
    const dying = createJobQueue(first, logger, { ...jobs, now: () => now });
    dying.register('work', blocking.handler('dead'));
    await dying.enqueue('work', null);
    // The worker claims the job, then its instance is killed: its database connection goes away
    // with it, so no heartbeat renews the lease any more.
    const abandoned = dying.drain().catch(() => undefined);
    await blocking.running;
    await first.destroy();

    const survivor = createJobQueue(second, logger, { ...jobs, now: () => now });
    const done: number[] = [];
    survivor.register('work', { run: async (job) => void done.push(job.attempt) });
    now += 1999;
    expect(await survivor.drain()).toBe(0); // still leased
    now += 2;
    expect(await survivor.drain()).toBe(1);
    expect(done).toEqual([2]);
    expect(await jobRows(second)).toEqual([]);
    blocking.finish();
    await abandoned;
  });

  it('renews the lease of a job that runs longer than it: no other worker runs it meanwhile', async () => {
    const [first, second] = await open();
    let now = 1_000_000;
    const blocking = blockingHandler();
    const options = { now: () => now, leaseMs: 1000, heartbeatIntervalMs: 5 };
    const busy = createJobQueue(first, logger, options);
    const idle = createJobQueue(second, logger, options);
    busy.register('work', blocking.handler('busy'));
    idle.register('work', blocking.handler('idle'));
    await busy.enqueue('work', null);
    const running = busy.drain();
    await blocking.running;
    // Three leases' worth of (fake) time, in steps shorter than a lease, each after a heartbeat.
    for (let step = 0; step < 5; step++) {
      now += 600;
      await expect.poll(() => lockedUntil(first), { timeout: 5000 }).toBe(now + 1000);
      expect(await idle.drain()).toBe(0);
    }
    blocking.finish();
    expect(await running).toBe(1);
    expect(await idle.drain()).toBe(0);
    expect(blocking.runs).toEqual(['busy:1']);
    expect(await jobRows(first)).toEqual([]);
  });
}

describe('job leases (SQLite)', () => {
  leaseTests(async () => {
    const { db, dataDir } = await sqliteDatabase();
    const other = createDatabase(loadConfig({}, { dataDir }));
    cleanups.push(async () => {
      await Promise.all([db.destroy(), other.destroy()]);
      await rm(dataDir, { recursive: true, force: true });
    });
    return [db, other];
  });
});

// Several servers on one PostgreSQL: every job runs exactly once (FOR UPDATE SKIP LOCKED).

const postgres = await createScratchDatabase('jobs');
afterAll(async () => postgres?.drop());

describe.skipIf(!postgres)('job leases (PostgreSQL)', () => {
  leaseTests(async () => {
    const databases = [0, 1].map(() => createDatabase(loadConfig({}, { databaseUrl: postgres!.url }))) as [
      Knex,
      Knex,
    ];
    await migrate(databases[0], [jobsMigration]);
    await databases[0]('jobs').delete();
    cleanups.push(async () => {
      await Promise.all(databases.map((db) => db.destroy()));
    });
    return databases;
  });
});

describe.skipIf(!postgres)('job queue (PostgreSQL, several instances)', () => {
  it('runs each job exactly once across three queues sharing the database', async () => {
    const databases = [0, 1, 2].map(() => createDatabase(loadConfig({}, { databaseUrl: postgres!.url })));
    await migrate(databases[0] as Knex, [jobsMigration]);
    const runs = new Map<number, number>();
    const queues: JobQueue[] = databases.map((db) => {
      const queue = createJobQueue(db, logger, { pollIntervalMs: 5, concurrency: 4 });
      queue.register<{ n: number }>('count', {
        async run(job) {
          runs.set(job.payload.n, (runs.get(job.payload.n) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
      });
      return queue;
    });
    for (let n = 0; n < 60; n++) await queues[n % 3]?.enqueue('count', { n });
    for (const queue of queues) queue.start();
    await expect.poll(() => runs.size, { timeout: 10_000 }).toBe(60);
    await Promise.all(queues.map((queue) => queue.stop()));
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(await (databases[0] as Knex)('jobs').count({ count: '*' })).toEqual([{ count: '0' }]);
    await Promise.all(databases.map((db) => db.destroy()));
  });
});
