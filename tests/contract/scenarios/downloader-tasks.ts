import { type CatalogAlbum, demoCatalog } from '@music-apis/catalog';
import {
  createDownloaderClient,
  type DownloaderTask,
  downloadAlbum,
  downloadPlaylist,
  downloadTrack,
  isApiError,
  sseDataOf,
  taskStatusOf,
  watchTaskProgress,
} from '@music-apis/sdk/downloader';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { anonymous, asAdmin, CONTRACT_DOWNLOADER_ADMIN, expectAuthRequired } from './downloader.js';
import { expectApiError } from './expect-api-error.js';

/**
 * Downloads, tasks and the progress stream (issue 15): a download answers 202 with a task id, the
 * task moves through the original's statuses (queued → processing → initializing → `real-time`
 * → done) on every target — on the server the offline provider writes real files with ffmpeg —
 * and the stream (`data:` frames only) shows it. Every scenario downloads items of its own, so
 * they do not meet as duplicates; realTime downloads (as long as their tracks) stand in for
 * "still running" and are cancelled before the scenario ends.
 */

async function adminToken(context: ScenarioContext) {
  return (await anonymous(context).login({ body: { ...CONTRACT_DOWNLOADER_ADMIN } })).access_token;
}

const albums = [...demoCatalog.albums()];
const artistsWithTwoAlbums = [...demoCatalog.artists()].filter(
  (artist) => demoCatalog.albumsOfArtist(artist.id).length >= 2,
);
/** Albums no other scenario downloads, by purpose (the artist scenario's artist is kept out). */
const discographyArtist = artistsWithTwoAlbums[artistsWithTwoAlbums.length - 1]!;
const freeAlbums = albums.filter((album) => album.artistId !== discographyArtist.id);
const [trackAlbum, streamAlbum, longAlbum, cancelAllAlbumA, cancelAllAlbumB, authAlbum] = freeAlbums.slice(
  2,
) as [CatalogAlbum, CatalogAlbum, CatalogAlbum, CatalogAlbum, CatalogAlbum, CatalogAlbum];
const smallestPlaylist = [...demoCatalog.playlists()].sort(
  (a, b) => a.trackIsrcs.length - b.trackIsrcs.length,
)[0]!;

/** Statuses seen by a task's progress, in order, without repeats. */
const distinct = (statuses: string[]) => statuses.filter((status, index) => status !== statuses[index - 1]);

