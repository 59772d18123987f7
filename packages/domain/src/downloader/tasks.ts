import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import type {
  SpotifyAlbumObject,
  SpotifyCatalogSource,
  SpotifyPlaylistObject,
  SpotifyTrackObject,
} from './catalog.js';
import { configView, type DownloaderConfig } from './config.js';
import { CONVERT_FORMATS, type TrackNaming, trackPathOf } from './download-paths.js';
import { DOWNLOADER_GIVEN_BODY, downloaderError, downloaderErrorWithBody } from './errors.js';
import type { StoredConfig } from './store.js';
import {
  type DownloadSettings,
  type DownloadTaskOptions,
  type DownloadTaskRecord,
  isTerminalStatus,
  statusOfLine,
  type TaskChild,
  type TaskKind,
  type TaskStatusLine,
  taskListPage,
  taskUpdates,
  taskView,
} from './task-views.js';
import type { WatchDownloads } from './watch.js';

/**
 * Download tasks (issue 15): queueing (`GET /api/<type>/download/<id>`), the task runner that moves
 * a task through the original's statuses (queued → processing → initializing → `real-time` →
 * done | error | cancelled | skipped), cancel/delete and the progress views. Written once: the
 * server runs tasks from its durable job queue and writes real files, the mock runs them on a
 * clock its tests control and writes nothing. What differs is injected (store, dispatcher,
 * producer, sleep).
 */

type Schemas = components['schemas'];

export interface DownloadTaskStore {
  /**
   * Inserts the task unless an active task of the same kind and item exists (checked atomically):
   * then that task's id.
   */
  insert(record: DownloadTaskRecord): Promise<{ inserted: true } | { existing: string }>;
  get(taskId: string): Promise<DownloadTaskRecord | undefined>;
  all(): Promise<DownloadTaskRecord[]>;
  /**
   * Writes the next status line of a task that is still active (`status` and `active` as given,
   * `statusCount` + 1, `timestamp` = at); undefined when it is not (cancelled, deleted): the
   * writer stops then. A terminal line ends it for good.
   */
  writeStatus(
    taskId: string,
    line: TaskStatusLine,
    change: { status: string; active: boolean; at: number; children?: TaskChild[] },
  ): Promise<DownloadTaskRecord | undefined>;
  remove(taskId: string): Promise<boolean>;
}

/**
 * The moments the original writes its download history (issue 15's history part hangs here, as
 * the SSE broadcast does): every status write, each track of a task ending, the task ending.
 */
export interface DownloadTaskEvents {
  statusWritten?(task: DownloadTaskRecord): void | Promise<void>;
  /** A track ended (completed, failed or skipped): the original's children-table row. */
  trackFinished?(task: DownloadTaskRecord, child: TaskChild): void | Promise<void>;
  /** The task reached a terminal status (done, error, cancelled): the original's history row. */
  taskFinished?(task: DownloadTaskRecord): void | Promise<void>;
}

/** Hands a queued task to whatever runs it (the server's job queue, the mock's clock). */
export interface DownloadTaskDispatcher {
  dispatch(task: DownloadTaskRecord): Promise<void>;
}

/** Writes the audio of one track (the server: a real, tagged file; the mock: nothing). */
export interface TrackProducer {
  /** A message when no download can run here (ffmpeg missing), checked when a task starts. */
  unavailable(): Promise<string | undefined>;
  /** Writes `job.path` (relative to the download directory); throws with a clear message. */
  produce(job: TrackJob): Promise<void>;
  /** Removes what `produce` left of a task cancelled midway (a partial file). */
  discard?(job: TrackJob): Promise<void>;
}

export interface TrackJob {
  taskId: string;
  track: SpotifyTrackObject;
  naming: TrackNaming;
  path: string;
  settings: DownloadSettings;
  /** The album cover to embed or save (the track's album's first image). */
  coverUrl: string | undefined;
}

