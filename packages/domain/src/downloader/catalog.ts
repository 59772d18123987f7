import { HttpError, isHttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import { downloaderError } from './errors.js';
import { type DownloaderHandlers, ok } from './handler-kit.js';

/**
 * The downloader's catalog views and search (`/api/{track,album,artist,playlist}/info`,
 * `/api/playlist/{metadata,tracks}`, `/api/search`): Spotify Web API objects, as the original
 * passes spotipy's JSON through, with its paging rules and additions. The objects come from a
 * `SpotifyCatalogSource`: the built-in demo catalog (`createDemoSpotifyCatalog`) in the mock and by
 * default in the server, or the Spotify Web API adapter of the server's catalog provider.
 */

type Schemas = components['schemas'];
export type SpotifyTrackObject = Schemas['SpotifyTrack'];
export type SpotifyAlbumObject = Schemas['SpotifyAlbum'];
export type SpotifyAlbumSimplifiedObject = Schemas['SpotifyAlbumSimplified'];
export type SpotifyArtistObject = Schemas['SpotifyArtist'];
export type SpotifyArtistAlbumsPage = Schemas['SpotifyArtistWithAlbums']['albums'];
export type SpotifyPlaylistItem = Schemas['PlaylistTrackItem'];
export type SpotifySearchItem = Schemas['SearchResults']['items'][number];

/** A playlist as Spotify's `GET /v1/playlists/{id}` gives it, without its items. */
export type SpotifyPlaylistObject = Schemas['SpotifyPlaylistBase'] & {
  followers: Schemas['SpotifyFollowers'];
  tracks: Schemas['PlaylistTrackTotal'];
};

export const SEARCH_TYPES = ['track', 'album', 'artist', 'playlist', 'episode', 'show'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export interface PageRequest {
  limit: number;
  offset: number;
}

/**
 * Where the Spotify objects come from. Every lookup answers undefined for an unknown id; a source
 * that cannot be reached throws (the route answers 500 in its envelope).
 */
export interface SpotifyCatalogSource {
  track(id: string): Promise<SpotifyTrackObject | undefined>;
  /** The album with `tracks` as the requested page of its tracks. */
  album(id: string, page: PageRequest): Promise<SpotifyAlbumObject | undefined>;
  artist(id: string): Promise<SpotifyArtistObject | undefined>;
  /** A page of the artist's albums (`include_groups=single,album,appears_on`, as upstream asks). */
  artistAlbums(id: string, page: PageRequest): Promise<SpotifyArtistAlbumsPage | undefined>;
  playlist(id: string): Promise<SpotifyPlaylistObject | undefined>;
  playlistItems(id: string, page: PageRequest): Promise<Schemas['PlaylistTrackPage'] | undefined>;
  /** The `items` of the type's result page, at most `limit` (1–50). */
  search(query: string, type: SearchType, limit: number): Promise<SpotifySearchItem[]>;
}

/**
 * What the watch lists know (issue 15 builds them): the ids the watcher already has for a watched
 * playlist or artist, or undefined when it is not watched. Until then nothing is watched, so the
 * views never carry `is_locally_known` (the original adds it only to watched items).
 */
export interface LocallyKnownLookup {
  playlistTracks(playlistId: string): Promise<ReadonlySet<string> | undefined>;
  artistAlbums(artistId: string): Promise<ReadonlySet<string> | undefined>;
}

export const NOTHING_WATCHED: LocallyKnownLookup = {
  playlistTracks: async () => undefined,
  artistAlbums: async () => undefined,
};

/** The fields the original asks Spotify for on a playlist (`/api/playlist/metadata`). */
const PLAYLIST_METADATA_FIELDS = [
  'id',
  'name',
  'description',
  'owner',
  'images',
  'snapshot_id',
  'public',
  'followers',
] as const;
/** The track fields the original asks for on `/api/playlist/tracks` (with `type`, which the UI reads too). */
const PLAYLIST_TRACK_FIELDS = [
  'id',
  'name',
  'type',
  'artists',
  'album',
  'external_urls',
  'preview_url',
  'duration_ms',
  'explicit',
  'popularity',
] as const;
/** `/api/playlist/info?include_tracks=true` reads every item, in pages of Spotify's maximum. */
const PLAYLIST_PAGE = 100;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
/** As the original: page sizes are clamped to the source's range and a negative offset counts as 0. */
export const pageOf = (limit: number, offset: number, maxLimit: number): PageRequest => ({
  limit: clamp(Math.trunc(limit), 1, maxLimit),
  offset: Math.max(0, Math.trunc(offset)),
});

/** Unknown `search_type` values search tracks, as upstream (`search_type or type`, then the default). */
export function searchTypeOf(searchType: string | undefined, type: string | undefined): SearchType {
  const requested = (searchType ?? type ?? 'track').toLowerCase();
  return (SEARCH_TYPES as readonly string[]).includes(requested) ? (requested as SearchType) : 'track';
}

function pick<Value extends object, Key extends keyof Value>(value: Value, keys: readonly Key[]) {
  const picked = {} as Pick<Value, Key>;
  for (const key of keys) if (value[key] !== undefined) picked[key] = value[key];
  return picked;
}

const notFound = (kind: string, id: string) => new HttpError(404, `${kind} not found: ${id}`);

export function createDownloaderCatalog(source: SpotifyCatalogSource, watched = NOTHING_WATCHED) {
  /** A source that fails (Spotify unreachable, say) is a 500 in the route's envelope, with the reason. */
  async function fetching<Value>(what: string, read: () => Promise<Value>): Promise<Value> {
    try {
      return await read();
    } catch (error) {
      if (isHttpError(error)) throw error;
      throw downloaderError(500, `Failed to fetch ${what}`, (error as Error).message);
    }
  }

  function playlistTrack(
    item: SpotifyPlaylistItem,
    known: ReadonlySet<string> | undefined,
  ): SpotifyPlaylistItem {
    if (!item.track) return item;
    const track = pick(item.track, PLAYLIST_TRACK_FIELDS) as SpotifyTrackObject;
    return { ...item, track: known ? { ...track, is_locally_known: known.has(track.id) } : track };
  }

  async function playlistMetadata(id: string) {
    const playlist = await fetching('playlist metadata', () => source.playlist(id));
    if (!playlist) throw notFound('Playlist', id);
    return {
      ...pick(playlist, PLAYLIST_METADATA_FIELDS),
      tracks: { total: playlist.tracks.total },
    };
  }

  return {
    async search(query: string, type: SearchType, limit: number) {
      const items = await fetching('search results', () => source.search(query, type, clamp(limit, 1, 50)));
      return { items };
    },

    async track(id: string) {
      const track = await fetching('track info', () => source.track(id));
      if (!track) throw notFound('Track', id);
      return track;
    },

    async album(id: string, limit: number, offset: number) {
      const album = await fetching('album info', () => source.album(id, pageOf(limit, offset, 50)));
      if (!album) throw notFound('Album', id);
      return album;
    },

    async artist(id: string, limit: number, offset: number): Promise<Schemas['SpotifyArtistWithAlbums']> {
      const artist = await fetching('artist info', () => source.artist(id));
      if (!artist) throw notFound('Artist', id);
      const albums = await fetching('artist albums', () =>
        source.artistAlbums(id, pageOf(limit, offset, 50)),
      );
      if (!albums) throw notFound('Artist', id);
      const known = await watched.artistAlbums(id);
      if (!known) return { ...artist, albums };
      return {
        ...artist,
        albums: {
          ...albums,
          items: albums.items.map((album) => ({ ...album, is_locally_known: known.has(album.id) })),
        },
      };
    },

    async playlistMetadata(id: string): Promise<Schemas['SpotifyPlaylistDetails']> {
      return { ...(await playlistMetadata(id)), _metadata_only: true, _tracks_loaded: false };
    },

    async playlistTracks(id: string, limit: number, offset: number): Promise<Schemas['PlaylistTrackPage']> {
      const page = await fetching('playlist tracks', () =>
        source.playlistItems(id, pageOf(limit, offset, 100)),
      );
      if (!page) throw notFound('Playlist', id);
      return {
        items: page.items.map((item) => playlistTrack(item, undefined)),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
      };
    },

    /** Metadata only, or every item merged into one page (and `is_locally_known` when watched). */
    async playlistInfo(id: string, includeTracks: boolean): Promise<Schemas['SpotifyPlaylistDetails']> {
      const metadata = await playlistMetadata(id);
      if (!includeTracks) return { ...metadata, _metadata_only: true, _tracks_loaded: false };
      const known = await watched.playlistTracks(id);
      const items: SpotifyPlaylistItem[] = [];
      // Bounded by the playlist's own size (Spotify caps playlists at 10,000 items).
      for (let offset = 0; offset < metadata.tracks.total; offset += PLAYLIST_PAGE) {
        const page = await fetching('playlist tracks', () =>
          source.playlistItems(id, { limit: PLAYLIST_PAGE, offset }),
        );
        if (!page || page.items.length === 0) break;
        items.push(...page.items.map((item) => playlistTrack(item, known)));
      }
      return {
        ...metadata,
        tracks: { items, total: metadata.tracks.total, limit: PLAYLIST_PAGE, offset: 0 },
        _metadata_only: false,
        _tracks_loaded: true,
      };
    },
  };
}

export type DownloaderCatalog = ReturnType<typeof createDownloaderCatalog>;

type CatalogOperation =
  | 'searchSpotify'
  | 'getTrackInfo'
  | 'getAlbumInfo'
  | 'getArtistInfo'
  | 'getPlaylistInfo'
  | 'getPlaylistMetadata'
  | 'getPlaylistTracks';

/** The handlers of the catalog views and search, the same in the server and the mock. */
export function downloaderCatalogHandlers<Env, Raw>(
  catalog: DownloaderCatalog,
): Pick<DownloaderHandlers<Env, Raw>, CatalogOperation> {
  return {
    searchSpotify: async ({ query }) =>
      ok(await catalog.search(query.q, searchTypeOf(query.search_type, query.type), query.limit ?? 20)),
    getTrackInfo: async ({ query }) => ok(await catalog.track(query.id)),
    getAlbumInfo: async ({ query }) =>
      ok(await catalog.album(query.id, query.limit ?? 20, query.offset ?? 0)),
    getArtistInfo: async ({ query }) =>
      ok(await catalog.artist(query.id, query.limit ?? 10, query.offset ?? 0)),
    getPlaylistInfo: async ({ query }) =>
      ok(await catalog.playlistInfo(query.id, query.include_tracks ?? false)),
    getPlaylistMetadata: async ({ query }) => ok(await catalog.playlistMetadata(query.id)),
    getPlaylistTracks: async ({ query }) =>
      ok(await catalog.playlistTracks(query.id, query.limit ?? 50, query.offset ?? 0)),
  };
}
