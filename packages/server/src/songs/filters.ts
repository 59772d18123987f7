import { type SongFilters, songFilters } from '@music-apis/domain';

/**
 * The list filters of Get Songs (shared by count, genres and genre count), parsed from the
 * validated query by the shared rules of `@music-apis/catalog`.
 */
export type { IncludeExclude, SongFilters } from '@music-apis/domain';

const csv = (value: unknown) => value as string[] | undefined;
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** `query` has been validated against the document (patterns, enums, types) before this runs. */
export function parseSongFilters(query: Record<string, unknown>, callerId: string): SongFilters {
  return songFilters(
    {
      archived: query.archived === true,
      ids: csv(query.ids),
      ownerIds: csv(query.ownerIds),
      genres: csv(query.genres),
      moods: csv(query.moods),
      mintingStatuses: csv(query.mintingStatuses),
      nftNames: csv(query.nftNames),
      olderThan: text(query.olderThan),
      newerThan: text(query.newerThan),
      phrase: text(query.phrase),
    },
    callerId,
  );
}

export const sortOrderOf = (value: unknown, fallback: 'asc' | 'desc'): 'asc' | 'desc' =>
  typeof value === 'string' ? (value.toLowerCase() === 'desc' ? 'desc' : 'asc') : fallback;
