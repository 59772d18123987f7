export type { components, OperationId, operations, paths } from '@music-apis/spec/downloader';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
export {
  createDownloaderSession,
  type DownloaderSessionOptions,
  downloaderErrorMessage,
} from './lib/session.js';
