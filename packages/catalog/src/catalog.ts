import { base62Id, hashString, hex, pick, rng } from './random.js';
import { ADJECTIVES, BAND_NOUNS, FIRST_NAMES, GENRES, LAST_NAMES, MOODS, NOUNS } from './words.js';

/**
 * The demo music catalog: artists, albums, tracks (with ISRCs and durations), playlists and
 * covers. Every item is a pure function of its index, so the mock (in a browser) and the server
 * (on SQLite or PostgreSQL) answer the same data, and `createCatalog({ trackCount: 1_000_000 })`
 * costs no memory until items are read.
 */

export interface CatalogArtist {
  id: string;
  name: string;
  genre: string;
}

export interface CatalogAlbum {
  id: string;
  name: string;
  artistId: string;
  artistName: string;
  releaseDate: string;
  upc: string;
  genre: string;
  /** URL the original catalog (Spotify) serves the cover at; the bytes come from `coverJpeg`. */
  coverImageUrl: string;
  /** Which of the catalog's cover images this album shows. */
  coverIndex: number;
  trackCount: number;
}

export interface CatalogTrack {
  isrc: string;
  /** Spotify-style base62 track id. */
  id: string;
  name: string;
  artistId: string;
  artistName: string;
  albumId: string;
  albumName: string;
  trackNumber: number;
  durationMs: number;
  explicit: boolean;
  genre: string;
  mood: string;
  coverImageUrl: string;
  coverIndex: number;
}

export interface CatalogPlaylist {
  id: string;
  name: string;
  description: string;
  ownerName: string;
  trackIsrcs: string[];
}

export interface Catalog {
  readonly trackCount: number;
  readonly albumCount: number;
  readonly artistCount: number;
  /** Track number `index` (0-based) of the catalog. */
  trackAt(index: number): CatalogTrack;
  albumAt(index: number): CatalogAlbum;
  artistAt(index: number): CatalogArtist;
  findTrackByIsrc(isrc: string): CatalogTrack | undefined;
  findAlbumById(id: string): CatalogAlbum | undefined;
  findAlbumByCoverUrl(url: string): CatalogAlbum | undefined;
  /** By Spotify-style id (an index of ids is built on first use). */
  findTrackById(id: string): CatalogTrack | undefined;
  findArtistById(id: string): CatalogArtist | undefined;
  findPlaylistById(id: string): CatalogPlaylist | undefined;
  /** An artist's albums in catalog order (empty for an unknown artist). */
  albumsOfArtist(artistId: string): CatalogAlbum[];
  /** An album's tracks by track number (empty for an unknown album). */
  tracksOfAlbum(albumId: string): CatalogTrack[];
  /** Tracks lazily, in index order: for seeding and benchmarks without holding them all. */
  tracks(): Generator<CatalogTrack>;
  albums(): Generator<CatalogAlbum>;
  artists(): Generator<CatalogArtist>;
  playlists(): CatalogPlaylist[];
}

export const TRACKS_PER_ALBUM = 10;
const ALBUMS_PER_ARTIST = 2;
export const COVER_COUNT = 12;
/** Registrant code of generated ISRCs: `QZ` (a country code reserved for such use) + `MAD`. */
const GENERATED_ISRC_PREFIX = 'QZMAD';
const SPOTIFY_COVER_PREFIX = 'https://i.scdn.co/image/ab67616d0000b273';

/** The seed's own example track, with exactly the values the original returned. */
export const SEED_EXAMPLE_TRACK: CatalogTrack = {
  isrc: 'GBAYE0800657',
  id: '0FeMojOmvNFGy5ZnJVbJqs',
  name: 'Ellington: Mood Indigo',
  artistId: '5tD8uSSi1EqAmKlBRA0UCN',
  artistName: 'Barney Bigard',
  albumId: '4rgmqNe80mdYQz2oSmYy6o',
  albumName: 'Paul Robeson: The Complete EMI Sessions 1928-1939',
  trackNumber: 1,
  durationMs: 201_466,
  explicit: false,
  genre: 'Jazz',
  mood: 'Calm',
  coverImageUrl: `${SPOTIFY_COVER_PREFIX}7182d5a83d527c09166d0fe5`,
  coverIndex: 0,
};

