export type { components, OperationId, operations, paths } from '@music-apis/spec/songs';
export { secondsUntilExpiry } from '../core/index.js';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
export { createSongsSession, type SongsSessionOptions } from './lib/session.js';
export { streamUrlParams } from './lib/stream.js';
