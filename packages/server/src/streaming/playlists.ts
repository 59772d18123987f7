import { randomUUID } from 'node:crypto';
import type { Catalog } from '@music-apis/catalog';
import {
  aggregatorStatusView,
  authorizePlaylist,
  CONTINUE_LISTENING_LIMIT,
  checkCatalogTrackIds,
  heartbeatView,
  homePageView,
  newPlaylistRecord,
  playlistChanges,
  playlistFull,
  playlistSearchPage,
  playlistTrackView,
  playlistView,
  replacementEntries,
  STREAMING_PAGE_SIZE,
  STREAMING_PLAYLIST_MAX_TRACKS,
  type StreamingPlaylistOperation,
  streamingNotFound,
  tenantNotFound,
  tenantRequired,
} from '@music-apis/domain';
import type { operations, streamingSpec } from '@music-apis/spec/streaming';
import type { Context } from 'koa';
import type { Knex } from '../core/db.js';
import type { ServerApi } from '../core/http/pipeline.js';
import type { TenantCaller, UserCaller } from './identity.js';
import { ensureEditorialPlaylists, playlistStore } from './playlists-store.js';
import { findTenantBySlug } from './store.js';

/**
 * The streaming API's playlists, home page, heartbeat and aggregator status (part 2 of issue 17),
 * with the rules of `@music-apis/domain` (streaming-playlists.ts) over playlists-store.ts.
 */

type Handlers = ServerApi<
  operations,
  typeof streamingSpec.operations,
  { OAuth2: TenantCaller; UserToken: UserCaller }
>['handlers'];

export type PlaylistHandlers = Pick<Handlers, StreamingPlaylistOperation>;

/**
 * Counts one play of a catalog track (`trackId`: its catalog id, e.g. `streamingTrackIdOf(catalog,
 * track)`) by a user: what "continue listening" on the home page is made of. The HLS manifest
 * operation calls it for every manifest it serves; an id that names no catalog track is ignored.
 */
export async function recordPlay(
  db: Knex,
  catalog: Catalog,
  play: { tenantId: string; userId: string; trackId: string },
  nowMs: number = Date.now(),
): Promise<void> {
  let canonical: string;
  try {
    [canonical] = checkCatalogTrackIds(
      [{ field: 'track_id', trackId: play.trackId }],
      catalog.trackCount,
    ) as [string];
  } catch {
    return;
  }
  await playlistStore(db, play.tenantId).recordPlay(play.userId, canonical, nowMs);
}

