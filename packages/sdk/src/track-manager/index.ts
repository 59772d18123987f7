export type { components, OperationId, operations, paths } from '@music-apis/spec/track-manager';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
