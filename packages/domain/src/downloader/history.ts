import type { components } from '@music-apis/spec/downloader';
import { naiveUtc } from './auth.js';
import type { SpotifyCatalogSource, SpotifyTrackObject } from './catalog.js';
import { outputFormatNameOf, outputFormatOf } from './download-paths.js';
import { downloaderError } from './errors.js';
import { type DownloaderHandlers, ok } from './handler-kit.js';
import type { DownloadTaskRecord, TaskChild } from './task-views.js';
import { spotifyUrlOf, statusOfLine } from './task-views.js';
import { callbackAlbumOf, callbackPlaylistOf, callbackTrackOf, type DownloadTaskEvents } from './tasks.js';

/**
 * The download history (research §2.4): the durable record of downloads, while tasks themselves
 * are ephemeral upstream. Rows are written at the moments the original writes them, through the
 * task runner's events:
 * - a single track: an `in_progress` record when it starts (its `initializing` callback), replaced
 *   when it ends (completed, failed; a cancelled or interrupted one is `failed`);
 * - an album or playlist: one child row per track as each ends, and the parent's record only when
 *   the task ends, its status from the counters (all tracks → completed, some → partial, none →
 *   failed; a cancelled one is therefore failed or partial, as upstream).
 * Upstream keeps each parent's tracks in a table of their own (`album_<hex>`); here they are rows
 * of one table keyed by the task, and `children_table` keeps the name for clients that show it.
 * Written once for the server (SQL) and the mock (memory); the stores keep records as given.
 */

