export type { components, OperationId, operations, paths } from '@music-apis/spec/streaming';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
export * from './lib/catalog-search.js';
export * from './lib/playlists.js';
export * from './lib/streams.js';
export * from './lib/tokens.js';
