import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCatalog } from '@music-apis/catalog';
import {
  createDemoSpotifyCatalog,
  type WatchAlbumDownload,
  type WatchDownloads,
  type WatchTrackDownload,
  watchConfigView,
} from '@music-apis/domain';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { loadConfig } from '../src/core/config.js';
import { createDatabase, type Knex, migrate } from '../src/core/db.js';
import { createJobQueue, jobsMigration } from '../src/core/jobs.js';
import { createLogger } from '../src/core/logger.js';
import { createServerWatch, downloaderWatchMigration } from '../src/downloader/watch.js';

// Two server instances on one database: a scheduled tick is claimed by one of them, its check is
// one job that runs once, and a check queues each new item once, even when two run at once.

const logger = createLogger('silent');
const source = createDemoSpotifyCatalog(demoCatalog);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const postgres = await createScratchDatabase('downloader_watch');
afterAll(async () => postgres?.drop());

const playlist = demoCatalog.playlists()[0]!;
const artist = demoCatalog.artistAt(1);
const trackIds = playlist.trackIsrcs.map((isrc) => demoCatalog.findTrackByIsrc(isrc)!.id);

/**
 * `concurrent`: the two instances act at the same moment (PostgreSQL). Two SQLite connections in
 * one process cannot (better-sqlite3 waits for a lock synchronously, so the holder never gets to
 * commit); there they take turns, which still proves that the second finds the tick taken.
 */
function twoInstances(databases: [Knex, Knex], concurrent: boolean) {
  let now = Date.UTC(2026, 2, 1, 10);
  const config = watchConfigView({ enabled: true, watchPollIntervalSeconds: 60 });
  const queued: (WatchTrackDownload | WatchAlbumDownload)[] = [];
  // The server hands new items to the download tasks; here the test records them.
  const downloads: WatchDownloads = {
    queueTrack: async (item) => void queued.push(item),
    queueAlbum: async (item) => void queued.push(item),
  };
  const both = async <Value>(steps: (() => Promise<Value>)[]) => {
    if (concurrent) return Promise.all(steps.map((step) => step()));
    const results: Value[] = [];
    for (const step of steps) results.push(await step());
    return results;
  };
  const instances = databases.map((db) => {
    const jobs = createJobQueue(db, logger, { now: () => now });
    const watch = createServerWatch({
      db,
      jobs,
      logger,
      source,
      watchConfig: async () => config,
      downloads,
      now: () => new Date(now),
    });
    return { jobs, watch };
  });
  return {
    instances,
    queued,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    drainBoth: async () =>
      (
        await both(
          instances.map(
            ({ jobs }) =>
              () =>
                jobs.drain(),
          ),
        )
      ).reduce((a, b) => a + b),
    sweepBoth: async () =>
      (
        await both(
          instances.map(
            ({ watch }) =>
              () =>
                watch.sweep(),
          ),
        )
      ).filter(Boolean),
  };
}

function watchTests(open: () => Promise<[Knex, Knex]>, concurrent: boolean) {
  it('runs each scheduled tick on one instance, one item per interval, and queues each new item once', async () => {
    const { instances, queued, advance, drainBoth, sweepBoth } = twoInstances(await open(), concurrent);
    const [first] = instances;
    await first!.watch.service.addPlaylist(playlist.id, undefined);
    advance(1);
    await first!.watch.service.addArtist(artist.id, undefined);

    expect(await sweepBoth()).toEqual([]); // first seen on: the first tick is one interval away
    advance(59);
    expect(await sweepBoth()).toEqual([]);
    advance(1);
    expect(await sweepBoth()).toEqual([{ kind: 'playlist', id: playlist.id }]);
    expect(await sweepBoth()).toEqual([]);
    expect(await drainBoth()).toBe(1);
    expect(queued.map((item) => ('trackId' in item ? item.trackId : undefined))).toEqual(trackIds);

    advance(60);
    expect(await sweepBoth()).toEqual([{ kind: 'artist', id: artist.id }]);
    expect(await drainBoth()).toBe(1);
    const albumIds = demoCatalog.albumsOfArtist(artist.id).map((album) => album.id);
    expect(queued.slice(trackIds.length).map((item) => 'albumId' in item && item.albumId)).toEqual(albumIds);

    // The playlist again: nothing new, but it was looked at.
    advance(60);
    expect(await sweepBoth()).toEqual([{ kind: 'playlist', id: playlist.id }]);
    expect(await drainBoth()).toBe(1);
    expect(queued).toHaveLength(trackIds.length + albumIds.length);
    const status = await first!.watch.service.playlistStatus(playlist.id);
    expect(status.playlist_data?.last_checked).toBe(Math.floor((Date.UTC(2026, 2, 1, 10) + 181_000) / 1000));

    // Two tracks forgotten, then two checks at once on the two instances: each queued once.
    await first!.watch.service.unmarkPlaylistTracks(playlist.id, [trackIds[0], trackIds[1]]);
    for (const { watch } of instances) await watch.service.triggerPlaylist(playlist.id);
    expect(await drainBoth()).toBe(2);
    const requeued = queued.slice(trackIds.length + albumIds.length);
    expect(requeued.map((item) => 'trackId' in item && item.trackId).sort()).toEqual(
      [trackIds[0], trackIds[1]].sort(),
    );
  });
}

describe('downloader watch schedule (SQLite, two instances on one file)', () => {
  watchTests(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-watch-'));
    const databases = [0, 1].map(() => createDatabase(loadConfig({}, { dataDir }))) as [Knex, Knex];
    await migrate(databases[0], [jobsMigration, downloaderWatchMigration]);
    cleanups.push(async () => {
      await Promise.all(databases.map((db) => db.destroy()));
      await rm(dataDir, { recursive: true, force: true });
    });
    return databases;
  }, false);
});

describe.skipIf(!postgres)('downloader watch schedule (PostgreSQL, two instances)', () => {
  watchTests(async () => {
    const databases = [0, 1].map(() => createDatabase(loadConfig({}, { databaseUrl: postgres!.url }))) as [
      Knex,
      Knex,
    ];
    await migrate(databases[0], [jobsMigration, downloaderWatchMigration]);
    cleanups.push(async () => {
      await Promise.all(databases.map((db) => db.destroy()));
    });
    return databases;
  }, true);
});
