import type {
  Catalog,
  CatalogAlbum,
  CatalogArtist,
  CatalogPlaylist,
  CatalogTrack,
} from '@music-apis/catalog';
import type { components } from '@music-apis/spec/downloader';
import type {
  PageRequest,
  SpotifyAlbumSimplifiedObject,
  SpotifyArtistObject,
  SpotifyCatalogSource,
  SpotifyPlaylistObject,
  SpotifyTrackObject,
} from './catalog.js';
import { createWordIndex } from './word-index.js';

/**
 * The demo catalog in the Spotify Web API's shapes (what spotipy hands the original): the same
 * data in the mock and the server, so both answer alike. Values Spotify has and the catalog does
 * not (popularity, followers, labels) are derived from the item's id, so they are stable too.
 */

type Schemas = components['schemas'];
const WEB = 'https://open.spotify.com';
const API = 'https://api.spotify.com/v1';

/** 0 … modulo-1 from an id (FNV-1a): the stand-in for Spotify's counters. */
function figure(id: string, modulo: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % modulo;
}

const links = (kind: string, id: string) => ({
  uri: `spotify:${kind}:${id}`,
  href: `${API}/${kind}s/${id}`,
  external_urls: { spotify: `${WEB}/${kind}/${id}` },
});

function pageLinks(path: string, page: PageRequest, total: number) {
  const at = (offset: number) => `${API}/${path}?offset=${offset}&limit=${page.limit}`;
  return {
    href: at(page.offset),
    limit: page.limit,
    offset: page.offset,
    total,
    next: page.offset + page.limit < total ? at(page.offset + page.limit) : null,
    previous: page.offset > 0 ? at(Math.max(0, page.offset - page.limit)) : null,
  };
}

const artistRef = (id: string, name: string): Schemas['SpotifyArtistSimplified'] => ({
  id,
  name,
  type: 'artist',
  ...links('artist', id),
});

const cover = (url: string): Schemas['SpotifyImage'][] => [{ url, height: 640, width: 640 }];

/** The seed's example album is a compilation (as on Spotify); one or two tracks make a single. */
function albumType(album: CatalogAlbum): 'album' | 'single' | 'compilation' {
  if (album.name.includes('Complete')) return 'compilation';
  return album.trackCount <= 2 ? 'single' : 'album';
}

function simplifiedAlbum(album: CatalogAlbum): SpotifyAlbumSimplifiedObject {
  const type = albumType(album);
  return {
    id: album.id,
    name: album.name,
    type: 'album',
    album_type: type,
    album_group: type,
    artists: [artistRef(album.artistId, album.artistName)],
    images: cover(album.coverImageUrl),
    release_date: album.releaseDate,
    release_date_precision: 'day',
    total_tracks: album.trackCount,
    ...links('album', album.id),
  };
}

function simplifiedTrack(track: CatalogTrack): Schemas['SpotifyTrackSimplified'] {
  return {
    id: track.id,
    name: track.name,
    type: 'track',
    artists: [artistRef(track.artistId, track.artistName)],
    duration_ms: track.durationMs,
    explicit: track.explicit,
    track_number: track.trackNumber,
    disc_number: 1,
    preview_url: null,
    is_playable: true,
    ...links('track', track.id),
  };
}