export const downloaderTaskScenarios: Scenario[] = [
  {
    name: 'track download: 202 with a task id; followed on the stream, it goes queued → processing → initializing → real-time → done; get, list and updates show it',
    covers: ['downloadTrack', 'getTask', 'listTasks', 'getTaskUpdates', 'streamTaskProgress'],
    // Runs to done: on the server the offline provider writes its files with ffmpeg.
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const track = demoCatalog.tracksOfAlbum(trackAlbum.id)[0]!;
      const before = Date.now() / 1000 - 1;
      const task = await downloadTrack(client, track.id);
      expect(task.taskId).toMatch(/^[0-9a-f-]{36}$/);

      const seen: DownloaderTask[] = [];
      for await (const update of task.progress()) seen.push(update);
      const last = seen[seen.length - 1]!;
      expect(taskStatusOf(last)).toBe('done');
      const statuses = distinct(seen.map(taskStatusOf));
      // The stream may open after the first statuses were written; what it shows keeps the order.
      const order = ['queued', 'processing', 'initializing', 'real-time', 'done'];
      expect(statuses.every((status) => order.includes(status))).toBe(true);
      expect(statuses.map((status) => order.indexOf(status))).toEqual(
        [...statuses.map((status) => order.indexOf(status))].sort((a, b) => a - b),
      );
      expect(last.last_line).toMatchObject({
        track: { type: 'track', title: track.name, ids: { spotify: track.id, isrc: track.isrc } },
        status_info: { status: 'done' },
      });

      const fetched = await client.getTask({ task_id: task.taskId });
      expect(fetched).toMatchObject({
        task_id: task.taskId,
        download_type: 'track',
        type: 'track',
        name: track.name,
        artist: track.artistName,
        original_url: `${context.baseUrl}/api/track/download/${track.id}`,
      });
      expect(fetched.status_count).toBeGreaterThanOrEqual(7);
      expect(fetched.created_at).toBeGreaterThan(before);

      const list = await client.listTasks({ page: 1, limit: 100 });
      expect(list.tasks.map((entry) => entry.task_id)).toContain(task.taskId);
      expect(list.task_counts.completed).toBeGreaterThanOrEqual(1);
      expect(list.pagination).toMatchObject({ page: 1, limit: 100, has_more: false });
      expect(list.all_tasks_count).toBe(list.pagination.total_items);
      const active = await client.listTasks({ active_only: true });
      expect(active.tasks.map((entry) => entry.task_id)).not.toContain(task.taskId);
      expect(active.pagination).toMatchObject({ total_pages: 1, has_more: false });

      const updates = await client.getTaskUpdates({ since: before });
      expect(updates.tasks.map((entry) => entry.task_id)).toContain(task.taskId);
      expect(updates).toMatchObject({ since_timestamp: before, updated_count: updates.tasks.length });
      const later = await client.getTaskUpdates({ since: updates.current_timestamp + 1 });
      expect(later.tasks.map((entry) => entry.task_id)).not.toContain(task.taskId);

      await expectApiError(client.getTask({ task_id: 'no-such-task' }), 404).then((body) =>
        expect(body).toEqual({ detail: 'Task not found' }),
      );
    },
  },
  {
    name: 'album download on the raw stream: data-only frames, the snapshot with counters, per-track callbacks of the parent, done with its summary',
    covers: ['downloadAlbum', 'streamTaskProgress'],
    // Runs to done: on the server the offline provider writes its files with ffmpeg.
    needsEncoder: true,
    async run(context) {
      const token = await adminToken(context);
      const response = await fetch(`${context.baseUrl}/api/prgs/stream?token=${encodeURIComponent(token)}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const tracks = demoCatalog.tracksOfAlbum(streamAlbum.id);
      const frames: Record<string, unknown>[] = [];
      let taskId: string | undefined;
      let raw = '';
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const decoded = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          raw += value;
          controller.enqueue(new TextEncoder().encode(value));
        },
        cancel: () => reader.cancel(),
      });
      for await (const data of sseDataOf(decoded)) {
        const frame = JSON.parse(data) as Record<string, unknown>;
        frames.push(frame);
        if (frames.length === 1) {
          expect(frame).toMatchObject({ initial: true, tasks: expect.any(Array) });
          expect(frame.task_counts).toMatchObject({
            active: expect.any(Number),
            completed: expect.any(Number),
          });
          expect(frame).not.toHaveProperty('change_type');
          const { task_id } = await asAdmin(context).downloadAlbum({ album_id: streamAlbum.id });
          taskId = task_id;
          continue;
        }
        const task = (frame.tasks as DownloaderTask[] | undefined)?.find((entry) => entry.task_id === taskId);
        if (frame.change_type === 'realtime') expect(frame.task_counts).toBeDefined();
        if (task && taskStatusOf(task) === 'done') break;
      }
      // Every frame is one `data:` line and a blank line: no `event:`, `id:` or `retry:` fields.
      expect(raw.split('\n').filter((line) => line !== '' && !line.startsWith('data: '))).toEqual([]);
      const lines = frames
        .filter((frame) => frame.change_type === 'realtime')
        .flatMap((frame) => (frame.tasks as DownloaderTask[]).filter((task) => task.task_id === taskId))
        .map((task) => task.last_line as Record<string, unknown>);
      // Every status write has its frame, from whichever instance made it.
      expect(lines.some((line) => line.status === 'processing')).toBe(true);
      const progress = lines.find(
        (line) => (line.status_info as { status?: string } | undefined)?.status === 'real-time',
      );
      expect(progress).toMatchObject({
        track: { title: tracks[0]!.name },
        current_track: 1,
        total_tracks: tracks.length,
        parent: { type: 'album', title: streamAlbum.name },
        status_info: { status: 'real-time', progress: expect.any(Number), time_elapsed: expect.any(Number) },
      });
      const done = lines[lines.length - 1]!;
      expect(done).toMatchObject({
        album: { title: streamAlbum.name },
        status_info: {
          status: 'done',
          summary: { total_successful: tracks.length, total_failed: 0, total_skipped: 0 },
        },
      });
      const task = await asAdmin(context).getTask({ task_id: taskId! });
      expect(task).toMatchObject({
        download_type: 'album',
        name: streamAlbum.name,
        artist: streamAlbum.artistName,
      });
    },
  },
  {
    name: 'playlist download runs to done; its task names the playlist and its owner',
    covers: ['downloadPlaylist'],
    // Runs to done: on the server the offline provider writes its files with ffmpeg.
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const task = await downloadPlaylist(client, smallestPlaylist.id);
      const finished = await task.finished();
      expect(taskStatusOf(finished)).toBe('done');
      expect(finished).toMatchObject({
        download_type: 'playlist',
        name: smallestPlaylist.name,
        artist: smallestPlaylist.ownerName,
      });
      expect(finished.last_line).toMatchObject({
        playlist: { type: 'playlist', title: smallestPlaylist.name },
        status_info: { status: 'done', summary: { total_successful: smallestPlaylist.trackIsrcs.length } },
      });
      await expectApiError(client.downloadPlaylist({ playlist_id: 'NoSuchPlaylist000000000' }), 404).then(
        (body) =>
          expect(body).toEqual({
            error: 'Could not retrieve metadata for playlist ID: NoSuchPlaylist000000000',
          }),
      );
    },
  },
  {
    name: 'duplicates and cancel: a running download of the same item is a 409 naming it; cancelled (also by the /download/cancel routes) it can be queued again; delete forgets it',
    covers: [
      'downloadAlbum',
      'cancelAlbumDownload',
      'cancelTrackDownload',
      'cancelPlaylistDownload',
      'cancelTask',
      'deleteTask',
      'getTask',
    ],
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const first = await downloadAlbum(client, longAlbum.id, { real_time: true });
      const duplicate = await expectApiError(client.downloadAlbum({ album_id: longAlbum.id }), 409);
      expect(duplicate).toEqual({ error: 'Duplicate download detected.', existing_task: first.taskId });

      expect(await client.cancelAlbumDownload({ task_id: first.taskId })).toEqual({
        status: 'cancelled',
        task_id: first.taskId,
      });
      const cancelled = await first.get();
      expect(taskStatusOf(cancelled)).toBe('cancelled');
      expect(cancelled.last_line).toMatchObject({
        status: 'cancelled',
        error: 'Task cancelled by user',
        status_info: { status: 'cancelled', error: 'Task cancelled by user' },
      });

      // Cancelled, the item may be queued again (a new task), and cancelled through the other routes.
      const second = await downloadAlbum(client, longAlbum.id, { real_time: true });
      expect(second.taskId).not.toBe(first.taskId);
      expect(await client.cancelTask({ task_id: second.taskId })).toMatchObject({
        status: 'cancelled',
        task_id: second.taskId,
      });
      const third = await downloadAlbum(client, longAlbum.id, { real_time: true });
      expect(await client.cancelTrackDownload({ task_id: third.taskId })).toMatchObject({
        status: 'cancelled',
      });
      const fourth = await downloadAlbum(client, longAlbum.id, { real_time: true });
      expect(await client.cancelPlaylistDownload({ task_id: fourth.taskId })).toMatchObject({
        status: 'cancelled',
      });

      await expectApiError(client.cancelTrackDownload({ task_id: 'no-such-task' }), 404);
      const unknown = await expectApiError(client.cancelTask({ task_id: 'no-such-task' }), 400);
      expect(unknown).toEqual({
        detail: {
          status: 'error',
          message:
            'Cancellation for old system is not supported in the new API. Please use the new task ID format.',
        },
      });
      const token = await adminToken(context);
      const missing = await fetch(`${context.baseUrl}/api/track/download/cancel`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: 'Missing process id (task_id) parameter' });

      expect(await client.deleteTask({ task_id: first.taskId })).toEqual({
        message: `Task ${first.taskId} deleted successfully`,
      });
      await expectApiError(client.getTask({ task_id: first.taskId }), 404);
      await expectApiError(client.deleteTask({ task_id: first.taskId }), 404).then((body) =>
        expect(body).toEqual({ detail: 'Task not found' }),
      );
    },
  },
  {
    name: 'cancel all: every running task is cancelled and counted',
    covers: ['cancelAllTasks'],
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const a = await downloadAlbum(client, cancelAllAlbumA.id, { real_time: true });
      const b = await downloadAlbum(client, cancelAllAlbumB.id, { real_time: true });
      const result = await client.cancelAllTasks();
      expect(result.cancelled_count).toBeGreaterThanOrEqual(2);
      expect(result).toMatchObject({
        message: `Attempted to cancel all active tasks. ${result.cancelled_count} tasks cancelled.`,
        errors: [],
      });
      expect(taskStatusOf(await a.get())).toBe('cancelled');
      expect(taskStatusOf(await b.get())).toBe('cancelled');
      const active = await client.listTasks({ active_only: true });
      expect(active.tasks.map((task) => task.task_id)).not.toContain(a.taskId);
    },
  },
  {
    name: 'artist discography: one album task per album of the groups asked for; an album already running is listed as a duplicate; its task cancels through the artist route',
    covers: ['downloadArtistDiscography', 'cancelArtistDownload'],
    needsEncoder: true,
    async run(context) {
      const client = asAdmin(context);
      const [running, ...others] = demoCatalog.albumsOfArtist(discographyArtist.id);
      const first = await downloadAlbum(client, running!.id, { real_time: true });
      const accepted = await client.downloadArtistDiscography({
        artist_id: discographyArtist.id,
        album_type: 'album,single,compilation',
      });
      expect(accepted).toMatchObject({
        status: 'complete',
        message: `Artist discography processing initiated. ${others.length} albums queued.`,
        duplicate_albums: [first.taskId],
      });
      expect(accepted.queued_albums).toHaveLength(others.length);
      const queued = await client.getTask({ task_id: accepted.queued_albums[0]! });
      expect(queued.download_type).toBe('album');
      expect(others.map((album) => album.name)).toContain(queued.name);

      expect(await client.cancelArtistDownload({ task_id: first.taskId })).toEqual({
        status: 'cancelled',
        task_id: first.taskId,
      });
      const unknown = await expectApiError(
        client.downloadArtistDiscography({ artist_id: 'NoSuchArtist00000000000' }),
        404,
      );
      expect(unknown).toEqual({
        status: 'error',
        message: 'No albums found for artist NoSuchArtist00000000000',
      });
    },
  },
  {
    name: 'downloads and progress with auth on: no token or a bad one is refused (the stream too) and nothing is queued',
    covers: ['downloadTrack', 'downloadAlbum', 'listTasks', 'streamTaskProgress', 'cancelAllTasks'],
    async run(context) {
      const track = demoCatalog.tracksOfAlbum(authAlbum.id)[0]!;
      const before = await asAdmin(context).listTasks({ limit: 100 });
      await expectAuthRequired(anonymous(context).downloadTrack({ track_id: track.id }));
      await expectAuthRequired(anonymous(context).downloadAlbum({ album_id: authAlbum.id }));
      await expectAuthRequired(anonymous(context).listTasks({}));
      await expectAuthRequired(anonymous(context).cancelAllTasks());
      const forged = createDownloaderClient({ baseUrl: context.baseUrl, retry: 0, auth: 'not-a-token' });
      await expectAuthRequired(forged.downloadTrack({ track_id: track.id }));
      await expectAuthRequired(forged.streamTaskProgress());
      const stream = await fetch(`${context.baseUrl}/api/prgs/stream?token=not-a-token`);
      expect(stream.status).toBe(401);
      expect(await stream.json()).toEqual({ detail: 'Authentication required', auth_enabled: true });
      const after = await asAdmin(context).listTasks({ limit: 100 });
      expect(after.all_tasks_count).toBe(before.all_tasks_count);
      expect(after.tasks.some((task) => task.name === track.name || task.name === authAlbum.name)).toBe(
        false,
      );

      // The stream watcher of the SDK does not retry a refusal.
      const watch = watchTaskProgress(anonymous(context));
      const refused = await (async () => {
        try {
          for await (const _frame of watch) return undefined;
        } catch (error) {
          return error;
        }
      })();
      expect(isApiError(refused) && refused.status).toBe(401);
    },
  },
];
