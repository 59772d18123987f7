import { type Catalog, type CatalogTrack, deterministicUuid } from '@music-apis/catalog';
import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/streaming';
import {
  invalidAuthToken,
  laravelPage,
  laravelTimestamp,
  STREAMING_PAGE_SIZE,
  StreamingValidationError,
} from './streaming.js';
import { catalogIndexOf, streamIdOf, streamingCatalogId } from './streaming-catalog-ids.js';

/**
 * The streaming API's playlists, home page and health answers, written once for the server and the
 * mock: the records both stores keep, their views, who may see and change a playlist, the catalog
 * check of track ids, the ordering rules (add to the end, replace renumbered 1..n, reorder with a
 * shift), the editorial playlists seeded per tenant from the demo catalog, the plays behind
 * "continue listening", and the composed home page. Browser-safe.
 */

type Playlist = components['schemas']['Playlist'];
type PlaylistTrack = components['schemas']['PlaylistTrack'];
type HomePage = components['schemas']['HomePage'];
type HomeModule = components['schemas']['HomeModule'];
type HomeItem = components['schemas']['HomeItem'];

// ——— records and views ———

/** A playlist as both stores keep it: timestamps in epoch ms. */
export interface StreamingPlaylistRecord {
  id: string;
  tenant_id: string;
  user_id: string;
  playlist_name: string;
  public: boolean;
  created_at: number;
  updated_at: number;
}

/** One entry of a playlist: `track_id` is a catalog track id in canonical form (`'3'`, never `'03'`). */
export interface StreamingPlaylistTrackRecord {
  id: string;
  playlist_id: string;
  track_id: string;
  order: number;
  created_at: number;
  updated_at: number;
}

/** A track the user played (a served HLS manifest), the newest play and how many there were. */
export interface StreamingPlayRecord {
  track_id: string;
  played_at: number;
  play_count: number;
}

/** Entries a playlist may hold (the replace body's `maxItems`). */
export const STREAMING_PLAYLIST_MAX_TRACKS = 1000;
/** Tracks "continue listening" shows: the most recently played first. */
export const CONTINUE_LISTENING_LIMIT = 20;

export const playlistTrackView = (entry: StreamingPlaylistTrackRecord): PlaylistTrack => ({
  id: entry.id,
  playlist_id: entry.playlist_id,
  track_id: entry.track_id,
  order: entry.order,
  created_at: laravelTimestamp(entry.created_at),
  updated_at: laravelTimestamp(entry.updated_at),
});

/** A playlist; with its entries (in order) when `tracks` is given (`?with=tracks`). */
export function playlistView(
  playlist: StreamingPlaylistRecord,
  tracks?: StreamingPlaylistTrackRecord[],
): Playlist {
  return {
    id: playlist.id,
    tenant_id: playlist.tenant_id,
    user_id: playlist.user_id,
    playlist_name: playlist.playlist_name,
    public: playlist.public,
    created_at: laravelTimestamp(playlist.created_at),
    updated_at: laravelTimestamp(playlist.updated_at),
    ...(tracks === undefined ? {} : { tracks: tracks.map(playlistTrackView) }),
  };
}

export type PlaylistChanges = Partial<Pick<StreamingPlaylistRecord, 'playlist_name' | 'public'>>;

/** The fields an update body sets: only those sent (a partial update keeps the rest). */
export function playlistChanges(body: { playlist_name?: string; public?: boolean }): PlaylistChanges {
  const changes: PlaylistChanges = {};
  if (body.playlist_name !== undefined) changes.playlist_name = body.playlist_name;
  if (body.public !== undefined) changes.public = body.public;
  return changes;
}

export function newPlaylistRecord(
  identity: { id: string; tenant_id: string; user_id: string; nowMs: number },
  body: { playlist_name: string; public?: boolean },
): StreamingPlaylistRecord {
  return {
    id: identity.id,
    tenant_id: identity.tenant_id,
    user_id: identity.user_id,
    playlist_name: body.playlist_name,
    public: body.public ?? false,
    created_at: identity.nowMs,
    updated_at: identity.nowMs,
  };
}

