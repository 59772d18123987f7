import { demoCatalog } from '@music-apis/catalog';
import {
  type DownloaderHistoryEntry,
  downloadAlbum,
  downloadTrack,
  taskStatusOf,
} from '@music-apis/sdk/downloader';
import { expect } from 'vitest';
import type { Scenario } from '../scenario.js';
import { anonymous, asAdmin, expectAuthRequired } from './downloader.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The download history (issue 15): what the original writes, when it writes it — a single track's
 * `in_progress` record replaced when it ends, an album's record with its tracks once it ends — and
 * the routes that read it, including those shadowed upstream (stats, search, recent, failed).
 * History is shared by every scenario of a target, so each looks only at its own tasks' records.
 */

/** Albums and a track no other scenario downloads (the task scenarios take albums from the front). */
const albums = [...demoCatalog.albums()];
const historyAlbum = albums[albums.length - 3]!;
const cancelledAlbum = albums[albums.length - 4]!;
const historyTrack = demoCatalog.tracksOfAlbum(albums[albums.length - 5]!.id)[0]!;
const runningTrack = demoCatalog.tracksOfAlbum(albums[albums.length - 5]!.id)[1]!;

const idsOf = (entries: readonly DownloaderHistoryEntry[]) => entries.map((entry) => entry.task_id);

