export type { ApiPromise, ApiResponse } from './api-promise.js';
export { type BinaryBody, toBodyInit } from './body.js';
export * from './errors.js';
export * from './http-client.js';
export { type OperationCaller, operationCaller, type Route } from './operation.js';
export {
  createPaginator,
  type OffsetPagination,
  type Paginator,
  type PaginatorSource,
  paginateByOffset,
} from './paginator.js';
export {
  type CachedTokenProviderOptions,
  createCachedTokenProvider,
  type FetchedToken,
  secondsUntilExpiry,
  type TokenProvider,
  type TokenSource,
} from './token-provider.js';
