import { deterministicUuid } from '@music-apis/catalog';
import {
  aggregatorStatusView,
  authorizePlaylist,
  CONTINUE_LISTENING_LIMIT,
  checkCatalogTrackIds,
  editorialOwnerId,
  editorialPlaylists,
  type FeaturedPlaylist,
  heartbeatView,
  homePageView,
  newestPlaysFirst,
  newPlaylistRecord,
  playlistChanges,
  playlistFull,
  playlistNameMatches,
  playlistSearchPage,
  playlistTrackView,
  playlistView,
  playlistVisibleTo,
  reorderedPositions,
  replacementEntries,
  STREAMING_PAGE_SIZE,
  STREAMING_PLAYLIST_MAX_TRACKS,
  type StreamingPlaylistOperation,
  type StreamingPlaylistRecord,
  type StreamingPlaylistTrackRecord,
  type StreamingPlayRecord,
  streamingNotFound,
  tenantNotFound,
  tenantRequired,
} from '@music-apis/domain';
import type { operations, streamingSpec } from '@music-apis/spec/streaming';
import type { MockContext, MockHandlers } from '../core/api.js';
import type { StreamingMockState } from './state.js';

/**
 * The streaming API's playlists, home page, heartbeat and aggregator status in memory, with the
 * server's rules (`@music-apis/domain`, streaming-playlists.ts). Each tenant's editorial playlists
 * are written the first time its playlists are used, as on the server.
 */

/** The playlists' part of the streaming store. */
export interface StreamingPlaylistsMockState {
  /** Playlists by id, in creation order. */
  playlists: Map<string, StreamingPlaylistRecord>;
  /** Each playlist's entries, by playlist id, kept sorted by `order`. */
  entries: Map<string, StreamingPlaylistTrackRecord[]>;
  /** Plays by `<tenant id>\n<user id>`, then by catalog track id. */
  plays: Map<string, Map<string, StreamingPlayRecord>>;
  /** Tenants whose editorial playlists are written. */
  editorialSeeded: Set<string>;
  counter: number;
}

export const createPlaylistsState = (): StreamingPlaylistsMockState => ({
  playlists: new Map(),
  entries: new Map(),
  plays: new Map(),
  editorialSeeded: new Set(),
  counter: 0,
});

/**
 * Counts one play of a catalog track (`trackId`: its catalog id, e.g. `streamingTrackIdOf(catalog,
 * track)`) by a user, as the server's `recordPlay`: what "continue listening" is made of. The HLS
 * manifest operation calls it; an id that names no catalog track is ignored.
 */
export function recordPlay(
  state: StreamingMockState,
  context: Pick<MockContext, 'catalog' | 'now'>,
  play: { tenantId: string; userId: string; trackId: string },
): void {
  let canonical: string;
  try {
    [canonical] = checkCatalogTrackIds(
      [{ field: 'track_id', trackId: play.trackId }],
      context.catalog.trackCount,
    ) as [string];
  } catch {
    return;
  }
  const key = `${play.tenantId}\n${play.userId.toLowerCase()}`;
  let plays = state.playlists.plays.get(key);
  if (!plays) {
    plays = new Map();
    state.playlists.plays.set(key, plays);
  }
  const previous = plays.get(canonical);
  plays.set(canonical, {
    track_id: canonical,
    played_at: context.now().getTime(),
    play_count: (previous?.play_count ?? 0) + 1,
  });
}

type Handlers = MockHandlers<
  operations,
  typeof streamingSpec.operations,
  { OAuth2: { tenantId: string; clientId: string }; UserToken: { tenantId: string; userId: string } }
>;

export type PlaylistHandlers = Pick<Handlers, StreamingPlaylistOperation>;

