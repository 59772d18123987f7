import type { SongRecord } from '@music-apis/domain';
import type { components } from '@music-apis/spec/songs';

export type { SongRecord } from '@music-apis/domain';

export type Song = components['schemas']['Song'];
export type SongFields = components['schemas']['SongFields'];
export type MintingStatus = components['schemas']['MintingStatus'];
export type AudioEncodingStatus = components['schemas']['AudioEncodingStatus'];
export type AudioUploadReport = components['schemas']['AudioUploadReport'];

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
