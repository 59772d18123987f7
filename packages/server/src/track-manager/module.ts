import { TRACK_MANAGER_ERROR_REASONS, toCreatedTrackView, trackManagerDemoRecords } from '@music-apis/domain';
import type { components } from '@music-apis/sdk/track-manager';
import type { Context } from 'koa';
import { type HttpError, unauthorized } from '@music-apis/spec';
import type { ApiModule } from '../core/module.js';
import { loadApiDocument } from '../core/openapi.js';
import { createTrackRepository, trackManagerMigrations } from './repository.js';
import { createTrackManagerService } from './service.js';

type ErrorResponse = components['schemas']['ErrorResponse'];
type CreatedTrackDTO = components['schemas']['CreatedTrackDTO'];
type TrackDTO = components['schemas']['TrackDTO'];

/** Java's LocalDateTime.toString(): local time, no offset. */
function localDateTime(date = new Date()): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().replace('Z', '');
}

/** Spring Security's default response headers, which the original sent on every response. */
const SPRING_SECURITY_HEADERS = {
  'cache-control': 'no-cache,no-store,max-age=0,must-revalidate',
  pragma: 'no-cache',
  expires: '0',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '0',
};

function bearerToken(ctx: Context): string {
  const header = ctx.get('token');
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match)
    throw unauthorized(header ? 'Token header must be "Bearer <access_token>"' : 'Missing Token header');
  return match[1] as string;
}

export const trackManagerModule: ApiModule = {
  name: 'trackManager',
  migrations: trackManagerMigrations,
  async seed({ db, catalog }) {
    await createTrackRepository(db).insertMissing(trackManagerDemoRecords(catalog));
  },
  createApi({ db, catalogProvider, blobs, config }) {
    const service = createTrackManagerService(createTrackRepository(db), catalogProvider, blobs);
    return {
      document: loadApiDocument('track-manager', { validateResponses: config.validateResponses }),
      pathPrefixes: ['/api/token', '/api/track'],
      responseHeaders: SPRING_SECURITY_HEADERS,
      errorResponse(error: HttpError) {
        const status = TRACK_MANAGER_ERROR_REASONS[error.status] ? error.status : 500;
        const body: ErrorResponse = {
          status,
          error: TRACK_MANAGER_ERROR_REASONS[status] as string,
          message: error.message,
          timestamp: localDateTime(),
        };
        return { status, body };
      },
      authenticate(ctx) {
        ctx.state.catalogToken = bearerToken(ctx);
      },
      handlers: {
        async getToken(ctx) {
          // The original answered text/plain with the token JSON as the text.
          ctx.type = 'text/plain; charset=UTF-8';
          ctx.body = JSON.stringify(await catalogProvider.issueAccessToken());
        },
        async createTrack(ctx, input) {
          const track = await service.createTrack(
            input.query.isrc as string,
            ctx.state.catalogToken as string,
          );
          const body: CreatedTrackDTO = toCreatedTrackView(track);
          ctx.body = body;
        },
        async getTrackMetadata(ctx, input) {
          const body: TrackDTO = await service.getTrack(input.path.isrc as string);
          ctx.body = body;
        },
        async getTrackCover(ctx, input) {
          ctx.type = 'image/jpeg';
          ctx.body = Buffer.from(await service.getCover(input.path.isrc as string));
        },
      },
    };
  },
};
