import {
  type DownloadTaskRecord,
  HEARTBEAT_INTERVAL_MS,
  heartbeatFrame,
  realtimeFrame,
  snapshotFrame,
  sseData,
  taskView,
} from './task-views.js';

/**
 * One client's `/api/prgs/stream` (research §2.3), for the server (a Node stream) and the mock (a
 * web ReadableStream) alike: the snapshot on connect, a replay frame per recent callback, a
 * `realtime` frame per task change (from any instance: the feed is the event bus), a heartbeat
 * after `heartbeatMs` without another frame. `close()` drops the subscription and the timer; the
 * caller calls it when the client goes away.
 */

/**
 * One status write, as announced to every stream: the task, and what the write set. A frame shows
 * the line written even when the row has moved on by the time it is read (two quick writes on
 * another instance), so no status is skipped, as the original sends each one.
 */
export interface TaskChange {
  taskId: string;
  written?: Pick<DownloadTaskRecord, 'lastLine' | 'status' | 'active'>;
}

export interface TaskChangeFeed {
  /** Calls `listener` on every status write; returns the unsubscribe. */
  subscribe(listener: (change: TaskChange) => void): () => void;
}

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: a larger line goes as the id alone. */
const MAX_CHANGE_PAYLOAD = 7000;

/** The change of `task` as an event payload (the bus carries text). */
export function taskChangePayload(task: DownloadTaskRecord): string {
  const { taskId, lastLine, status, active } = task;
  const payload = JSON.stringify({ taskId, written: { lastLine, status, active } } satisfies TaskChange);
  return payload.length < MAX_CHANGE_PAYLOAD ? payload : JSON.stringify({ taskId } satisfies TaskChange);
}

export function taskChangeOf(payload: string): TaskChange {
  return JSON.parse(payload) as TaskChange;
}

export interface ProgressStreamOptions {
  all(): Promise<DownloadTaskRecord[]>;
  get(taskId: string): Promise<DownloadTaskRecord | undefined>;
  feed: TaskChangeFeed;
  baseUrl: string;
  /** Unix seconds. */
  now(): number;
  send(chunk: string): void;
  heartbeatMs?: number;
  /** A frame could not be built (the database is down, say): sent as the original's error frame. */
  onError?(error: unknown): void;
}

/** Replay frames cover tasks changed this recently (seconds), as the original's. */
const REPLAY_WINDOW_S = 30;

export function openProgressStream(options: ProgressStreamOptions): { close(): void; opened: Promise<void> } {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Changes seen before the snapshot went out wait here, in order. */
  let pending: TaskChange[] | undefined = [];
  /** One frame at a time, so frames go out in the order of the changes. */
  let chain = Promise.resolve();

  const send = (frame: unknown) => {
    if (closed) return;
    options.send(sseData(frame));
    armHeartbeat();
  };
  const armHeartbeat = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      chain = chain.then(async () => send(heartbeatFrame(await options.all(), options.now()))).catch(fail);
    }, heartbeatMs);
    (timer as { unref?: () => void }).unref?.();
  };
  const fail = (error: unknown) => {
    options.onError?.(error);
    send({ error: 'Internal server error', timestamp: options.now(), change_type: 'error' });
  };

  const changed = ({ taskId, written }: TaskChange) => {
    chain = chain
      .then(async () => {
        const task = await options.get(taskId);
        if (!task || closed) return;
        const shown = written ? { ...task, ...written } : task;
        send(realtimeFrame(shown, await options.all(), options.baseUrl, options.now()));
      })
      .catch(fail);
  };
  const unsubscribe = options.feed.subscribe((change) => {
    if (pending) pending.push(change);
    else changed(change);
  });

  const opened = (async () => {
    try {
      const records = await options.all();
      const now = options.now();
      send(snapshotFrame(records, options.baseUrl, now));
      for (const task of records) {
        const line = task.lastLine as { status_info?: unknown };
        if (!line.status_info || !(task.active || now - task.timestamp < REPLAY_WINDOW_S)) continue;
        send({
          task_id: task.taskId,
          callback_data: taskView(task, options.baseUrl).last_line,
          timestamp: task.timestamp,
          change_type: 'callback',
          event_type: 'progress_update',
          replay: true,
        });
      }
    } catch (error) {
      options.onError?.(error);
      send({ error: 'Failed to load initial data', timestamp: options.now() });
    }
    const waiting = pending ?? [];
    pending = undefined;
    for (const change of waiting) changed(change);
  })();

  return {
    opened,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    },
  };
}