export function playlistHandlers(state: StreamingMockState, context: MockContext): PlaylistHandlers {
  const { catalog } = context;
  const store = state.playlists;
  const nowMs = () => context.now().getTime();

  /** The tenant's editorial playlists, written on first use. */
  function ensureEditorial(tenantId: string) {
    if (store.editorialSeeded.has(tenantId)) return;
    for (const { playlist, tracks } of editorialPlaylists(catalog, tenantId)) {
      if (store.playlists.has(playlist.id)) continue;
      store.playlists.set(playlist.id, playlist);
      store.entries.set(playlist.id, tracks);
    }
    store.editorialSeeded.add(tenantId);
  }
  /** A playlist of this tenant only (another tenant's is not there). */
  function findPlaylist(tenantId: string, id: string) {
    ensureEditorial(tenantId);
    const playlist = store.playlists.get(id.toLowerCase());
    return playlist && playlist.tenant_id === tenantId ? playlist : undefined;
  }
  const entriesOf = (playlistId: string) => store.entries.get(playlistId) ?? [];
  const newId = (kind: string) => {
    store.counter += 1;
    return deterministicUuid(`streaming-${kind}:${store.counter}:${nowMs()}`);
  };
  const newestFirst = (a: StreamingPlaylistRecord, b: StreamingPlaylistRecord) =>
    b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  function featured(tenantId: string): FeaturedPlaylist[] {
    ensureEditorial(tenantId);
    const owner = editorialOwnerId(tenantId);
    return [...store.playlists.values()]
      .filter((playlist) => playlist.tenant_id === tenantId && playlist.user_id === owner && playlist.public)
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((playlist) => {
        const entries = entriesOf(playlist.id);
        return { playlist, trackCount: entries.length, firstTrackId: entries[0]?.track_id ?? null };
      });
  }

  return {
    getHeartbeat: () => ({ status: 200, body: heartbeatView(nowMs()) }),
    getAggregatorStatus: () => ({ status: 200, body: aggregatorStatusView(catalog) }),

    getHomePage({ headers, principal }, { baseUrl }) {
      let tenantId = principal?.tenantId;
      if (tenantId === undefined) {
        const slug = headers['X-Tenant'];
        if (slug === undefined) throw tenantRequired();
        const tenant = state.tenants.get(slug);
        if (!tenant) throw tenantNotFound();
        tenantId = tenant.id;
      }
      const plays = principal
        ? newestPlaysFirst([
            ...(state.playlists.plays
              .get(`${principal.tenantId}\n${principal.userId.toLowerCase()}`)
              ?.values() ?? []),
          ]).slice(0, CONTINUE_LISTENING_LIMIT)
        : undefined;
      return {
        status: 200,
        body: homePageView({ featured: featured(tenantId), plays, catalog, baseUrl, nowMs: nowMs() }),
        headers: { vary: 'Authorization, X-Tenant', 'cache-control': 'private, no-cache' },
      };
    },

    searchPlaylists({ query, principal }, { baseUrl }) {
      ensureEditorial(principal.tenantId);
      const page = query.page ?? 1;
      const matching = [...store.playlists.values()]
        .filter(
          (playlist) =>
            playlist.tenant_id === principal.tenantId &&
            playlistVisibleTo(playlist, principal.userId) &&
            playlistNameMatches(playlist.playlist_name, query.keyword),
        )
        .sort(newestFirst);
      const offset = (page - 1) * STREAMING_PAGE_SIZE;
      return {
        status: 200,
        body: playlistSearchPage(matching.slice(offset, offset + STREAMING_PAGE_SIZE), {
          keyword: query.keyword,
          page,
          total: matching.length,
          baseUrl,
        }),
      };
    },

    listMyPlaylists: ({ principal }) => ({
      status: 200,
      body: [...store.playlists.values()]
        .filter(
          (playlist) => playlist.tenant_id === principal.tenantId && playlist.user_id === principal.userId,
        )
        .sort(newestFirst)
        .map((playlist) => playlistView(playlist)),
    }),

    createPlaylist({ body, principal }) {
      const playlist = newPlaylistRecord(
        { id: newId('playlist'), tenant_id: principal.tenantId, user_id: principal.userId, nowMs: nowMs() },
        body,
      );
      store.playlists.set(playlist.id, playlist);
      return { status: 201, body: playlistView(playlist) };
    },

    getPlaylist({ path, query, principal }) {
      const playlist = findPlaylist(principal.tenantId, path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'read');
      return {
        status: 200,
        body: playlistView(playlist!, query.with === 'tracks' ? entriesOf(playlist!.id) : undefined),
      };
    },

    updatePlaylist({ path, body, principal }) {
      const playlist = findPlaylist(principal.tenantId, path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'write');
      const changes = playlistChanges(body);
      if (Object.keys(changes).length > 0) Object.assign(playlist!, changes, { updated_at: nowMs() });
      return { status: 200, body: playlistView(playlist!) };
    },

    listPlaylistTracks({ path, principal }) {
      const playlist = findPlaylist(principal.tenantId, path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'read');
      return { status: 200, body: entriesOf(playlist!.id).map(playlistTrackView) };
    },

    addPlaylistTrack({ path, body, principal }) {
      const playlist = findPlaylist(principal.tenantId, path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'write');
      const [trackId] = checkCatalogTrackIds(
        [{ field: 'track_id', trackId: body.track_id }],
        catalog.trackCount,
      ) as [string];
      const entries = entriesOf(playlist!.id);
      if (entries.length >= STREAMING_PLAYLIST_MAX_TRACKS) throw playlistFull();
      const entry = {
        id: newId('playlist-entry'),
        playlist_id: playlist!.id,
        track_id: trackId,
        order: entries.length + 1,
        created_at: nowMs(),
        updated_at: nowMs(),
      };
      store.entries.set(playlist!.id, [...entries, entry]);
      return { status: 201, body: playlistTrackView(entry) };
    },

    replacePlaylistTracks({ path, body, principal }) {
      const playlist = findPlaylist(principal.tenantId, path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'write');
      // Checked whole before the entries are swapped: a bad track changes nothing.
      const rows = replacementEntries(body.tracks, catalog.trackCount).map((entry) => ({
        id: newId('playlist-entry'),
        playlist_id: playlist!.id,
        ...entry,
        created_at: nowMs(),
        updated_at: nowMs(),
      }));
      store.entries.set(playlist!.id, rows);
      return { status: 200, body: rows.map(playlistTrackView) };
    },

    reorderPlaylistTrack({ path, body, principal }) {
      const playlist = findPlaylist(principal.tenantId, path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'write');
      const entries = entriesOf(playlist!.id);
      const movedId = path.playlistTrackId.toLowerCase();
      if (!entries.some((entry) => entry.id === movedId)) throw streamingNotFound();
      const positions = reorderedPositions(entries, movedId, body.order);
      const reordered = entries
        .map((entry) => {
          const order = positions.get(entry.id) as number;
          return order === entry.order ? entry : { ...entry, order, updated_at: nowMs() };
        })
        .sort((a, b) => a.order - b.order);
      store.entries.set(playlist!.id, reordered);
      return {
        status: 200,
        body: playlistTrackView(
          reordered.find((entry) => entry.id === movedId) as StreamingPlaylistTrackRecord,
        ),
      };
    },
  };
}