export function createPlaylistHandlers(options: {
  db: Knex;
  catalog: Catalog;
  baseUrl: (ctx: Context) => string;
}): PlaylistHandlers {
  const { db, catalog, baseUrl } = options;
  /** The tenant's playlists, its editorial ones written first if this instance has not yet. */
  async function storeOf(tenantId: string) {
    await ensureEditorialPlaylists(db, catalog, tenantId);
    return playlistStore(db, tenantId);
  }
  const trackCount = catalog.trackCount;

  return {
    getHeartbeat: () => ({ status: 200, body: heartbeatView(Date.now()) }),
    getAggregatorStatus: () => ({ status: 200, body: aggregatorStatusView(catalog) }),

    getHomePage: async ({ headers, principal }, { ctx }) => {
      let tenantId = principal?.tenantId;
      if (tenantId === undefined) {
        const slug = headers['X-Tenant'];
        if (slug === undefined) throw tenantRequired();
        const tenant = await findTenantBySlug(db, slug);
        if (!tenant) throw tenantNotFound();
        tenantId = tenant.id;
      }
      const store = await storeOf(tenantId);
      const [featured, plays] = await Promise.all([
        store.featured(),
        principal ? store.recentPlays(principal.userId, CONTINUE_LISTENING_LIMIT) : undefined,
      ]);
      return {
        status: 200,
        body: homePageView({ featured, plays, catalog, baseUrl: baseUrl(ctx), nowMs: Date.now() }),
        // Who asks changes the page: caches must not share it between callers.
        headers: { vary: 'Authorization, X-Tenant', 'cache-control': 'private, no-cache' },
      };
    },

    searchPlaylists: async ({ query, principal }, { ctx }) => {
      const page = query.page ?? 1;
      const store = await storeOf(principal.tenantId);
      const { playlists, total } = await store.search(
        principal.userId,
        query.keyword,
        (page - 1) * STREAMING_PAGE_SIZE,
        STREAMING_PAGE_SIZE,
      );
      return {
        status: 200,
        body: playlistSearchPage(playlists, { keyword: query.keyword, page, total, baseUrl: baseUrl(ctx) }),
      };
    },

    listMyPlaylists: async ({ principal }) => ({
      status: 200,
      body: (await playlistStore(db, principal.tenantId).listOwned(principal.userId)).map((playlist) =>
        playlistView(playlist),
      ),
    }),

    createPlaylist: async ({ body, principal }) => {
      const playlist = newPlaylistRecord(
        { id: randomUUID(), tenant_id: principal.tenantId, user_id: principal.userId, nowMs: Date.now() },
        body,
      );
      await playlistStore(db, principal.tenantId).insertPlaylist(playlist);
      return { status: 201, body: playlistView(playlist) };
    },

    getPlaylist: async ({ path, query, principal }) => {
      const store = await storeOf(principal.tenantId);
      const playlist = await store.findPlaylist(path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'read');
      const tracks = query.with === 'tracks' ? await store.entries(playlist!.id) : undefined;
      return { status: 200, body: playlistView(playlist!, tracks) };
    },

    updatePlaylist: async ({ path, body, principal }) => {
      const store = await storeOf(principal.tenantId);
      const playlist = await store.findPlaylist(path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'write');
      const changes = playlistChanges(body);
      const updated =
        Object.keys(changes).length === 0
          ? playlist
          : await store.updatePlaylist(playlist!.id, changes, Date.now());
      if (!updated) throw streamingNotFound();
      return { status: 200, body: playlistView(updated) };
    },

    listPlaylistTracks: async ({ path, principal }) => {
      const store = await storeOf(principal.tenantId);
      const playlist = await store.findPlaylist(path.playlist_id);
      authorizePlaylist(playlist, principal.userId, 'read');
      return { status: 200, body: (await store.entries(playlist!.id)).map(playlistTrackView) };
    },

    addPlaylistTrack: async ({ path, body, principal }) => {
      const store = await storeOf(principal.tenantId);
      const entry = await store.withLockedPlaylist(path.playlist_id, async (playlist, trx) => {
        authorizePlaylist(playlist, principal.userId, 'write');
        const [trackId] = checkCatalogTrackIds([{ field: 'track_id', trackId: body.track_id }], trackCount);
        const count = await store.countEntries(trx, playlist!.id);
        if (count >= STREAMING_PLAYLIST_MAX_TRACKS) throw playlistFull();
        const nowMs = Date.now();
        const added = {
          id: randomUUID(),
          playlist_id: playlist!.id,
          track_id: trackId as string,
          order: count + 1,
          created_at: nowMs,
          updated_at: nowMs,
        };
        await store.insertEntries(trx, [added]);
        return added;
      });
      return { status: 201, body: playlistTrackView(entry) };
    },

    replacePlaylistTracks: async ({ path, body, principal }) => {
      const store = await storeOf(principal.tenantId);
      // One transaction: an unknown track (checked before anything is written) or any failure
      // leaves the playlist's entries as they were.
      const entries = await store.withLockedPlaylist(path.playlist_id, async (playlist, trx) => {
        authorizePlaylist(playlist, principal.userId, 'write');
        const wanted = replacementEntries(body.tracks, trackCount);
        const nowMs = Date.now();
        const rows = wanted.map((entry) => ({
          id: randomUUID(),
          playlist_id: playlist!.id,
          ...entry,
          created_at: nowMs,
          updated_at: nowMs,
        }));
        await store.deleteEntries(trx, playlist!.id);
        await store.insertEntries(trx, rows);
        return rows;
      });
      return { status: 200, body: entries.map(playlistTrackView) };
    },

    reorderPlaylistTrack: async ({ path, body, principal }) => {
      const store = await storeOf(principal.tenantId);
      const moved = await store.withLockedPlaylist(path.playlist_id, async (playlist, trx) => {
        authorizePlaylist(playlist, principal.userId, 'write');
        return store.moveEntry(trx, playlist!.id, path.playlistTrackId, body.order, Date.now());
      });
      if (!moved) throw streamingNotFound();
      return { status: 200, body: playlistTrackView(moved) };
    },
  };
}
