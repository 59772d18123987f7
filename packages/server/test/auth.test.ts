import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import {
  createJwtSigner,
  createRateLimiter,
  hashPassword,
  InvalidJwtError,
  PASSWORD_HASHING,
  rateLimitsMigration,
  verifyPassword,
} from '../src/core/auth/index.js';
import { BusyError, createBoundedQueue } from '../src/core/bounded-queue.js';
import { loadConfig } from '../src/core/config.js';
import { closeDatabase, createDatabase, type Knex, migrate } from '../src/core/db.js';

describe('password hashing', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const first = await hashPassword('Secret123');
    const second = await hashPassword('Secret123');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('Secret123', first)).toBe(true);
    expect(await verifyPassword('Secret124', first)).toBe(false);
    expect(await verifyPassword('Secret123', 'scrypt$x$8$1$abc$def')).toBe(false);
    expect(await verifyPassword('Secret123', 'plain-text')).toBe(false);
  });
});

describe('JWT signer', () => {
  const secret = new TextEncoder().encode('a-test-secret-of-enough-length-123456');
  it('checks signature, audience, expiry and the expected claims', async () => {
    let now = Date.parse('2024-01-01T00:00:00Z');
    const signer = createJwtSigner({ secret, issuer: 'https://newm.io', audience: 'aud', now: () => now });
    const { token, jti } = await signer.sign('user-1', 60, { type: 'Access' });
    expect(await signer.verify(token, { type: 'Access' })).toMatchObject({
      sub: 'user-1',
      jti,
      type: 'Access',
    });
    await expect(signer.verify(token, { type: 'Refresh' })).rejects.toBeInstanceOf(InvalidJwtError);
    const other = createJwtSigner({ secret, issuer: 'https://newm.io', audience: 'other', now: () => now });
    await expect(other.verify(token)).rejects.toBeInstanceOf(InvalidJwtError);
    await expect(signer.verify(`${token}x`)).rejects.toBeInstanceOf(InvalidJwtError);
    now += 61_000;
    await expect(signer.verify(token)).rejects.toBeInstanceOf(InvalidJwtError);
  });
});

describe('bounded queue (password hashing)', () => {
  it('runs at most `concurrency` tasks at once, queues `queueSize` more in order, refuses the rest with 503', async () => {
    const queue = createBoundedQueue({ concurrency: 2, queueSize: 3, retryAfterSeconds: 1 });
    let running = 0;
    let mostAtOnce = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const task = (n: number) => () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      started.push(n);
      return new Promise<number>((resolve) =>
        releases.push(() => {
          running -= 1;
          resolve(n);
        }),
      );
    };
    const results = Array.from({ length: 8 }, (_, n) => queue.run(task(n)).catch((error: unknown) => error));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settled = await Promise.all(results);
    expect(settled.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    for (const refused of settled.slice(5)) {
      expect(refused).toBeInstanceOf(BusyError);
      expect(refused).toMatchObject({ status: 503, options: { headers: { 'retry-after': '1' } } });
    }
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(mostAtOnce).toBe(2);
    // Once drained it takes work again.
    expect(await queue.run(async () => 'again')).toBe('again');
  });

  it('password checks beyond the hashing queue are refused at once instead of piling up', async () => {
    const stored = await hashPassword('Secret123');
    const capacity = PASSWORD_HASHING.concurrency + PASSWORD_HASHING.queueSize;
    const outcomes = await Promise.all(
      Array.from({ length: capacity + 10 }, () =>
        verifyPassword('Secret123', stored).catch((error: unknown) => error),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === true)).toHaveLength(capacity);
    expect(outcomes.filter((outcome) => outcome instanceof BusyError)).toHaveLength(10);
  });
});

/** The database-backed limiter, on SQLite and (when reachable) PostgreSQL. */
function rateLimiterSuite(engine: string, open: () => Promise<{ db: Knex; done(): Promise<void> }>) {
  describe(`rate limiter (${engine})`, () => {
    it('counts attempts before the work, so concurrent attempts cannot all pass; waits out the window', async () => {
      const { db, done } = await open();
      try {
        let now = 1_000_000;
        const limiter = createRateLimiter(db, { name: 'test', limit: 5, windowMs: 10_000, now: () => now });
        const results = await Promise.all(Array.from({ length: 40 }, () => limiter.attempt('a')));
        expect(results.filter((result) => result.wait === 0)).toHaveLength(5);
        expect(results.filter((result) => result.wait === 10)).toHaveLength(35);
        expect((await limiter.attempt('b')).wait).toBe(0);
        now += 9_500;
        expect((await limiter.attempt('a')).wait).toBe(1);
        now += 500;
        expect((await limiter.attempt('a')).wait).toBe(0);
        // release gives one attempt back; reset forgets the key.
        for (let n = 0; n < 4; n++) await limiter.attempt('a');
        expect((await limiter.attempt('a')).wait).toBeGreaterThan(0);
        await limiter.release('a');
        expect((await limiter.attempt('a')).wait).toBe(0);
        await limiter.reset('a');
        for (let n = 0; n < 5; n++) expect((await limiter.attempt('a')).wait).toBe(0);
        // Another limiter name never shares a key.
        const other = createRateLimiter(db, { name: 'other', limit: 1, windowMs: 10_000, now: () => now });
        expect((await other.attempt('a')).wait).toBe(0);
      } finally {
        await done();
      }
    });

    it('a lockout survives 10,000 other keys and is shared by every instance on the database', async () => {
      const { db, done } = await open();
      try {
        const options = { name: 'login', limit: 2, windowMs: 60_000 };
        const first = createRateLimiter(db, options);
        await first.attempt('victim');
        await first.attempt('victim');
        for (let batch = 0; batch < 10; batch++) {
          await Promise.all(Array.from({ length: 1_001 }, (_, n) => first.attempt(`attacker-${batch}-${n}`)));
        }
        expect((await first.attempt('victim')).wait).toBeGreaterThan(0);
        // A second instance (a limiter of its own on the same database) sees the same lockout.
        expect((await createRateLimiter(db, options).attempt('victim')).wait).toBeGreaterThan(0);
        // Keys are stored hashed: no address or email in clear.
        const stored = await db('rate_limits').pluck('key_hash');
        expect(stored.some((hash: string) => hash.includes('victim'))).toBe(false);
      } finally {
        await done();
      }
    });
  });
}

rateLimiterSuite('SQLite', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-limits-'));
  const db = createDatabase(loadConfig({}, { dataDir }));
  await migrate(db, [rateLimitsMigration]);
  return {
    db,
    async done() {
      await closeDatabase(db);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

const postgres = await createScratchDatabase('limits');
afterAll(async () => postgres?.drop());
if (postgres) {
  rateLimiterSuite('PostgreSQL', async () => {
    const db = createDatabase(loadConfig({}, { databaseUrl: postgres.url }));
    await migrate(db, [rateLimitsMigration]);
    return {
      db,
      async done() {
        await db('rate_limits').delete();
        await closeDatabase(db);
      },
    };
  });
}