export function createDemoSpotifyCatalog(catalog: Catalog): SpotifyCatalogSource {
  const playlists = catalog.playlists();
  const albumOf = (track: CatalogTrack) => catalog.findAlbumById(track.albumId) as CatalogAlbum;

  const fullTrack = (track: CatalogTrack): SpotifyTrackObject => ({
    ...simplifiedTrack(track),
    album: simplifiedAlbum(albumOf(track)),
    popularity: figure(track.id, 101),
    external_ids: { isrc: track.isrc },
  });

  const fullArtist = (artist: CatalogArtist): SpotifyArtistObject => {
    const firstAlbum = catalog.albumsOfArtist(artist.id)[0];
    return {
      ...artistRef(artist.id, artist.name),
      genres: [artist.genre.toLowerCase()],
      images: firstAlbum ? cover(firstAlbum.coverImageUrl) : [],
      followers: { href: null, total: figure(artist.id, 250_000) },
      popularity: figure(artist.id, 101),
    };
  };

  const playlistTracks = (playlist: CatalogPlaylist) =>
    playlist.trackIsrcs.map((isrc) => catalog.findTrackByIsrc(isrc) as CatalogTrack);

  const playlistObject = (
    playlist: CatalogPlaylist,
  ): SpotifyPlaylistObject & Schemas['SpotifyPlaylistSimplified'] => {
    const ownerId = playlist.ownerName.toLowerCase().replace(/[^a-z0-9]+/g, '');
    const first = playlistTracks(playlist)[0];
    return {
      id: playlist.id,
      name: playlist.name,
      description: playlist.description,
      owner: { id: ownerId, display_name: playlist.ownerName, type: 'user', ...links('user', ownerId) },
      images: first ? cover(first.coverImageUrl) : [],
      // Stable while the content is: the playlist's id and size.
      snapshot_id: `${playlist.id}${playlist.trackIsrcs.length}`,
      public: true,
      collaborative: false,
      followers: { href: null, total: figure(playlist.id, 50_000) },
      type: 'playlist',
      ...links('playlist', playlist.id),
      tracks: { href: `${API}/playlists/${playlist.id}/tracks`, total: playlist.trackIsrcs.length },
    };
  };

  // One word index per searchable type: name plus artist (and album, for tracks), as Spotify matches.
  const indexes = {
    track: createWordIndex(catalog.trackCount, (i) => {
      const track = catalog.trackAt(i);
      return `${track.name} ${track.artistName} ${track.albumName}`;
    }),
    album: createWordIndex(catalog.albumCount, (i) => {
      const album = catalog.albumAt(i);
      return `${album.name} ${album.artistName}`;
    }),
    artist: createWordIndex(catalog.artistCount, (i) => catalog.artistAt(i).name),
    playlist: createWordIndex(playlists.length, (i) => {
      const playlist = playlists[i] as CatalogPlaylist;
      return `${playlist.name} ${playlist.ownerName}`;
    }),
  };

  return {
    async track(id) {
      const track = catalog.findTrackById(id);
      return track && fullTrack(track);
    },
    async album(id, page) {
      const album = catalog.findAlbumById(id);
      if (!album) return undefined;
      const tracks = catalog.tracksOfAlbum(id);
      const items = tracks.slice(page.offset, page.offset + page.limit).map(simplifiedTrack);
      const label = `${album.artistName} Records`;
      const year = album.releaseDate.slice(0, 4);
      return {
        ...simplifiedAlbum(album),
        label,
        copyrights: [
          { text: `${year} ${label}`, type: 'C' },
          { text: `${year} ${label}`, type: 'P' },
        ],
        genres: [],
        popularity: figure(album.id, 101),
        external_ids: { upc: album.upc },
        tracks: { ...pageLinks(`albums/${id}/tracks`, page, tracks.length), items },
      };
    },
    async artist(id) {
      const artist = catalog.findArtistById(id);
      return artist && fullArtist(artist);
    },
    async artistAlbums(id, page) {
      if (!catalog.findArtistById(id)) return undefined;
      const albums = catalog.albumsOfArtist(id);
      return {
        ...pageLinks(`artists/${id}/albums`, page, albums.length),
        items: albums.slice(page.offset, page.offset + page.limit).map(simplifiedAlbum),
      };
    },
    async playlist(id) {
      const playlist = catalog.findPlaylistById(id);
      return playlist && playlistObject(playlist);
    },
    async playlistItems(id, page) {
      const playlist = catalog.findPlaylistById(id);
      if (!playlist) return undefined;
      const tracks = playlistTracks(playlist);
      return {
        ...pageLinks(`playlists/${id}/tracks`, page, tracks.length),
        items: tracks.slice(page.offset, page.offset + page.limit).map((track, n) => ({
          // Added a day apart, in playlist order, from the first of 2024 (Spotify's UTC form).
          added_at: new Date(Date.UTC(2024, 0, 1 + page.offset + n)).toISOString().replace('.000Z', 'Z'),
          is_local: false,
          track: fullTrack(track),
        })),
      };
    },
    async search(query, type, limit) {
      switch (type) {
        case 'track':
          return indexes.track.search(query, limit).map((i) => fullTrack(catalog.trackAt(i)));
        case 'album':
          return indexes.album.search(query, limit).map((i) => simplifiedAlbum(catalog.albumAt(i)));
        case 'artist':
          return indexes.artist.search(query, limit).map((i) => fullArtist(catalog.artistAt(i)));
        case 'playlist':
          return indexes.playlist
            .search(query, limit)
            .map((i) => playlistObject(playlists[i] as CatalogPlaylist));
        default:
          // The demo catalog has no podcasts: an empty page, as Spotify gives for no match.
          return [];
      }
    },
  };
}
