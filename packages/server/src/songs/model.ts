import { toLocalDateTime } from '@music-apis/domain';
import type { components } from '@music-apis/spec/songs';

export type Song = components['schemas']['Song'];
export type SongFields = components['schemas']['SongFields'];
export type MintingStatus = components['schemas']['MintingStatus'];
export type AudioEncodingStatus = components['schemas']['AudioEncodingStatus'];
export type AudioUploadReport = components['schemas']['AudioUploadReport'];

/** A song as stored: the Song model with `createdAt` as epoch milliseconds and no nulls. */
export type SongRecord = Omit<Song, 'createdAt' | 'genres'> & { createdAt: number; genres: string[] } & {
  [K in keyof SongFields]: Exclude<SongFields[K], null>;
};

/** Changes to a stored song: an absent key is left alone, `null` clears the value. */
export type SongChanges = { [K in keyof SongRecord]?: SongRecord[K] | null };

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  firstName?: string;
  lastName?: string;
  nickname?: string;
  pictureUrl?: string;
  role?: string;
  genre?: string;
  biography?: string;
  walletAddress?: string;
  verified: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A stored song in the API's shape: fields without a value are omitted, never `null`. */
export function toSong(record: SongRecord): Song {
  return { ...record, createdAt: toLocalDateTime(record.createdAt) } as Song;
}
