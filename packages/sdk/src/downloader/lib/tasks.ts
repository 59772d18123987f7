import type { components } from '@music-apis/spec/downloader';
import type { CallOptions } from '../../core/public.js';
import type { DownloaderMethods, DownloadTrackParams } from '../client.gen.js';

/**
 * Download tasks and their live progress: `downloadTrack(client, id)` (album, playlist alike)
 * gives a handle whose `progress()` is a `for await` over the task until it ends, and
 * `watchTaskProgress(client)` is the whole `/api/prgs/stream` as parsed frames, reconnecting as
 * the original's web UI does (after a dropped connection, or 60 s without a frame) and keeping
 * the last known state of every task it has seen (`tasks`).
 */

type Schemas = components['schemas'];
export type DownloaderTask = Schemas['Task'];
export type DownloaderTaskCounts = Schemas['TaskCounts'];
export type DownloaderProgressFrame = Schemas['ProgressStreamFrame'];
export type DownloaderTaskLine = NonNullable<DownloaderTask['last_line']>;

/** The methods these helpers call (a `DownloaderClient` has them all). */
export type DownloaderTaskClient = Pick<
  DownloaderMethods,
  'downloadTrack' | 'downloadAlbum' | 'downloadPlaylist' | 'getTask' | 'cancelTask' | 'streamTaskProgress'
>;

/** Statuses after which a task changes no more (the original's TERMINAL set). */
export const TERMINAL_TASK_STATUSES: ReadonlySet<string> = new Set([
  'complete',
  'done',
  'error',
  'cancelled',
  'skipped',
]);

/**
 * A task's status as the original's UI reads it from `last_line`: a top-level `status`, else the
 * callback's `status_info.status`; a track of an album or playlist that ended is still `downloading`
 * its parent, unless it is the last one.
 */
export function taskStatusOf(task: Pick<DownloaderTask, 'last_line' | 'download_type'>): string {
  const line = task.last_line as {
    status?: string;
    status_info?: { status?: string };
    track?: unknown;
    current_track?: number;
    total_tracks?: number;
  } | null;
  if (!line) return 'unknown';
  if (typeof line.status === 'string') return line.status;
  const status = line.status_info?.status ?? 'unknown';
  if (task.download_type !== 'track' && line.track && TERMINAL_TASK_STATUSES.has(status))
    return 'downloading';
  return status;
}

export const isTaskFinished = (task: Pick<DownloaderTask, 'last_line' | 'download_type'>) =>
  TERMINAL_TASK_STATUSES.has(taskStatusOf(task));

/**
 * The `data:` payloads of a Server-Sent Events body, event by event (multi-line data joined with
 * newlines, comments and other fields skipped, CR/LF/CRLF line ends). Our own few lines rather
 * than `eventsource-parser`: its current major needs Node 22, and this stream only carries data.
 */
