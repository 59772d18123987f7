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

export interface TaskChangeFeed {
  /** Calls `listener` with the task's id on every status write; returns the unsubscribe. */
  subscribe(listener: (taskId: string) => void): () => void;
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
  let pending: string[] | undefined = [];
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

  const changed = (taskId: string) => {
    chain = chain
      .then(async () => {
        const task = await options.get(taskId);
        if (!task || closed) return;
        send(realtimeFrame(task, await options.all(), options.baseUrl, options.now()));
      })
      .catch(fail);
  };
  const unsubscribe = options.feed.subscribe((taskId) => {
    if (pending) pending.push(taskId);
    else changed(taskId);
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
    for (const taskId of waiting) changed(taskId);
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
