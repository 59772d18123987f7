import { type Catalog, demoCatalog } from './catalog.js';
import { hex, rng } from './random.js';

/**
 * The songs API's demo data (a NEWM-style artist song registry), derived from the demo catalog so
 * the mock and the server seed exactly the same users and songs.
 */

export interface SongsDemoUser {
  id: string;
  email: string;
  /** Plain text: the server hashes it when seeding, the mock compares it directly. */
  password: string;
  firstName: string;
  lastName: string;
  nickname: string;
  /** KYC-verified users may accept a song's stream-token agreement. */
  verified: boolean;
}

export interface SongsDemoSong {
  id: string;
  ownerId: string;
  /** Epoch milliseconds. */
  createdAt: number;
  title: string;
  genres: string[];
  moods: string[];
  album: string;
  track: number;
  description: string;
  language: string;
  releaseDate: string;
}

/** The demo login printed in the README and at start-up. */
export const SONGS_DEMO_LOGIN = { email: 'demo@music-apis.dev', password: 'DemoPass1' } as const;

/** A UUID (version 4 layout) that is a pure function of its name, so every target agrees on ids. */
export function deterministicUuid(name: string): string {
  const random = rng(
    'uuid',
    [...name].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) >>> 0, 7),
  );
  const digits = hex(random, 32).split('');
  digits[12] = '4';
  digits[16] = '89ab'[Number.parseInt(digits[16] as string, 16) % 4] as string;
  const text = digits.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** Three demo artists; the first is the demo login and is KYC-verified, the others are not. */
export function songsDemoUsers(catalog: Catalog = demoCatalog): SongsDemoUser[] {
  return [1, 2, 3].map((artistIndex, position) => {
    const artist = catalog.artistAt(Math.min(artistIndex, catalog.artistCount - 1));
    const [firstName = artist.name, ...rest] = artist.name.split(' ');
    return {
      id: deterministicUuid(`songs-user:${position}`),
      email: position === 0 ? SONGS_DEMO_LOGIN.email : `artist${position + 1}@music-apis.dev`,
      password: SONGS_DEMO_LOGIN.password,
      firstName,
      lastName: rest.join(' ') || 'Artist',
      nickname: artist.name,
      verified: position === 0,
    };
  });
}

export const SONGS_DEMO_SONG_COUNT = 12;
/** 2023-11-01T10:00:00 UTC: the demo songs were "created" one day apart from here. */
const DEMO_EPOCH = Date.UTC(2023, 10, 1, 10, 0, 0);

/** Demo songs: catalog tracks 1..12, spread over the demo users, created a day apart. */
export function songsDemoSongs(catalog: Catalog = demoCatalog): SongsDemoSong[] {
  const users = songsDemoUsers(catalog);
  const count = Math.min(SONGS_DEMO_SONG_COUNT, catalog.trackCount - 2);
  const songs: SongsDemoSong[] = [];
  const titlesByOwner = new Map<string, Set<string>>();
  for (let i = 0; i < count; i++) {
    const track = catalog.trackAt(i + 1);
    const owner = users[i % users.length] as SongsDemoUser;
    // Titles are unique per owner (the API's rule), so a repeated catalog name gets a suffix.
    const taken = titlesByOwner.get(owner.id) ?? new Set<string>();
    titlesByOwner.set(owner.id, taken);
    let title = track.name;
    for (let n = 2; taken.has(title.toLowerCase()); n++) title = `${track.name} ${n}`;
    taken.add(title.toLowerCase());
    const secondGenre = catalog.albumAt(
      1 + ((i * 5) % Math.max(1, Math.min(20, catalog.albumCount - 1))),
    ).genre;
    songs.push({
      id: deterministicUuid(`songs-song:${i}`),
      ownerId: owner.id,
      createdAt: DEMO_EPOCH + i * 86_400_000,
      title,
      genres: [...new Set([track.genre, secondGenre])],
      moods: [track.mood],
      album: track.albumName,
      track: track.trackNumber,
      description: `${track.name} by ${owner.nickname}`,
      language: 'en',
      releaseDate: `2023-${String(1 + (i % 9)).padStart(2, '0')}-15`,
    });
  }
  return songs;
}
