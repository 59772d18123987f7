import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/collections';
import type { CollectionsKeyScope, CollectionsTrackStatus } from './collections.js';
import type { CollectionsVariantRecord } from './collections-variants.js';
import { hmacSha256Hex, sameText } from './signing.js';

export { hmacSha256Hex } from './signing.js';

/**
 * Playback of the collections API (the original's playback guide): play sessions, the signed
 * delivery URLs of a track's variant files, and the rules both share. Here so the server and the
 * mock sign, check and show them alike. Browser-safe: HMAC through Web Crypto.
 */

type PlaySession = components['schemas']['PlaySession'];
type PlaySessionInput = components['schemas']['PlaySessionInput'];
type PlayTrack = components['schemas']['PlayTrack'];
type PlayVariant = components['schemas']['PlayVariant'];
type Track = components['schemas']['Track'];

export type PlayScope = PlaySession['scope'];

/** A stored play session; times are epoch milliseconds. */
export interface PlaySessionRecord {
  id: string;
  organization_id: string;
  scope: PlayScope;
  collection_id: string;
  /** The track of a `track` session; null for a collection. */
  track_id: string | null;
  /** The creator the creating key was scoped to: the session plays that creator's tracks only. */
  creator_id: string | null;
  organization_index: string | null;
  metadata: Record<string, unknown>;
  /** The delivery indexes it plays, in order. */
  variants: string[];
  is_downloadable: boolean;
  expires_at: number;
  created_at: number;
}

export const PLAY_SESSION_DEFAULT_EXPIRES_IN = 3600;
/** How long a download URL (`downloadPlayTrackVariant`) works, at most (never past its session). */
export const DOWNLOAD_URL_TTL_SECONDS = 300;
/** Tracks a collection session lists at most. */
export const PLAY_SESSION_MAX_TRACKS = 500;

/** Only `ready` tracks are safe to play (guide); `incomplete` ones keep the variants that were made. */
export const isPlayable = (status: CollectionsTrackStatus) => status === 'ready' || status === 'incomplete';

export function playSessionView(record: PlaySessionRecord): PlaySession {
  const { organization_id, created_at, expires_at, ...fields } = record;
  return { ...fields, expires_at: new Date(expires_at).toISOString() };
}

/**
 * What a new session opens: the body's collection or track, else the scoped key's own (as
 * `createUploadSession` takes a collection-scoped key's collection).
 */
export function playSessionTarget(
  scope: PlayScope,
  body: Pick<PlaySessionInput, 'collection_id' | 'track_id'>,
  keyScope: CollectionsKeyScope,
): string {
  const id =
    scope === 'collection'
      ? (body.collection_id ?? keyScope.collection_id)
      : (body.track_id ?? keyScope.track_id);
  if (id === null || id === undefined) {
    throw new HttpError(400, `${scope}_id is required for a ${scope} play session`);
  }
  return id.toLowerCase();
}

/**
 * The variants a new session plays: the ones asked for (each configured for the organization or
 * the track, else 400; each among a player key's allowed ones, else 403), else the key's, else every
 * transcode and preview there is.
 */
export function playSessionVariants(
  requested: string[] | undefined,
  keyVariants: string[] | null,
  available: Pick<CollectionsVariantRecord, 'index' | 'type' | 'track_id'>[],
): string[] {
  const known = new Set(available.map((variant) => variant.index));
  const wanted =
    requested ??
    keyVariants ??
    available
      .filter(
        (variant) =>
          variant.track_id === null && (variant.type === 'transcode' || variant.type === 'preview'),
      )
      .map((variant) => variant.index);
  for (const index of wanted) {
    if (!known.has(index)) throw new HttpError(400, `variants: no variant has the index "${index}"`);
    if (keyVariants && !keyVariants.includes(index)) {
      throw new HttpError(403, `Forbidden: this key may not play variant "${index}"`);
    }
  }
  return wanted;
}

/** Whether a session of the caller's organization is in its key's scope (another one: 404). */
export function playSessionInScope(scope: CollectionsKeyScope, session: PlaySessionRecord): boolean {
  return (
    (scope.collection_id === null || scope.collection_id === session.collection_id) &&
    (scope.track_id === null || scope.track_id === session.track_id) &&
    (scope.creator_id === null || scope.creator_id === session.creator_id)
  );
}

/** Whether a track is one the session plays: of its collection (its track), its creator's, playable. */
export function trackInPlaySession(
  session: PlaySessionRecord,
  track: {
    id: string;
    organization_id: string;
    collection_id: string;
    creator_id: string | null;
    status: CollectionsTrackStatus;
  },
): boolean {
  return (
    track.organization_id === session.organization_id &&
    track.collection_id === session.collection_id &&
    (session.track_id === null || session.track_id === track.id) &&
    (session.creator_id === null || session.creator_id === track.creator_id) &&
    isPlayable(track.status)
  );
}