const SEED_EXAMPLE_ALBUM: CatalogAlbum = {
  id: SEED_EXAMPLE_TRACK.albumId,
  name: SEED_EXAMPLE_TRACK.albumName,
  artistId: SEED_EXAMPLE_TRACK.artistId,
  artistName: SEED_EXAMPLE_TRACK.artistName,
  releaseDate: '2008-02-11',
  upc: '5099950001120',
  genre: 'Jazz',
  coverImageUrl: SEED_EXAMPLE_TRACK.coverImageUrl,
  coverIndex: 0,
  trackCount: 1,
};

/**
 * The track the original service's README creates (`/api/track/create?isrc=USEE10001993`), so its
 * steps work as written. Demo values: the README gives only the ISRC. It comes last in every list.
 */
export const README_EXAMPLE_TRACK: CatalogTrack = {
  isrc: 'USEE10001993',
  id: '3rEadMeExAmPlE0TrAcK01',
  name: 'README Example',
  artistId: '3rEadMeExAmPlEArTiSt01',
  artistName: 'The Example Ensemble',
  albumId: '3rEadMeExAmPlE0AlBuM01',
  albumName: 'Run Instructions',
  trackNumber: 1,
  durationMs: 214_360,
  explicit: false,
  genre: 'Pop',
  mood: 'Happy',
  coverImageUrl: `${SPOTIFY_COVER_PREFIX}ee10001993ee10001993ee10`,
  coverIndex: 1,
};

const README_EXAMPLE_ALBUM: CatalogAlbum = {
  id: README_EXAMPLE_TRACK.albumId,
  name: README_EXAMPLE_TRACK.albumName,
  artistId: README_EXAMPLE_TRACK.artistId,
  artistName: README_EXAMPLE_TRACK.artistName,
  releaseDate: '2010-01-01',
  upc: '0886970000017',
  genre: 'Pop',
  coverImageUrl: README_EXAMPLE_TRACK.coverImageUrl,
  coverIndex: 1,
  trackCount: 1,
};

const README_EXAMPLE_ARTIST: CatalogArtist = {
  id: README_EXAMPLE_TRACK.artistId,
  name: README_EXAMPLE_TRACK.artistName,
  genre: 'Pop',
};

/** ISRC of generated track `index`: `QZMAD` + 7 digits (so at most 10 million tracks). */
export function generatedIsrc(index: number): string {
  return `${GENERATED_ISRC_PREFIX}${String(index + 1).padStart(7, '0')}`;
}

function artistName(index: number): string {
  const random = rng('artist-name', index);
  const solo = `${pick(random, FIRST_NAMES)} ${pick(random, LAST_NAMES)}`;
  return random() < 0.3 ? `The ${solo.split(' ')[1]} ${pick(random, BAND_NOUNS)}` : solo;
}

function phrase(namespace: string, index: number): string {
  const random = rng(namespace, index);
  return `${pick(random, ADJECTIVES)} ${pick(random, NOUNS)}`;
}

function makeArtist(index: number): CatalogArtist {
  const random = rng('artist', index);
  return { id: base62Id(random), name: artistName(index), genre: pick(random, GENRES) };
}

function makeAlbum(index: number, totalTracks: number): CatalogAlbum {
  const random = rng('album', index);
  const artistIndex = Math.floor(index / ALBUMS_PER_ARTIST);
  const artist = makeArtist(artistIndex);
  const year = 1960 + Math.floor(random() * 65);
  const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
  // The URL ends with the album index in hex so the built-in catalog can serve its bytes.
  const coverImageUrl = `${SPOTIFY_COVER_PREFIX}${hex(random, 16)}${index.toString(16).padStart(8, '0')}`;
  return {
    id: base62Id(random),
    name: phrase('album-name', index),
    artistId: artist.id,
    artistName: artist.name,
    releaseDate: `${year}-${month}-${day}`,
    upc: String(hashString(`upc:${index}`))
      .padStart(12, '0')
      .slice(0, 12),
    genre: artist.genre,
    coverImageUrl,
    coverIndex: index % COVER_COUNT,
    trackCount: Math.min(TRACKS_PER_ALBUM, totalTracks - index * TRACKS_PER_ALBUM),
  };
}