export const downloaderHistoryScenarios: Scenario[] = [
  {
    name: 'history: a finished album is recorded with its tracks in order, a track with its format; get, children, list with filters, recent, search, stats',
    covers: [
      'listHistory',
      'getHistoryEntry',
      'getHistoryChildren',
      'getRecentHistory',
      'searchHistory',
      'getHistoryStats',
    ],
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const album = await downloadAlbum(client, historyAlbum.id);
      expect(taskStatusOf(await album.finished())).toBe('done');
      const track = await downloadTrack(client, historyTrack.id, { convertTo: 'MP3' });
      expect(taskStatusOf(await track.finished())).toBe('done');
      const albumTracks = demoCatalog.tracksOfAlbum(historyAlbum.id);

      const albumEntry = await client.getHistoryEntry({ task_id: album.taskId });
      expect(albumEntry).toMatchObject({
        task_id: album.taskId,
        download_type: 'album',
        title: historyAlbum.name,
        name: historyAlbum.name,
        status: 'completed',
        total_tracks: albumTracks.length,
        successful_tracks: albumTracks.length,
        failed_tracks: 0,
        skipped_tracks: 0,
        external_ids: { spotify: historyAlbum.id },
        url: `https://open.spotify.com/album/${historyAlbum.id}`,
        quality_format: 'OGG',
        service: 'spotify',
      });
      expect(albumEntry.artists).toContain(albumTracks[0]!.artistName);
      expect(albumEntry.children_table).toMatch(/^album_[0-9a-f]{10}$/);
      expect(albumEntry.file_path).toContain(historyAlbum.name);
      expect(albumEntry.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

      const children = await client.getHistoryChildren({ task_id: album.taskId });
      expect(children).toMatchObject({
        task_id: album.taskId,
        download_type: 'album',
        title: historyAlbum.name,
        children_table: albumEntry.children_table,
        track_count: albumTracks.length,
      });
      expect(children.tracks.map((child) => child.title)).toEqual(albumTracks.map((entry) => entry.name));
      expect(children.tracks.every((child) => child.status === 'completed')).toBe(true);
      expect(children.tracks[0]).toMatchObject({
        album_title: historyAlbum.name,
        isrc: albumTracks[0]!.isrc,
        track_number: 1,
        external_ids: { spotify: albumTracks[0]!.id },
      });
      expect(albumEntry.duration_total_ms).toBe(
        children.tracks.reduce((sum, child) => sum + (child.duration_ms ?? 0), 0),
      );

      const trackEntry = await client.getHistoryEntry({ task_id: track.taskId });
      expect(trackEntry).toMatchObject({
        download_type: 'track',
        title: historyTrack.name,
        status: 'completed',
        quality_format: 'MP3',
        children_table: null,
        total_tracks: null,
        external_ids: { spotify: historyTrack.id, isrc: historyTrack.isrc },
      });
      expect([0, 1]).toContain(trackEntry.explicit);
      expect(trackEntry.file_path).toMatch(/\.mp3$/);
      await expectApiError(client.getHistoryChildren({ task_id: track.taskId }), 404).then((body) =>
        expect(body).toEqual({ error: `Download '${track.taskId}' has no children tracks` }),
      );
      await expectApiError(client.getHistoryEntry({ task_id: 'no-such-task' }), 404).then((body) =>
        expect(body).toEqual({ error: "Download with task ID 'no-such-task' not found" }),
      );

      // Newest first, with the filters echoed; the track came after the album.
      const list = await client.listHistory({ limit: 500 });
      expect(list.pagination).toEqual({ limit: 500, offset: 0, returned_count: list.downloads.length });
      expect(list.filters).toBeUndefined();
      const ids = idsOf(list.downloads);
      expect(ids.indexOf(track.taskId)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(track.taskId)).toBeLessThan(ids.indexOf(album.taskId));
      const timestamps = list.downloads.map((entry) => entry.timestamp);
      expect(timestamps).toEqual([...timestamps].sort((a, b) => b - a));
      const onlyAlbums = await client.listHistory({
        download_type: 'album',
        status: 'completed',
        limit: 500,
      });
      expect(onlyAlbums.filters).toEqual({ download_type: 'album', status: 'completed' });
      expect(idsOf(onlyAlbums.downloads)).toContain(album.taskId);
      expect(idsOf(onlyAlbums.downloads)).not.toContain(track.taskId);
      // As upstream, a larger limit is read as its cap, not refused.
      expect((await client.listHistory({ limit: 5000 })).pagination.limit).toBe(500);
      const paged = await client.listHistory({ limit: 1, offset: 1 });
      expect(paged.downloads.map((entry) => entry.task_id)).toEqual(ids.slice(1, 2));
      const iterated: string[] = [];
      for await (const entry of client.iterateHistory({ limit: 2 })) iterated.push(entry.task_id);
      expect(iterated.slice(0, ids.length)).toEqual(ids);
      await expectApiError(client.listHistory({ download_type: 'artist' as 'album' }), 400).then((body) =>
        expect(body).toEqual({
          error: "Invalid download_type. Must be one of: ['track', 'album', 'playlist']",
        }),
      );

      const recent = await client.getRecentHistory({ limit: 1 });
      expect(recent).toMatchObject({ count: 1, limit: 1 });
      expect(recent.downloads[0]!.timestamp).toBe(list.downloads[0]!.timestamp);

      // Case-insensitive substring of the title or an artist name.
      const word = historyAlbum.name.slice(1, 6).toUpperCase();
      const found = await client.searchHistory({ q: word });
      expect(found).toMatchObject({ query: word, limit: 50, result_count: found.results.length });
      expect(idsOf(found.results)).toContain(album.taskId);
      const byArtist = await client.searchHistory({ q: historyTrack.artistName.toLowerCase(), limit: 200 });
      expect(idsOf(byArtist.results)).toContain(track.taskId);
      expect((await client.searchHistory({ q: 'no download is called this' })).results).toEqual([]);
      const noQuery = await fetch(`${context.baseUrl}/api/history/search`, {
        headers: { authorization: `Bearer ${await client.session!.getToken()}` },
      });
      expect(noQuery.status).toBe(400);
      expect(await noQuery.json()).toEqual({ error: 'Missing required parameter: q (search query)' });

      const stats = await client.getHistoryStats();
      expect(stats.by_type_and_status.album?.completed).toBeGreaterThanOrEqual(1);
      expect(stats.by_type_and_status.track?.completed).toBeGreaterThanOrEqual(1);
      expect(stats.total_successful_tracks).toBeGreaterThanOrEqual(albumTracks.length + 1);
      expect(stats.recent_downloads_7d).toBeGreaterThanOrEqual(2);
    },
  },
  {
    name: 'history: a running track is in_progress, then failed once cancelled; a cancelled album is failed with its counts; the failed list shows both; cleanup keeps recent records; auth is required',
    covers: ['getHistoryEntry', 'getFailedHistory', 'cleanupHistory', 'listHistory'],
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const running = await downloadTrack(client, runningTrack.id, { real_time: true });
      // The in_progress record is written when the track starts (its `initializing` callback).
      for await (const task of running.progress()) {
        if (taskStatusOf(task) === 'initializing' && task.last_line && 'track' in task.last_line) break;
      }
      const inProgress = await client.getHistoryEntry({ task_id: running.taskId });
      expect(inProgress).toMatchObject({
        status: 'in_progress',
        completed_at: null,
        title: runningTrack.name,
      });
      await running.cancel();
      const ended = await client.getHistoryEntry({ task_id: running.taskId });
      expect(ended).toMatchObject({ id: inProgress.id, status: 'failed' });
      expect(ended.metadata).toMatchObject({ status_info: { status: 'cancelled' } });

      const album = await downloadAlbum(client, cancelledAlbum.id, { real_time: true });
      await album.cancel();
      const albumEntry = await client.getHistoryEntry({ task_id: album.taskId });
      expect(albumEntry).toMatchObject({
        download_type: 'album',
        status: 'failed',
        successful_tracks: 0,
        total_tracks: demoCatalog.tracksOfAlbum(cancelledAlbum.id).length,
      });

      const failed = await client.getFailedHistory({ limit: 200 });
      expect(failed).toMatchObject({ limit: 200, count: failed.downloads.length });
      expect(idsOf(failed.downloads)).toEqual(expect.arrayContaining([running.taskId, album.taskId]));
      expect(failed.downloads.every((entry) => entry.status === 'failed')).toBe(true);
      const filtered = await client.listHistory({ status: 'failed', download_type: 'track' });
      expect(idsOf(filtered.downloads)).toContain(running.taskId);
      expect(idsOf(filtered.downloads)).not.toContain(album.taskId);

      // Nothing here is a day old: cleanup deletes none of it.
      const cleaned = await client.cleanupHistory({ body: { days_old: 1 } });
      expect(cleaned).toEqual({
        message: 'Successfully cleaned up old download history',
        deleted_records: 0,
        days_old: 1,
      });
      expect((await client.getHistoryEntry({ task_id: album.taskId })).task_id).toBe(album.taskId);
      await expectApiError(client.cleanupHistory({ body: { days_old: 0 } }), 400).then((body) =>
        expect(body).toEqual({ error: 'days_old must be a positive integer' }),
      );
      expect((await client.cleanupHistory()).days_old).toBe(30);
      await expectAuthRequired(anonymous(context).listHistory());
    },
  },
];
