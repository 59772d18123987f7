import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEntryRecord } from '@music-apis/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { loadConfig } from '../src/core/config.js';
import { closeDatabase, createDatabase, type Knex, migrate } from '../src/core/db.js';
import {
  createDownloaderHistoryRepository,
  downloaderHistoryCountsMigration,
  downloaderHistoryMigration,
} from '../src/downloader/history-repository.js';

/**
 * The history statistics read counters kept by triggers: they must stay what counting the records
 * gives through every way a record changes (backfilled, written, replaced with another status,
 * cleaned up), on both databases.
 */

/** Only what the repository reads of a record; the rest is stored as given. */
const record = (
  taskId: string,
  downloadType: 'track' | 'album',
  status: string,
  timestamp: number,
  successfulTracks: number | null = null,
) =>
  ({
    task_id: taskId,
    download_type: downloadType,
    status,
    timestamp,
    title: `Title ${taskId}`,
    artists: ['Artist'],
    successful_tracks: successfulTracks,
  }) as unknown as HistoryEntryRecord;

const scratch = await createScratchDatabase('history_counts');
const targets = [
  { name: 'SQLite', databaseUrl: undefined, skip: false },
  { name: 'PostgreSQL', databaseUrl: scratch?.url, skip: !scratch },
];
afterAll(async () => {
  await scratch?.drop();
});

describe.each(targets)('download history statistics on $name', ({ databaseUrl, skip }) => {
  let db: Knex;
  let dataDir: string;
  beforeAll(async () => {
    if (skip) return;
    dataDir = await mkdtemp(join(tmpdir(), 'music-apis-history-'));
    db = createDatabase(loadConfig({}, { dataDir, databaseUrl }));
  });
  afterAll(async () => {
    if (skip) return;
    await closeDatabase(db);
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The statistics computed from the records themselves, the way the counters replaced. */
  async function recounted() {
    const rows = (await db('downloader_history').select('download_type', 'status', 'tracks_done')) as {
      download_type: string;
      status: string;
      tracks_done: number;
    }[];
    const byTypeAndStatus: Record<string, Record<string, number>> = {};
    for (const row of rows) {
      byTypeAndStatus[row.download_type] ??= {};
      byTypeAndStatus[row.download_type]![row.status] =
        (byTypeAndStatus[row.download_type]![row.status] ?? 0) + 1;
    }
    const tracks = rows.reduce((sum, row) => sum + Number(row.tracks_done), 0);
    return { by_type_and_status: byTypeAndStatus, total_successful_tracks: tracks };
  }

  it.skipIf(skip)(
    'stay equal to a recount when records are backfilled, written, replaced and cleaned up',
    async () => {
      await migrate(db, [downloaderHistoryMigration]);
      const history = createDownloaderHistoryRepository(db);
      // Written before the counters exist: their migration counts them.
      await history.putEntry(record('old-track', 'track', 'completed', 1_000));
      await history.putEntry(record('old-album', 'album', 'partial', 1_000, 4));
      await migrate(db, [downloaderHistoryMigration, downloaderHistoryCountsMigration]);

      const statsOf = async () => {
        const { recent_downloads_7d: _recent, ...stats } = await history.stats(0);
        return stats;
      };
      expect(await statsOf()).toEqual({
        by_type_and_status: { track: { completed: 1 }, album: { partial: 1 } },
        total_successful_tracks: 5,
      });

      // A track starts, then its record is replaced when it ends (the same task id).
      await history.putEntry(record('new-track', 'track', 'in_progress', 2_000));
      expect((await statsOf()).by_type_and_status.track).toEqual({ completed: 1, in_progress: 1 });
      await history.putEntry(record('new-track', 'track', 'completed', 2_001));
      await history.putEntry(record('new-album', 'album', 'completed', 2_002, 10));
      expect(await statsOf()).toEqual({
        by_type_and_status: { track: { completed: 2 }, album: { partial: 1, completed: 1 } },
        total_successful_tracks: 16,
      });
      expect(await statsOf()).toEqual(await recounted());

      // The two old records go; a group left empty is not listed.
      expect(await history.cleanup(1_500)).toBe(2);
      expect(await statsOf()).toEqual({
        by_type_and_status: { track: { completed: 1 }, album: { completed: 1 } },
        total_successful_tracks: 11,
      });
      expect(await statsOf()).toEqual(await recounted());
      expect((await history.stats(2_000)).recent_downloads_7d).toBe(2);
    },
  );
});
