import {
  toCreatedTrackView,
  trackManagerCatalogToken,
  trackManagerDemoRecords,
  trackManagerErrorReply,
} from '@music-apis/domain';
import { type operations, trackManagerSpec } from '@music-apis/spec/track-manager';
import type { ServerApi } from '../core/http/pipeline.js';
import type { ApiModule } from '../core/module.js';
import { createTrackRepository, trackManagerMigrations } from './repository.js';
import { createTrackManagerService } from './service.js';

/** Spring Security's default response headers, which the original sent on every response. */
const SPRING_SECURITY_HEADERS = {
  'cache-control': 'no-cache,no-store,max-age=0,must-revalidate',
  pragma: 'no-cache',
  expires: '0',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '0',
};

/** `catalogToken`: the caller's catalog access token, from the `Token: Bearer …` header. */
type TrackManagerPrincipals = { catalogToken: string };

export const trackManagerModule: ApiModule = {
  key: 'trackManager',
  migrations: trackManagerMigrations,
  async seed({ db, catalog }) {
    await createTrackRepository(db).insertMissing(trackManagerDemoRecords(catalog));
  },
  createApi({ db, catalogProvider, blobs }) {
    const service = createTrackManagerService(createTrackRepository(db), catalogProvider, blobs);
    const api: ServerApi<operations, typeof trackManagerSpec.operations, TrackManagerPrincipals> = {
      spec: trackManagerSpec,
      responseHeaders: SPRING_SECURITY_HEADERS,
      errorReply: (error) => trackManagerErrorReply(error, new Date()),
      authenticate: {
        catalogToken: (request) => trackManagerCatalogToken(request.header('token')),
      },
      handlers: {
        // The original answered text/plain with the token JSON as the text.
        getToken: async () => ({
          status: 200,
          body: JSON.stringify(await catalogProvider.issueAccessToken()),
          contentType: 'text/plain; charset=UTF-8',
        }),
        createTrack: async ({ query, principal }) => ({
          status: 200,
          body: toCreatedTrackView(await service.createTrack(query.isrc, principal)),
        }),
        getAllTracks: async ({ query }) => ({
          status: 200,
          body: await service.listTracks(query.page ?? 0, query.size ?? 10),
        }),
        getTrackMetadata: async ({ path }) => ({ status: 200, body: await service.getTrack(path.isrc) }),
        getTrackCover: async ({ path }) => ({
          status: 200,
          body: await service.getCover(path.isrc),
          contentType: 'image/jpeg',
        }),
      },
    };
    return api;
  },
};