export interface DownloadTaskServiceOptions {
  store: DownloadTaskStore;
  source: SpotifyCatalogSource;
  dispatcher: DownloadTaskDispatcher;
  producer: TrackProducer;
  readConfig(): Promise<StoredConfig | undefined>;
  events?: DownloadTaskEvents;
  /** Unix seconds (fractions). */
  now(): number;
  /** Waits between progress steps; `realTime` pacing goes through it (the mock's tests drive it). */
  sleep(ms: number): Promise<void>;
  /** Pause between progress steps when `realTime` is off. Default 0. */
  fastStepMs?: number;
  newTaskId(): string;
  /**
   * True once this process is shutting down: a paced download stops at its next step (its task
   * stays active; the caller marks it interrupted).
   */
  stopping?(): boolean;
  /** The deployment's `explicitFilter` (read with the configuration). */
  explicitFilter?: boolean;
}

/** E4 `{status: "error", message}`: the artist download's errors. */
const statusError = (status: number, message: string) =>
  downloaderErrorWithBody(status, message, { status: 'error', message });

/** The 404 of the progress routes: E1 `{detail: "Task not found"}`. */
const taskNotFound = () => downloaderErrorWithBody(404, 'Task not found', { detail: 'Task not found' });

/** What a duplicate download answers (the seed's 409, naming the task still running). */
export class DuplicateDownloadError extends HttpError {
  constructor(readonly existingTask: string) {
    super(409, 'Duplicate download detected.', {
      code: DOWNLOADER_GIVEN_BODY,
      details: { error: 'Duplicate download detected.', existing_task: existingTask },
    });
  }
}

const OVERRIDE_KEYS: Record<
  string,
  keyof DownloadSettings | 'main' | 'fallback' | 'fall_quality' | 'recursive_quality'
> = {
  real_time: 'realTime',
  real_time_multiplier: 'realTimeMultiplier',
  custom_dir_format: 'customDirFormat',
  custom_track_format: 'customTrackFormat',
  tracknum_padding: 'tracknumPadding',
  save_cover: 'saveCover',
  convertTo: 'convertTo',
  bitrate: 'bitrate',
  artist_separator: 'artistSeparator',
  quality: 'quality',
  main: 'main',
  fallback: 'fallback',
  fall_quality: 'fall_quality',
  recursive_quality: 'recursive_quality',
};

/** The configuration as one task applies it: the saved keys, then the request's overrides. */
export function downloadSettingsOf(
  config: DownloaderConfig,
  overrides: Record<string, unknown>,
): DownloadSettings {
  const raw = config as Record<string, unknown>;
  const padWidth = raw.padNumberWidth;
  const settings: DownloadSettings = {
    service: String(raw.service ?? 'spotify'),
    realTime: raw.realTime === true,
    realTimeMultiplier: Number.isInteger(raw.realTimeMultiplier) ? (raw.realTimeMultiplier as number) : 0,
    customDirFormat: String(raw.customDirFormat ?? '%ar_album%/%album%'),
    customTrackFormat: String(raw.customTrackFormat ?? '%tracknum%. %music%'),
    tracknumPadding: raw.tracknumPadding !== false,
    padNumberWidth: padWidth === 'auto' ? 'auto' : Number.isInteger(padWidth) ? (padWidth as number) : 3,
    saveCover: raw.saveCover !== false,
    convertTo: typeof raw.convertTo === 'string' && raw.convertTo !== '' ? raw.convertTo : null,
    bitrate: typeof raw.bitrate === 'string' && raw.bitrate !== '' ? raw.bitrate : null,
    artistSeparator: typeof raw.artistSeparator === 'string' ? raw.artistSeparator : '; ',
    quality: String((raw.service === 'deezer' ? raw.deezerQuality : raw.spotifyQuality) ?? 'NORMAL'),
  };
  for (const [name, value] of Object.entries(overrides)) {
    const key = OVERRIDE_KEYS[name];
    if (key && key in settings && value !== undefined)
      (settings as unknown as Record<string, unknown>)[key] = value;
  }
  return settings;
}

