import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { demoCatalog } from '@music-apis/catalog';
import { type DownloadSettings, trackPathOf } from '@music-apis/domain';
import {
  createDownloaderClient,
  downloadAlbum,
  downloadTrack,
  taskStatusOf,
} from '@music-apis/sdk/downloader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable } from '../../../tests/contract/ffmpeg.js';
import { DOWNLOAD_QUEUE } from '../src/downloader/tasks.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * What a download leaves on disk: the offline provider's real audio files, named by the
 * templates, tagged, with the cover embedded and saved, converted by ffmpeg; without ffmpeg the
 * task fails saying so; a task whose instance died is marked interrupted and can be queued again.
 */

const hasFfmpeg = ffmpegAvailable('downloader downloads');

function probe(path: string) {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path], {
      encoding: 'utf8',
    }),
  ) as {
    format: { format_name: string; duration: string; tags?: Record<string, string> };
    streams: {
      codec_type: string;
      codec_name: string;
      disposition?: { attached_pic?: number };
      tags?: Record<string, string>;
    }[];
  };
}
const lowerKeys = (tags: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(tags).map(([key, value]) => [key.toLowerCase(), value]));

const albums = [...demoCatalog.albums()];

describe('download paths', () => {
  const settings: DownloadSettings = {
    service: 'spotify',
    realTime: false,
    realTimeMultiplier: 0,
    customDirFormat: '%ar_album%/%album%',
    customTrackFormat: '%tracknum%. %music%',
    tracknumPadding: true,
    padNumberWidth: 3,
    saveCover: true,
    convertTo: null,
    bitrate: null,
    artistSeparator: '; ',
    quality: 'NORMAL',
  };
  const naming = {
    title: 'Mood/Indigo?',
    artists: ['A', 'B'],
    album: '..Hidden',
    albumArtists: ['A'],
    trackNumber: 7,
    discNumber: 1,
    totalTracks: 12,
    releaseDate: '2008-02-11',
  };
  it('fills the templates, pads track numbers (a width or "auto"), keeps every segment safe', () => {
    expect(trackPathOf(naming, settings)).toBe('A/Hidden/007. Mood_Indigo_.ogg');
    expect(trackPathOf(naming, { ...settings, padNumberWidth: 'auto' })).toBe(
      'A/Hidden/07. Mood_Indigo_.ogg',
    );
    expect(trackPathOf(naming, { ...settings, tracknumPadding: false, convertTo: 'flac' })).toBe(
      'A/Hidden/7. Mood_Indigo_.flac',
    );
    expect(
      trackPathOf(
        naming,
        { ...settings, customDirFormat: '%artist%/../%year%', customTrackFormat: '%isrc%%music%' },
        'bob',
      ),
    ).toBe('bob/A; B/_/2008/Mood_Indigo_.ogg');
  });
});

