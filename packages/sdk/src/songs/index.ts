export type { components, OperationId, operations, paths } from '@music-apis/spec/songs';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
export {
  createSongsSession,
  type SongsSessionOptions,
  secondsUntilExpiry,
} from './lib/session.js';
export { streamUrlParams } from './lib/stream.js';
