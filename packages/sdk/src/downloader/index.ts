export type { components, OperationId, operations, paths } from '@music-apis/spec/downloader';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
export {
  createDownloaderSession,
  type DownloaderSessionOptions,
  downloaderErrorMessage,
} from './lib/session.js';
export {
  type DownloaderProgressFrame,
  type DownloaderTask,
  type DownloaderTaskClient,
  type DownloaderTaskCounts,
  type DownloaderTaskLine,
  type DownloadTaskHandle,
  downloadAlbum,
  downloadPlaylist,
  downloadTrack,
  isTaskFinished,
  sseDataOf,
  TERMINAL_TASK_STATUSES,
  type TaskProgressWatch,
  taskHandle,
  taskStatusOf,
  type WatchTaskProgressOptions,
  watchTaskProgress,
} from './lib/tasks.js';