describe.skipIf(!hasFfmpeg)('downloads on disk (SQLite)', () => {
  let test: TestServer;
  beforeAll(async () => {
    // Three workers, so downloads get two (a download never takes the last worker): a download
    // whose lease lapsed is then taken over in this process, standing in for another instance.
    test = await startTestServer({ jobs: { pollIntervalMs: 20, concurrency: 3, leaseMs: 30_000 } });
  });
  afterAll(async () => {
    await test?.stop();
  });
  const client = () => createDownloaderClient({ baseUrl: test.baseUrl, retry: 0 });
  const downloads = () => join(test.dataDir, 'downloads');

  it('writes a tagged MP3 with its cover embedded and cover.jpg beside it, named by the templates', async () => {
    const album = albums[5]!;
    const track = demoCatalog.tracksOfAlbum(album.id)[1]!;
    const task = await downloadTrack(client(), track.id, {
      convertTo: 'MP3',
      bitrate: '192k',
      custom_dir_format: '%artist%/%album%',
      custom_track_format: '%tracknum% - %music%',
    });
    const finished = await task.finished();
    expect(taskStatusOf(finished)).toBe('done');
    const directory = join(downloads(), track.artistName, album.name);
    const file = join(directory, `${String(track.trackNumber).padStart(3, '0')} - ${track.name}.mp3`);
    expect(existsSync(file), file).toBe(true);
    expect(existsSync(join(directory, 'cover.jpg'))).toBe(true);
    expect(readdirSync(directory).filter((name) => name.startsWith('.part-'))).toEqual([]);
    const probed = probe(file);
    expect(probed.format.format_name).toBe('mp3');
    expect(Number(probed.format.duration)).toBeCloseTo(3, 0);
    expect(lowerKeys(probed.format.tags)).toMatchObject({
      title: track.name,
      artist: track.artistName,
      album: album.name,
      track: `${track.trackNumber}/${album.trackCount}`,
    });
    expect(probed.streams.find((stream) => stream.codec_type === 'video')?.disposition?.attached_pic).toBe(1);
  });

  it('keeps the service format (Ogg Vorbis for Spotify) without convertTo, and no cover with save_cover=false', async () => {
    const album = albums[6]!;
    const task = await downloadAlbum(client(), album.id, { save_cover: false });
    const finished = await task.finished();
    expect(taskStatusOf(finished)).toBe('done');
    const directory = join(downloads(), album.artistName, album.name);
    const files = readdirSync(directory).sort();
    expect(files).toHaveLength(album.trackCount);
    expect(files.every((name) => name.endsWith('.ogg'))).toBe(true);
    const probed = probe(join(directory, files[0]!));
    expect(probed.streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'vorbis' });
    // Ogg keeps its comments on the stream.
    expect(lowerKeys(probed.streams[0]!.tags)).toMatchObject({
      album: album.name,
      title: expect.any(String),
    });
  });

  it('marks a task whose instance died as interrupted, and queues the same item again', async () => {
    const album = albums[7]!;
    const track = demoCatalog.tracksOfAlbum(album.id)[0]!;
    // A realTime download runs for the length of its track: long enough to pull its job away.
    const task = await downloadTrack(client(), track.id, { real_time: true });
    await expect.poll(async () => taskStatusOf(await task.get()), { timeout: 10_000 }).toBe('initializing');
    // What a dead instance leaves: the job still `running`, its lease lapsed. The next poll takes it over.
    const { db } = test.server;
    await db('jobs').where({ queue: DOWNLOAD_QUEUE }).update({ locked_until: 0 });
    await expect.poll(async () => taskStatusOf(await task.get()), { timeout: 10_000 }).toBe('error');
    expect((await task.get()).last_line).toMatchObject({
      status: 'error',
      error: expect.stringContaining('interrupted'),
      can_retry: true,
    });
    const again = await downloadTrack(client(), track.id);
    expect(again.taskId).not.toBe(task.taskId);
    expect(taskStatusOf(await again.finished())).toBe('done');
  });
});

describe.skipIf(!hasFfmpeg)('downloads across a restart (SQLite)', () => {
  it('a shutdown stops a running realTime download and marks it interrupted; the tasks are there after the restart', async () => {
    const jobs = { pollIntervalMs: 20, concurrency: 2, leaseMs: 30_000 };
    const first = await startTestServer({ jobs });
    const client = createDownloaderClient({ baseUrl: first.baseUrl, retry: 0 });
    const finished = await downloadTrack(client, demoCatalog.tracksOfAlbum(albums[10]!.id)[0]!.id);
    expect(taskStatusOf(await finished.finished())).toBe('done');
    const running = await downloadTrack(client, demoCatalog.tracksOfAlbum(albums[11]!.id)[0]!.id, {
      real_time: true,
    });
    await expect
      .poll(async () => taskStatusOf(await running.get()), { timeout: 10_000 })
      .toBe('initializing');
    // Would wait out the track's length (minutes) if the shutdown did not stop it.
    await first.stop(false);

    const second = await startTestServer({ jobs, dataDir: first.dataDir });
    try {
      const again = createDownloaderClient({ baseUrl: second.baseUrl, retry: 0 });
      expect(taskStatusOf(await again.getTask({ task_id: finished.taskId }))).toBe('done');
      const interrupted = await again.getTask({ task_id: running.taskId });
      expect(interrupted.last_line).toMatchObject({
        status: 'error',
        error: expect.stringContaining('interrupted'),
      });
      const list = await again.listTasks({ limit: 100 });
      expect(list.tasks.map((task) => task.task_id)).toEqual(
        expect.arrayContaining([finished.taskId, running.taskId]),
      );
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe('downloads without ffmpeg', () => {
  let test: TestServer;
  beforeAll(async () => {
    const base = await startTestServer({ jobs: { pollIntervalMs: 20, concurrency: 1, leaseMs: 30_000 } });
    const collections = base.server.config.collections;
    await base.stop();
    test = await startTestServer({
      jobs: { pollIntervalMs: 20, concurrency: 1, leaseMs: 30_000 },
      collections: { ...collections, ffmpegPath: '/nonexistent/ffmpeg' },
    });
  });
  afterAll(async () => {
    await test?.stop();
  });

  it('fails the task with a message that says ffmpeg is missing', async () => {
    const client = createDownloaderClient({ baseUrl: test.baseUrl, retry: 0 });
    const task = await downloadTrack(client, demoCatalog.tracksOfAlbum(albums[8]!.id)[0]!.id);
    const finished = await task.finished();
    expect(taskStatusOf(finished)).toBe('error');
    expect(finished.last_line).toMatchObject({
      status: 'error',
      error: expect.stringContaining('ffmpeg is not available'),
    });
  });
});
