import { wavFile } from './audio.js';
import { type Catalog, COVER_COUNT, demoCatalog, TRACKS_PER_ALBUM } from './catalog.js';
import { deterministicUuid } from './songs.js';

/**
 * The collections API's demo data (an audio delivery network): a few of the catalog's albums as
 * collections, each with some of its tracks, their audio ready. The mock and the server seed
 * exactly these, so both list the same collections, ids included.
 */

export interface CollectionsDemoTrack {
  id: string;
  collectionId: string;
  fileName: string;
  title: string;
  metadata: { isrc: string; artist: string; track_number: number };
  /** Length of the demo audio (`collectionsDemoAudio`) in seconds: a whole number of samples. */
  seconds: number;
  /** Pitch of the demo audio's tone, in Hz. */
  frequency: number;
  /** The track's own cover (`coverJpeg(coverIndex)`), or null to show its collection's. */
  coverIndex: number | null;
}

export interface CollectionsDemoCollection {
  id: string;
  title: string;
  organizationIndex: string;
  metadata: { artist: string; genre: string; release_date: string; upc: string };
  playerColor: string;
  playerSubtitle: string;
  /** The collection's cover: `coverJpeg(coverIndex)`. */
  coverIndex: number;
  tracks: CollectionsDemoTrack[];
}

export const COLLECTIONS_DEMO_COLLECTION_COUNT = 3;
const TRACKS_PER_COLLECTION = 3;
/** Low enough that the demo audio stays small (16 kB a second), high enough for the tones. */
export const COLLECTIONS_DEMO_SAMPLE_RATE = 8000;
const PLAYER_COLORS = ['#1D3557', '#E76F51', '#2A9D8F'];
/** A, C, E, G above middle C: one note per track. */
const TONES = [440, 523.25, 659.25, 783.99];

/** Demo collections: catalog albums 1..3 with their first three tracks; each first track has its own cover. */
export function collectionsDemoCollections(catalog: Catalog = demoCatalog): CollectionsDemoCollection[] {
  // Generated albums are 1..albumCount-2 (0 is the seed's example, the last the README's).
  const count = Math.max(0, Math.min(COLLECTIONS_DEMO_COLLECTION_COUNT, catalog.albumCount - 2));
  return Array.from({ length: count }, (_, c) => {
    const albumIndex = c + 1;
    const album = catalog.albumAt(albumIndex);
    const id = deterministicUuid(`collections-collection:${c}`);
    const tracks = Array.from({ length: Math.min(TRACKS_PER_COLLECTION, album.trackCount) }, (_, t) => {
      const track = catalog.trackAt(c * TRACKS_PER_ALBUM + t + 1);
      return {
        id: deterministicUuid(`collections-track:${c}:${t}`),
        collectionId: id,
        fileName: `${String(track.trackNumber).padStart(2, '0')} ${track.name}.wav`,
        title: track.name,
        metadata: { isrc: track.isrc, artist: track.artistName, track_number: track.trackNumber },
        // 15.0 to 29.9 s: a preview of the catalog track, in tenths of a second.
        seconds: (150 + (Math.floor(track.durationMs / 100) % 150)) / 10,
        frequency: TONES[(c + t) % TONES.length] as number,
        coverIndex: t === 0 ? (album.coverIndex + COVER_COUNT / 2) % COVER_COUNT : null,
      };
    });
    return {
      id,
      title: album.name,
      organizationIndex: `demo-album-${albumIndex}`,
      metadata: {
        artist: album.artistName,
        genre: album.genre,
        release_date: album.releaseDate,
        upc: album.upc,
      },
      playerColor: PLAYER_COLORS[c % PLAYER_COLORS.length] as string,
      playerSubtitle: album.artistName,
      coverIndex: album.coverIndex,
      tracks,
    };
  });
}

/** The demo track's audio: a mono 16-bit WAV of its tone, exactly `track.seconds` long. */
export function collectionsDemoAudio(track: Pick<CollectionsDemoTrack, 'seconds' | 'frequency'>): Uint8Array {
  return wavFile({
    seconds: track.seconds,
    sampleRate: COLLECTIONS_DEMO_SAMPLE_RATE,
    frequency: track.frequency,
  });
}
