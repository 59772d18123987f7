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
  type TaskProgressWatch,
  TERMINAL_TASK_STATUSES,
  taskHandle,
  taskStatusOf,
  type WatchTaskProgressOptions,
  watchTaskProgress,
} from './lib/tasks.js';
