import {
  createDownloadTaskService,
  type DownloadTaskEvents,
  type DownloadTaskRecord,
  type DownloadTaskService,
  type DownloadTaskStore,
  openProgressStream,
  type SpotifyCatalogSource,
  type StoredConfig,
  type TaskChange,
  taskChangeOf,
  taskChangePayload,
} from '@music-apis/domain';

/**
 * The downloader's tasks in memory. They run through the same task runner as the server's, with a
 * producer that writes no file, on a clock a test controls: with `clock.auto` (the default) each
 * progress step waits `clock.stepMs`; with `clock.auto = false` tasks wait until the test calls
 * `clock.advance()`, one step of every waiting task per call.
 */

export interface DownloaderTaskClock {
  auto: boolean;
  /** Pause between progress steps in auto mode (ms). Default 10; realTime downloads wait their real pace. */
  stepMs: number;
  /** Seconds without frames before the stream sends a heartbeat (ms). Default 30 000, as the original. */
  heartbeatMs: number;
  /** Releases every waiting step `steps` times (default 1), letting the tasks run to their next wait. */
  advance(steps?: number): Promise<void>;
  /** Steps waiting right now (manual mode). */
  readonly waiting: number;
}

export interface DownloaderTaskMockState {
  tasks: Map<string, DownloadTaskRecord>;
  clock: DownloaderTaskClock;
}

const clone = <Value>(value: Value): Value => structuredClone(value);
/** Lets the promise chains of released steps run to their next wait. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function createTaskMockState(): DownloaderTaskMockState {
  const waiters: (() => void)[] = [];
  const clock: DownloaderTaskClock & { wait(ms?: number): Promise<void> } = {
    auto: true,
    stepMs: 10,
    heartbeatMs: 30_000,
    get waiting() {
      return waiters.length;
    },
    async advance(steps = 1) {
      for (let step = 0; step < steps; step++) {
        for (const release of waiters.splice(0)) release();
        for (let round = 0; round < 5; round++) await settle();
      }
    },
    wait(ms = 0) {
      // realTime downloads wait their pace (in pieces of a second); others one step.
      if (clock.auto) return new Promise((resolve) => setTimeout(resolve, Math.max(ms, clock.stepMs)));
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
  return { tasks: new Map(), clock };
}

function createMockTaskStore(tasks: Map<string, DownloadTaskRecord>): DownloadTaskStore {
  return {
    async insert(record) {
      for (const task of tasks.values())
        if (task.active && task.downloadType === record.downloadType && task.itemId === record.itemId)
          return { existing: task.taskId };
      tasks.set(record.taskId, clone(record));
      return { inserted: true };
    },
    get: async (taskId) => {
      const task = tasks.get(taskId);
      return task && clone(task);
    },
    all: async () => [...tasks.values()].map(clone),
    async writeStatus(taskId, line, change) {
      const task = tasks.get(taskId);
      if (!task?.active) return undefined;
      task.lastLine = clone(line);
      task.status = change.status;
      task.active = change.active;
      task.timestamp = change.at;
      task.statusCount += 1;
      if (change.children) task.children = clone(change.children);
      return clone(task);
    },
    remove: async (taskId) => tasks.delete(taskId),
  };
}

export interface MockTaskParts {
  service: DownloadTaskService;
  /** The `/api/prgs/stream` body for one client, as a web stream. */
  progressStream(baseUrl: string, signal: AbortSignal): ReadableStream<Uint8Array>;
}

export function createMockTasks(
  state: DownloaderTaskMockState,
  options: {
    source: SpotifyCatalogSource;
    /** More moments to hang on: the download history writes its records there. */
    events?: DownloadTaskEvents;
    readConfig(): Promise<StoredConfig | undefined>;
    explicitFilter(): boolean;
    now(): Date;
  },
): MockTaskParts {
  const store = createMockTaskStore(state.tasks);
  const listeners = new Set<(change: TaskChange) => void>();
  const clock = state.clock as DownloaderTaskClock & { wait(ms?: number): Promise<void> };
  const nowSeconds = () => options.now().getTime() / 1000;
  const service: DownloadTaskService = createDownloadTaskService({
    store,
    source: options.source,
    readConfig: options.readConfig,
    get explicitFilter() {
      return options.explicitFilter();
    },
    events: {
      statusWritten: async (task) => {
        // Through the payload, as on the server: a copy of the line as written, not the live record.
        for (const listener of [...listeners]) listener(taskChangeOf(taskChangePayload(task)));
        await options.events?.statusWritten?.(task);
      },
      trackFinished: (task, child) => options.events?.trackFinished?.(task, child),
      taskFinished: (task) => options.events?.taskFinished?.(task),
    },
    dispatcher: {
      async dispatch(task) {
        // Started on the clock, so a test sees the task `queued` first.
        void clock
          .wait()
          .then(() => service.run(task.taskId))
          .catch(() => {});
      },
    },
    producer: { unavailable: async () => undefined, produce: async () => {} },
    now: nowSeconds,
    sleep: (ms) => clock.wait(ms),
    newTaskId: () => crypto.randomUUID(),
  });

  return {
    service,
    progressStream(baseUrl, signal) {
      const encoder = new TextEncoder();
      let close = () => {};
      return new ReadableStream<Uint8Array>({
        start(controller) {
          const stream = openProgressStream({
            all: () => store.all(),
            get: (taskId) => store.get(taskId),
            feed: {
              subscribe(listener) {
                listeners.add(listener);
                return () => listeners.delete(listener);
              },
            },
            baseUrl,
            now: nowSeconds,
            heartbeatMs: clock.heartbeatMs,
            send: (chunk) => controller.enqueue(encoder.encode(chunk)),
          });
          close = () => {
            stream.close();
            try {
              controller.close();
            } catch {
              // Already closed by the reader.
            }
          };
          signal.addEventListener('abort', close, { once: true });
        },
        cancel() {
          close();
        },
      });
    },
  };
}