const artistNames = (artists: readonly { name: string }[] | undefined) =>
  (artists ?? []).map((artist) => artist.name);

function releaseDateOf(date: string | undefined): Schemas['ReleaseDate'] {
  const [year, month, day] = (date ?? '').split('-').map((part) => Number.parseInt(part, 10));
  return {
    year: Number.isFinite(year) ? year! : null,
    month: Number.isFinite(month) ? month! : null,
    day: Number.isFinite(day) ? day! : null,
  };
}

/** The track as the downloader's callbacks describe it (deezspot's trackObject). */
export function callbackTrackOf(track: SpotifyTrackObject): Schemas['CallbackTrack'] {
  return {
    type: 'track',
    title: track.name,
    artists: track.artists.map((artist) => ({
      type: 'artistTrack',
      name: artist.name,
      ids: { spotify: artist.id },
    })),
    album: { ...callbackAlbumOf(track.album), type: 'albumTrack' },
    duration_ms: track.duration_ms,
    track_number: track.track_number,
    disc_number: track.disc_number,
    explicit: track.explicit,
    ids: { spotify: track.id, ...(track.external_ids?.isrc ? { isrc: track.external_ids.isrc } : {}) },
  };
}

/** The album as the downloader's callbacks describe it (the parent of its tracks' callbacks). */
export function callbackAlbumOf(
  album: Pick<SpotifyAlbumObject, 'id' | 'name' | 'artists' | 'total_tracks' | 'release_date' | 'images'>,
): Schemas['CallbackAlbum'] {
  return {
    type: 'album',
    title: album.name,
    artists: album.artists.map((artist) => ({
      type: 'artistAlbum',
      name: artist.name,
      ids: { spotify: artist.id },
    })),
    total_tracks: album.total_tracks,
    release_date: releaseDateOf(album.release_date),
    images: album.images,
    ids: { spotify: album.id },
  };
}

/** The playlist as the downloader's callbacks describe it. */
export function callbackPlaylistOf(playlist: SpotifyPlaylistObject): Schemas['CallbackPlaylist'] {
  return {
    type: 'playlist',
    title: playlist.name,
    owner: {
      type: 'user',
      name: playlist.owner.display_name ?? playlist.owner.id,
      ids: { spotify: playlist.owner.id },
    },
    total_tracks: playlist.tracks.total,
    ids: { spotify: playlist.id },
  };
}

/** What a task downloads, resolved when it starts: its tracks and the parent callback object. */
interface ResolvedItem {
  tracks: SpotifyTrackObject[];
  parent?: { album: Schemas['CallbackAlbum'] } | { playlist: Schemas['CallbackPlaylist'] };
  playlistName?: string;
}

const PAGE = 50;
/** The longest uninterrupted wait of a paced download (ms). */
const PACE_PIECE_MS = 1000;

