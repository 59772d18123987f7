import type { components } from '@music-apis/spec/downloader';

/**
 * The downloader's task model as the original keeps it in Redis (research §2.1–2.3): a task with
 * its last status line, the status vocabulary, the global counters, the paging of `/api/prgs/list`
 * and `/api/prgs/updates`, and the SSE frames. Written once for the server (rows) and the mock
 * (maps); the stores only keep `DownloadTaskRecord`s.
 */

type Schemas = components['schemas'];
export type TaskView = Schemas['Task'];
export type TaskCounts = Schemas['TaskCounts'];
export type TaskKind = Schemas['DownloadType'];
/** A status line: a raw downloader callback or a server status entry (`last_line`). */
export type TaskStatusLine = NonNullable<TaskView['last_line']>;

/** Statuses of a task still in flight (the original's ACTIVE set, with the hyphenated `real-time`). */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'initializing',
  'processing',
  'downloading',
  'progress',
  'track_progress',
  'real_time',
  'real-time',
  'retrying',
  'queued',
  'pending',
]);
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'complete',
  'done',
  'error',
  'cancelled',
  'skipped',
]);

export const isTerminalStatus = (status: string) => TERMINAL_STATUSES.has(status);

/** A download override the caller may pass on `GET /api/<type>/download/<id>` (stored as `original_request`). */
export type DownloadOverrides = Record<string, string | number | boolean>;

/** What a task was asked to do, fixed when it is queued (the settings the original copies into `task:info`). */
export interface DownloadTaskOptions {
  /** Main configuration keys as they apply to this task (config, then the request's overrides). */
  settings: DownloadSettings;
  /** The query overrides as sent, plus `original_url`. */
  originalRequest: Record<string, unknown>;
}

/** The configuration keys a download reads (names as in `main.json`). */
export interface DownloadSettings {
  service: string;
  realTime: boolean;
  realTimeMultiplier: number;
  customDirFormat: string;
  customTrackFormat: string;
  tracknumPadding: boolean;
  padNumberWidth: number | 'auto';
  saveCover: boolean;
  convertTo: string | null;
  bitrate: string | null;
  artistSeparator: string;
  quality: string;
}

/** One track of a task and how it ended (the original's children table rows come from these). */
export interface TaskChild {
  position: number;
  trackId: string;
  title: string;
  status: 'completed' | 'failed' | 'skipped';
  /** Path of the written file, relative to the download directory. */
  file?: string;
  reason?: string;
}

/** A task as the stores keep it. Times are unix seconds (floats), as the original's. */
export interface DownloadTaskRecord {
  taskId: string;
  downloadType: TaskKind;
  /** The Spotify id of the track, album or playlist. */
  itemId: string;
  name: string;
  artist: string;
  /** The user who queued it (`system` with auth off). */
  owner: string;
  createdAt: number;
  /** Time of the last status line. */
  timestamp: number;
  statusCount: number;
  lastLine: TaskStatusLine;
  /** The status derived from the last line (what the counters and paging use). */
  status: string;
  /** False once the task reached a terminal status. */
  active: boolean;
  options: DownloadTaskOptions;
  children: TaskChild[];
}

/**
 * The status of a status line: the callback's `status_info.status`, else the entry's own `status`.
 * (The original derives `unknown` for a terminal callback, so a finished download counted nowhere;
 * here `done`/`error`/`skipped` callbacks count as what they say.)
 */
export function statusOfLine(line: TaskStatusLine, kind: TaskKind = 'track'): string {
  const info = (line as { status_info?: { status?: unknown } }).status_info;
  if (info && typeof info.status === 'string') {
    // A track of an album or playlist ending is progress of its parent, not the parent's end.
    if (kind !== 'track' && 'track' in line && isTerminalStatus(info.status)) return 'progress';
    return info.status;
  }
  const status = (line as { status?: unknown }).status;
  return typeof status === 'string' ? status : 'unknown';
}

/** `https://open.spotify.com/<type>/<id>`: the task's item URL (duplicate detection is by it). */
export const spotifyUrlOf = (kind: TaskKind, id: string) => `https://open.spotify.com/${kind}/${id}`;

export function taskView(record: DownloadTaskRecord, baseUrl: string): TaskView {
  const view: TaskView = {
    task_id: record.taskId,
    original_url: `${baseUrl}/api/${record.downloadType}/download/${record.itemId}`,
    last_line: record.lastLine,
    timestamp: record.timestamp,
    status_count: record.statusCount,
    created_at: record.createdAt,
    name: record.name,
    artist: record.artist,
    type: record.downloadType,
    download_type: record.downloadType,
  };
  const summary = (record.lastLine as { summary?: TaskView['summary'] }).summary;
  if (summary) view.summary = summary;
  return view;
}

export function taskCounts(records: readonly DownloadTaskRecord[]): TaskCounts {
  const counts: TaskCounts = {
    active: 0,
    queued: 0,
    completed: 0,
    error: 0,
    cancelled: 0,
    retrying: 0,
    skipped: 0,
  };
  for (const { status } of records) {
    if (status === 'queued' || status === 'pending') counts.queued++;
    else if (status === 'retrying') counts.retrying++;
    else if (ACTIVE_STATUSES.has(status)) counts.active++;
    else if (status === 'complete' || status === 'done') counts.completed++;
    else if (status === 'error') counts.error++;
    else if (status === 'cancelled') counts.cancelled++;
    else if (status === 'skipped') counts.skipped++;
  }
  return counts;
}