function makeTrack(index: number, album: CatalogAlbum): CatalogTrack {
  const random = rng('track', index);
  return {
    isrc: generatedIsrc(index),
    id: base62Id(random),
    name: phrase('track-name', index),
    artistId: album.artistId,
    artistName: album.artistName,
    albumId: album.id,
    albumName: album.name,
    trackNumber: (index % TRACKS_PER_ALBUM) + 1,
    durationMs: 95_000 + Math.floor(random() * 240_000),
    explicit: random() < 0.12,
    genre: album.genre,
    mood: pick(random, MOODS),
    coverImageUrl: album.coverImageUrl,
    coverIndex: album.coverIndex,
  };
}

export interface CatalogOptions {
  /** Number of generated tracks (the seed's and the README's example tracks come on top). Default 240. */
  trackCount?: number;
}

export const DEMO_TRACK_COUNT = 240;

export function createCatalog(options: CatalogOptions = {}): Catalog {
  const generatedTracks = options.trackCount ?? DEMO_TRACK_COUNT;
  if (!Number.isInteger(generatedTracks) || generatedTracks < 0 || generatedTracks > 9_999_999) {
    throw new RangeError('trackCount must be an integer from 0 to 9,999,999');
  }
  const generatedAlbums = Math.ceil(generatedTracks / TRACKS_PER_ALBUM);
  const generatedArtists = Math.ceil(generatedAlbums / ALBUMS_PER_ARTIST);
  // Index 0 of each list is the seed's example, generated items follow, the README's example is last.
  const seedArtist: CatalogArtist = { id: SEED_EXAMPLE_TRACK.artistId, name: 'Barney Bigard', genre: 'Jazz' };

  const albumAt = (index: number): CatalogAlbum => {
    if (index === 0) return SEED_EXAMPLE_ALBUM;
    if (index === generatedAlbums + 1) return README_EXAMPLE_ALBUM;
    assertIndex(index, generatedAlbums + 1, 'album');
    return makeAlbum(index - 1, generatedTracks);
  };
  const trackAt = (index: number): CatalogTrack => {
    if (index === 0) return SEED_EXAMPLE_TRACK;
    if (index === generatedTracks + 1) return README_EXAMPLE_TRACK;
    assertIndex(index, generatedTracks + 1, 'track');
    const generated = index - 1;
    return makeTrack(generated, makeAlbum(Math.floor(generated / TRACKS_PER_ALBUM), generatedTracks));
  };
  const artistAt = (index: number): CatalogArtist => {
    if (index === 0) return seedArtist;
    if (index === generatedArtists + 1) return README_EXAMPLE_ARTIST;
    assertIndex(index, generatedArtists + 1, 'artist');
    return makeArtist(index - 1);
  };

  let albumIdIndex: Map<string, number> | undefined;
  let trackIdIndex: Map<string, number> | undefined;
  let artistIdIndex: Map<string, number> | undefined;
  let playlistList: CatalogPlaylist[] | undefined;
  const albumIndexOf = (id: string) => {
    // Built on first use: ids are random-looking, so they need an index.
    albumIdIndex ??= new Map(Array.from(catalog.albums(), (album, index) => [album.id, index]));
    return albumIdIndex.get(id);
  };
  const catalog: Catalog = {
    trackCount: generatedTracks + 2,
    albumCount: generatedAlbums + 2,
    artistCount: generatedArtists + 2,
    trackAt,
    albumAt,
    artistAt,
    findTrackByIsrc(isrc) {
      const normalized = isrc.toUpperCase();
      if (normalized === SEED_EXAMPLE_TRACK.isrc) return SEED_EXAMPLE_TRACK;
      if (normalized === README_EXAMPLE_TRACK.isrc) return README_EXAMPLE_TRACK;
      if (!normalized.startsWith(GENERATED_ISRC_PREFIX)) return undefined;
      const index = Number(normalized.slice(GENERATED_ISRC_PREFIX.length));
      return Number.isInteger(index) && index >= 1 && index <= generatedTracks ? trackAt(index) : undefined;
    },
    findAlbumById(id) {
      const index = albumIndexOf(id);
      return index === undefined ? undefined : albumAt(index);
    },
    findTrackById(id) {
      trackIdIndex ??= new Map(Array.from(catalog.tracks(), (track, index) => [track.id, index]));
      const index = trackIdIndex.get(id);
      return index === undefined ? undefined : trackAt(index);
    },
    findArtistById(id) {
      artistIdIndex ??= new Map(Array.from(catalog.artists(), (artist, index) => [artist.id, index]));
      const index = artistIdIndex.get(id);
      return index === undefined ? undefined : artistAt(index);
    },
    findPlaylistById(id) {
      playlistList ??= catalog.playlists();
      return playlistList.find((playlist) => playlist.id === id);
    },
    albumsOfArtist(artistId) {
      catalog.findArtistById(artistId);
      const index = artistIdIndex?.get(artistId);
      if (index === undefined) return [];
      // The examples have one album each; generated artist k has generated albums 2k and 2k+1.
      if (index === 0) return [albumAt(0)];
      if (index === generatedArtists + 1) return [albumAt(generatedAlbums + 1)];
      const first = (index - 1) * ALBUMS_PER_ARTIST;
      const albums: CatalogAlbum[] = [];
      for (let g = first; g < Math.min(first + ALBUMS_PER_ARTIST, generatedAlbums); g++)
        albums.push(albumAt(g + 1));
      return albums;
    },
    tracksOfAlbum(albumId) {
      const index = albumIndexOf(albumId);
      if (index === undefined) return [];
      if (index === 0) return [trackAt(0)];
      if (index === generatedAlbums + 1) return [trackAt(generatedTracks + 1)];
      // Generated album g holds generated tracks g*10 … g*10+9 (fewer in the last one).
      const album = albumAt(index);
      const first = (index - 1) * TRACKS_PER_ALBUM;
      return Array.from({ length: album.trackCount }, (_, n) => trackAt(first + n + 1));
    },
    findAlbumByCoverUrl(url) {
      if (url === SEED_EXAMPLE_ALBUM.coverImageUrl) return SEED_EXAMPLE_ALBUM;
      if (url === README_EXAMPLE_ALBUM.coverImageUrl) return README_EXAMPLE_ALBUM;
      if (!url.startsWith(SPOTIFY_COVER_PREFIX) || url.length !== SPOTIFY_COVER_PREFIX.length + 24)
        return undefined;
      const index = Number.parseInt(url.slice(-8), 16);
      if (!(index >= 0 && index < generatedAlbums)) return undefined;
      const album = albumAt(index + 1);
      return album.coverImageUrl === url ? album : undefined;
    },
    *tracks() {
      for (let i = 0; i < catalog.trackCount; i++) yield trackAt(i);
    },
    *albums() {
      for (let i = 0; i < catalog.albumCount; i++) yield albumAt(i);
    },
    *artists() {
      for (let i = 0; i < catalog.artistCount; i++) yield artistAt(i);
    },
    playlists() {
      const count = Math.min(6, Math.floor(generatedTracks / 12));
      return Array.from({ length: count }, (_, p) => {
        const random = rng('playlist', p);
        const trackIsrcs = Array.from({ length: 12 }, () =>
          generatedIsrc(Math.floor(random() * generatedTracks)),
        );
        return {
          id: base62Id(random),
          name: `${phrase('playlist-name', p)} Mix`,
          description: `A demo playlist of ${trackIsrcs.length} tracks.`,
          ownerName: artistName(1000 + p),
          trackIsrcs: [...new Set(trackIsrcs)],
        };
      });
    },
  };
  return catalog;
}

function assertIndex(index: number, size: number, kind: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`${kind} index ${index} is outside the catalog (0..${size - 1})`);
  }
}

/** The demo catalog every package seeds from. */
export const demoCatalog: Catalog = createCatalog();