type Schemas = components['schemas'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type HistoryChild = Schemas['HistoryChild'];
/** A record as written: the store assigns its `id`. */
export type HistoryEntryRecord = Omit<HistoryEntry, 'id'>;
export type HistoryChildRecord = Omit<HistoryChild, 'id'>;

export interface HistoryListQuery {
  limit: number;
  offset: number;
  downloadType?: string;
  status?: string;
}

export interface DownloadHistoryStore {
  /** Writes the task's record, replacing an earlier one of the same task (keeping its `id`). */
  putEntry(record: HistoryEntryRecord): Promise<void>;
  /** Writes one track of a parent download, replacing an earlier row at the same position. */
  putChild(taskId: string, child: HistoryChildRecord): Promise<void>;
  entry(taskId: string): Promise<HistoryEntry | undefined>;
  /** Ordered by track number, then position. */
  children(taskId: string): Promise<HistoryChild[]>;
  /** Newest first (`timestamp` descending). */
  list(query: HistoryListQuery): Promise<HistoryEntry[]>;
  /** Newest first: records whose `historySearchTextOf` contains `text` (lower-cased already). */
  search(text: string, limit: number): Promise<HistoryEntry[]>;
  /** Counts by type and status, successful tracks in total, records since `since` (unix s). */
  stats(since: number): Promise<Schemas['HistoryStats']>;
  /** Deletes the records older than `before` (unix s) with their tracks; how many records. */
  cleanup(before: number): Promise<number>;
}

/** What a history search looks in: the title and every artist name, lower-cased, one per line. */
export const historySearchTextOf = (record: Pick<HistoryEntryRecord, 'title' | 'artists'>) =>
  [record.title, ...record.artists].join('\n').toLowerCase();

/** Tracks a record downloaded, as the statistics sum them: a completed track 1, a parent its counter. */
export const tracksDoneOf = (record: HistoryEntryRecord) =>
  record.download_type === 'track'
    ? record.status === 'completed'
      ? 1
      : 0
    : (record.successful_tracks ?? 0);

/** Upstream's name of a parent's track table; derived from the task id, so no instance stores it. */
const childrenTableOf = (task: Pick<DownloadTaskRecord, 'downloadType' | 'taskId'>) =>
  `${task.downloadType}_${task.taskId.replace(/-/g, '').slice(0, 10)}`;

/** How the original caps its history limits (`min(limit, cap)`): larger values are not refused. */
const LIMIT_CAPS = { list: 500, search: 200, recent: 100, failed: 200 } as const;
const DAY_SECONDS = 24 * 60 * 60;

export interface DownloadHistoryOptions {
  store: DownloadHistoryStore;
  source: SpotifyCatalogSource;
  /** Unix seconds (fractions). */
  now(): number;
  /** A download's path as its record shows it (`file_path`), from the path relative to the download directory. */
  filePathOf(relative: string): string;
  /** A record that could not be written: the download goes on (upstream logs it too). */
  onWriteError?(error: unknown, taskId: string): void;
}

export type DownloadHistory = ReturnType<typeof createDownloadHistory>;

export function createDownloadHistory(options: DownloadHistoryOptions) {
  const { store, source, now } = options;
  const naiveAt = (seconds: number) => naiveUtc(new Date(seconds * 1000));

  /** Service, format and bitrate, as the task's settings wrote its files. */
  function qualityOf(task: DownloadTaskRecord) {
    const settings = task.options.settings;
    return {
      service: settings.service,
      quality_format: outputFormatNameOf(settings),
      quality_bitrate: settings.bitrate ?? outputFormatOf(settings).defaultBitrate ?? null,
    };
  }

  /** The status info of the task's last line, or one made of its status and error. */
  function statusInfoOf(task: DownloadTaskRecord): Record<string, unknown> {
    const line = task.lastLine as { status_info?: Record<string, unknown>; error?: unknown };
    if (line.status_info) return line.status_info;
    return { status: task.status, ...(line.error === undefined ? {} : { error: line.error }) };
  }

  /** Where the task's first written track is (absolute on the server), or null. */
  function fileOf(task: DownloadTaskRecord, directory = false): string | null {
    const file = task.children.find((child) => child.file)?.file;
    if (!file) return null;
    return options.filePathOf(directory ? file.split('/').slice(0, -1).join('/') : file);
  }

  /**
   * A single track's record. Its `in_progress` record (written when it started) already holds the
   * track's details: the final one takes them from there, and reads the catalog only for a track
   * that failed before it started.
   */
  async function trackRecord(task: DownloadTaskRecord, status: HistoryEntry['status']) {
    const started = status === 'in_progress' ? undefined : await store.entry(task.taskId);
    const ended = {
      status,
      timestamp: now(),
      completed_at: status === 'in_progress' ? null : naiveAt(now()),
      file_path: fileOf(task),
    };
    if (started) {
      const { id: _id, ...details } = started;
      return { ...details, ...ended, metadata: { ...details.metadata, status_info: statusInfoOf(task) } };
    }
    const track: SpotifyTrackObject | undefined = await source.track(task.itemId);
    const callback = track && callbackTrackOf(track);
    const artists = track ? track.artists.map((artist) => artist.name) : [task.artist];
    const record: HistoryEntryRecord = {
      task_id: task.taskId,
      download_type: 'track',
      title: callback?.title ?? task.name,
      name: callback?.title ?? task.name,
      artists,
      artist: artists.join(task.options.settings.artistSeparator),
      url: spotifyUrlOf('track', task.itemId),
      ...ended,
      created_at: naiveAt(task.createdAt),
      ...qualityOf(task),
      total_tracks: null,
      successful_tracks: null,
      failed_tracks: null,
      skipped_tracks: null,
      children_table: null,
      external_ids: callback?.ids ?? { spotify: task.itemId },
      metadata: {
        callback_type: 'track',
        parent: null,
        album: callback?.album ?? null,
        status_info: statusInfoOf(task),
      },
      release_date: callback?.album?.release_date ?? null,
      genres: [],
      images: track?.album.images ?? [],
      owner: null,
      album_type: track?.album.album_type ?? null,
      duration_total_ms: track?.duration_ms ?? null,
      explicit: track ? (track.explicit ? 1 : 0) : null,
    };
    return record;
  }

  async function parentRecord(task: DownloadTaskRecord): Promise<HistoryEntryRecord> {
    const isAlbum = task.downloadType === 'album';
    const album = isAlbum ? await source.album(task.itemId, { limit: 1, offset: 0 }) : undefined;
    const playlist = isAlbum ? undefined : await source.playlist(task.itemId);
    const albumObject = album && callbackAlbumOf(album);
    const parent = albumObject ?? (playlist && callbackPlaylistOf(playlist));
    const artists = album
      ? album.artists.map((artist) => artist.name)
      : playlist
        ? [playlist.owner.display_name ?? playlist.owner.id]
        : [task.artist];
    const counts = { completed: 0, failed: 0, skipped: 0 };
    for (const child of task.children) counts[child.status] += 1;
    const ended = counts.completed + counts.failed + counts.skipped;
    // A task that ran to its end counts what it did; a cancelled or interrupted one what it was asked.
    const total = task.status === 'done' ? ended : (parent?.total_tracks ?? ended);
    const status: HistoryEntry['status'] =
      total > 0 && counts.completed >= total && counts.failed === 0 && counts.skipped === 0
        ? 'completed'
        : counts.completed > 0
          ? 'partial'
          : 'failed';
    const children = await store.children(task.taskId);
    return {
      task_id: task.taskId,
      download_type: task.downloadType,
      title: parent?.title ?? task.name,
      name: parent?.title ?? task.name,
      artists,
      artist: artists.join(task.options.settings.artistSeparator),
      url: spotifyUrlOf(task.downloadType, task.itemId),
      status,
      timestamp: now(),
      created_at: naiveAt(task.createdAt),
      completed_at: naiveAt(now()),
      file_path: fileOf(task, true),
      ...qualityOf(task),
      total_tracks: total,
      successful_tracks: counts.completed,
      failed_tracks: counts.failed,
      skipped_tracks: counts.skipped,
      children_table: childrenTableOf(task),
      external_ids: parent?.ids ?? { spotify: task.itemId },
      metadata: { callback_type: task.downloadType, status_info: statusInfoOf(task) },
      release_date: albumObject?.release_date ?? null,
      genres: album?.genres ?? [],
      images: (album ?? playlist)?.images ?? [],
      owner: playlist ? { ...playlist.owner } : null,
      album_type: album?.album_type ?? null,
      duration_total_ms: children.reduce((sum, child) => sum + (child.duration_ms ?? 0), 0),
      explicit: null,
    };
  }

  function childRecord(task: DownloadTaskRecord, child: TaskChild): HistoryChildRecord {
    const line = task.lastLine as {
      track?: Schemas['CallbackTrack'];
      status_info?: Record<string, unknown>;
      current_track?: number;
      total_tracks?: number;
      parent?: unknown;
    };
    const track = line.track;
    return {
      title: track?.title ?? child.title,
      artists: (track?.artists ?? []).map((artist) => artist.name),
      album_title: track?.album?.title ?? null,
      duration_ms: track?.duration_ms ?? null,
      track_number: track?.track_number ?? null,
      disc_number: track?.disc_number ?? null,
      explicit: track?.explicit === undefined ? null : track.explicit ? 1 : 0,
      status: child.status,
      external_ids: track?.ids ?? { spotify: child.trackId },
      genres: [],
      isrc: track?.ids?.isrc ?? null,
      timestamp: now(),
      position: child.position,
      metadata: {
        album: track?.album ?? null,
        type: track?.type ?? 'track',
        callback_type: 'track',
        parent: line.parent ?? null,
        current_track: line.current_track ?? child.position,
        total_tracks: line.total_tracks ?? null,
        status_info: line.status_info ?? null,
        ...(child.reason ? { failure_reason: child.reason } : {}),
      },
      ...qualityOf(task),
    };
  }

  /** Runs one write; a failure is reported, never thrown into the download that caused it. */
  async function guarded(taskId: string, write: () => Promise<void>) {
    try {
      await write();
    } catch (error) {
      options.onWriteError?.(error, taskId);
    }
  }

  const trackStatusOf = (task: DownloadTaskRecord): HistoryEntry['status'] => {
    const status = statusOfLine(task.lastLine, 'track');
    return status === 'done' ? 'completed' : status === 'skipped' ? 'skipped' : 'failed';
  };

  const events: DownloadTaskEvents = {
    async statusWritten(task) {
      const info = (task.lastLine as { status_info?: { status?: string } }).status_info;
      if (task.downloadType !== 'track' || info?.status !== 'initializing') return;
      await guarded(task.taskId, async () => store.putEntry(await trackRecord(task, 'in_progress')));
    },
    async trackFinished(task, child) {
      if (task.downloadType === 'track') return;
      await guarded(task.taskId, () => store.putChild(task.taskId, childRecord(task, child)));
    },
    async taskFinished(task) {
      await guarded(task.taskId, async () =>
        store.putEntry(
          task.downloadType === 'track'
            ? await trackRecord(task, trackStatusOf(task))
            : await parentRecord(task),
        ),
      );
    },
  };

  const notFound = (taskId: string) => downloaderError(404, `Download with task ID '${taskId}' not found`);

  return {
    /** Hand these to the task service: they write the records. */
    events,

    async list(query: {
      limit?: number;
      offset?: number;
      download_type?: Schemas['DownloadType'];
      status?: string;
    }) {
      const limit = Math.min(query.limit ?? 100, LIMIT_CAPS.list);
      const offset = Math.max(query.offset ?? 0, 0);
      const downloads = await store.list({
        limit,
        offset,
        downloadType: query.download_type,
        status: query.status,
      });
      const filtered = query.download_type !== undefined || query.status !== undefined;
      return {
        downloads,
        pagination: { limit, offset, returned_count: downloads.length },
        // Echoed only when given, as upstream.
        ...(filtered ? { filters: { download_type: query.download_type, status: query.status } } : {}),
      };
    },

    async entry(taskId: string) {
      const entry = await store.entry(taskId);
      if (!entry) throw notFound(taskId);
      return entry;
    },

    async children(taskId: string): Promise<Schemas['HistoryChildren']> {
      const entry = await store.entry(taskId);
      if (!entry) throw notFound(taskId);
      if (!entry.children_table) throw downloaderError(404, `Download '${taskId}' has no children tracks`);
      const tracks = await store.children(taskId);
      return {
        task_id: taskId,
        download_type: entry.download_type,
        title: entry.title,
        children_table: entry.children_table,
        tracks,
        track_count: tracks.length,
      };
    },

    stats: () => store.stats(now() - 7 * DAY_SECONDS),

    async search(q: string, requested?: number) {
      const limit = Math.min(requested ?? 50, LIMIT_CAPS.search);
      const results = await store.search(q.toLowerCase(), limit);
      return { query: q, results, result_count: results.length, limit };
    },

    async recent(requested?: number) {
      const limit = Math.min(requested ?? 20, LIMIT_CAPS.recent);
      const downloads = await store.list({ limit, offset: 0 });
      return { downloads, count: downloads.length, limit };
    },

    async failed(requested?: number) {
      const limit = Math.min(requested ?? 50, LIMIT_CAPS.failed);
      const downloads = await store.list({ limit, offset: 0, status: 'failed' });
      return { downloads, count: downloads.length, limit };
    },

    async cleanup(daysOld = 30) {
      const deleted = await store.cleanup(now() - daysOld * DAY_SECONDS);
      return {
        message: 'Successfully cleaned up old download history',
        deleted_records: deleted,
        days_old: daysOld,
      };
    },
  };
}

export type DownloadHistoryOperation =
  | 'listHistory'
  | 'getHistoryStats'
  | 'searchHistory'
  | 'getRecentHistory'
  | 'getFailedHistory'
  | 'cleanupHistory'
  | 'getHistoryEntry'
  | 'getHistoryChildren';

/** The history routes, the same in the server and the mock. */
export function downloadHistoryHandlers<Env, Raw>(
  history: DownloadHistory,
): Pick<DownloaderHandlers<Env, Raw>, DownloadHistoryOperation> {
  return {
    listHistory: async ({ query }) => ok(await history.list(query)),
    getHistoryStats: async () => ok(await history.stats()),
    searchHistory: async ({ query }) => ok(await history.search(query.q, query.limit)),
    getRecentHistory: async ({ query }) => ok(await history.recent(query.limit)),
    getFailedHistory: async ({ query }) => ok(await history.failed(query.limit)),
    cleanupHistory: async ({ body }) => ok(await history.cleanup(body?.days_old)),
    getHistoryEntry: async ({ path }) => ok(await history.entry(path.task_id)),
    getHistoryChildren: async ({ path }) => ok(await history.children(path.task_id)),
  };
}
