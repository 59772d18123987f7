/**
 * `pnpm bench songs`: phrase search and counts of the songs API at 100k and at 1M songs, on SQLite
 * and on PostgreSQL, through the server's repository (no HTTP). Each database is filled in the
 * database itself (SQL-generated rows, in transactions of 100k), with the live schema: the
 * triggers keep the FTS5 table and the counters up to date as a real insert would. The two sizes
 * are measured in interleaved rounds and the medians compared: target time(1M) <= 3.3x time(100k)
 * for the rare word, the count by that phrase and the count by genre. Plans are printed once.
 */
import { type SongFilterParams, songFilters } from '@music-apis/domain';
import { isPostgres, type Knex, migrate } from '../packages/server/src/core/db.js';
import { createSongsRepository, songsMigrations } from '../packages/server/src/songs/repository.js';
import {
  type Engine,
  label,
  MAX_TIME_RATIO,
  medianTimes,
  printTimeRatios,
  withTwoSizes,
} from './two-sizes.js';

const OWNER = '00000000-0000-4000-8000-00000000b0b0';
const BATCH = 100_000;
const ROUNDS = Number(process.env.BENCH_SONGS_ROUNDS ?? 15);
/** The two sizes compared (BENCH_SONGS_SIZES=20000,200000 for a quick look). */
const [SMALL, LARGE] = (process.env.BENCH_SONGS_SIZES ?? '100000,1000000').split(',').map(Number) as [
  number,
  number,
];
const WORDS = (
  'amber blue coral dawn ember frost glow harbor indigo jade karma lunar meadow nova ocean prism ' +
  'quartz river solar tide umbra velvet willow xenon yonder zenith autumn breeze canyon desert ' +
  'echo forest granite horizon island jungle kernel lagoon marble nectar orbit pebble quiver ' +
  'rain summit thunder urban valley wander yearn zephyr'
).split(' ');
/** The rare word: in these five songs only, whatever the size (all below 100k). */
const RARE = 'zyxquartz';
const RARE_SONGS = [17, 20_017, 40_017, 60_017, 80_017];

/** Inserts songs first..last (seq = i) with 2 genres each; 2% archived; five carry the rare word. */
async function fill(db: Knex, first: number, last: number) {
  const pg = isPostgres(db);
  const word = (expr: string) =>
    `(array[${WORDS.map((w) => `'${w}'`).join(',')}])[1 + (${expr}) % ${WORDS.length}]`;
  const nl = pg ? 'chr(10)' : 'char(10)';
  const rare = `case when i in (${RARE_SONGS.join(',')}) then ' ${RARE}' else '' end`;
  const hex = (width: number) => (pg ? `lpad(to_hex(i), ${width}, '0')` : `printf('%0${width}x', i)`);
  const columns =
    'id, owner_id, created_at, title, title_key, archived, genres, description, album, search_text';
  const select = (words: [string, string]) => `
    select ${hex(8)} || '-0000-4000-8000-' || ${hex(12)}, '${OWNER}', 1700000000000 + i * 1000,
      'Song ' || i, 'song ' || i, i % 50 = 0,
      '["Genre ' || (i % 20) || '","Style ' || (i % 7) || '"]',
      ${words[0]} || ' ' || ${words[1]} || ${rare}, 'Album ' || (i % 1000),
      lower('Song ' || i || ${nl} || ${words[0]} || ' ' || ${words[1]} || ${rare} || ${nl} || 'Album ' || (i % 1000))`;
  for (let start = first; start <= last; start += BATCH) {
    const end = Math.min(last, start + BATCH - 1);
    await db.transaction(async (trx) => {
      if (pg) {
        await trx.raw(
          `insert into songs_songs (${columns}) ${select([word('i'), word('i / 7')])} from generate_series(${start}, ${end}) i`,
        );
      } else {
        await trx.raw(
          `insert into songs_songs (${columns}) with recursive n(i) as (select ${start} union all select i + 1 from n where i < ${end})
           ${select(['w1.w', 'w2.w'])} from n join bench_words w1 on w1.k = n.i % ${WORDS.length}
             join bench_words w2 on w2.k = (n.i / 7) % ${WORDS.length}`,
        );
      }
      // Genre rows carry the song's archived flag (as the repository writes them).
      await trx.raw(
        `insert into songs_song_genres (song_id, genre, archived)
           select id, 'Genre ' || (seq % 20), archived from songs_songs where seq between ${start} and ${end}
           union all
           select id, 'Style ' || (seq % 7), archived from songs_songs where seq between ${start} and ${end}`,
      );
    });
  }
}

/**
 * Adds `size` bench songs (seq 1..size, owned by a bench user) to a migrated database, and
 * analyzes it: the seconds it took. Also used by the blocking bench (blocking.ts).
 */
