export * from './errors.js';
export * from './http-client.js';
export {
  type CachedTokenProviderOptions,
  createCachedTokenProvider,
  type FetchedToken,
  type TokenProvider,
  type TokenSource,
} from './token-provider.js';