export function createDownloadTaskService(options: DownloadTaskServiceOptions) {
  const { store, source, dispatcher, producer, events, now } = options;

  async function write(task: DownloadTaskRecord, line: TaskStatusLine, children?: TaskChild[]) {
    const status = statusOfLine(line, task.downloadType);
    const written = await store.writeStatus(task.taskId, line, {
      status,
      active: !isTerminalStatus(status),
      at: now(),
      children,
    });
    if (written) {
      await events?.statusWritten?.(written);
      if (!written.active) await events?.taskFinished?.(written);
    }
    return written;
  }

  async function metadataOf(kind: TaskKind, id: string): Promise<{ name: string; artist: string }> {
    const missing = () => downloaderError(404, `Could not retrieve metadata for ${kind} ID: ${id}`);
    try {
      if (kind === 'track') {
        const track = await source.track(id);
        if (!track) throw missing();
        return { name: track.name, artist: track.artists[0]?.name ?? '' };
      }
      if (kind === 'album') {
        const album = await source.album(id, { limit: 1, offset: 0 });
        if (!album) throw missing();
        return { name: album.name, artist: album.artists[0]?.name ?? '' };
      }
      const playlist = await source.playlist(id);
      if (!playlist?.name || !playlist.owner) throw missing();
      return { name: playlist.name, artist: playlist.owner.display_name ?? playlist.owner.id };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw downloaderError(500, `Failed to fetch metadata for ${kind} ${id}: ${(error as Error).message}`);
    }
  }

  /** Queues one download: metadata first (404 for an unknown item), then the task, or the 409. */
  async function queue(
    kind: TaskKind,
    id: string,
    owner: string,
    overrides: Record<string, unknown>,
  ): Promise<DownloadTaskRecord> {
    const { name, artist } = await metadataOf(kind, id);
    const config = configView(await options.readConfig(), options.explicitFilter);
    if (
      overrides.convertTo !== undefined &&
      !CONVERT_FORMATS.includes(String(overrides.convertTo).toUpperCase())
    )
      throw downloaderError(400, `Invalid convertTo: use one of ${CONVERT_FORMATS.join(', ')}`);
    const settings = downloadSettingsOf(config, overrides);
    const taskOptions: DownloadTaskOptions = {
      settings,
      originalRequest: { ...overrides, original_url: `/api/${kind}/download/${id}` },
    };
    const at = now();
    const active = (await store.all()).filter((task) => task.active).length;
    const record: DownloadTaskRecord = {
      taskId: options.newTaskId(),
      downloadType: kind,
      itemId: id,
      name,
      artist,
      owner: (config as Record<string, unknown>).separateTracksByUser === true ? owner : '',
      createdAt: at,
      timestamp: at,
      statusCount: 1,
      lastLine: {
        status: 'queued',
        type: kind,
        name,
        artist,
        retry_count: 0,
        queue_position: active + 1,
        timestamp: at,
      },
      status: 'queued',
      active: true,
      options: taskOptions,
      children: [],
    };
    const outcome = await store.insert(record);
    if ('existing' in outcome) throw new DuplicateDownloadError(outcome.existing);
    await events?.statusWritten?.(record);
    await dispatcher.dispatch(record);
    return record;
  }

  async function resolve(task: DownloadTaskRecord): Promise<ResolvedItem> {
    if (task.downloadType === 'track') {
      const track = await source.track(task.itemId);
      if (!track) throw new Error(`Track ${task.itemId} is no longer in the catalog`);
      return { tracks: [track] };
    }
    if (task.downloadType === 'album') {
      const album = await source.album(task.itemId, { limit: PAGE, offset: 0 });
      if (!album) throw new Error(`Album ${task.itemId} is no longer in the catalog`);
      const ids = album.tracks.items.map((item) => item.id);
      for (let offset = PAGE; offset < album.tracks.total; offset += PAGE) {
        const page = await source.album(task.itemId, { limit: PAGE, offset });
        if (!page || page.tracks.items.length === 0) break;
        ids.push(...page.tracks.items.map((item) => item.id));
      }
      const tracks: SpotifyTrackObject[] = [];
      for (const id of ids) {
        const track = await source.track(id);
        if (track) tracks.push(track);
      }
      return { tracks, parent: { album: callbackAlbumOf(album) } };
    }
    const playlist = await source.playlist(task.itemId);
    if (!playlist) throw new Error(`Playlist ${task.itemId} is no longer in the catalog`);
    const tracks: SpotifyTrackObject[] = [];
    for (let offset = 0; offset < playlist.tracks.total; offset += 100) {
      const page = await source.playlistItems(task.itemId, { limit: 100, offset });
      if (!page || page.items.length === 0) break;
      for (const item of page.items) if (item.track) tracks.push(item.track as SpotifyTrackObject);
    }
    return { tracks, playlistName: playlist.name, parent: { playlist: callbackPlaylistOf(playlist) } };
  }

  function namingOf(
    track: SpotifyTrackObject,
    position: number,
    total: number,
    item: ResolvedItem,
  ): TrackNaming {
    return {
      title: track.name,
      artists: artistNames(track.artists),
      album: track.album.name,
      albumArtists: artistNames(track.album.artists),
      trackNumber: item.playlistName ? position : (track.track_number ?? position),
      discNumber: track.disc_number ?? 1,
      totalTracks: item.playlistName ? total : track.album.total_tracks,
      releaseDate: track.album.release_date,
      isrc: track.external_ids?.isrc,
      playlist: item.playlistName,
      playlistNumber: item.playlistName ? position : undefined,
    };
  }

  /**
   * Waits `ms` in pieces of at most a second, looking between them whether the task is still
   * active: a cancelled realTime download stops within a second, not at the end of its track.
   */
  async function pace(ms: number, taskId: string): Promise<boolean> {
    let left = ms;
    do {
      const piece = Math.min(left, PACE_PIECE_MS);
      await options.sleep(piece);
      left -= piece;
      if (options.stopping?.()) return false;
      if (left > 0 && !(await store.get(taskId))?.active) return false;
    } while (left > 0);
    return true;
  }

  /**
   * Runs a queued task to its end. Returns early (nothing more written) once the task is no
   * longer active: cancelled or deleted meanwhile, by any instance.
   */
  async function run(taskId: string): Promise<void> {
    const task = await store.get(taskId);
    if (!task?.active) return;
    let current = await write(task, {
      status: 'processing',
      type: task.downloadType,
      name: task.name,
      artist: task.artist,
      timestamp: now(),
    });
    if (!current) return;
    const fail = (error: string) =>
      write(current!, {
        status: 'error',
        error,
        can_retry: true,
        retry_count: 0,
        max_retries: 0,
        timestamp: now(),
      });
    const unavailable = await producer.unavailable();
    if (unavailable) {
      await fail(unavailable);
      return;
    }
    let item: ResolvedItem;
    try {
      item = await resolve(current);
    } catch (error) {
      await fail((error as Error).message);
      return;
    }
    const settings = current.options.settings;
    const total = item.tracks.length;
    if (item.parent) {
      current = await write(current, {
        ...item.parent,
        status_info: { status: 'initializing' },
      } as TaskStatusLine);
      if (!current) return;
    }
    const children: TaskChild[] = [];
    const successful: Schemas['CallbackTrack'][] = [];
    const failed: { track: Schemas['CallbackTrack']; reason: string }[] = [];
    const parentObject = item.parent && ('album' in item.parent ? item.parent.album : item.parent.playlist);
    for (const [index, track] of item.tracks.entries()) {
      const position = index + 1;
      const callbackTrack = callbackTrackOf(track);
      const framed = (status_info: Schemas['StatusInfo']): TaskStatusLine =>
        (parentObject
          ? {
              track: callbackTrack,
              status_info,
              current_track: position,
              total_tracks: total,
              parent: parentObject,
            }
          : { track: callbackTrack, status_info }) as TaskStatusLine;
      const naming = namingOf(track, position, total, item);
      const job: TrackJob = {
        taskId,
        track,
        naming,
        path: trackPathOf(naming, settings, current.owner || undefined),
        settings,
        coverUrl: track.album.images[0]?.url,
      };
      const common = {
        ids: { spotify: track.id },
        convert_to: settings.convertTo,
        bitrate: settings.bitrate,
      };
      current = await write(current, framed({ status: 'initializing', ...common }));
      if (!current) return;
      // realTime downloads take the track's length (divided by realTimeMultiplier when set);
      // otherwise progress is reported in quick steps.
      const steps = 4;
      const stepMs = settings.realTime
        ? track.duration_ms / Math.max(1, settings.realTimeMultiplier) / steps
        : (options.fastStepMs ?? 0);
      let reason: string | undefined;
      try {
        await producer.produce(job);
      } catch (error) {
        reason = (error as Error).message;
      }
      for (let step = 1; step <= steps && reason === undefined; step++) {
        if (!(await pace(stepMs, taskId))) {
          await producer.discard?.(job);
          return;
        }
        current = await write(
          current,
          framed({
            status: 'real-time',
            time_elapsed: Math.round((track.duration_ms * step) / steps),
            progress: (100 * step) / steps,
            ...common,
          }),
        );
        if (!current) {
          await producer.discard?.(job);
          return;
        }
      }
      const child: TaskChild =
        reason === undefined
          ? { position, trackId: track.id, title: track.name, status: 'completed', file: job.path }
          : { position, trackId: track.id, title: track.name, status: 'failed', reason };
      children.push(child);
      if (reason === undefined) successful.push(callbackTrack);
      else failed.push({ track: callbackTrack, reason });
      // The track's own callback: a single track's is also the task's last.
      current = await write(
        current,
        framed(
          reason === undefined
            ? { status: 'done', ...common }
            : { status: 'error', error: reason, ...common },
        ),
        children,
      );
      if (!current) return;
      await events?.trackFinished?.(current, child);
      if (!item.parent) return;
    }
    const summary: Schemas['DownloadSummary'] = {
      successful_tracks: successful,
      skipped_tracks: [],
      failed_tracks: failed,
      total_successful: successful.length,
      total_skipped: 0,
      total_failed: failed.length,
      service: settings.service,
      quality: settings.quality,
      ...(settings.bitrate ? { bitrate: settings.bitrate } : {}),
    };
    await write(
      current,
      { ...item.parent, status_info: { status: 'done', summary } } as TaskStatusLine,
      children,
    );
  }

  async function cancel(taskId: string): Promise<DownloadTaskRecord | undefined> {
    const task = await store.get(taskId);
    if (!task) return undefined;
    if (!task.active) return task;
    const error = 'Task cancelled by user';
    const at = now();
    const cancelled = await write(task, {
      status: 'cancelled',
      error,
      timestamp: at,
      status_info: { status: 'cancelled', error, timestamp: at },
    });
    return cancelled ?? (await store.get(taskId));
  }

  return {
    queue,
    run,
    cancel,

    /**
     * A task whose worker died (its instance stopped), or whose run failed unexpectedly (`reason`):
     * marked as an error that says so. It is not lost, and queueing the same item again is not
     * refused as a duplicate.
     */
    async interrupt(taskId: string, reason?: string): Promise<void> {
      const task = await store.get(taskId);
      if (!task?.active) return;
      await write(task, {
        status: 'error',
        error: reason
          ? `Download failed: ${reason}. Queue it again to retry.`
          : 'Download interrupted: the server running it stopped before it finished. Queue it again to retry.',
        can_retry: true,
        retry_count: 0,
        max_retries: 0,
        timestamp: now(),
      });
    },

    /** `GET /api/artist/download/<id>`: one album task per album of the requested groups. */
    async queueArtist(
      artistId: string,
      owner: string,
      groups: readonly string[] | undefined,
    ): Promise<Schemas['ArtistDownloadAccepted']> {
      let artist: Awaited<ReturnType<SpotifyCatalogSource['artist']>>;
      try {
        artist = await source.artist(artistId);
      } catch (error) {
        throw statusError(500, `Failed to process artist discography: ${(error as Error).message}`);
      }
      if (!artist) throw statusError(404, `No albums found for artist ${artistId}`);
      const wanted = new Set(
        groups ??
          configView(await options.readConfig(), options.explicitFilter).watch.watchedArtistAlbumGroup,
      );
      const albums: { id: string; group: string }[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await source.artistAlbums(artistId, { limit: PAGE, offset });
        if (!page || page.items.length === 0) break;
        for (const album of page.items)
          albums.push({ id: album.id, group: album.album_group ?? album.album_type });
        if (offset + page.items.length >= page.total) break;
      }
      const matching = albums.filter((album) => wanted.has(album.group));
      if (matching.length === 0) throw statusError(404, `No albums found for artist ${artistId}`);
      const queued: string[] = [];
      const duplicates: string[] = [];
      for (const album of matching) {
        try {
          queued.push((await queue('album', album.id, owner, {})).taskId);
        } catch (error) {
          if (error instanceof DuplicateDownloadError) duplicates.push(error.existingTask);
          else throw error;
        }
      }
      return {
        status: 'complete',
        message: `Artist discography processing initiated. ${queued.length} albums queued.`,
        queued_albums: queued,
        duplicate_albums: duplicates,
      };
    },

    async get(taskId: string, baseUrl: string) {
      const task = await store.get(taskId);
      if (!task) throw taskNotFound();
      return taskView(task, baseUrl);
    },

    async list(query: { page: number; limit: number; activeOnly: boolean }, baseUrl: string) {
      return taskListPage(await store.all(), query, baseUrl, now());
    },

    async updates(
      query: { since?: number; page: number; limit: number; activeOnly: boolean },
      baseUrl: string,
    ) {
      return taskUpdates(await store.all(), query, baseUrl, now());
    },

    /** `POST /api/prgs/cancel/{id}`: unknown ids get the original's 400. */
    async cancelTask(taskId: string): Promise<Schemas['TaskCancelled']> {
      const cancelled = await cancel(taskId);
      if (!cancelled)
        throw downloaderErrorWithBody(400, 'Unknown task id', {
          detail: {
            status: 'error',
            message:
              'Cancellation for old system is not supported in the new API. Please use the new task ID format.',
          },
        });
      return { status: 'cancelled', task_id: taskId, sse_notified: true };
    },

    /** The `/api/<type>/download/cancel?task_id=` routes (shadowed upstream): 404 for unknown ids. */
    async cancelDownload(taskId: string): Promise<Schemas['TaskCancelled']> {
      const cancelled = await cancel(taskId);
      if (!cancelled) throw downloaderError(404, `Task ${taskId} not found`);
      return { status: 'cancelled', task_id: taskId };
    },

    /** `POST /api/prgs/cancel/all`: every task still in flight. */
    async cancelAll(): Promise<Schemas['CancelAllResult']> {
      let count = 0;
      const errors: string[] = [];
      for (const task of await store.all()) {
        if (!task.active) continue;
        try {
          const cancelled = await cancel(task.taskId);
          if (cancelled?.status === 'cancelled') count++;
        } catch (error) {
          errors.push(`${task.taskId}: ${(error as Error).message}`);
        }
      }
      return {
        message: `Attempted to cancel all active tasks. ${count} tasks cancelled.`,
        cancelled_count: count,
        errors,
      };
    },

    /** `DELETE /api/prgs/delete/{id}`: cancelled first when still running (broadcast), then forgotten. */
    async deleteTask(taskId: string) {
      const task = await cancel(taskId);
      if (!task || !(await store.remove(taskId))) throw taskNotFound();
      return { message: `Task ${taskId} deleted successfully` };
    },
  };
}

export type DownloadTaskService = ReturnType<typeof createDownloadTaskService>;

/**
 * Where the watch lists' checks send their new items: download tasks, as the original queues them.
 * An item already downloading is not an error for a check (the running task will deliver it).
 */
export function watchDownloadsOf(tasks: Pick<DownloadTaskService, 'queue'>): WatchDownloads {
  const queue = async (kind: 'track' | 'album', id: string) => {
    try {
      await tasks.queue(kind, id, '', {});
    } catch (error) {
      if (!(error instanceof DuplicateDownloadError)) throw error;
    }
  };
  return {
    queueTrack: (item) => queue('track', item.trackId),
    queueAlbum: (item) => queue('album', item.albumId),
  };
}
