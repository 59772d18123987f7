/**
 * What each API entry re-exports from the core: the error family and its guards, token
 * providers, and the types of the public surface. The building blocks of the generated layer
 * (`createHttpClient`, `operationCaller`, the paginator factories, `toBodyInit`, `expandPath`) are
 * exported by `@music-apis/sdk` itself, so an app that uses one API does not ship them unused.
 */
export type { ApiPromise, ApiResponse } from './api-promise.js';
export type { BinaryBody } from './body.js';
export * from './errors.js';
export type {
  AfterResponseHook,
  BeforeErrorHook,
  BeforeRequestHook,
  BeforeRetryHook,
  BeforeRetryState,
  CallOptions,
  Credential,
  Hooks,
  HttpClient,
  HttpClientOptions,
  KyRequest,
  KyResponse,
  NormalizedOptions,
  Progress,
  RetryOptions,
} from './http-client.js';
export type { Paginator } from './paginator.js';
export {
  type CachedTokenProviderOptions,
  createCachedTokenProvider,
  type FetchedToken,
  type TokenProvider,
  type TokenSource,
} from './token-provider.js';