export async function addBenchSongs(db: Knex, size: number): Promise<number> {
  await db('songs_users').insert({
    id: OWNER,
    email: 'bench@example.com',
    password_hash: 'x',
    verified: false,
    created_at: 0,
  });
  if (!isPostgres(db)) {
    await db.raw('create temporary table bench_words (k integer primary key, w text)');
    await db('bench_words').insert(WORDS.map((w, k) => ({ k, w })));
  }
  const started = performance.now();
  await fill(db, 1, size);
  if (isPostgres(db)) await db.raw('vacuum analyze');
  else await db.raw('analyze');
  return (performance.now() - started) / 1000;
}

async function fillSongs(db: Knex, size: number) {
  await migrate(db, songsMigrations);
  await addBenchSongs(db, size);
}

interface Case {
  name: string;
  target: boolean;
  run(repository: ReturnType<typeof createSongsRepository>): Promise<unknown>;
}
const filters = (params: Omit<SongFilterParams, 'archived'>) =>
  songFilters({ archived: false, ...params }, OWNER);
const CASES: Case[] = [
  {
    name: `list by a rare word (${RARE}, 5 songs)`,
    target: true,
    run: (r) => r.listSongs(filters({ phrase: RARE }), { offset: 0, limit: 25 }, 'asc'),
  },
  { name: 'count by that phrase', target: true, run: (r) => r.countSongs(filters({ phrase: RARE })) },
  {
    name: 'count by genre (Genre 3, 5%)',
    target: true,
    run: (r) => r.countSongs(filters({ genres: ['Genre 3'] })),
  },
  { name: 'count of genres', target: true, run: (r) => r.countGenres(filters({})) },
  { name: 'count of all songs', target: true, run: (r) => r.countSongs(filters({})) },
  {
    name: 'count of genres by the rare phrase',
    target: true,
    run: (r) => r.countGenres(filters({ phrase: RARE })),
  },
  {
    name: 'count by a common word (quartz, 4%; answer grows 10x)',
    target: false,
    run: (r) => r.countSongs(filters({ phrase: 'quartz' })),
  },
  {
    name: 'count by a 2-character phrase (zy: no trigram, scans)',
    target: false,
    run: (r) => r.countSongs(filters({ phrase: 'zy' })),
  },
  {
    name: 'list, no filter (first page)',
    target: true,
    run: (r) => r.listSongs(filters({}), { offset: 0, limit: 25 }, 'asc'),
  },
];

/** The plan of each case's statements, captured from knex's query events. */
async function explain(db: Knex, size: string) {
  const repository = createSongsRepository(db);
  const pg = isPostgres(db);
  console.log(`\nPlans at ${size} songs, ${pg ? 'PostgreSQL (EXPLAIN)' : 'SQLite (EXPLAIN QUERY PLAN)'}:`);
  for (const entry of CASES) {
    const captured: { sql: string; bindings: readonly unknown[] }[] = [];
    const listener = (query: { sql: string; bindings?: readonly unknown[] }) =>
      captured.push({ sql: query.sql, bindings: query.bindings ?? [] });
    db.on('query', listener);
    await entry.run(repository);
    db.removeListener('query', listener);
    for (const { sql, bindings } of captured) {
      // knex reports PostgreSQL's statements with $n placeholders; raw() takes ?.
      const statement = pg ? sql.replace(/\$\d+/g, '?') : sql;
      const result = await db.raw(
        `${pg ? 'explain' : 'explain query plan'} ${statement}`,
        bindings as Knex.RawBinding[],
      );
      const lines = pg
        ? (result.rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN'])
        : (result as { detail: string }[]).map((row) => row.detail);
      console.log(`- ${entry.name}\n    ${lines.join('\n    ')}`);
    }
  }
}

async function benchEngine(engine: Engine) {
  await withTwoSizes(engine, 'songs', [SMALL, LARGE], fillSongs, async (small, large) => {
    console.log(
      `\n${engine}: filled ${label(SMALL)} songs in ${small.seconds.toFixed(0)} s, ${label(LARGE)} in ${large.seconds.toFixed(0)} s (with triggers, FTS/GIN, counters)`,
    );
    await explain(large.db, label(LARGE));
    const repositories = [createSongsRepository(small.db), createSongsRepository(large.db)] as const;
    const medians = await medianTimes(CASES, repositories, ROUNDS);
    console.log(
      `${engine}: median of ${ROUNDS} interleaved rounds (ms); target: ${label(LARGE)}/${label(SMALL)} <= ${MAX_TIME_RATIO}`,
    );
    printTimeRatios(CASES, medians, [SMALL, LARGE]);
  });
}

export async function songsBench() {
  await benchEngine('SQLite');
  await benchEngine('PostgreSQL');
}
