import { coverJpeg } from '@music-apis/catalog';
import {
  catalogUnavailable,
  checkIsrcGiven,
  checkTrackPage,
  invalidCatalogToken,
  isrcNotInCatalog,
  normalizeIsrc,
  TRACK_MANAGER_TOKEN_SECONDS,
  type TrackManagerRecord,
  toCreatedTrackView,
  toTrackManagerRecord,
  trackExists,
  trackManagerCatalogToken,
  trackManagerDemoRecords,
  trackManagerErrorReply,
  trackNotFound,
  trackPageView,
} from '@music-apis/domain';
import { type operations, trackManagerSpec } from '@music-apis/spec/track-manager';
import type { MockApiDefinition } from '../core/api.js';

/**
 * The track manager in memory. The demo catalog stands in for Spotify: tokens are issued here and
 * checked against the ones issued, lookups go to the catalog.
 */

export interface TrackManagerMockState {
  /** Saved tracks by upper-case ISRC; seeded with the demo data's saved tracks. */
  tracks: Map<string, TrackManagerRecord>;
  /** Issued access tokens and when they expire (epoch ms). */
  tokens: Map<string, number>;
  issuedTokenCount: number;
}

/** Scheme name → principal: the catalog access token of the `Token` header. */
export type TrackManagerPrincipals = { catalogToken: string };

export const trackManagerMockApi: MockApiDefinition<
  operations,
  typeof trackManagerSpec.operations,
  TrackManagerMockState,
  TrackManagerPrincipals
> = {
  spec: trackManagerSpec,
  createState: ({ catalog }) => ({
    tracks: new Map(trackManagerDemoRecords(catalog).map((track) => [track.isrc, track])),
    tokens: new Map(),
    issuedTokenCount: 0,
  }),
  errorReply: (error, { context }) => trackManagerErrorReply(error, context.now()),
  implement: (state, { catalog, now }) => {
    function savedTrack(isrc: string): TrackManagerRecord {
      const track = state.tracks.get(normalizeIsrc(isrc));
      if (!track) throw trackNotFound(isrc);
      return track;
    }
    return {
      authenticate: {
        catalogToken: (request) => trackManagerCatalogToken(request.header('token')),
      },
      handlers: {
        getToken() {
          state.issuedTokenCount += 1;
          const token = `mock-catalog-token-${state.issuedTokenCount}`;
          state.tokens.set(token, now().getTime() + TRACK_MANAGER_TOKEN_SECONDS * 1000);
          const body = { access_token: token, token_type: 'Bearer', expires_in: TRACK_MANAGER_TOKEN_SECONDS };
          // The original answered text/plain with the token JSON as the text.
          return { status: 200, body: JSON.stringify(body), contentType: 'text/plain;charset=UTF-8' };
        },
        createTrack({ query, principal }) {
          checkIsrcGiven(query.isrc);
          const isrc = normalizeIsrc(query.isrc);
          if (state.tracks.has(isrc)) throw trackExists(isrc);
          // The catalog checks the token, as Spotify does for the server: after the saved check.
          const expiresAt = state.tokens.get(principal);
          if (expiresAt === undefined || expiresAt <= now().getTime()) throw invalidCatalogToken();
          const found = catalog.findTrackByIsrc(isrc);
          if (!found) throw isrcNotInCatalog(isrc);
          const track = toTrackManagerRecord(found);
          state.tracks.set(isrc, track);
          return { status: 200, body: toCreatedTrackView(track) };
        },
        getAllTracks({ query }) {
          const { page = 0, size = 10 } = query;
          checkTrackPage(page, size);
          const sorted = [...state.tracks.values()].sort((a, b) =>
            a.isrc < b.isrc ? -1 : a.isrc > b.isrc ? 1 : 0,
          );
          const content = sorted.slice(page * size, page * size + size);
          return { status: 200, body: trackPageView(content, page, size, sorted.length) };
        },
        getTrackMetadata: ({ path }) => ({ status: 200, body: savedTrack(path.isrc) }),
        getTrackCover({ path }) {
          const album = catalog.findAlbumByCoverUrl(savedTrack(path.isrc).cover_image);
          if (!album) throw catalogUnavailable();
          return { status: 200, body: coverJpeg(album.coverIndex), contentType: 'image/jpeg' };
        },
      },
    };
  },
};