/** 401 once the session has expired: its id no longer authorizes anything. */
export function assertPlaySessionOpen(session: Pick<PlaySessionRecord, 'expires_at'>, now: number): void {
  if (session.expires_at <= now) throw new HttpError(401, 'Play session expired');
}

/** A track of the session with its variant files: what `first_track` and `getPlayTrack` show. */
export function playTrackView(track: Track, levels: number[] | null, variants: PlayVariant[]): PlayTrack {
  return {
    track_id: track.id,
    track,
    cover_image: track.cover_url,
    levels: levels ? { levels } : null,
    variants,
  };
}

export const playSessionNotFound = () => new HttpError(404, 'Play session not found');
export const trackNotPlayable = (status: CollectionsTrackStatus) =>
  new HttpError(409, `The track is not playable yet (status ${status}): wait until it is ready`);
export const downloadsNotAllowed = () => new HttpError(403, 'This play session does not allow downloads');
export const deliveryFileNotFound = () => new HttpError(404, 'File not found');

// ——— delivery URLs ———

/** Where the delivery URLs live: `base_url` is `<server><DELIVERY_PREFIX><base_path>`. */
export const DELIVERY_PREFIX = '/media/delivery';

/** The path of a track's file of a variant under the delivery prefix (`base_path` + `_index.extension`). */
export const deliveryFilePath = (basePath: string, index: string, extension: string) =>
  `${basePath}_${index}.${extension}`;

/** The extension of a stored file (its blob key's). */
export const fileExtension = (blobKey: string) => blobKey.slice(blobKey.lastIndexOf('.') + 1).toLowerCase();

const DELIVERY_FILE = /^([0-9a-fA-F-]{36})_([A-Za-z0-9_-]+)\.([A-Za-z0-9]+)$/;

/** The track id (lower-case), variant index and extension of a delivery `file_name`. */
export function parseDeliveryFileName(
  fileName: string,
): { trackId: string; index: string; extension: string } | undefined {
  const match = DELIVERY_FILE.exec(fileName);
  if (!match) return undefined;
  const [, trackId, index, extension] = match as unknown as [string, string, string, string];
  return { trackId: trackId.toLowerCase(), index, extension: extension.toLowerCase() };
}

/** The name a downloaded file is saved as: the track's file name with the variant's index and extension. */
export function deliveryDownloadName(trackFileName: string, index: string, extension: string): string {
  const stem = trackFileName.replace(/\.[^.]*$/, '').replace(/["\\\r\n]/g, '_') || 'track';
  return `${stem}_${index}.${extension}`;
}

/**
 * Signs a delivery URL (the Delivery tag of openapi/collections.yaml): `expires` (and `params`) are
 * appended to its query, then `verify`, last, the HMAC of the path and query string so far.
 */
export async function signDeliveryUrl(
  url: string,
  signingKey: string,
  expires: number,
  params: Record<string, string> = {},
): Promise<string> {
  const parsed = new URL(url);
  parsed.searchParams.delete('verify');
  parsed.searchParams.set('expires', String(expires));
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  const signed = `${parsed.pathname}${parsed.search}`;
  return `${parsed.origin}${signed}&verify=${await hmacSha256Hex(signingKey, signed)}`;
}

const VERIFY_LAST = /(?:^|&)verify=([0-9a-f]{64})$/;

/**
 * Checks a presented delivery URL: its raw `path` and `query` (without `?`), as sent. The signature
 * first (a forged URL learns nothing more), then the expiry; 403 for either, and for no signature.
 * `signingKey` is undefined when the URL names no organization there is.
 */
export async function verifyDeliveryUrl(
  path: string,
  query: string,
  signingKey: string | undefined,
  now: number,
): Promise<{ download: boolean }> {
  const match = VERIFY_LAST.exec(query);
  if (!match) {
    throw new HttpError(403, 'Delivery URL is not signed: it needs expires and, last, verify');
  }
  const unsigned = query.slice(0, match.index);
  const signed = unsigned === '' ? path : `${path}?${unsigned}`;
  const expected = signingKey === undefined ? '' : await hmacSha256Hex(signingKey, signed);
  if (!sameText(expected, match[1] as string)) throw new HttpError(403, 'Delivery URL signature is invalid');
  const params = new URLSearchParams(unsigned);
  const expires = Number(params.get('expires') ?? Number.NaN);
  if (!Number.isInteger(expires)) throw new HttpError(403, 'Delivery URL has no expires');
  if (expires * 1000 <= now) throw new HttpError(403, 'Delivery URL has expired');
  return { download: params.get('download') === '1' };
}
