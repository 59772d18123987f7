import { deterministicUuid } from '@music-apis/catalog';
import {
  AudioRejectedError,
  bearerChallenge,
  byteRangeAnswer,
  checkNewSong,
  checkNewUser,
  checkOwnerVerified,
  checkSongOwner,
  emailTaken,
  joinCodeMail,
  joinCodeRejected,
  joinCodesThrottled,
  loginThrottled,
  newSongRecord,
  noStreamUrl,
  SONG_STREAM_URL_TTL_SECONDS,
  SONGS_JOIN_CODE_LIMITS,
  SONGS_JOIN_CODE_MAX_ATTEMPTS,
  SONGS_JOIN_CODE_SECONDS,
  SONGS_LOGIN_LIMITS,
  songAgreementChanges,
  songAudioKey,
  songAudioOf,
  songBlobUrl,
  songChanges,
  songNotFound,
  songsBearerToken,
  songsErrorReply,
  songView,
  titleConflict,
  unknownEmail,
  wrongPassword,
} from '@music-apis/domain';
import type { RawRequest } from '@music-apis/spec';
import { type operations, songsSpec } from '@music-apis/spec/songs';
import type { MockApiDefinition } from '../core/api.js';
import { inspectAudio } from './audio.js';
import { compareCodePoints, genreUsage, matchingSongs, sortOrder } from './filters.js';
import {
  createSongsState,
  issueToken,
  type SongsMockSong,
  type SongsMockState,
  type SongsTokenType,
} from './state.js';
import { issueStreamUrl, verifyStreamUrl } from './stream.js';

export type { SongsMockSong, SongsMockState, SongsMockUser } from './state.js';

/**
 * The songs API (NEWM's song registry) in memory, with the server's rules: the same validators,
 * the same translator of their failures, the same domain checks and texts (`@music-apis/domain`),
 * the same token lifetimes. The contract suite runs one set of scenarios against both.
 */

/** Who a valid token belongs to. */
export interface SongsCaller {
  userId: string;
  token: string;
}

/** Scheme name → principal. */
export type SongsPrincipals = { accessJwt: SongsCaller; refreshJwt: SongsCaller };

export const songsMockApi: MockApiDefinition<
  operations,
  typeof songsSpec.operations,
  SongsMockState,
  SongsPrincipals
