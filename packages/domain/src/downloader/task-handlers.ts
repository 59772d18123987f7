import { type DownloaderHandlers, ok } from './handler-kit.js';
import type { DownloadTaskService } from './tasks.js';

/** The download and progress operations served by the shared handlers (the SSE stream is per side). */
export type DownloadTaskOperation =
  | 'downloadTrack'
  | 'cancelTrackDownload'
  | 'downloadAlbum'
  | 'cancelAlbumDownload'
  | 'downloadPlaylist'
  | 'cancelPlaylistDownload'
  | 'downloadArtistDiscography'
  | 'cancelArtistDownload'
  | 'listTasks'
  | 'getTaskUpdates'
  | 'cancelAllTasks'
  | 'cancelTask'
  | 'deleteTask'
  | 'getTask';

const accepted = <Body>(body: Body) => ({ status: 202 as const, body });

/** The query overrides as sent: the validated query, without what is not an override. */
const overridesOf = (query: object) =>
  Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));

/**
 * The handlers of the downloads and the progress routes, the same in the server and the mock;
 * `baseUrlOf` gives the origin a task's `original_url` points at (the request's own).
 */
export function downloadTaskHandlers<Env, Raw>(
  tasks: DownloadTaskService,
  baseUrlOf: (env: Env) => string,
): Pick<DownloaderHandlers<Env, Raw>, DownloadTaskOperation> {
  return {
    downloadTrack: async ({ path, query, principal }) =>
      accepted({
        task_id: (await tasks.queue('track', path.track_id, principal.username, overridesOf(query))).taskId,
      }),
    downloadAlbum: async ({ path, query, principal }) =>
      accepted({
        task_id: (await tasks.queue('album', path.album_id, principal.username, overridesOf(query))).taskId,
      }),
    downloadPlaylist: async ({ path, query, principal }) =>
      accepted({
        task_id: (await tasks.queue('playlist', path.playlist_id, principal.username, overridesOf(query)))
          .taskId,
      }),
    downloadArtistDiscography: async ({ path, query, principal }) =>
      accepted(await tasks.queueArtist(path.artist_id, principal.username, query.album_type?.split(','))),
    cancelTrackDownload: async ({ query }) => ok(await tasks.cancelDownload(query.task_id)),
    cancelAlbumDownload: async ({ query }) => ok(await tasks.cancelDownload(query.task_id)),
    cancelPlaylistDownload: async ({ query }) => ok(await tasks.cancelDownload(query.task_id)),
    cancelArtistDownload: async ({ query }) => ok(await tasks.cancelDownload(query.task_id)),

    listTasks: async ({ query }, env) =>
      ok(
        await tasks.list(
          { page: query.page ?? 1, limit: query.limit ?? 50, activeOnly: query.active_only === true },
          baseUrlOf(env),
        ),
      ),
    getTaskUpdates: async ({ query }, env) =>
      ok(
        await tasks.updates(
          {
            since: query.since,
            page: query.page ?? 1,
            limit: query.limit ?? 20,
            activeOnly: query.active_only === true,
          },
          baseUrlOf(env),
        ),
      ),
    cancelAllTasks: async () => ok(await tasks.cancelAll()),
    cancelTask: async ({ path }) => ok(await tasks.cancelTask(path.task_id)),
    deleteTask: async ({ path }) => ok(await tasks.deleteTask(path.task_id)),
    getTask: async ({ path }, env) => ok(await tasks.get(path.task_id, baseUrlOf(env))),
  };
}