// ——— who may see and change a playlist ———

/** Laravel's answer to a policy that refuses (`AuthorizationException`). */
export const playlistForbidden = () => new HttpError(403, 'This action is unauthorized.');

/**
 * What the caller may do with a playlist of their tenant (the stores only find those): the owner
 * anything; another user reads a public one (changing it is 403) and does not see a private one
 * (404, as if it did not exist: its existence is not given away).
 */
export function authorizePlaylist(
  playlist: Pick<StreamingPlaylistRecord, 'user_id' | 'public'> | undefined,
  userId: string,
  intent: 'read' | 'write',
): void {
  if (!playlist) throw new HttpError(404, 'Not found.');
  if (playlist.user_id === userId) return;
  if (!playlist.public) throw new HttpError(404, 'Not found.');
  if (intent === 'write') throw playlistForbidden();
}

/** Whether a playlist shows in the caller's search: their own, or public. */
export const playlistVisibleTo = (
  playlist: Pick<StreamingPlaylistRecord, 'user_id' | 'public'>,
  userId: string,
) => playlist.user_id === userId || playlist.public;

/** `keyword` as a case-insensitive substring match of `playlist_name` (the search's rule). */
export const playlistNameMatches = (name: string, keyword: string) =>
  name.toLowerCase().includes(keyword.toLowerCase());