> = {
  spec: songsSpec,
  createState: createSongsState,
  errorReply: (error, { operationId, pathParams }) => songsErrorReply(error, { operationId, pathParams }),
  // A 401 of a token-protected operation is the empty bearer challenge there, as documented.
  overrideError: (status, operation) =>
    status === 401 && operation.responses['401']?.length === 0 ? bearerChallenge('Overridden') : undefined,
  implement(state, context) {
    const nowMs = () => context.now().getTime();
    const issueTokens = (userId: string) => ({
      accessToken: issueToken(state, nowMs(), userId, 'Access'),
      refreshToken: issueToken(state, nowMs(), userId, 'Refresh'),
    });

    const bearer =
      (type: SongsTokenType) =>
      (request: RawRequest): SongsCaller => {
        const token = songsBearerToken(request.header('authorization'));
        const issued = state.tokens.get(token);
        if (!issued || issued.type !== type || issued.expiresAt <= nowMs()) {
          throw bearerChallenge(`Invalid ${type.toLowerCase()} token`);
        }
        return { token, userId: issued.userId };
      };

    function existingSong(songId: string): SongsMockSong {
      const song = state.songs.get(songId.toLowerCase());
      if (!song) throw songNotFound(songId);
      return song;
    }
    function ownedSong(songId: string, callerId: string): SongsMockSong {
      const song = existingSong(songId);
      checkSongOwner(song, callerId);
      return song;
    }
    const titleTaken = (ownerId: string, title: string, exceptId?: string) =>
      [...state.songs.values()].some(
        (song) =>
          song.ownerId === ownerId &&
          !song.archived &&
          song.id !== exceptId &&
          song.title.toLowerCase() === title.toLowerCase(),
      );

    type Windows = SongsMockState['failedLogins'];
    /** Seconds until `key` may try again under `limits` (0: now), as the server's rate limiter. */
    function windowWait(windows: Windows, key: string, limit: number, windowMs: number): number {
      const window = windows.get(key);
      if (!window) return 0;
      if (nowMs() - window.startedAt >= windowMs) {
        windows.delete(key);
        return 0;
      }
      return window.failures < limit
        ? 0
        : Math.max(1, Math.ceil((window.startedAt + windowMs - nowMs()) / 1000));
    }
    function countInWindow(windows: Windows, key: string, windowMs: number) {
      const window = windows.get(key);
      if (window && nowMs() - window.startedAt < windowMs) window.failures += 1;
      else windows.set(key, { startedAt: nowMs(), failures: 1 });
    }
    const failedLoginWait = (key: string, limit: number) =>
      windowWait(state.failedLogins, key, limit, SONGS_LOGIN_LIMITS.windowMs);
    const recordFailedLogin = (key: string) =>
      countInWindow(state.failedLogins, key, SONGS_LOGIN_LIMITS.windowMs);

    return {
      authenticate: { accessJwt: bearer('Access'), refreshJwt: bearer('Refresh') },
      handlers: {
        createSong({ body, principal }) {
          checkNewSong(body);
          const changes = songChanges(body, 'create');
          if (titleTaken(principal.userId, body.title)) throw titleConflict(body.title);
          state.counters.seq += 1;
          const song = {
            ...newSongRecord(changes, {
              id: deterministicUuid(`mock-song:${state.counters.seq}:${nowMs()}`),
              ownerId: principal.userId,
              createdAt: nowMs(),
            }),
            seq: state.counters.seq,
          };
          state.songs.set(song.id, song);
          return { status: 200, body: { songId: song.id } };
        },
        listSongs({ query, principal }) {
          const { offset = 0, limit = 25 } = query;
          const sorted = matchingSongs(state.songs.values(), query, principal.userId).sort(
            (a, b) => a.createdAt - b.createdAt || a.seq - b.seq,
          );
          if (sortOrder(query.sortOrder, 'asc') === 'desc') sorted.reverse();
          return { status: 200, body: sorted.slice(offset, offset + limit).map(songView) };
        },
        countSongs: ({ query, principal }) => ({
          status: 200,
          body: { count: matchingSongs(state.songs.values(), query, principal.userId).length },
        }),
        listSongGenres({ query, principal }) {
          const { offset = 0, limit = 25 } = query;
          const order = sortOrder(query.sortOrder, 'desc');
          const sorted = genreUsage(matchingSongs(state.songs.values(), query, principal.userId)).sort(
            ([genreA, usesA], [genreB, usesB]) =>
              (order === 'desc' ? usesB - usesA : usesA - usesB) || compareCodePoints(genreA, genreB),
          );
          return { status: 200, body: sorted.slice(offset, offset + limit).map(([genre]) => genre) };
        },
        countSongGenres: ({ query, principal }) => ({
          status: 200,
          body: { count: genreUsage(matchingSongs(state.songs.values(), query, principal.userId)).length },
        }),
        getSong: ({ path }) => ({ status: 200, body: songView(existingSong(path.songId)) }),
        updateSong({ path, body, principal }) {
          const song = ownedSong(path.songId, principal.userId);
          const changes = songChanges(body, 'update');
          const merged = { ...song, ...changes } as SongsMockSong;
          if (!merged.archived && titleTaken(principal.userId, merged.title, song.id)) {
            throw titleConflict(merged.title);
          }
          for (const [field, value] of Object.entries(changes)) {
            Object.assign(song, { [field]: value === null ? undefined : value });
          }
          return { status: 204, body: undefined };
        },
        deleteSong({ path, principal }) {
          const song = ownedSong(path.songId, principal.userId);
          state.songs.delete(song.id);
          state.agreements.delete(song.id);
          state.audio.delete(song.id);
          return { status: 204, body: undefined };
        },
        uploadSongAudio({ path, principal }, { rawBody }) {
          const song = ownedSong(path.songId, principal.userId);
          try {
            const facts = inspectAudio(rawBody);
            const url = songBlobUrl(songAudioKey(song.id, facts.extension));
            state.audio.set(song.id, rawBody);
            Object.assign(song, {
              originalAudioUrl: url,
              duration: facts.durationSeconds,
              audioEncodingStatus: 'Started',
            });
            return {
              status: 200,
              body: {
                url,
                mimeType: facts.mimeType,
                fileSize: rawBody.length,
                duration: facts.durationSeconds,
                sampleRate: facts.sampleRate,
              },
            };
          } catch (error) {
            if (error instanceof AudioRejectedError) song.audioEncodingStatus = 'Failed';
            throw error;
          }
        },
        processSongStreamTokenAgreement({ path, body, principal }) {
          const song = ownedSong(path.songId, principal.userId);
          checkOwnerVerified(state.users.get(principal.userId)?.verified === true);
          const changes = songAgreementChanges(song.id, body.accepted);
          song.mintingStatus = changes.mintingStatus;
          song.tokenAgreementUrl = changes.tokenAgreementUrl ?? undefined;
          if (body.accepted) {
            state.agreements.set(song.id, `NEWM Stream Token Agreement for "${song.title}" (${song.id})`);
          } else {
            state.agreements.delete(song.id);
          }
          return { status: 204, body: undefined };
        },
        async getSongStream({ path }, { baseUrl }) {
          const song = existingSong(path.songId);
          if (!state.audio.has(song.id)) throw noStreamUrl();
          return {
            status: 200,
            body: { url: await issueStreamUrl(baseUrl, song.id, nowMs(), SONG_STREAM_URL_TTL_SECONDS) },
          };
        },
        async streamSongAudio({ path, query, headers }) {
          await verifyStreamUrl(path.songId, query.expires, query.signature, nowMs());
          const song = existingSong(path.songId);
          const bytes = state.audio.get(song.id);
          const audio = songAudioOf(song);
          if (!bytes || !audio) throw noStreamUrl();
          const answer = byteRangeAnswer(bytes.length, headers.Range);
          const body = answer.range ? bytes.subarray(answer.range.start, answer.range.end + 1) : bytes;
          return { status: answer.status, body, contentType: audio.mediaType, headers: answer.headers };
        },
        login({ body }) {
          const email = body.email.toLowerCase();
          const emailKey = `email:${email}`;
          const addressKey = 'address:mock';
          const wait = Math.max(
            failedLoginWait(emailKey, SONGS_LOGIN_LIMITS.perEmail),
            failedLoginWait(addressKey, SONGS_LOGIN_LIMITS.perAddress),
          );
          if (wait > 0) throw loginThrottled(wait);
          const user = [...state.users.values()].find((candidate) => candidate.email === email);
          if (!user || user.password !== body.password) {
            recordFailedLogin(emailKey);
            recordFailedLogin(addressKey);
            throw user ? wrongPassword() : unknownEmail(email);
          }
          state.failedLogins.delete(emailKey);
          return { status: 200, body: issueTokens(user.id) };
        },
        refreshToken({ principal }) {
          state.tokens.delete(principal.token); // rotation: a refresh token works once
          return { status: 200, body: issueTokens(principal.userId) };
        },
        sendJoinCode({ query }) {
          const email = query.email.toLowerCase();
          // Counted as asked for (each mail replaces the code), per email and per client, as the server.
          const limits = [
            [`email:${email}`, SONGS_JOIN_CODE_LIMITS.perEmail],
            ['address:mock', SONGS_JOIN_CODE_LIMITS.perAddress],
          ] as const;
          const wait = Math.max(
            ...limits.map(([key, limit]) =>
              windowWait(state.joinCodeRequests, key, limit, SONGS_JOIN_CODE_LIMITS.windowMs),
            ),
          );
          if (wait > 0) throw joinCodesThrottled(wait);
          for (const [key] of limits)
            countInWindow(state.joinCodeRequests, key, SONGS_JOIN_CODE_LIMITS.windowMs);
          // Deterministic codes: a test can predict them, and reads them from the outbox anyway.
          state.counters.codes += 1;
          const code = String(100_000 + ((state.counters.codes * 7919 + email.length * 104_729) % 900_000));
          state.joinCodes.set(email, {
            code,
            expiresAt: nowMs() + SONGS_JOIN_CODE_SECONDS * 1000,
            failedAttempts: 0,
          });
          const joining = ![...state.users.values()].some((user) => user.email === email);
          context.mail.push({
            recipient: email,
            ...joinCodeMail(code, joining),
            sentAt: context.now().toISOString(),
          });
          return { status: 204, body: undefined };
        },
        createUser({ body }) {
          const email = checkNewUser(body);
          if ([...state.users.values()].some((user) => user.email === email)) throw emailTaken(email);
          const pending = state.joinCodes.get(email);
          if (!pending || pending.expiresAt <= nowMs() || pending.code !== body.authCode) {
            if (pending) {
              pending.failedAttempts += 1;
              if (pending.failedAttempts >= SONGS_JOIN_CODE_MAX_ATTEMPTS || pending.expiresAt <= nowMs()) {
                state.joinCodes.delete(email);
              }
            }
            throw joinCodeRejected();
          }
          state.joinCodes.delete(email);
          const id = deterministicUuid(`mock-user:${email}:${state.users.size}`);
          const { firstName, lastName, nickname } = body;
          state.users.set(id, {
            id,
            email,
            password: body.newPassword,
            firstName,
            lastName,
            nickname,
            verified: false,
          });
          return { status: 200, body: { userId: id } };
        },
      },
    };
  },
};
