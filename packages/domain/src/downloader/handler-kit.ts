import type { Handlers } from '@music-apis/spec';
import type { downloaderSpec, operations } from '@music-apis/spec/downloader';
import type { DownloaderPrincipals } from './handlers.js';

/**
 * What the downloader's handler families (accounts, SSO, catalog, watch lists, tasks) are built
 * with; internal to the domain package, each family exports its handlers.
 */

/** Every downloader handler, typed by the document; each family picks its operations. */
export type DownloaderHandlers<Env, Raw> = Handlers<
  operations,
  typeof downloaderSpec.operations,
  DownloaderPrincipals,
  Env,
  Raw
>;

/** A 200 with `body`: what most downloader operations answer. */
export const ok = <Body>(body: Body) => ({ status: 200 as const, body });