/** The counters every list, poll and broadcast frame carries. */
export function taskCounters(records: readonly DownloadTaskRecord[]) {
  const task_counts = taskCounts(records);
  return {
    task_counts,
    active_tasks: records.filter((record) => record.active).length,
    all_tasks_count: records.length,
    total_tasks: task_counts.active + task_counts.retrying,
  };
}

const newestFirst = (a: DownloadTaskRecord, b: DownloadTaskRecord) =>
  b.createdAt - a.createdAt || (a.taskId < b.taskId ? 1 : -1);

/**
 * `/api/prgs/list`: page 1 holds every active task plus the newest others up to `limit`; page n ≥ 2
 * continues with the others from `(n-1)*limit - active` (the original's rule).
 */
export function taskListPage(
  records: readonly DownloadTaskRecord[],
  query: { page: number; limit: number; activeOnly: boolean },
  baseUrl: string,
  now: number,
): Schemas['TaskList'] {
  const active = records.filter((record) => record.active).sort(newestFirst);
  const others = records.filter((record) => !record.active).sort(newestFirst);
  const { total_tasks, ...counters } = taskCounters(records);
  const view = (record: DownloadTaskRecord) => taskView(record, baseUrl);
  if (query.activeOnly) {
    return {
      tasks: active.map(view),
      pagination: {
        page: query.page,
        limit: query.limit,
        total_items: active.length,
        total_pages: 1,
        has_more: false,
      },
      total_tasks,
      ...counters,
      timestamp: now,
    };
  }
  const { page, limit } = query;
  const start = page === 1 ? 0 : Math.max(0, (page - 1) * limit - active.length);
  const count = page === 1 ? Math.max(0, limit - active.length) : limit;
  const shown = others.slice(start, start + count);
  const totalItems = active.length + others.length;
  return {
    tasks: [...(page === 1 ? active : []), ...shown].map(view),
    pagination: {
      page,
      limit,
      total_items: totalItems,
      total_pages: Math.max(1, Math.ceil(totalItems / limit)),
      has_more: start + shown.length < others.length,
      active_tasks: active.length,
      total_other_tasks: others.length,
    },
    total_tasks,
    ...counters,
    timestamp: now,
  };
}

/** `/api/prgs/updates`: the active tasks plus the others changed after `since`, those paged. */
export function taskUpdates(
  records: readonly DownloadTaskRecord[],
  query: { since?: number; page: number; limit: number; activeOnly: boolean },
  baseUrl: string,
  now: number,
): Schemas['TaskUpdates'] {
  const active = records.filter((record) => record.active).sort(newestFirst);
  const changed = query.activeOnly
    ? []
    : records
        .filter((record) => !record.active && (query.since === undefined || record.timestamp > query.since))
        .sort(newestFirst);
  const start = (query.page - 1) * query.limit;
  const shown = changed.slice(start, start + query.limit);
  const tasks = [...active, ...shown].map((record) => taskView(record, baseUrl));
  return {
    tasks,
    current_timestamp: now,
    ...(query.since === undefined ? {} : { since_timestamp: query.since }),
    updated_count: tasks.length,
    ...taskCounters(records),
    pagination: {
      page: query.page,
      limit: query.limit,
      total_non_active: changed.length,
      has_more: start + shown.length < changed.length,
      returned_non_active: shown.length,
    },
  };
}

// ---- SSE frames (research §2.3): one `data: <json>` line each, told apart by `change_type` ----

export type ProgressFrame = Schemas['ProgressStreamFrame'];

/** The frame sent on connect: the active tasks (since = now), with the counters. */
export function snapshotFrame(
  records: readonly DownloadTaskRecord[],
  baseUrl: string,
  now: number,
): ProgressFrame {
  const { total_tasks: _total, ...counters } = taskCounters(records);
  const tasks = records
    .filter((record) => record.active)
    .sort(newestFirst)
    .map((record) => taskView(record, baseUrl));
  return {
    tasks,
    current_timestamp: now,
    updated_count: tasks.length,
    since_timestamp: now,
    initial: true,
    ...counters,
  };
}

/** A task changed: that one task, with the global counters. */
export function realtimeFrame(
  record: DownloadTaskRecord,
  records: readonly DownloadTaskRecord[],
  baseUrl: string,
  now: number,
): ProgressFrame {
  const { total_tasks: _total, ...counters } = taskCounters(records);
  return {
    tasks: [taskView(record, baseUrl)],
    current_timestamp: now,
    since_timestamp: record.timestamp,
    change_type: 'realtime',
    trigger_reason: record.status === 'cancelled' ? 'cancelled' : 'status_update',
    ...counters,
  };
}

export function heartbeatFrame(records: readonly DownloadTaskRecord[], now: number): ProgressFrame {
  const { total_tasks, task_counts } = taskCounters(records);
  return { current_timestamp: now, total_tasks, task_counts, change_type: 'heartbeat' };
}

/** The original sends a heartbeat after 30 s without another frame; clients reconnect after 60 s. */
export const HEARTBEAT_INTERVAL_MS = 30_000;

/** One SSE frame on the wire: data only (no `event:`/`id:`/`retry:`), as the original. */
export const sseData = (frame: unknown) => `data: ${JSON.stringify(frame)}\n\n`;
