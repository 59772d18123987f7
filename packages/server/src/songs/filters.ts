import { type SongFilters, songFilters } from '@music-apis/domain';
import type { operations } from '@music-apis/spec/songs';

/**
 * The list filters of Get Songs (shared by count, genres and genre count), from the validated
 * query, by the shared rules of `@music-apis/domain`.
 */
export type { IncludeExclude, SongFilters } from '@music-apis/domain';

type SongsQuery = NonNullable<operations['listSongs']['parameters']['query']>;

export function parseSongFilters(query: SongsQuery, callerId: string): SongFilters {
  const { archived, ids, ownerIds, genres, moods, mintingStatuses, nftNames, olderThan, newerThan, phrase } =
    query;
  return songFilters(
    {
      archived: archived === true,
      ids,
      ownerIds,
      genres,
      moods,
      mintingStatuses,
      nftNames,
      olderThan,
      newerThan,
      phrase,
    },
    callerId,
  );
}

export const sortOrderOf = (value: string | undefined, fallback: 'asc' | 'desc'): 'asc' | 'desc' =>
  value === undefined ? fallback : value.toLowerCase() === 'desc' ? 'desc' : 'asc';