/** `keyword` as a SQL `LIKE` pattern on `lower(playlist_name)` (with `ESCAPE '\'`): the same rule. */
export const playlistNameLikePattern = (keyword: string) =>
  `%${keyword.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/**
 * One page of a playlist search in Laravel's envelope. Its links keep the keyword (Laravel's
 * `withQueryString()`), so a client that follows `links.next` gets the next page of the same search.
 */
export function playlistSearchPage(
  playlists: StreamingPlaylistRecord[],
  options: { keyword: string; page: number; total: number; baseUrl: string },
) {
  const page = laravelPage(
    playlists.map((playlist) => playlistView(playlist)),
    {
      page: options.page,
      perPage: STREAMING_PAGE_SIZE,
      total: options.total,
      path: `${options.baseUrl}/api/v1/playlists/search`,
    },
  );
  const keyword = `&keyword=${encodeURIComponent(options.keyword)}`;
  const withKeyword = <Link extends string | null>(link: Link) =>
    link === null ? link : `${link}${keyword}`;
  return {
    ...page,
    links: {
      first: withKeyword(page.links.first),
      last: withKeyword(page.links.last),
      prev: withKeyword(page.links.prev),
      next: withKeyword(page.links.next),
    },
  };
}

// ——— track ids ———

/** `tracks.0.track_id` → `tracks.0.track id`, as Laravel names attributes in its messages. */
const attribute = (field: string) => field.replace(/_/g, ' ');

/**
 * The canonical catalog track id of each `track_id` (the catalog numbers its tracks by index + 1);
 * one that names no track of the catalog is a 422 on its field (`track_id`, or `tracks.N.track_id`),
 * every bad one at once, before anything is written.
 */
export function checkCatalogTrackIds(
  entries: readonly { field: string; trackId: string }[],
  trackCount: number,
): string[] {
  const errors: Record<string, string[]> = {};
  const ids = entries.map(({ field, trackId }) => {
    const index = catalogIndexOf(trackId, trackCount);
    if (index === undefined) {
      errors[field] = [`The selected ${attribute(field)} is invalid.`];
      return '';
    }
    return String(streamingCatalogId(index));
  });
  if (Object.keys(errors).length > 0) throw new StreamingValidationError(errors);
  return ids;
}

/** A playlist that would grow past `STREAMING_PLAYLIST_MAX_TRACKS`. */
export const playlistFull = () =>
  new StreamingValidationError({
    track_id: [`The playlist may not have more than ${STREAMING_PLAYLIST_MAX_TRACKS} tracks.`],
  });

/** The catalog id of a catalog track (`'1'` for index 0), or undefined for a track not in `catalog`. */
export function streamingTrackIdOf(catalog: Catalog, track: Pick<CatalogTrack, 'isrc'>): string | undefined {
  const index = catalogIndexOfIsrc(catalog, track.isrc);
  return index === undefined ? undefined : String(streamingCatalogId(index));
}

/**
 * The catalog index of an ISRC. Generated ISRCs end in their index (`QZMAD0000007` is index 7,
 * after the seed's example at 0), so that is tried first and checked; otherwise the catalog is
 * walked once and remembered.
 */
export function catalogIndexOfIsrc(catalog: Catalog, isrc: string): number | undefined {
  const normalized = isrc.toUpperCase();
  const guess = Number(normalized.slice(5));
  for (const index of [guess, 0, catalog.trackCount - 1]) {
    if (Number.isInteger(index) && index >= 0 && index < catalog.trackCount) {
      if (catalog.trackAt(index).isrc === normalized) return index;
    }
  }
  let byIsrc = isrcIndexes.get(catalog);
  if (!byIsrc) {
    byIsrc = new Map();
    let index = 0;
    for (const track of catalog.tracks()) byIsrc.set(track.isrc, index++);
    isrcIndexes.set(catalog, byIsrc);
  }
  return byIsrc.get(normalized);
}

const isrcIndexes = new WeakMap<Catalog, Map<string, number>>();

// ——— ordering ———

/**
 * A replace body's entries in stored order: sorted by `order` (ties keep request order), numbered
 * 1..n, with canonical track ids. Throws the 422 of every unknown track before anything is written.
 */
export function replacementEntries(
  tracks: readonly { track_id: string; order: number }[],
  trackCount: number,
): { track_id: string; order: number }[] {
  const ids = checkCatalogTrackIds(
    tracks.map((entry, index) => ({ field: `tracks.${index}.track_id`, trackId: entry.track_id })),
    trackCount,
  );
  return tracks
    .map((entry, index) => ({ index, order: entry.order, track_id: ids[index] as string }))
    .sort((a, b) => a.order - b.order || a.index - b.index)
    .map((entry, index) => ({ track_id: entry.track_id, order: index + 1 }));
}

/**
 * How a reorder changes positions 1..count: the entry at `from` goes to `to` (`requested` past the
 * end means the end) and the entries from `low` to `high` other than it move by `shift` (+1 when
 * it moved up, -1 when down). Positions stay exactly 1..count.
 */
export function reorderPlan(
  from: number,
  requested: number,
  count: number,
): { to: number; low: number; high: number; shift: 1 | -1 | 0 } {
  const to = Math.min(Math.max(1, requested), count);
  if (to === from) return { to, low: from, high: from, shift: 0 };
  return to < from ? { to, low: to, high: from, shift: 1 } : { to, low: from, high: to, shift: -1 };
}

/** `reorderPlan` applied to entries (any order): the new `order` of each, by entry id. */
export function reorderedPositions(
  entries: readonly Pick<StreamingPlaylistTrackRecord, 'id' | 'order'>[],
  movedId: string,
  requested: number,
): Map<string, number> {
  const moved = entries.find((entry) => entry.id === movedId);
  if (!moved) throw new HttpError(404, 'Not found.');
  const plan = reorderPlan(moved.order, requested, entries.length);
  return new Map(
    entries.map((entry) => [
      entry.id,
      entry.id === movedId
        ? plan.to
        : entry.order >= plan.low && entry.order <= plan.high
          ? entry.order + plan.shift
          : entry.order,
    ]),
  );
}

// ——— editorial playlists ———

/** The owner of a tenant's editorial playlists: no user signs in as it, so nobody may change them. */
export const editorialOwnerId = (tenantId: string) =>
  deterministicUuid(`streaming-editorial-owner:${tenantId}`);

/** When the editorial playlists were "made": fixed, so every instance and the mock agree. */
const EDITORIAL_CREATED_AT = Date.UTC(2026, 0, 1);

/**
 * The editorial (featured) playlists of a tenant: the demo catalog's playlists, public, owned by
 * the tenant's editorial owner, ids a pure function of tenant and catalog playlist, so seeding them
 * twice (or from two instances at once) writes the same rows.
 */
export function editorialPlaylists(
  catalog: Catalog,
  tenantId: string,
): { playlist: StreamingPlaylistRecord; tracks: StreamingPlaylistTrackRecord[] }[] {
  return catalog.playlists().map((source, position) => {
    const id = deterministicUuid(`streaming-editorial:${tenantId}:${source.id}`);
    const at = EDITORIAL_CREATED_AT + position;
    const trackIds = source.trackIsrcs
      .map((isrc) => catalogIndexOfIsrc(catalog, isrc))
      .filter((index): index is number => index !== undefined)
      .map((index) => String(streamingCatalogId(index)));
    return {
      playlist: {
        id,
        tenant_id: tenantId,
        user_id: editorialOwnerId(tenantId),
        playlist_name: source.name,
        public: true,
        created_at: at,
        updated_at: at,
      },
      tracks: trackIds.map((track_id, index) => ({
        id: deterministicUuid(`streaming-editorial-entry:${id}:${index}`),
        playlist_id: id,
        track_id,
        order: index + 1,
        created_at: at,
        updated_at: at,
      })),
    };
  });
}

// ——— the home page ———

/** The page and module format version (the document's `schema_version`). */
export const HOME_SCHEMA_VERSION = 1;

/** The X-Tenant header is required for a guest. */
export const tenantRequired = () =>
  new HttpError(400, 'The X-Tenant header is required for guest requests.', { code: 'TENANT_REQUIRED' });
/** The operations of this part (playlists, home page, health), served by the server and the mock alike. */
export type StreamingPlaylistOperation =
  | 'getHeartbeat'
  | 'getAggregatorStatus'
  | 'getHomePage'
  | 'searchPlaylists'
  | 'listMyPlaylists'
  | 'createPlaylist'
  | 'getPlaylist'
  | 'updatePlaylist'
  | 'listPlaylistTracks'
  | 'addPlaylistTrack'
  | 'replacePlaylistTracks'
  | 'reorderPlaylistTrack';

export const tenantNotFound = () => new HttpError(404, 'Tenant not found.', { code: 'TENANT_NOT_FOUND' });

/**
 * `UserToken` where it is optional (the home page): no Authorization header is a guest; one that is
 * there but does not authenticate is 401 `INVALID_AUTH_TOKEN`, never a silent guest request.
 */
export async function authenticateOptionalUser<Caller>(
  authorization: string | undefined,
  optional: boolean,
  authenticate: () => Caller | Promise<Caller>,
): Promise<Caller | undefined> {
  if (optional && authorization === undefined) return undefined;
  try {
    return await authenticate();
  } catch (error) {
    if (optional && error instanceof HttpError && error.status === 401) throw invalidAuthToken();
    throw error;
  }
}

/** An editorial playlist as the carousel shows it: its first track and its size. */
export interface FeaturedPlaylist {
  playlist: Pick<StreamingPlaylistRecord, 'id' | 'playlist_name'>;
  firstTrackId: string | null;
  trackCount: number;
}

const hlsManifestUrl = (baseUrl: string, streamId: string) =>
  `${baseUrl}/api/v1/streams/${streamId}/manifest.m3u8`;

/** The track behind a catalog track id, when it is in the catalog. */
function catalogTrack(catalog: Catalog, trackId: string): CatalogTrack | undefined {
  const index = catalogIndexOf(trackId, catalog.trackCount);
  return index === undefined ? undefined : catalog.trackAt(index);
}

function featuredModule(
  featured: readonly FeaturedPlaylist[],
  catalog: Catalog,
  baseUrl: string,
): HomeModule {
  return {
    id: 'featured-playlists',
    type: 'playlist_carousel',
    layout: 'horizontal_scroll',
    name_key: 'home.featured_playlists',
    name_params: null,
    actions: { see_all: null },
    content_source: { strategy: 'editorial_manual', strategy_version: '1', execution_mode: null },
    items: featured.map(({ playlist, firstTrackId, trackCount }): HomeItem => {
      const first = firstTrackId === null ? undefined : catalogTrack(catalog, firstTrackId);
      return {
        id: playlist.id,
        type: 'playlist',
        name: playlist.playlist_name,
        artwork_url: null,
        track_id: first ? firstTrackId : null,
        stream_url: first ? hlsManifestUrl(baseUrl, streamIdOf(first)) : null,
        metadata: { track_count: trackCount },
      };
    }),
  };
}

function continueListeningModule(
  plays: readonly StreamingPlayRecord[],
  catalog: Catalog,
  baseUrl: string,
): HomeModule {
  const items: HomeItem[] = [];
  for (const play of plays) {
    const track = catalogTrack(catalog, play.track_id);
    if (!track || items.length >= CONTINUE_LISTENING_LIMIT) continue;
    const streamId = streamIdOf(track);
    items.push({
      id: streamId,
      type: 'track',
      name: track.name,
      artwork_url: null,
      track_id: play.track_id,
      stream_url: hlsManifestUrl(baseUrl, streamId),
      metadata: {
        artist_name: track.artistName,
        last_played_at: laravelTimestamp(play.played_at),
        play_count: play.play_count,
      },
    });
  }
  return {
    id: 'continue-listening',
    type: 'continue_listening',
    layout: 'list',
    name_key: 'home.continue_listening',
    name_params: null,
    actions: { see_all: null },
    content_source: { strategy: 'continue_listening', strategy_version: '1', execution_mode: null },
    items,
  };
}

/** FNV-1a (32 bits): a revision number that is a pure function of the page's content. */
function contentHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The composed home page: the tenant's editorial playlists, and for a signed-in user "continue
 * listening" from their plays (newest first; a guest has none, so the module is left out).
 * `revision` is a hash of the modules: it changes exactly when what the page shows changes, and is
 * the same on every instance, with no counter to keep.
 */
export function homePageView(options: {
  featured: readonly FeaturedPlaylist[];
  /** The user's plays, newest first; undefined for a guest. */
  plays: readonly StreamingPlayRecord[] | undefined;
  catalog: Catalog;
  baseUrl: string;
  nowMs: number;
}): HomePage {
  const { catalog, baseUrl } = options;
  const modules = [featuredModule(options.featured, catalog, baseUrl)];
  if (options.plays !== undefined) modules.push(continueListeningModule(options.plays, catalog, baseUrl));
  return {
    page: {
      id: 'home',
      schema_version: HOME_SCHEMA_VERSION,
      revision: contentHash(JSON.stringify(modules)),
      generated_at: laravelTimestamp(options.nowMs),
    },
    modules,
  };
}

/** The plays sorted as "continue listening" shows them: newest first. */
export const newestPlaysFirst = (plays: StreamingPlayRecord[]) =>
  plays.sort(
    (a, b) => b.played_at - a.played_at || (a.track_id < b.track_id ? -1 : a.track_id > b.track_id ? 1 : 0),
  );

// ——— health ———

/** The heartbeat: the server's time, as Laravel renders timestamps. */
export const heartbeatView = (nowMs: number) => ({ time: laravelTimestamp(nowMs) });

/** The aggregator cannot be reached: 503 `{ status: 'down' }` (`streamingErrorReply` renders it so). */
export const aggregatorDown = () => new HttpError(503, 'The catalog service is unavailable.');

/**
 * The aggregator's state. The built-in aggregator is the demo catalog itself: up when it answers
 * for its first track; a catalog that cannot is down (503), not a 500.
 */
export function aggregatorStatusView(catalog: Catalog): { status: 'up' } {
  let answers = false;
  try {
    answers = catalog.trackCount > 0 && catalog.trackAt(0).isrc !== '';
  } catch {
    answers = false;
  }
  if (!answers) throw aggregatorDown();
  return { status: 'up' };
}
