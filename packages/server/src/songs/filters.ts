import { HttpError } from '../core/http/errors.js';

/**
 * The list filters of Get Songs (shared by count, genres and genre count), parsed from the
 * validated query. CSV values prefixed with `-` are excluded, `+` or no prefix included.
 */
export interface IncludeExclude {
  include: string[];
  exclude: string[];
}

export interface SongFilters {
  archived: boolean;
  /** Epoch ms bounds, already rounded so that integer-ms comparisons are exact. */
  olderThan?: number;
  newerThan?: number;
  ids: IncludeExclude;
  ownerIds: IncludeExclude;
  genres: IncludeExclude;
  moods: IncludeExclude;
  mintingStatuses: IncludeExclude;
  nftNames: IncludeExclude;
  /** Lower-cased substring; absent or empty matches everything. */
  phrase?: string;
}

const unprocessable = (cause: string) => new HttpError(422, cause);

export function splitIncludeExclude(values: unknown, normalize: (value: string) => string = (v) => v) {
  const result: IncludeExclude = { include: [], exclude: [] };
  for (const raw of (values as string[] | undefined) ?? []) {
    if (raw.startsWith('-')) result.exclude.push(normalize(raw.slice(1)));
    else result.include.push(normalize(raw.startsWith('+') ? raw.slice(1) : raw));
  }
  return result;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * A zone-less ISO local date-time as epoch ms (the server's clock is UTC), with the sub-millisecond
 * remainder kept so callers can round the right way. Impossible dates (Feb 30) are rejected as the
 * original's java.time parser does.
 */
export function parseLocalDateTime(text: string): { ms: number; fractionalMs: boolean } {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) throw unprocessable(`Text '${text}' could not be parsed`);
  const [year, month, day, hour, minute, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const fraction = (match[7] ?? '').padEnd(9, '0');
  const ms = Date.UTC(year!, month! - 1, day!, hour!, minute!, second);
  const date = new Date(ms);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month! - 1 ||
    date.getUTCDate() !== day ||
    hour! > 23 ||
    minute! > 59 ||
    second > 59
  ) {
    throw unprocessable(`Text '${text}' could not be parsed`);
  }
  return { ms: ms + Number(fraction.slice(0, 3)), fractionalMs: Number(fraction.slice(3)) > 0 };
}

const lowerCase = (value: string) => value.toLowerCase();

/** `query` has been validated against the document (patterns, enums, types) before this runs. */
export function parseSongFilters(query: Record<string, unknown>, callerId: string): SongFilters {
  const filters: SongFilters = {
    archived: query.archived === true,
    ids: splitIncludeExclude(query.ids, lowerCase),
    ownerIds: splitIncludeExclude(query.ownerIds, (value) =>
      value === 'me' ? callerId : value.toLowerCase(),
    ),
    genres: splitIncludeExclude(query.genres),
    moods: splitIncludeExclude(query.moods),
    mintingStatuses: splitIncludeExclude(query.mintingStatuses),
    nftNames: splitIncludeExclude(query.nftNames),
  };
  if (typeof query.olderThan === 'string') {
    // created < t: with a sub-ms remainder, every whole ms up to and including floor(t) is older.
    const { ms, fractionalMs } = parseLocalDateTime(query.olderThan);
    filters.olderThan = fractionalMs ? ms + 1 : ms;
  }
  if (typeof query.newerThan === 'string') {
    // created > t: the sub-ms remainder never matters, floor(t) is already excluded.
    filters.newerThan = parseLocalDateTime(query.newerThan).ms;
  }
  if (typeof query.phrase === 'string' && query.phrase !== '') filters.phrase = query.phrase.toLowerCase();
  return filters;
}

export const sortOrderOf = (value: unknown, fallback: 'asc' | 'desc'): 'asc' | 'desc' =>
  typeof value === 'string' ? (value.toLowerCase() === 'desc' ? 'desc' : 'asc') : fallback;
