import { deterministicUuid, songsDemoSongs, songsDemoUsers } from '@music-apis/catalog';
import {
  NEW_SONG_DEFAULTS,
  NEW_SONG_STATUSES,
  SONGS_ACCESS_TOKEN_SECONDS,
  SONGS_JWT_AUDIENCE,
  SONGS_JWT_ISSUER,
  SONGS_REFRESH_TOKEN_SECONDS,
  type SongRecord,
} from '@music-apis/domain';
import type { MockContext } from '../core/api.js';

/** The songs store: users, codes, tokens and songs, seeded with the demo artists and their songs. */

export interface SongsMockUser {
  id: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  nickname?: string;
  verified: boolean;
}

/** A stored song: the server's record (`createdAt` in epoch ms, the store sets every field) and its insertion order. */
export type SongsMockSong = { -readonly [Field in keyof SongRecord]: SongRecord[Field] } & { seq: number };

export type SongsTokenType = 'Access' | 'Refresh';

interface IssuedToken {
  userId: string;
  type: SongsTokenType;
  expiresAt: number;
}

export interface SongsMockState {
  /** Users by id; seeded with the demo users (the first, demo@music-apis.dev / DemoPass1, is verified). */
  users: Map<string, SongsMockUser>;
  /** Pending sign-up codes by lower-case email. */
  joinCodes: Map<string, { code: string; expiresAt: number; failedAttempts: number }>;
  /** Tokens still valid, by token string. A used refresh token is removed (rotation). */
  tokens: Map<string, IssuedToken>;
  /** Songs by id, in creation order. */
  songs: Map<string, SongsMockSong>;
  /** Agreement documents kept for accepted songs, by song id. */
  agreements: Map<string, string>;
  /** The uploaded audio files, by song id (what the stream URLs serve). */
  audio: Map<string, Uint8Array>;
  failedLogins: Map<string, { startedAt: number; failures: number }>;
  /** Join-code mails asked for, per email and per client, in the current window (`SONGS_JOIN_CODE_LIMITS`). */
  joinCodeRequests: Map<string, { startedAt: number; failures: number }>;
  counters: { seq: number; tokens: number; codes: number };
}

export function createSongsState(context: MockContext): SongsMockState {
  const state: SongsMockState = {
    users: new Map(),
    joinCodes: new Map(),
    tokens: new Map(),
    songs: new Map(),
    agreements: new Map(),
    audio: new Map(),
    failedLogins: new Map(),
    joinCodeRequests: new Map(),
    counters: { seq: 0, tokens: 0, codes: 0 },
  };
  for (const user of songsDemoUsers(context.catalog)) state.users.set(user.id, { ...user });
  for (const song of songsDemoSongs(context.catalog)) {
    state.counters.seq += 1;
    state.songs.set(song.id, {
      ...song,
      ...NEW_SONG_DEFAULTS,
      ...NEW_SONG_STATUSES,
      seq: state.counters.seq,
    });
  }
  return state;
}

const base64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A JWT-shaped token with the server's claims (unsigned: only this mock accepts it). */
export function issueToken(
  state: SongsMockState,
  nowMs: number,
  userId: string,
  type: SongsTokenType,
): string {
  state.counters.tokens += 1;
  const lifetime = type === 'Access' ? SONGS_ACCESS_TOKEN_SECONDS : SONGS_REFRESH_TOKEN_SECONDS;
  const issuedAt = Math.floor(nowMs / 1000);
  const payload = {
    admin: false,
    type,
    iss: SONGS_JWT_ISSUER,
    aud: SONGS_JWT_AUDIENCE,
    sub: userId,
    jti: deterministicUuid(`mock-token:${state.counters.tokens}`),
    iat: issuedAt,
    exp: issuedAt + lifetime,
  };
  const header = base64url('{"alg":"HS256","typ":"JWT"}');
  const token = `${header}.${base64url(JSON.stringify(payload))}.${base64url(`mock-signature-${state.counters.tokens}`)}`;
  state.tokens.set(token, { userId, type, expiresAt: (issuedAt + lifetime) * 1000 });
  return token;
}
