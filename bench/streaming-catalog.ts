/**
 * `pnpm bench streaming-catalog`: the streaming API's catalog track search (`searchTracks`, page
 * size 10) at 100k and at 1M tracks, on SQLite and on PostgreSQL, through the server's own catalog
 * tables and the shared handler (ranking window, views; no HTTP). Each size's database is migrated
 * and filled by the server's own seed (`seedStreamingCatalog`, from `createCatalog`), timed apart;
 * then the queries run in interleaved rounds and the medians are compared as throughput:
 * target searches/s(1M) >= 0.3x searches/s(100k) (issue 17).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalog } from '@music-apis/catalog';
import { streamingCatalogHandlers } from '@music-apis/domain';
import { loadConfig } from '@music-apis/server';
import {
  closeDatabase,
  createDatabase,
  isPostgres,
  type Knex,
  migrate,
} from '../packages/server/src/core/db.js';
import {
  createStreamingCatalogStore,
  seedStreamingCatalog,
  streamingCatalogMigration,
} from '../packages/server/src/streaming/catalog.js';
import { streamingMigrations } from '../packages/server/src/streaming/store.js';
import { createScratchDatabase } from '../tests/contract/postgres.js';
import { median } from './processes.js';

const ROUNDS = Number(process.env.BENCH_CATALOG_ROUNDS ?? 15);
/** The two sizes compared (BENCH_CATALOG_SIZES=20000,200000 for a quick look). */
const [SMALL, LARGE] = (process.env.BENCH_CATALOG_SIZES ?? '100000,1000000').split(',').map(Number) as [
  number,
  number,
];
const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

/** What a player's search box sends: a common word, a title, a word and a prefix, the rare seed track. */
function queriesFor(catalog: ReturnType<typeof createCatalog>) {
  const track = catalog.trackAt(37);
  const [first, second] = track.name.split(' ') as [string, string];
  return [
    { name: 'one common word', q: second, page: 1 },
    { name: 'one common word, page 5', q: second, page: 5 },
    { name: 'a whole title', q: track.name, page: 1 },
    {
      name: 'word + artist prefix',
      q: `${first} ${track.artistName.split(' ').at(-1)!.slice(0, 3)}`,
      page: 1,
    },
    { name: 'rare: the seed track', q: 'ellington mood', page: 1 },
  ];
}

async function openDatabase(size: number, databaseUrl: string | undefined) {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-catalog-'));
  const db = createDatabase(loadConfig({}, { dataDir, databaseUrl }));
  await migrate(db, [...streamingMigrations, streamingCatalogMigration]);
  const catalog = createCatalog({ trackCount: size });
  const started = performance.now();
  await seedStreamingCatalog(db, catalog);
  await db.raw(isPostgres(db) ? 'vacuum analyze' : 'analyze');
  return { db, dataDir, catalog, seconds: (performance.now() - started) / 1000 };
}

/** The `searchTracks` handler over a database, called as the pipeline calls it. */
function searcher(db: Knex, catalog: ReturnType<typeof createCatalog>) {
  const handlers = streamingCatalogHandlers(createStreamingCatalogStore(db, catalog));
  return async (q: string, page: number) => {
    const reply = await handlers.searchTracks(
      { query: { q, page, pageSize: 10, excludeExplicitContent: false } } as never,
      {} as never,
    );
    return (reply as { body: { results: unknown[]; estimatedTotalItems: number } }).body;
  };
}

async function benchEngine(engine: 'SQLite' | 'PostgreSQL') {
  const scratch =
    engine === 'PostgreSQL'
      ? await Promise.all([
          createScratchDatabase('bench_catalog_small'),
          createScratchDatabase('bench_catalog_large'),
        ])
      : [undefined, undefined];
  if (engine === 'PostgreSQL' && (!scratch[0] || !scratch[1])) {
    console.log('\nPostgreSQL not reachable: streaming catalog bench skipped there.');
    return undefined;
  }
  const small = await openDatabase(SMALL, scratch[0]?.url);
  const large = await openDatabase(LARGE, scratch[1]?.url);
  try {
    console.log(
      `\n${engine}: streaming catalog seeded with ${label(SMALL)} tracks in ${small.seconds.toFixed(0)} s, ${label(LARGE)} in ${large.seconds.toFixed(0)} s (artists, releases, tracks, FTS5/GIN)`,
    );
    const queries = queriesFor(small.catalog);
    const searches = [searcher(small.db, small.catalog), searcher(large.db, large.catalog)];
    const times = queries.map(() => [[], []] as [number[], number[]]);
    const totals = queries.map(() => [0, 0]);
    for (let round = 0; round < ROUNDS + 2; round++) {
      for (const [index, query] of queries.entries()) {
        for (const s of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const started = performance.now();
          const body = await searches[s]!(query.q, query.page);
          // Two warm-up rounds (page cache, statement caches, the catalog's index maps) are not counted.
          if (round >= 2) times[index]![s]!.push(performance.now() - started);
          if (body.results.length === 0)
            throw new Error(`no result for ${query.q} at ${label([SMALL, LARGE][s]!)}`);
          totals[index]![s] = body.estimatedTotalItems;
        }
      }
    }
    return queries.map((query, index) => {
      const [a, b] = times[index]!.map(median) as [number, number];
      return {
        engine,
        query: `${query.name} (${query.q})`,
        matches: `${totals[index]![0]} / ${totals[index]![1]}`,
        [`${label(SMALL)} /s`]: Math.round(1000 / a),
        [`${label(LARGE)} /s`]: Math.round(1000 / b),
        ratio: (a / b).toFixed(2),
        target: a / b >= 0.3 ? 'met' : 'MISSED',
      };
    });
  } finally {
    for (const { db, dataDir } of [small, large]) {
      await closeDatabase(db);
      await rm(dataDir, { recursive: true, force: true });
    }
    for (const database of scratch) await database?.drop();
  }
}

export async function streamingCatalogBench() {
  // BENCH_CATALOG_ENGINES=PostgreSQL runs one engine only.
  const engines = (process.env.BENCH_CATALOG_ENGINES ?? 'SQLite,PostgreSQL').split(',') as (
    | 'SQLite'
    | 'PostgreSQL'
  )[];
  const rows = [];
  for (const engine of engines) rows.push(...((await benchEngine(engine)) ?? []));
  console.log(
    `\nStreaming catalog track search (pageSize 10): median of ${ROUNDS} interleaved rounds; matches = estimatedTotalItems; target: searches/s ${label(LARGE)} >= 0.3x ${label(SMALL)}`,
  );
  console.table(rows);
}
