/**
 * `pnpm bench downloader-history`: the downloader's history routes at 100k and at 1M records, on
 * SQLite and on PostgreSQL, through the server's repository (no HTTP). Each database is filled in
 * the database itself (SQL-generated records, in transactions of 100k) with the live schema, so the
 * triggers keep the trigram index and the statistics' counters as real writes would. The two sizes
 * are measured in interleaved rounds and the medians compared: target time(1M) <= 3.3x time(100k).
 */
import type { DownloadHistoryStore } from '@music-apis/domain';
import { isPostgres, type Knex, migrate } from '../packages/server/src/core/db.js';
import {
  createDownloaderHistoryRepository,
  downloaderHistoryCountsMigration,
  downloaderHistoryMigration,
} from '../packages/server/src/downloader/history-repository.js';
import {
  type Engine,
  label,
  MAX_TIME_RATIO,
  medianTimes,
  printTimeRatios,
  withTwoSizes,
} from './two-sizes.js';

const BATCH = 100_000;
const ROUNDS = Number(process.env.BENCH_HISTORY_ROUNDS ?? 15);
/** The two sizes compared (BENCH_HISTORY_SIZES=20000,200000 for a quick look). */
const [SMALL, LARGE] = (process.env.BENCH_HISTORY_SIZES ?? '100000,1000000').split(',').map(Number) as [
  number,
  number,
];
/** In the title of these five records only, whatever the size (all below 100k). */
const RARE = 'zyxquartz';
const RARE_RECORDS = [17, 20_017, 40_017, 60_017, 80_017];
const NOW = 1_700_000_000;

/**
 * Records 1..size: every third an album, one in ten failed and one in ten partial, one a second
 * up to NOW (whatever the size); five carry the rare word.
 */
async function fill(db: Knex, size: number) {
  const pg = isPostgres(db);
  const rare = `case when i in (${RARE_RECORDS.join(',')}) then ' ${RARE}' else '' end`;
  const type = `case when i % 3 = 0 then 'album' else 'track' end`;
  const status = `case when i % 10 = 0 then 'failed' when i % 10 = 1 then 'partial' else 'completed' end`;
  const select = `select 'task-' || i, ${type}, ${status}, ${NOW - size} + i,
      lower('Download ' || i || ${rare} || ${pg ? 'chr(10)' : 'char(10)'} || 'Artist ' || (i % 5000)),
      case when i % 10 = 0 then 0 when i % 3 = 0 then 10 else 1 end,
      '{"task_id":"task-' || i || '","title":"Download ' || i || ${rare} || '","artists":["Artist ' || (i % 5000) || '"]}'`;
  const columns = 'task_id, download_type, status, timestamp, search_text, tracks_done, record';
  for (let start = 1; start <= size; start += BATCH) {
    const end = Math.min(size, start + BATCH - 1);
    await db.transaction(async (trx) => {
      await trx.raw(
        pg
          ? `insert into downloader_history (${columns}) ${select} from generate_series(${start}, ${end}) i`
          : `insert into downloader_history (${columns})
             with recursive n(i) as (select ${start} union all select i + 1 from n where i < ${end}) ${select} from n`,
      );
    });
  }
}

/** Migrates and fills a bench database, then analyzes it. */
async function fillHistory(db: Knex, size: number) {
  await migrate(db, [downloaderHistoryMigration, downloaderHistoryCountsMigration]);
  await fill(db, size);
  await db.raw(isPostgres(db) ? 'vacuum analyze' : 'analyze');
}

const CASES: { name: string; run(history: DownloadHistoryStore): Promise<unknown> }[] = [
  { name: `search a rare word (${RARE}, 5 records)`, run: (h) => h.search(RARE, 50) },
  { name: 'list, newest first (first page)', run: (h) => h.list({ limit: 50, offset: 0 }) },
  {
    name: 'list failed albums (first page)',
    run: (h) => h.list({ limit: 50, offset: 0, downloadType: 'album', status: 'failed' }),
  },
  // The week's count is a range of the timestamp index: the same newest records at both sizes.
  {
    name: `statistics (${label(SMALL)} records in the last week)`,
    run: (h) => h.stats(NOW - SMALL),
  },
];

async function benchEngine(engine: Engine) {
  await withTwoSizes(engine, 'history', [SMALL, LARGE], fillHistory, async (small, large) => {
    const stores = [small, large].map(({ db }) => createDownloaderHistoryRepository(db)) as [
      DownloadHistoryStore,
      DownloadHistoryStore,
    ];
    const medians = await medianTimes(CASES, stores, ROUNDS);
    console.log(
      `\nDownloader history, ${engine} (filled ${label(SMALL)} records in ${small.seconds.toFixed(0)} s, ` +
        `${label(LARGE)} in ${large.seconds.toFixed(0)} s): median of ${ROUNDS} interleaved rounds (ms); ` +
        `target: ${label(LARGE)}/${label(SMALL)} <= ${MAX_TIME_RATIO}`,
    );
    printTimeRatios(CASES, medians, [SMALL, LARGE]);
  });
}

export async function downloaderHistoryBench() {
  await benchEngine('SQLite');
  await benchEngine('PostgreSQL');
}