export async function* sseDataOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = done ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
      }
      if (done) {
        if (data.length > 0) yield data.join('\n');
        return;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

export interface WatchTaskProgressOptions {
  signal?: AbortSignal;
  /** Reconnects after this many ms without a frame (the server sends a heartbeat every 30 s). Default 60 000. */
  idleTimeoutMs?: number;
  /** Consecutive failed connections before giving up (the iterator throws). Default 5. */
  maxReconnects?: number;
  /** Delay before reconnect n: `min(100 * 2^n, 15 000)` ms by default, as the original's UI. */
  reconnectDelayMs?(attempt: number): number;
  /** Per-call options of each `streamTaskProgress` request. */
  callOptions?: Omit<CallOptions, 'signal'>;
}

export interface TaskProgressWatch extends AsyncIterable<DownloaderProgressFrame> {
  /** Every task seen so far, in its latest state (merged from the snapshots and realtime frames). */
  readonly tasks: ReadonlyMap<string, DownloaderTask>;
  /** The counters of the last frame that had them. */
  readonly counts: DownloaderTaskCounts | undefined;
  close(): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** The progress stream as frames, with reconnects; break out of the loop or `close()` to stop. */
export function watchTaskProgress(
  client: DownloaderTaskClient,
  options: WatchTaskProgressOptions = {},
): TaskProgressWatch {
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const tasks = new Map<string, DownloaderTask>();
  let counts: DownloaderTaskCounts | undefined;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const maxReconnects = options.maxReconnects ?? 5;
  const delayOf = options.reconnectDelayMs ?? ((attempt: number) => Math.min(100 * 2 ** attempt, 15_000));

  async function* frames(): AsyncGenerator<DownloaderProgressFrame> {
    let failures = 0;
    while (!stop.signal.aborted) {
      const connection = new AbortController();
      const abortConnection = () => connection.abort();
      stop.signal.addEventListener('abort', abortConnection, { once: true });
      let idle: ReturnType<typeof setTimeout> | undefined;
      const armIdle = () => {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => connection.abort(), idleTimeoutMs);
      };
      try {
        armIdle();
        const body = await client.streamTaskProgress(
          {},
          { ...options.callOptions, signal: connection.signal },
        );
        for await (const data of sseDataOf(body)) {
          armIdle();
          failures = 0;
          let frame: DownloaderProgressFrame;
          try {
            frame = JSON.parse(data) as DownloaderProgressFrame;
          } catch {
            continue;
          }
          if ('task_counts' in frame && frame.task_counts) counts = frame.task_counts;
          if ('tasks' in frame && Array.isArray(frame.tasks))
            for (const task of frame.tasks) tasks.set(task.task_id, task);
          yield frame;
        }
      } catch (error) {
        if (stop.signal.aborted) return;
        // Refused (401, 403, 404…): reconnecting would not help.
        const status = (error as { status?: number }).status;
        if (typeof status === 'number' && status >= 400 && status < 500) throw error;
        if (!connection.signal.aborted && ++failures > maxReconnects) throw error;
      } finally {
        if (idle) clearTimeout(idle);
        stop.signal.removeEventListener('abort', abortConnection);
        connection.abort();
      }
      if (stop.signal.aborted) return;
      await sleep(delayOf(failures), stop.signal);
    }
  }

  return {
    tasks,
    get counts() {
      return counts;
    },
    close: () => stop.abort(),
    [Symbol.asyncIterator]: () => {
      const iterator = frames();
      return {
        next: () => iterator.next(),
        return: async (value?: unknown) => {
          stop.abort();
          return iterator.return(value as undefined);
        },
        throw: (error?: unknown) => iterator.throw(error),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}

export interface DownloadTaskHandle {
  readonly taskId: string;
  /** `GET /api/prgs/{task_id}`. */
  get(options?: CallOptions): Promise<DownloaderTask>;
  /** `POST /api/prgs/cancel/{task_id}`. */
  cancel(options?: CallOptions): Promise<unknown>;
  /** The task each time it changes, from the progress stream, until it is finished. */
  progress(options?: WatchTaskProgressOptions): AsyncGenerator<DownloaderTask>;
  /** Resolves with the finished task (done, error, cancelled or skipped). */
  finished(options?: WatchTaskProgressOptions): Promise<DownloaderTask>;
}

export function taskHandle(client: DownloaderTaskClient, taskId: string): DownloadTaskHandle {
  const get = (options?: CallOptions) =>
    client.getTask({ task_id: taskId }, options) as Promise<DownloaderTask>;
  async function* progress(options: WatchTaskProgressOptions = {}): AsyncGenerator<DownloaderTask> {
    const watch = watchTaskProgress(client, options);
    try {
      for await (const frame of watch) {
        if ('initial' in frame && frame.initial && !frame.tasks.some((task) => task.task_id === taskId)) {
          // Not active when the stream opened: it may have finished already.
          const task = await get();
          yield task;
          if (isTaskFinished(task)) return;
          continue;
        }
        if (!('tasks' in frame) || !Array.isArray(frame.tasks)) continue;
        const task = frame.tasks.find((candidate) => candidate.task_id === taskId);
        if (!task) continue;
        yield task;
        if (isTaskFinished(task)) return;
      }
    } finally {
      watch.close();
    }
  }
  return {
    taskId,
    get,
    cancel: (options) => client.cancelTask({ task_id: taskId }, options),
    progress,
    async finished(options) {
      let last: DownloaderTask | undefined;
      for await (const task of progress(options)) last = task;
      return last ?? get();
    },
  };
}

type DownloadOverrides = Omit<DownloadTrackParams, 'track_id'>;

/** `GET /api/track/download/{id}` (202), as a task handle. */
export async function downloadTrack(
  client: DownloaderTaskClient,
  trackId: string,
  overrides: DownloadOverrides = {},
) {
  const { task_id } = await client.downloadTrack({ ...overrides, track_id: trackId });
  return taskHandle(client, task_id);
}

/** `GET /api/album/download/{id}` (202), as a task handle. */
export async function downloadAlbum(
  client: DownloaderTaskClient,
  albumId: string,
  overrides: DownloadOverrides = {},
) {
  const { task_id } = await client.downloadAlbum({ ...overrides, album_id: albumId });
  return taskHandle(client, task_id);
}

/** `GET /api/playlist/download/{id}` (202), as a task handle. */
export async function downloadPlaylist(
  client: DownloaderTaskClient,
  playlistId: string,
  overrides: DownloadOverrides = {},
) {
  const { task_id } = await client.downloadPlaylist({ ...overrides, playlist_id: playlistId });
  return taskHandle(client, task_id);
}
