import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import {
  configView,
  createDownloadTaskService,
  type DownloadTaskEvents,
  type DownloadTaskService,
  openProgressStream,
  type SpotifyCatalogSource,
  type StoredConfig,
  type TaskChange,
  taskChangeOf,
  taskChangePayload,
} from '@music-apis/domain';
import type { ServerConfig } from '../core/config.js';
import type { Knex } from '../core/db.js';
import type { EventBus } from '../core/events.js';
import { linkBase } from '../core/http/link-base.js';
import type { ServerEnv } from '../core/http/pipeline.js';
import type { JobQueue } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import { createOfflineTrackProducer, downloadDirOf } from './downloads.js';
import { createDownloaderTaskRepository } from './task-repository.js';

/**
 * The server's download tasks: rows in the database, run from the durable job queue by whichever
 * instance claims them (at most `maxConcurrentDownloads` at once over all instances), their
 * status writes announced on the event bus, which every instance's SSE streams listen to.
 */

export const DOWNLOAD_QUEUE = 'downloader.download';
/** The bus channel of task changes; the payload is the task id (each instance reads the row). */
export const TASK_CHANNEL = 'downloader_tasks';
/** How long a task waits for a free download slot before it looks again. */
const SLOT_RETRY_MS = 1000;

export interface ServerDownloadTasksOptions {
  db: Knex;
  jobs: JobQueue;
  events: EventBus;
  logger: Logger;
  config: ServerConfig;
  source: SpotifyCatalogSource;
  readConfig(): Promise<StoredConfig | undefined>;
  /** Aborted when the server closes: running downloads stop and are marked interrupted. */
  shutdown?: AbortSignal;
  /** More moments to hang on: the download history writes its records there. */
  taskEvents?: DownloadTaskEvents;
}

export function createServerDownloadTasks(options: ServerDownloadTasksOptions): {
  service: DownloadTaskService;
  streamTaskProgress(env: ServerEnv): {
    status: 200;
    body: string;
    contentType: string;
    headers: Record<string, string>;
  };
} {
  const { db, jobs, events, logger, config, readConfig } = options;
  const repository = createDownloaderTaskRepository(db);
  const listeners = new Set<(change: TaskChange) => void>();
  // One subscription per instance, made at start, fanned out to its streams: the LISTEN connection
  // is open before the first download, and a change is read once per instance, not per client.
  events.subscribe(TASK_CHANNEL, (payload) => {
    const change = taskChangeOf(payload);
    for (const listener of [...listeners]) listener(change);
  });
  const now = () => Date.now() / 1000;

  const service = createDownloadTaskService({
    store: repository,
    source: options.source,
    readConfig,
    explicitFilter: config.downloader.explicitFilter,
    events: {
      async statusWritten(task) {
        await events
          .publish(TASK_CHANNEL, taskChangePayload(task))
          .catch((error) =>
            logger.warn({ err: error, taskId: task.taskId }, 'could not announce a task change'),
          );
        await options.taskEvents?.statusWritten?.(task);
      },
      trackFinished: (task, child) => options.taskEvents?.trackFinished?.(task, child),
      taskFinished: (task) => options.taskEvents?.taskFinished?.(task),
    },
    dispatcher: {
      async dispatch(task) {
        // One attempt: a run that dies is marked interrupted (below), never silently re-run.
        await jobs.enqueue(DOWNLOAD_QUEUE, { taskId: task.taskId }, { maxAttempts: 1 });
      },
    },
    producer: createOfflineTrackProducer({
      downloadDir: downloadDirOf(config),
      ffmpegPath: config.collections.ffmpegPath,
    }),
    now,
    sleep: (ms) =>
      new Promise((resolve) => {
        if (options.shutdown?.aborted) return resolve();
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          options.shutdown?.removeEventListener('abort', done);
          resolve();
        }
        options.shutdown?.addEventListener('abort', done, { once: true });
      }),
    stopping: () => options.shutdown?.aborted === true,
    newTaskId: randomUUID,
  });

  jobs.register<{ taskId: string }>(DOWNLOAD_QUEUE, {
    async run(job) {
      const { taskId } = job.payload;
      // Claimed again after its lease lapsed: the instance that ran it died midway.
      if (job.attempt > 1 && (await repository.wasStarted(taskId))) {
        await service.interrupt(taskId);
        return;
      }
      const task = await repository.get(taskId);
      if (!task?.active) return;
      const limit = Math.max(
        1,
        Number(configView(await readConfig(), undefined).maxConcurrentDownloads) || 3,
      );
      if (!(await repository.takeSlot(taskId, limit))) {
        await jobs.enqueue(DOWNLOAD_QUEUE, { taskId }, { delayMs: SLOT_RETRY_MS, maxAttempts: 1 });
        return;
      }
      await service.run(taskId);
      // Stopped by the shutdown midway: said so now, rather than when its lease lapses.
      if (options.shutdown?.aborted) await service.interrupt(taskId);
    },
    async onExhausted(job, error) {
      logger.error({ err: error, taskId: job.payload.taskId }, 'download task failed');
      await service.interrupt(job.payload.taskId, error instanceof Error ? error.message : String(error));
    },
    // A download holds its worker for as long as it runs: one worker is left to the other queues
    // (watch checks, transcodes), however many downloads wait.
    maxConcurrent: Math.max(1, config.jobs.concurrency - 1),
  });

  return {
    service,
    streamTaskProgress(env) {
      const body = new PassThrough();
      const stream = openProgressStream({
        all: () => repository.all(),
        get: (taskId) => repository.get(taskId),
        feed: {
          subscribe(listener) {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        },
        baseUrl: linkBase(env.ctx, config.publicUrl),
        now,
        send: (chunk) => body.write(chunk),
        onError: (error) => logger.warn({ err: error }, 'progress stream error'),
      });
      // The client went away: no more frames, no listener left behind.
      const close = () => {
        stream.close();
        body.end();
      };
      env.ctx.res.once('close', close);
      body.once('close', () => stream.close());
      return {
        status: 200 as const,
        body: body as unknown as string,
        contentType: 'text/event-stream',
        headers: { 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' },
      };
    },
  };
}
