import { isHttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import type { LocallyKnownLookup, SpotifyCatalogSource, SpotifyPlaylistItem } from './catalog.js';
import type { DownloaderWatchConfig } from './config.js';
import { downloaderError } from './errors.js';
import { type DownloaderHandlers, ok } from './handler-kit.js';
import type {
  DownloaderWatchStore,
  KnownWatchItem,
  WatchedArtistRecord,
  WatchedPlaylistRecord,
} from './watch-store.js';

/**
 * The watch lists (`/api/playlist/watch/*`, `/api/artist/watch/*`): watched playlists and artists,
 * the items the watcher already knows of each, and the check that compares a watched item's
 * current content (from the catalog source) with what is known, queues the new items and marks
 * them known. Written once for the server and the mock: storage, where a triggered check runs
 * (the server's job queue, the mock at once) and where new items go are injected.
 */

type Schemas = components['schemas'];
export type WatchKind = 'playlist' | 'artist';

/** A new track of a watched playlist, as the original hands it to its download queue. */
export interface WatchTrackDownload {
  trackId: string;
  url: string;
  name: string;
  artist: string;
  playlistId: string;
  playlistName: string;
}

/** A new album of a watched artist. */
export interface WatchAlbumDownload {
  albumId: string;
  url: string;
  name: string;
  artist: string;
  artistId: string;
  artistName: string;
}

/** Where a check's new items go: the download queue (issue 15's tasks). */
export interface WatchDownloads {
  queueTrack(item: WatchTrackDownload): Promise<void>;
  queueAlbum(item: WatchAlbumDownload): Promise<void>;
}

/** One check of one watched item. */
export interface WatchCheck {
  kind: WatchKind;
  id: string;
}

/** Runs checks in the background: the server's durable job queue, the mock at once. */
export interface WatchCheckRunner {
  /** `delayMs` spreads a check of every item as the original's delay between items does. */
  request(check: WatchCheck, delayMs: number): Promise<void>;
}

export interface DownloaderWatchServiceOptions {
  store: DownloaderWatchStore;
  source: SpotifyCatalogSource;
  /** The watch configuration as read (defaults filled in, `maxItemsPerRun` clamped). */
  watchConfig(): Promise<DownloaderWatchConfig>;
  downloads: WatchDownloads;
  checks: WatchCheckRunner;
  now(): Date;
  /** Told of a check that could not finish (the catalog failed, a queue refused an item). */
  onCheckProblem?(check: WatchCheck, problem: string): void;
}

const WEB = 'https://open.spotify.com';
const message = (text: string) => ({ message: text });

/** The original's 403 texts, which differ by route family. */
const DISABLED = 'Watch feature is currently disabled globally.';
const DISABLED_MARK = {
  playlist: `${DISABLED} Cannot mark tracks.`,
  artist: `${DISABLED} Cannot mark albums.`,
};
const DISABLED_TRIGGER = `${DISABLED} Cannot trigger check.`;

function playlistView(record: WatchedPlaylistRecord): Schemas['WatchedPlaylist'] {
  const { options: _options, first_sync_done: _done, ...row } = record;
  return row;
}

function artistView(record: WatchedArtistRecord): Schemas['WatchedArtist'] {
  const { options: _options, first_sync_done: _done, ...row } = record;
  return row;
}

const namesOf = (artists: readonly { name: string }[] | undefined) =>
  (artists ?? []).map((artist) => artist.name).join(', ');

/** The ids a mark/unmark body names: the seed's `{track_ids}` / `{album_ids}` or upstream's bare array. */
export function watchItemIds(body: unknown, key: 'track_ids' | 'album_ids'): string[] {
  const ids = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
    throw downloaderError(
      400,
      `Invalid request body. Expecting a JSON array of ${key === 'track_ids' ? 'track' : 'album'} Spotify IDs.`,
    );
  return [...new Set(ids as string[])];
}

export function createDownloaderWatchService({
  store,
  source,
  watchConfig,
  downloads,
  checks,
  now,
  onCheckProblem,
}: DownloaderWatchServiceOptions) {
  const unixNow = () => Math.floor(now().getTime() / 1000);

  async function requireEnabled(text: string) {
    if (!(await watchConfig()).enabled) throw downloaderError(403, text);
  }

  /** A catalog that fails is the route's 500, with the original's wording. */
  async function fetching<Value>(what: string, read: () => Promise<Value>): Promise<Value> {
    try {
      return await read();
    } catch (error) {
      if (isHttpError(error)) throw error;
      throw downloaderError(500, `${what}: ${(error as Error).message}`);
    }
  }

  /**
   * Marks the new items known, then queues them. An item the queue refused is forgotten again, so
   * the next check retries it; the refusal is rethrown (the job queue retries the check).
   */
  async function addAndQueue(
    list: DownloaderWatchStore['playlists'] | DownloaderWatchStore['artists'],
    id: string,
    items: KnownWatchItem[],
    queue: ((itemId: string) => Promise<void>) | undefined,
  ) {
    const added = await list.addKnown(id, items);
    if (!queue) return added;
    const refused: string[] = [];
    let firstError: unknown;
    for (const itemId of added) {
      try {
        await queue(itemId);
      } catch (error) {
        refused.push(itemId);
        firstError ??= error;
      }
    }
    if (refused.length > 0) {
      await list.removeKnown(id, refused);
      throw firstError;
    }
    return added;
  }

  /**
   * One run over a watched playlist, as the original: unchanged (same snapshot, as many known
   * tracks as the playlist has) is only noted; otherwise one batch of `maxItemsPerRun` items is read
   * from where the previous run stopped, its new tracks queued, and the pass finishes (snapshot,
   * size and check time saved) when the batch reaches the playlist's end.
   */
  async function checkPlaylist(id: string): Promise<void> {
    const watched = await store.playlists.get(id);
    if (!watched) return;
    const config = await watchConfig();
    const metadata = await source.playlist(id);
    if (!metadata) {
      onCheckProblem?.({ kind: 'playlist', id }, 'the playlist is no longer in the catalog');
      return;
    }
    const snapshot = metadata.snapshot_id ?? null;
    const total = metadata.tracks.total;
    const known = (await store.playlists.knownIds(id)) ?? new Set<string>();
    const unchanged =
      config.useSnapshotIdChecking !== false &&
      watched.snapshot_id !== null &&
      watched.snapshot_id === snapshot &&
      watched.batch_processing_snapshot_id === null &&
      known.size === total;
    if (unchanged) {
      // The original leaves `last_checked` alone here; it is moved so the list says when it was looked at.
      await store.playlists.update(id, { last_checked: unixNow() });
      return;
    }
    const resume = watched.batch_processing_snapshot_id === snapshot && watched.batch_next_offset < total;
    const offset = resume ? watched.batch_next_offset : 0;
    const page = await source.playlistItems(id, { limit: config.maxItemsPerRun ?? 50, offset });
    const items: SpotifyPlaylistItem[] = page?.items ?? [];
    const fresh = new Map<string, SpotifyPlaylistItem>();
    for (const item of items) {
      const track = item.track;
      if (!track?.id || item.is_local || known.has(track.id)) continue;
      fresh.set(track.id, item);
    }
    const queueing = watched.first_sync_done
      ? watched.options.watch_new_additions !== false
      : watched.options.download_existing !== false;
    const addedAt = unixNow();
    await addAndQueue(
      store.playlists,
      id,
      [...fresh.values()].map(({ track }) => ({
        id: track!.id,
        name: track!.name,
        artist_names: namesOf(track!.artists),
        album_group: null,
        added_at: addedAt,
        source: 'check' as const,
      })),
      queueing
        ? (trackId) => {
            const track = fresh.get(trackId)!.track!;
            return downloads.queueTrack({
              trackId,
              url: `${WEB}/track/${trackId}`,
              name: track.name,
              artist: namesOf(track.artists),
              playlistId: id,
              playlistName: watched.name,
            });
          }
        : undefined,
    );
    const next = offset + items.length;
    if (items.length > 0 && next < total) {
      await store.playlists.update(id, { batch_next_offset: next, batch_processing_snapshot_id: snapshot });
      return;
    }
    await store.playlists.update(id, {
      batch_next_offset: 0,
      batch_processing_snapshot_id: null,
      snapshot_id: snapshot,
      total_tracks: total,
      last_checked: unixNow(),
      first_sync_done: true,
    });
  }

  /**
   * One run over a watched artist, as the original: one page of `maxItemsPerRun` albums from where
   * the previous run stopped; albums of the watched groups (the artist's `album_types`, else the
   * configuration's `watchedArtistAlbumGroup`) that are not known are queued and marked known.
   */
  async function checkArtist(id: string): Promise<void> {
    const watched = await store.artists.get(id);
    if (!watched) return;
    const config = await watchConfig();
    const groups = new Set(
      (watched.options.album_types ?? config.watchedArtistAlbumGroup ?? ['album', 'single']).map((group) =>
        String(group).toLowerCase(),
      ),
    );
    const offset = watched.batch_next_offset;
    const page = await source.artistAlbums(id, { limit: config.maxItemsPerRun ?? 50, offset });
    if (!page) {
      onCheckProblem?.({ kind: 'artist', id }, 'the artist is no longer in the catalog');
      return;
    }
    const known = (await store.artists.knownIds(id)) ?? new Set<string>();
    const fresh = new Map<string, (typeof page.items)[number]>();
    for (const album of page.items) {
      if (!album.id || known.has(album.id) || fresh.has(album.id)) continue;
      if (!groups.has(String(album.album_group ?? 'N/A').toLowerCase())) continue;
      fresh.set(album.id, album);
    }
    const addedAt = unixNow();
    await addAndQueue(
      store.artists,
      id,
      [...fresh.values()].map((album) => ({
        id: album.id,
        name: album.name,
        artist_names: namesOf(album.artists),
        album_group: album.album_group ?? null,
        added_at: addedAt,
        source: 'check' as const,
      })),
      watched.options.watch_new_releases !== false
        ? (albumId) => {
            const album = fresh.get(albumId)!;
            return downloads.queueAlbum({
              albumId,
              url: `${WEB}/album/${albumId}`,
              name: album.name,
              artist: album.artists[0]?.name ?? 'Unknown Artist',
              artistId: id,
              artistName: watched.name,
            });
          }
        : undefined,
    );
    if (page.next && page.items.length > 0) {
      await store.artists.update(id, { batch_next_offset: offset + page.items.length });
      return;
    }
    await store.artists.update(id, {
      batch_next_offset: 0,
      total_albums_on_spotify: page.total,
      last_checked: unixNow(),
      first_sync_done: true,
    });
  }

  async function triggerAll(kind: WatchKind) {
    const config = await watchConfig();
    const entries = kind === 'playlist' ? await store.playlists.list() : await store.artists.list();
    const delaySeconds =
      kind === 'playlist' ? config.delayBetweenPlaylistsSeconds : config.delayBetweenArtistsSeconds;
    // As the original sleeps between items (at least a second), the checks are spread out.
    const spacingMs = Math.max(1, Number(delaySeconds) || 1) * 1000;
    for (const [index, entry] of entries.entries())
      await checks.request({ kind, id: entry.spotify_id }, index * spacingMs);
  }

  const locallyKnown: LocallyKnownLookup = {
    playlistTracks: (playlistId) => store.playlists.knownIds(playlistId),
    artistAlbums: (artistId) => store.artists.knownIds(artistId),
  };

  return {
    locallyKnown,

    /** Runs one check now (the job queue's handler; the mock's runner). */
    async runCheck(check: WatchCheck) {
      try {
        if (check.kind === 'playlist') await checkPlaylist(check.id);
        else await checkArtist(check.id);
      } catch (error) {
        onCheckProblem?.(check, (error as Error).message);
        throw error;
      }
    },

    /**
     * The scheduler's pick for its n-th tick: one watched item per interval, playlists then
     * artists in round-robin order, as the original's scheduler. Undefined when nothing is watched
     * or watching is off.
     */
    async scheduledCheck(tick: number): Promise<WatchCheck | undefined> {
      if (!(await watchConfig()).enabled) return undefined;
      const items: WatchCheck[] = [
        ...(await store.playlists.list()).map((entry) => ({
          kind: 'playlist' as const,
          id: entry.spotify_id,
        })),
        ...(await store.artists.list()).map((entry) => ({ kind: 'artist' as const, id: entry.spotify_id })),
      ];
      return items.length === 0 ? undefined : items[tick % items.length];
    },

    // ---- playlists ----
    async listPlaylists() {
      return (await store.playlists.list()).map(playlistView);
    },

    async playlistStatus(id: string): Promise<Schemas['PlaylistWatchStatus']> {
      const watched = await store.playlists.get(id);
      return watched ? { is_watched: true, playlist_data: playlistView(watched) } : { is_watched: false };
    },

    async addPlaylist(id: string, options: Schemas['PlaylistWatchOptions'] | undefined) {
      await requireEnabled(DISABLED);
      if (await store.playlists.get(id)) return message(`Playlist ${id} is already being watched.`);
      const playlist = await fetching('Could not add playlist to watchlist', () => source.playlist(id));
      if (!playlist) throw downloaderError(404, `Could not fetch details for playlist ${id} from Spotify.`);
      const at = unixNow();
      const inserted = await store.playlists.insert({
        spotify_id: id,
        name: playlist.name,
        owner_id: playlist.owner.id,
        owner_name: playlist.owner.display_name ?? playlist.owner.id,
        total_tracks: playlist.tracks.total,
        link: `${WEB}/playlist/${id}`,
        snapshot_id: playlist.snapshot_id ?? null,
        last_checked: at,
        added_at: at,
        is_active: 1,
        batch_next_offset: 0,
        batch_processing_snapshot_id: null,
        options: { ...(options ?? {}) },
        first_sync_done: false,
      });
      if (!inserted) return message(`Playlist ${id} is already being watched.`);
      return message(`Playlist ${id} added to watchlist. Tracks will be processed shortly.`);
    },

    async removePlaylist(id: string) {
      await requireEnabled(DISABLED);
      if (!(await store.playlists.remove(id)))
        throw downloaderError(404, `Playlist ${id} not found in watchlist.`);
      return message(`Playlist ${id} removed from watchlist.`);
    },

    async markPlaylistTracks(id: string, body: unknown): Promise<Schemas['WatchItemsResult']> {
      await requireEnabled(DISABLED_MARK.playlist);
      const ids = watchItemIds(body, 'track_ids');
      if (!(await store.playlists.get(id)))
        throw downloaderError(404, `Playlist ${id} is not being watched.`);
      const tracks = [];
      for (const trackId of ids) {
        // As upstream: an id the catalog does not have (or cannot give now) is skipped.
        const track = await source.track(trackId).catch(() => undefined);
        if (track?.id) tracks.push(track);
      }
      if (tracks.length === 0)
        return { message: 'No valid track details could be fetched to mark as known.', processed_count: 0 };
      const at = unixNow();
      await store.playlists.addKnown(
        id,
        tracks.map((track) => ({
          id: track.id,
          name: track.name,
          artist_names: namesOf(track.artists),
          album_group: null,
          added_at: at,
          source: 'manual' as const,
        })),
      );
      return message(`Successfully processed ${tracks.length} tracks for playlist ${id}.`);
    },

    async unmarkPlaylistTracks(id: string, body: unknown): Promise<Schemas['WatchItemsResult']> {
      await requireEnabled(DISABLED_MARK.playlist);
      const ids = watchItemIds(body, 'track_ids');
      if (!(await store.playlists.get(id)))
        throw downloaderError(404, `Playlist ${id} is not being watched.`);
      const removed = await store.playlists.removeKnown(id, ids);
      return message(`Successfully removed ${removed} tracks locally for playlist ${id}.`);
    },

    async triggerPlaylists() {
      await requireEnabled(DISABLED_TRIGGER);
      await triggerAll('playlist');
      return message('Playlist check triggered successfully in the background for all playlists.');
    },

    async triggerPlaylist(id: string) {
      await requireEnabled(DISABLED_TRIGGER);
      if (!(await store.playlists.get(id)))
        throw downloaderError(404, `Playlist ${id} is not in the watchlist. Add it first.`);
      await checks.request({ kind: 'playlist', id }, 0);
      return message(`Playlist check triggered successfully in the background for ${id}.`);
    },

    // ---- artists ----
    async listArtists() {
      return (await store.artists.list()).map(artistView);
    },

    async artistStatus(id: string): Promise<Schemas['ArtistWatchStatus']> {
      const watched = await store.artists.get(id);
      return watched ? { is_watched: true, artist_data: artistView(watched) } : { is_watched: false };
    },

    async addArtist(id: string, options: Schemas['ArtistWatchOptions'] | undefined) {
      await requireEnabled(DISABLED);
      if (await store.artists.get(id)) return message(`Artist ${id} is already being watched.`);
      const [artist, albums] = await fetching('Could not add artist to watchlist', () =>
        Promise.all([source.artist(id), source.artistAlbums(id, { limit: 1, offset: 0 })]),
      );
      if (!artist?.name)
        throw downloaderError(404, `Could not fetch artist metadata for ${id} to initiate watch.`);
      const at = unixNow();
      const inserted = await store.artists.insert({
        spotify_id: id,
        name: artist.name,
        link: `${WEB}/artist/${id}`,
        total_albums_on_spotify: albums?.total ?? 0,
        last_checked: at,
        added_at: at,
        is_active: 1,
        genres: artist.genres && artist.genres.length > 0 ? artist.genres.join(', ') : null,
        popularity: artist.popularity ?? null,
        image_url: artist.images?.[0]?.url ?? null,
        batch_next_offset: 0,
        options: { ...(options ?? {}) },
        first_sync_done: false,
      });
      if (!inserted) return message(`Artist ${id} is already being watched.`);
      return message(`Artist ${id} added to watchlist. Albums will be processed shortly.`);
    },

    async removeArtist(id: string) {
      await requireEnabled(DISABLED);
      if (!(await store.artists.remove(id)))
        throw downloaderError(404, `Artist ${id} not found in watchlist.`);
      return message(`Artist ${id} removed from watchlist.`);
    },

    async markArtistAlbums(id: string, body: unknown): Promise<Schemas['WatchItemsResult']> {
      await requireEnabled(DISABLED_MARK.artist);
      const ids = watchItemIds(body, 'album_ids');
      if (!(await store.artists.get(id))) throw downloaderError(404, `Artist ${id} is not being watched.`);
      const albums = [];
      for (const albumId of ids) {
        const album = await source.album(albumId, { limit: 1, offset: 0 }).catch(() => undefined);
        if (album?.id) albums.push(album);
      }
      if (albums.length === 0)
        return { message: 'No valid album details could be fetched to mark as known.', processed_count: 0 };
      const at = unixNow();
      await store.artists.addKnown(
        id,
        albums.map((album) => ({
          id: album.id,
          name: album.name,
          artist_names: namesOf(album.artists),
          album_group: album.album_group ?? album.album_type ?? null,
          added_at: at,
          source: 'manual' as const,
        })),
      );
      return message(`Successfully processed ${albums.length} albums for artist ${id}.`);
    },

    async unmarkArtistAlbums(id: string, body: unknown): Promise<Schemas['WatchItemsResult']> {
      await requireEnabled(DISABLED_MARK.artist);
      const ids = watchItemIds(body, 'album_ids');
      if (!(await store.artists.get(id))) throw downloaderError(404, `Artist ${id} is not being watched.`);
      const removed = await store.artists.removeKnown(id, ids);
      return message(`Successfully removed ${removed} albums locally for artist ${id}.`);
    },

    async triggerArtists() {
      await requireEnabled(DISABLED_TRIGGER);
      await triggerAll('artist');
      return message('Artist check triggered successfully in the background for all artists.');
    },

    async triggerArtist(id: string) {
      await requireEnabled(DISABLED_TRIGGER);
      if (!(await store.artists.get(id)))
        throw downloaderError(404, `Artist ${id} is not in the watchlist. Add it first.`);
      await checks.request({ kind: 'artist', id }, 0);
      return message(`Artist check triggered successfully in the background for ${id}.`);
    },
  };
}

export type DownloaderWatchService = ReturnType<typeof createDownloaderWatchService>;

/** The watch operations (issue 15). */
export type DownloaderWatchOperation =
  | 'listWatchedPlaylists'
  | 'triggerPlaylistWatchChecks'
  | 'triggerPlaylistWatchCheck'
  | 'addPlaylistToWatchlist'
  | 'removePlaylistFromWatchlist'
  | 'getPlaylistWatchStatus'
  | 'markPlaylistTracksKnown'
  | 'unmarkPlaylistTracks'
  | 'listWatchedArtists'
  | 'triggerArtistWatchChecks'
  | 'triggerArtistWatchCheck'
  | 'addArtistToWatchlist'
  | 'removeArtistFromWatchlist'
  | 'getArtistWatchStatus'
  | 'markArtistAlbumsKnown'
  | 'unmarkArtistAlbums';

/** The watch handlers, the same in the server and the mock. */
export function downloaderWatchHandlers<Env, Raw>(
  watch: DownloaderWatchService,
): Pick<DownloaderHandlers<Env, Raw>, DownloaderWatchOperation> {
  return {
    listWatchedPlaylists: async () => ok(await watch.listPlaylists()),
    triggerPlaylistWatchChecks: async () => ok(await watch.triggerPlaylists()),
    triggerPlaylistWatchCheck: async ({ path }) => ok(await watch.triggerPlaylist(path.playlist_spotify_id)),
    addPlaylistToWatchlist: async ({ path, body }) =>
      ok(await watch.addPlaylist(path.playlist_spotify_id, body)),
    removePlaylistFromWatchlist: async ({ path }) => ok(await watch.removePlaylist(path.playlist_spotify_id)),
    getPlaylistWatchStatus: async ({ path }) => ok(await watch.playlistStatus(path.playlist_spotify_id)),
    markPlaylistTracksKnown: async ({ path, body }) =>
      ok(await watch.markPlaylistTracks(path.playlist_spotify_id, body)),
    unmarkPlaylistTracks: async ({ path, body }) =>
      ok(await watch.unmarkPlaylistTracks(path.playlist_spotify_id, body)),
    listWatchedArtists: async () => ok(await watch.listArtists()),
    triggerArtistWatchChecks: async () => ok(await watch.triggerArtists()),
    triggerArtistWatchCheck: async ({ path }) => ok(await watch.triggerArtist(path.artist_spotify_id)),
    addArtistToWatchlist: async ({ path, body }) => ok(await watch.addArtist(path.artist_spotify_id, body)),
    removeArtistFromWatchlist: async ({ path }) => ok(await watch.removeArtist(path.artist_spotify_id)),
    getArtistWatchStatus: async ({ path }) => ok(await watch.artistStatus(path.artist_spotify_id)),
    markArtistAlbumsKnown: async ({ path, body }) =>
      ok(await watch.markArtistAlbums(path.artist_spotify_id, body)),
    unmarkArtistAlbums: async ({ path, body }) =>
      ok(await watch.unmarkArtistAlbums(path.artist_spotify_id, body)),
  };
}
