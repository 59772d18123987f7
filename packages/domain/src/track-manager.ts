import { type Catalog, type CatalogTrack, demoCatalog } from '@music-apis/catalog';

/** A track as the track manager stores it (its TrackDTO, with `playbackSeconds`). */
export interface TrackManagerRecord {
  isrc: string;
  name: string;
  artistName: string;
  albumName: string;
  albumId: string;
  isExplicit: boolean;
  playbackSeconds: number;
  cover_image: string;
}

/** The catalog track in the track manager's shape: whole seconds, rounded down as the original. */
export function toTrackManagerRecord(track: CatalogTrack): TrackManagerRecord {
  return {
    isrc: track.isrc,
    name: track.name,
    artistName: track.artistName,
    albumName: track.albumName,
    albumId: track.albumId,
    isExplicit: track.explicit,
    playbackSeconds: Math.floor(track.durationMs / 1000),
    cover_image: track.coverImageUrl,
  };
}

/**
 * The `error` texts of the original's ErrorResponse by status, trailing space in "Unauthorized "
 * included. The server and the mock answer with the same ones.
 */
export const TRACK_MANAGER_ERROR_REASONS: Readonly<Record<number, string>> = {
  400: 'Validation failed',
  401: 'Unauthorized ',
  404: 'Resource not found',
  405: 'Method Not Allowed',
  409: 'Resource already exist',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal server error',
  502: 'Bad gateway',
};

/** The create response's shape: the original spelled the duration `playBackSeconds` there. */
export type CreatedTrackManagerRecord = Omit<TrackManagerRecord, 'playbackSeconds'> & {
  playBackSeconds: number;
};

/** A saved track as `createTrack` answers it, fields in the original's order. */
export function toCreatedTrackView(track: TrackManagerRecord): CreatedTrackManagerRecord {
  return {
    isrc: track.isrc,
    name: track.name,
    artistName: track.artistName,
    albumName: track.albumName,
    albumId: track.albumId,
    isExplicit: track.isExplicit,
    playBackSeconds: track.playbackSeconds,
    cover_image: track.cover_image,
  };
}

/** How many catalog tracks the demo data has already saved in the track manager. */
export const TRACK_MANAGER_DEMO_SAVED = 20;

/**
 * Tracks saved in the track manager's demo data: catalog tracks 1..20. The seed's own example
 * (GBAYE0800657) is deliberately not saved, so its documented create call succeeds on a fresh start.
 */
export function trackManagerDemoRecords(catalog: Catalog = demoCatalog): TrackManagerRecord[] {
  const count = Math.min(TRACK_MANAGER_DEMO_SAVED, catalog.trackCount - 1);
  return Array.from({ length: count }, (_, i) => toTrackManagerRecord(catalog.trackAt(i + 1)));
}
