/**
 * `pnpm bench streaming-catalog`: the streaming API's catalog track search (`searchTracks`, page
 * size 10) at 100k and at 1M tracks, on SQLite and on PostgreSQL, through the server's own catalog
 * tables and the shared handler (ranking window, views; no HTTP). Each size's database is migrated
 * and filled by the server's own seed (`seedStreamingCatalog`, from `createCatalog`), timed apart;
 * then the queries run in interleaved rounds and the medians are compared as throughput:
 * target searches/s(1M) >= 0.3x searches/s(100k) (issue 17).
 */
import { createCatalog } from '@music-apis/catalog';
import { streamingCatalogHandlers } from '@music-apis/domain';
import { isPostgres, type Knex, migrate } from '../packages/server/src/core/db.js';
import {
  createStreamingCatalogStore,
  seedStreamingCatalog,
  streamingCatalogMigration,
} from '../packages/server/src/streaming/catalog.js';
import { streamingMigrations } from '../packages/server/src/streaming/store.js';
import { median } from './processes.js';
import { type Engine, label, withTwoSizes } from './two-sizes.js';

const ROUNDS = Number(process.env.BENCH_CATALOG_ROUNDS ?? 15);
/** The two sizes compared (BENCH_CATALOG_SIZES=20000,200000 for a quick look). */
const [SMALL, LARGE] = (process.env.BENCH_CATALOG_SIZES ?? '100000,1000000').split(',').map(Number) as [
  number,
  number,
];

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

/** Migrates a bench database and seeds it with a catalog of `size` tracks: the catalog. */
async function fillCatalog(db: Knex, size: number) {
  await migrate(db, [...streamingMigrations, streamingCatalogMigration]);
  const catalog = createCatalog({ trackCount: size });
  await seedStreamingCatalog(db, catalog);
  await db.raw(isPostgres(db) ? 'vacuum analyze' : 'analyze');
  return catalog;
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

async function benchEngine(engine: Engine) {
  return withTwoSizes(engine, 'catalog', [SMALL, LARGE], fillCatalog, async (small, large) => {
    console.log(
      `\n${engine}: streaming catalog seeded with ${label(SMALL)} tracks in ${small.seconds.toFixed(0)} s, ${label(LARGE)} in ${large.seconds.toFixed(0)} s (artists, releases, tracks, FTS5/GIN)`,
    );
    const queries = queriesFor(small.filled);
    const searches = [searcher(small.db, small.filled), searcher(large.db, large.filled)];
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
  });
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
