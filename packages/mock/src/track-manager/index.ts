import { coverJpeg } from '@music-apis/catalog';
import { TRACK_MANAGER_ERROR_REASONS, type TrackManagerRecord, toCreatedTrackView, toTrackManagerRecord, trackManagerDemoRecords } from '@music-apis/domain';
import { type components, type OperationId, operationRoutes } from '@music-apis/sdk/track-manager';
import { HttpResponse } from 'msw';
import { type MockApiDefinition, MockHttpError } from '../core/mock.js';

type ErrorResponse = components['schemas']['ErrorResponse'];

/** Same rule as the `Isrc` schema of openapi/track-manager.yaml (the contract suite keeps them equal). */
const ISRC = /^[A-Za-z]{2}[A-Za-z0-9]{3}[0-9]{7}$/;
const TOKEN_LIFETIME_SECONDS = 3600;

export interface TrackManagerMockState {
  /** Saved tracks by upper-case ISRC; seeded with the demo data's saved tracks. */
  tracks: Map<string, TrackManagerRecord>;
  /** Issued access tokens and when they expire (epoch ms). */
  tokens: Map<string, number>;
  issuedTokenCount: number;
}

function validIsrc(value: string | null): string {
  if (!value) throw new MockHttpError(400, 'isrc: is required');
  if (!ISRC.test(value)) throw new MockHttpError(400, `isrc: must match pattern "${ISRC.source}"`);
  return value.toUpperCase();
}

export const trackManagerMockApi: MockApiDefinition<TrackManagerMockState, OperationId> = {
  name: 'trackManager',
  routes: operationRoutes,
  pathPrefixes: ['/api/token', '/api/track'],
  createState: ({ catalog }) => ({
    tracks: new Map(trackManagerDemoRecords(catalog).map((track) => [track.isrc, track])),
    tokens: new Map(),
    issuedTokenCount: 0,
  }),
  errorResponse(status, message, { now }) {
    const body: ErrorResponse = {
      status,
      error: TRACK_MANAGER_ERROR_REASONS[status] ?? 'Error',
      message,
      timestamp: now().toISOString().replace('Z', ''),
    };
    return HttpResponse.json(body, { status });
  },
  handlers: (state, { catalog, now }) => ({
    getToken() {
      state.issuedTokenCount += 1;
      const token = `mock-catalog-token-${state.issuedTokenCount}`;
      state.tokens.set(token, now().getTime() + TOKEN_LIFETIME_SECONDS * 1000);
      const body = { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS };
      return new HttpResponse(JSON.stringify(body), {
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
      });
    },
    createTrack({ request, url }) {
      const header = request.headers.get('token') ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
      if (!token)
        throw new MockHttpError(
          401,
          header ? 'Token header must be "Bearer <access_token>"' : 'Missing Token header',
        );
      const expiresAt = state.tokens.get(token);
      if (expiresAt === undefined || expiresAt <= now().getTime()) {
        throw new MockHttpError(401, 'The access token is invalid or expired');
      }
      const isrc = validIsrc(url.searchParams.get('isrc'));
      if (state.tracks.has(isrc)) throw new MockHttpError(409, `Track with ISRC ${isrc} already exists`);
      const found = catalog.findTrackByIsrc(isrc);
      if (!found) throw new MockHttpError(404, `No track found in the catalog for ISRC ${isrc}`);
      const track = toTrackManagerRecord(found);
      state.tracks.set(isrc, track);
      return HttpResponse.json(toCreatedTrackView(track));
    },
    getTrackMetadata({ params }) {
      const track = state.tracks.get(validIsrc(params.isrc ?? null));
      if (!track) throw new MockHttpError(404, `Track with ISRC ${params.isrc} not found`);
      return HttpResponse.json(track);
    },
    getTrackCover({ params }) {
      const track = state.tracks.get(validIsrc(params.isrc ?? null));
      if (!track) throw new MockHttpError(404, `Track with ISRC ${params.isrc} not found`);
      const album = catalog.findAlbumByCoverUrl(track.cover_image);
      if (!album) throw new MockHttpError(502, 'The music catalog is unavailable');
      return new HttpResponse(coverJpeg(album.coverIndex), { headers: { 'content-type': 'image/jpeg' } });
    },
  }),
};
