import { type Catalog, type CatalogTrack, demoCatalog } from '@music-apis/catalog';
import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/track-manager';
import type { ErrorReply } from './envelope.js';

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
  // Generated tracks only: the seed's (first) and the README's (last) examples stay unsaved.
  const count = Math.min(TRACK_MANAGER_DEMO_SAVED, catalog.trackCount - 2);
  return Array.from({ length: count }, (_, i) => toTrackManagerRecord(catalog.trackAt(i + 1)));
}

/** Java's LocalDateTime.toString() of `now`: local time, no offset. */
function localDateTime(now: Date): string {
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().replace('Z', '');
}

/** The original's ErrorResponse; statuses it never sent become 500. */
export function trackManagerErrorReply(error: HttpError, now: Date): ErrorReply {
  const status = TRACK_MANAGER_ERROR_REASONS[error.status] ? error.status : 500;
  const body: components['schemas']['ErrorResponse'] = {
    status,
    error: TRACK_MANAGER_ERROR_REASONS[status] as string,
    message: status === 500 ? 'Internal server error' : error.message,
    timestamp: localDateTime(now),
  };
  return { status, body, headers: error.options.headers };
}

/** The `Token: Bearer <access_token>` header's token, or the original's 401. */
export function trackManagerCatalogToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec((header ?? '').trim());
  if (!match) {
    throw new HttpError(
      401,
      header ? 'Token header must be "Bearer <access_token>"' : 'Missing Token header',
    );
  }
  return match[1] as string;
}

/** ISRCs are case-insensitive (the document's pattern accepts both cases) and stored upper-case. */
export const normalizeIsrc = (isrc: string) => isrc.toUpperCase();

export const trackNotFound = (isrc: string) => new HttpError(404, `Track with ISRC ${isrc} not found`);
// The original's texts (its TrackNotFoundException and TrackAlreadyExistException wrap what they get).
export const trackExists = (isrc: string) => new HttpError(409, `Track with ISRC ${isrc} already exist`);
export const isrcNotInCatalog = (isrc: string) =>
  new HttpError(404, `Track with ISRC Track not found for ISRC: ${isrc} not found`);

/** `isrc=` (present but empty): the original's IllegalArgumentException, which it answers 404. */
export function checkIsrcGiven(isrc: string): void {
  if (isrc === '') throw new HttpError(404, 'isrc field is mandatory');
}

type TrackPage = components['schemas']['TrackPage'];

/** `PageRequest.of(page, size)`'s checks, which the original answers 404 (IllegalArgumentException). */
export function checkTrackPage(page: number, size: number): void {
  if (page < 0) throw new HttpError(404, 'Page index must not be less than zero');
  if (size < 1) throw new HttpError(404, 'Page size must not be less than one');
}

/** Spring Data's `Page<TrackDTO>` JSON for one page of saved tracks (unsorted, as the original). */
export function trackPageView(
  content: TrackManagerRecord[],
  page: number,
  size: number,
  total: number,
): TrackPage {
  const totalPages = Math.ceil(total / size);
  const sort = { empty: true, sorted: false, unsorted: true };
  return {
    content,
    pageable: { pageNumber: page, pageSize: size, sort, offset: page * size, paged: true, unpaged: false },
    last: page + 1 >= totalPages,
    totalElements: total,
    totalPages,
    size,
    number: page,
    sort,
    first: page === 0,
    numberOfElements: content.length,
    empty: content.length === 0,
  };
}
export const catalogUnavailable = () => new HttpError(502, 'The music catalog is unavailable');
export const invalidCatalogToken = () => new HttpError(401, 'The access token is invalid or expired');
export const TRACK_MANAGER_TOKEN_SECONDS = 3600;
