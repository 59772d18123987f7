// What the size benches (songs, streaming-catalog, downloader-history) share: a small and a large
// database of one engine, filled in the database itself, and the interleaved rounds that compare them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@music-apis/server';
import { closeDatabase, createDatabase, type Knex } from '../packages/server/src/core/db.js';
import { createScratchDatabase } from '../tests/contract/postgres.js';
import { median } from './processes.js';

export type Engine = 'SQLite' | 'PostgreSQL';

/** `100k`, `1M`. */
export const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

export interface FilledDatabase<Filled> {
  db: Knex;
  /** How long `fill` took, in seconds. */
  seconds: number;
  /** What `fill` returned. */
  filled: Filled;
}

/**
 * Opens a database of `engine` for each size (a new DATA_DIR each and, on PostgreSQL, a scratch
 * database each), lets `fill` migrate and fill it (timed), runs `measure` with both, and removes
 * them all afterwards. Resolves undefined, after saying so, when PostgreSQL is unreachable.
 */
export async function withTwoSizes<Filled, Result>(
  engine: Engine,
  purpose: string,
  sizes: readonly [number, number],
  fill: (db: Knex, size: number) => Promise<Filled>,
  measure: (small: FilledDatabase<Filled>, large: FilledDatabase<Filled>) => Promise<Result>,
): Promise<Result | undefined> {
  const scratch =
    engine === 'PostgreSQL'
      ? await Promise.all([
          createScratchDatabase(`bench_${purpose}_small`),
          createScratchDatabase(`bench_${purpose}_large`),
        ])
      : [undefined, undefined];
  if (engine === 'PostgreSQL' && (!scratch[0] || !scratch[1])) {
    console.log(`\nPostgreSQL not reachable: ${purpose} bench skipped there.`);
    for (const database of scratch) await database?.drop();
    return undefined;
  }
  const opened: { db: Knex; dataDir: string }[] = [];
  try {
    const databases: FilledDatabase<Filled>[] = [];
    for (const [index, size] of sizes.entries()) {
      const dataDir = await mkdtemp(join(tmpdir(), `music-apis-bench-${purpose}-`));
      const db = createDatabase(loadConfig({}, { dataDir, databaseUrl: scratch[index]?.url }));
      opened.push({ db, dataDir });
      const started = performance.now();
      const filled = await fill(db, size);
      databases.push({ db, filled, seconds: (performance.now() - started) / 1000 });
    }
    return await measure(databases[0]!, databases[1]!);
  } finally {
    for (const { db, dataDir } of opened) {
      await closeDatabase(db);
      await rm(dataDir, { recursive: true, force: true });
    }
    for (const database of scratch) await database?.drop();
  }
}

/**
 * Each case's median time (ms) at each size, over `rounds` rounds that run every case on the small
 * then the large store; two more rounds first warm up (page cache, JIT, statement caches).
 */
export async function medianTimes<Store>(
  cases: readonly { run(store: Store): Promise<unknown> }[],
  stores: readonly [Store, Store],
  rounds: number,
): Promise<[number, number][]> {
  const times = cases.map(() => [[], []] as [number[], number[]]);
  for (let round = 0; round < rounds + 2; round++) {
    for (const [index, entry] of cases.entries()) {
      for (const size of [0, 1] as const) {
        const started = performance.now();
        await entry.run(stores[size]);
        if (round >= 2) times[index]![size].push(performance.now() - started);
      }
    }
  }
  return times.map(([small, large]) => [median(small), median(large)]);
}

/** The target of the time benches: a case at the large size takes at most this times its small time. */
export const MAX_TIME_RATIO = 3.3;

/**
 * Prints a time bench's table: each case's medians (ms) at both sizes, their ratio, and whether it
 * meets MAX_TIME_RATIO; a case with `target: false` (its answer itself grows with the size) is
 * printed as informative.
 */
export function printTimeRatios(
  cases: readonly { name: string; target?: boolean }[],
  medians: readonly [number, number][],
  sizes: readonly [number, number],
) {
  const [small, large] = sizes.map(label) as [string, string];
  console.table(
    cases.map((entry, index) => {
      const [a, b] = medians[index]!;
      const met = b / a <= MAX_TIME_RATIO ? 'met' : 'MISSED';
      return {
        query: entry.name,
        [`${small} ms`]: a.toFixed(2),
        [`${large} ms`]: b.toFixed(2),
        ratio: (b / a).toFixed(2),
        target: entry.target === false ? '(informative)' : met,
      };
    }),
  );
}
