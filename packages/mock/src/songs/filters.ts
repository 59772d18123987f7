import { type IncludeExclude, type SongFilterParams, songFilters } from '@music-apis/domain';
import type { SongsMockSong } from './state.js';

/**
 * The list filters of Get Songs in memory: the shared parsing (`songFilters` of `@music-apis/domain`),
 * applied to the store as the server's SQL applies it to its table.
 */

const inSet = ({ include, exclude }: IncludeExclude, value: string | undefined) =>
  (include.length === 0 || (value !== undefined && include.includes(value))) &&
  (exclude.length === 0 || value === undefined || !exclude.includes(value));

/** Any of the song's tags included (if a list is given), none excluded. */
const tagsMatch = (values: readonly string[] | undefined, { include, exclude }: IncludeExclude) =>
  (include.length === 0 || (values ?? []).some((value) => include.includes(value))) &&
  (exclude.length === 0 || !(values ?? []).some((value) => exclude.includes(value)));

function searchText(song: SongsMockSong): string {
  return [song.title, song.description, song.album, song.nftName]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('\n')
    .toLowerCase();
}

/** The songs the (validated) query selects for `callerId`, in store order. */
export function matchingSongs(
  songs: Iterable<SongsMockSong>,
  query: Omit<SongFilterParams, 'archived'> & { archived?: boolean },
  callerId: string,
): SongsMockSong[] {
  const filters = songFilters({ ...query, archived: query.archived ?? false }, callerId);
  const { olderThan, newerThan, phrase } = filters;
  return [...songs].filter(
    (song) =>
      song.archived === filters.archived &&
      (olderThan === undefined || song.createdAt < olderThan) &&
      (newerThan === undefined || song.createdAt > newerThan) &&
      inSet(filters.ids, song.id) &&
      inSet(filters.ownerIds, song.ownerId) &&
      inSet(filters.mintingStatuses, song.mintingStatus) &&
      inSet(filters.nftNames, song.nftName) &&
      tagsMatch(song.genres, filters.genres) &&
      tagsMatch(song.moods, filters.moods) &&
      (phrase === undefined || searchText(song).includes(phrase)),
  );
}

/** Code-point order, as the server's byte-wise collation sorts genre names. */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/** Each genre of the songs and how many of them use it. */
export function genreUsage(songs: SongsMockSong[]): [string, number][] {
  const uses = new Map<string, number>();
  for (const song of songs) {
    for (const genre of new Set(song.genres)) uses.set(genre, (uses.get(genre) ?? 0) + 1);
  }
  return [...uses.entries()];
}

/** `asc`/`desc` in any letter case (the document's enum), or the operation's default. */
export const sortOrder = (value: string | undefined, fallback: 'asc' | 'desc'): 'asc' | 'desc' =>
  value === undefined ? fallback : value.toLowerCase() === 'desc' ? 'desc' : 'asc';
