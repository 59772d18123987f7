import { deterministicUuid, songsDemoSongs, songsDemoUsers } from '@music-apis/catalog';
import { AudioRejectedError, checkNewSong, checkNewUser, checkOwnerVerified, checkSongOwner, type IncludeExclude, joinCodeMail, NEW_SONG_DEFAULTS, NEW_SONG_STATUSES, SONGS_ACCESS_TOKEN_SECONDS, SONGS_JOIN_CODE_MAX_ATTEMPTS, SONGS_JOIN_CODE_SECONDS, SONGS_JWT_AUDIENCE, SONGS_JWT_ISSUER, SONGS_LOGIN_LIMITS, SONGS_REFRESH_TOKEN_SECONDS, type SongWritableField, songAgreementKey, songAudioKey, songBlobUrl, songChanges, songFilters, songNotFound, titleConflict, toLocalDateTime, tooManyFailedLogins } from '@music-apis/domain';
import { type components, type OperationId, operationRoutes } from '@music-apis/sdk/songs';
import { HttpError } from '@music-apis/spec';
import { HttpResponse } from 'msw';
import {
  type MockApiDefinition,
  type MockContext,
  type MockHandler,
  MockHttpError,
  type MockRequest,
} from '../core/mock.js';
import { inspectAudio } from './audio.js';

type Song = components['schemas']['Song'];
type StatusResponse = components['schemas']['StatusResponse'];

/**
 * The songs API (NEWM's song registry) in memory, with the server's rules: the same validation
 * order and messages, the same filter semantics, the same token lifetimes. The contract suite
 * runs one set of scenarios against both to keep them equal. The domain rules themselves (fields,
 * checks, messages, limits, filters) are the shared ones of `@music-apis/catalog`.
 */

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const MINTING_STATUSES = [
  'Undistributed',
  'StreamTokenAgreementApproved',
  'MintingPaymentRequested',
  'MintingPaymentSubmitted',
  'MintingPaymentReceived',
  'AwaitingAudioEncoding',
  'AwaitingCollaboratorApproval',
  'ReadyToDistribute',
  'SubmittedForDistribution',
  'Distributed',
  'Declined',
  'Pending',
  'Minted',
  'MintingPaymentTimeout',
  'MintingPaymentException',
  'DistributionException',
  'SubmittedForDistributionException',
  'ArweaveUploadException',
  'MintingException',
];
/** ajv-formats' `email` format, which the server checks the code request's address with. */
const EMAIL_FORMAT =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

export interface SongsMockUser {
  id: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  nickname?: string;
  verified: boolean;
}

/** A stored song: the Song model with `createdAt` in epoch ms and its insertion order. */
export type SongsMockSong = { -readonly [K in keyof Omit<Song, 'createdAt'>]: Song[K] } & {
  createdAt: number;
  seq: number;
};

interface IssuedToken {
  userId: string;
  type: 'Access' | 'Refresh';
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
  failedLogins: Map<string, { startedAt: number; failures: number }>;
  counters: { seq: number; tokens: number; codes: number };
}

// ——— errors ———

const fail = (status: number, cause: string) => new MockHttpError(status, cause);

/** The one place where the shared songs rules' failures (`SongsRuleError`) become `MockHttpError`. */
function withRuleErrors<Handlers extends Record<string, MockHandler>>(handlers: Handlers): Handlers {
  const wrap =
    (handler: MockHandler): MockHandler =>
    async (request) => {
      try {
        return await handler(request);
      } catch (error) {
        if (error instanceof HttpError) throw fail(error.status, error.message);
        throw error;
      }
    };
  return Object.fromEntries(
    Object.entries(handlers).map(([operationId, handler]) => [operationId, wrap(handler)]),
  ) as Handlers;
}

/** 401 with an empty body and a bearer challenge, as the server (and the original) answer. */
class BearerChallenge extends Error {}
const challengeResponse = () =>
  new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="NEWM Server"' } });

// ——— JSON bodies, checked like the server's Ajv (with its type coercion) ———

type FieldType = 'string' | 'integer' | 'boolean' | 'array' | 'date';
interface FieldRule {
  type: FieldType;
  maxLength?: number;
  enum?: readonly string[];
}

/** The schema of the writable song fields (the server checks them against its OpenAPI document). */
const SONG_FIELDS: Record<SongWritableField, FieldRule> = {
  title: { type: 'string', maxLength: 64 },
  genres: { type: 'array', maxLength: 64 },
  moods: { type: 'array', maxLength: 64 },
  archived: { type: 'boolean' },
  coverArtUrl: { type: 'string' },
  lyricsUrl: { type: 'string' },
  description: { type: 'string', maxLength: 250 },
  album: { type: 'string', maxLength: 64 },
  track: { type: 'integer' },
  language: { type: 'string', maxLength: 64 },
  coverRemixSample: { type: 'boolean' },
  compositionCopyrightOwner: { type: 'string', maxLength: 64 },
  compositionCopyrightYear: { type: 'integer' },
  phonographicCopyrightOwner: { type: 'string', maxLength: 64 },
  phonographicCopyrightYear: { type: 'integer' },
  parentalAdvisory: { type: 'string', maxLength: 64 },
  barcodeType: { type: 'string', enum: ['Upc', 'Ean', 'Jan'] },
  barcodeNumber: { type: 'string', maxLength: 64 },
  isrc: { type: 'string', maxLength: 64 },
  iswc: { type: 'string', maxLength: 64 },
  ipis: { type: 'array', maxLength: 64 },
  releaseDate: { type: 'date' },
  publicationDate: { type: 'date' },
};
const USER_FIELDS: Record<string, FieldRule> = {
  email: { type: 'string', maxLength: 254 },
  authCode: { type: 'string' },
  newPassword: { type: 'string' },
  confirmPassword: { type: 'string' },
  firstName: { type: 'string', maxLength: 64 },
  lastName: { type: 'string', maxLength: 64 },
  nickname: { type: 'string', maxLength: 64 },
  pictureUrl: { type: 'string' },
  role: { type: 'string', maxLength: 64 },
  genre: { type: 'string', maxLength: 64 },
  biography: { type: 'string', maxLength: 250 },
  walletAddress: { type: 'string' },
};

const codePoints = (text: string) => [...text].length;

function coerce(value: unknown, type: FieldType): { ok: boolean; value?: unknown } {
  switch (type) {
    case 'string':
    case 'date':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false };
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim()))
        return { ok: true, value: Number(value) };
      if (typeof value === 'boolean') return { ok: true, value: value ? 1 : 0 };
      return { ok: false };
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      if (value === 1 || value === 0) return { ok: true, value: value === 1 };
      return { ok: false };
    case 'array': {
      const items = Array.isArray(value)
        ? value
        : value !== null && typeof value === 'object'
          ? undefined
          : [value];
      if (!items) return { ok: false };
      const coerced = items.map((item) => coerce(item, 'string'));
      return coerced.every((item) => item.ok)
        ? { ok: true, value: coerced.map((item) => item.value) }
        : { ok: false };
    }
  }
}

function isValidDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === '') throw fail(400, 'Failed to convert request body');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail(400, 'Request body is not valid JSON or form data');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw fail(400, 'Failed to convert request body: body must be object');
  }
  return body as Record<string, unknown>;
}

/**
 * Checks a body in the server's order: missing required fields and wrong JSON types (400), then
 * values too long (422), then other values that do not fit (422). `null` means absent.
 */
function checkFields(
  body: Record<string, unknown>,
  rules: Record<string, FieldRule>,
  required: string[],
  nullable: boolean,
): Record<string, unknown> {
  const missing = required.find((field) => body[field] === undefined || (!nullable && body[field] === null));
  if (missing) throw fail(400, missing === 'authCode' ? 'Missing 2FA code' : `missing ${missing}`);
  const values: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(rules)) {
    const raw = body[field];
    if (raw === undefined || raw === null) {
      if (raw === null && required.includes(field))
        throw fail(400, `Failed to convert request body: ${field}`);
      continue;
    }
    const coerced = coerce(raw, rule.type);
    if (!coerced.ok) throw fail(400, `Failed to convert request body: ${field} has the wrong type`);
    values[field] = coerced.value;
  }
  for (const [field, rule] of Object.entries(rules)) {
    const value = values[field];
    if (value === undefined || rule.maxLength === undefined) continue;
    const strings = Array.isArray(value) ? (value as string[]) : [value as string];
    if (strings.some((text) => codePoints(text) > rule.maxLength!)) {
      throw fail(422, `Field ${field} exceeds ${rule.maxLength} chars limit`);
    }
  }
  for (const [field, rule] of Object.entries(rules)) {
    const value = values[field];
    if (value === undefined) continue;
    if (rule.enum && !rule.enum.includes(value as string))
      throw fail(422, `${field} must be one of ${rule.enum.join(', ')}`);
    if (rule.type === 'date' && !isValidDate(value as string))
      throw fail(422, `${field} must match format "date"`);
  }
  return values;
}

// ——— filters ———

function listParam(url: URL, name: string): string[] {
  return url.searchParams.getAll(name).flatMap((value) => value.split(',').filter((part) => part !== ''));
}

const inSet = ({ include, exclude }: IncludeExclude, value: string | undefined) =>
  (include.length === 0 || (value !== undefined && include.includes(value))) &&
  (exclude.length === 0 || value === undefined || !exclude.includes(value));

function integerParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 2_147_483_647)
    throw fail(422, `${name} must be integer >= 0`);
  return Number(raw);
}

function sortOrderParam(url: URL, fallback: 'asc' | 'desc'): 'asc' | 'desc' {
  const raw = url.searchParams.get('sortOrder');
  if (raw === null) return fallback;
  if (!['asc', 'desc', 'ASC', 'DESC'].includes(raw))
    throw fail(422, 'sortOrder must be one of asc, desc, ASC, DESC');
  return raw.toLowerCase() as 'asc' | 'desc';
}

/** The document's patterns for the CSV filters, checked like the server's Ajv does. */
function checkPattern(name: string, values: string[], pattern: RegExp) {
  const bad = values.find((value) => !pattern.test(value));
  if (bad !== undefined) throw fail(422, `${name} must match pattern "${pattern.source}"`);
}

type SongPredicate = (song: SongsMockSong) => boolean;

function songFilter(url: URL, callerId: string): SongPredicate {
  const archivedRaw = url.searchParams.get('archived');
  if (archivedRaw !== null && archivedRaw !== 'true' && archivedRaw !== 'false') {
    throw fail(422, 'archived must be boolean');
  }
  const ids = listParam(url, 'ids');
  checkPattern('ids', ids, new RegExp(`^[+-]?${UUID}$`));
  const ownerIds = listParam(url, 'ownerIds');
  checkPattern('ownerIds', ownerIds, new RegExp(`^[+-]?(${UUID}|me)$`));
  const mintingStatuses = listParam(url, 'mintingStatuses');
  checkPattern('mintingStatuses', mintingStatuses, new RegExp(`^[+-]?(${MINTING_STATUSES.join('|')})$`));
  const filters = songFilters(
    {
      archived: archivedRaw === 'true',
      ids,
      ownerIds,
      genres: listParam(url, 'genres'),
      moods: listParam(url, 'moods'),
      mintingStatuses,
      nftNames: listParam(url, 'nftNames'),
      olderThan: url.searchParams.get('olderThan') ?? undefined,
      newerThan: url.searchParams.get('newerThan') ?? undefined,
      phrase: url.searchParams.get('phrase') ?? undefined,
    },
    callerId,
  );
  const { olderThan, newerThan, phrase, nftNames } = filters;
  const tags = (values: string[] | null | undefined, { include, exclude }: IncludeExclude) =>
    (include.length === 0 || (values ?? []).some((value) => include.includes(value))) &&
    (exclude.length === 0 || !(values ?? []).some((value) => exclude.includes(value)));

  return (song) =>
    song.archived === filters.archived &&
    (olderThan === undefined || song.createdAt < olderThan) &&
    (newerThan === undefined || song.createdAt > newerThan) &&
    inSet(filters.ids, song.id) &&
    inSet(filters.ownerIds, song.ownerId) &&
    inSet(filters.mintingStatuses, song.mintingStatus) &&
    (nftNames.include.length === 0 ||
      (song.nftName !== undefined && nftNames.include.includes(song.nftName))) &&
    (nftNames.exclude.length === 0 ||
      song.nftName === undefined ||
      !nftNames.exclude.includes(song.nftName)) &&
    tags(song.genres, filters.genres) &&
    tags(song.moods, filters.moods) &&
    (phrase === undefined || searchText(song).includes(phrase));
}

function searchText(song: SongsMockSong): string {
  return [song.title, song.description, song.album, song.nftName]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('\n')
    .toLowerCase();
}

/** Code-point order, as the server's byte-wise collation sorts genre names. */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

// ——— state ———

function toSong(song: SongsMockSong): Song {
  const { seq: _seq, ...rest } = song;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest))
    if (value !== undefined && value !== null) out[key] = value;
  return { ...(out as Omit<Song, 'createdAt'>), createdAt: toLocalDateTime(song.createdAt) };
}

function createSongsState(context: MockContext): SongsMockState {
  const state: SongsMockState = {
    users: new Map(),
    joinCodes: new Map(),
    tokens: new Map(),
    songs: new Map(),
    agreements: new Map(),
    failedLogins: new Map(),
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

export const songsMockApi: MockApiDefinition<SongsMockState, OperationId> = {
  name: 'songs',
  routes: operationRoutes,
  pathPrefixes: ['/v1/songs', '/v1/auth', '/v1/users'],
  createState: createSongsState,
  errorResponse(status, message) {
    const body: StatusResponse = { code: status, description: REASONS[status] ?? 'Error', cause: message };
    return HttpResponse.json(body, { status });
  },
  handlers(state, context) {
    const nowMs = () => context.now().getTime();

    /** A JWT-shaped token with the server's claims (unsigned: only this mock accepts it). */
    function issueToken(userId: string, type: 'Access' | 'Refresh'): string {
      state.counters.tokens += 1;
      const lifetime = type === 'Access' ? SONGS_ACCESS_TOKEN_SECONDS : SONGS_REFRESH_TOKEN_SECONDS;
      const issuedAt = Math.floor(nowMs() / 1000);
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
      const token = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.${base64url(`mock-signature-${state.counters.tokens}`)}`;
      state.tokens.set(token, { userId, type, expiresAt: (issuedAt + lifetime) * 1000 });
      return token;
    }
    const issueTokens = (userId: string) => ({
      accessToken: issueToken(userId, 'Access'),
      refreshToken: issueToken(userId, 'Refresh'),
    });

    function bearer(request: Request, type: 'Access' | 'Refresh'): { token: string; userId: string } {
      const match = /^Bearer\s+(\S+)$/i.exec((request.headers.get('authorization') ?? '').trim());
      const token = match?.[1];
      const issued = token ? state.tokens.get(token) : undefined;
      if (!token || !issued || issued.type !== type || issued.expiresAt <= nowMs())
        throw new BearerChallenge();
      return { token, userId: issued.userId };
    }

    /** Runs `handler` for a signed-in caller; a bad token answers the empty 401 challenge. */
    const signedIn =
      (handler: (request: MockRequest, callerId: string) => Response | Promise<Response>) =>
      async (request: MockRequest) => {
        let callerId: string;
        try {
          callerId = bearer(request.request, 'Access').userId;
        } catch (error) {
          if (error instanceof BearerChallenge) return challengeResponse();
          throw error;
        }
        return handler(request, callerId);
      };

    function songId(params: Record<string, string>): string {
      const id = params.songId ?? '';
      if (!new RegExp(`^${UUID}$`).test(id)) throw fail(422, `Invalid UUID string: ${id}`);
      return id.toLowerCase();
    }
    function existingSong(params: Record<string, string>): SongsMockSong {
      const id = songId(params);
      const song = state.songs.get(id);
      if (!song) throw songNotFound(params.songId ?? '');
      return song;
    }
    function ownedSong(params: Record<string, string>, callerId: string): SongsMockSong {
      const song = existingSong(params);
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
    const matching = (url: URL, callerId: string) =>
      [...state.songs.values()].filter(songFilter(url, callerId));

    function genreUsage(url: URL, callerId: string): [string, number][] {
      const uses = new Map<string, number>();
      for (const song of matching(url, callerId)) {
        for (const genre of new Set(song.genres)) uses.set(genre, (uses.get(genre) ?? 0) + 1);
      }
      return [...uses.entries()];
    }

    function failedLoginWait(key: string, limit: number): number {
      const window = state.failedLogins.get(key);
      if (!window) return 0;
      if (nowMs() - window.startedAt >= SONGS_LOGIN_LIMITS.windowMs) {
        state.failedLogins.delete(key);
        return 0;
      }
      return window.failures < limit
        ? 0
        : Math.max(1, Math.ceil((window.startedAt + SONGS_LOGIN_LIMITS.windowMs - nowMs()) / 1000));
    }
    function recordFailedLogin(key: string) {
      const window = state.failedLogins.get(key);
      if (window && nowMs() - window.startedAt < SONGS_LOGIN_LIMITS.windowMs) window.failures += 1;
      else state.failedLogins.set(key, { startedAt: nowMs(), failures: 1 });
    }

    return withRuleErrors({
      createSong: signedIn(async ({ request }, callerId) => {
        const body = await readJsonObject(request);
        const values = checkFields(body, SONG_FIELDS, ['title', 'genres'], false);
        checkNewSong(values);
        const changes = songChanges(values);
        if (titleTaken(callerId, values.title)) throw titleConflict(values.title);
        state.counters.seq += 1;
        const song = {
          ...NEW_SONG_DEFAULTS,
          ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== null)),
          id: deterministicUuid(`mock-song:${state.counters.seq}:${nowMs()}`),
          ownerId: callerId,
          createdAt: nowMs(),
          ...NEW_SONG_STATUSES,
          seq: state.counters.seq,
        } as SongsMockSong;
        state.songs.set(song.id, song);
        return HttpResponse.json({ songId: song.id });
      }),
      listSongs: signedIn(({ url }, callerId) => {
        const offset = integerParam(url, 'offset', 0);
        const limit = integerParam(url, 'limit', 25);
        const order = sortOrderParam(url, 'asc');
        const sorted = matching(url, callerId).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
        if (order === 'desc') sorted.reverse();
        return HttpResponse.json(sorted.slice(offset, offset + limit).map(toSong));
      }),
      countSongs: signedIn(({ url }, callerId) =>
        HttpResponse.json({ count: matching(url, callerId).length }),
      ),
      listSongGenres: signedIn(({ url }, callerId) => {
        const offset = integerParam(url, 'offset', 0);
        const limit = integerParam(url, 'limit', 25);
        const order = sortOrderParam(url, 'desc');
        const sorted = genreUsage(url, callerId).sort(
          ([genreA, usesA], [genreB, usesB]) =>
            (order === 'desc' ? usesB - usesA : usesA - usesB) || compareCodePoints(genreA, genreB),
        );
        return HttpResponse.json(sorted.slice(offset, offset + limit).map(([genre]) => genre));
      }),
      countSongGenres: signedIn(({ url }, callerId) =>
        HttpResponse.json({ count: genreUsage(url, callerId).length }),
      ),
      getSong: signedIn(({ params }) => HttpResponse.json(toSong(existingSong(params)))),
      updateSong: signedIn(async ({ request, params }, callerId) => {
        // The server validates the path and body against the document before it looks the song up.
        songId(params);
        const body = await readJsonObject(request);
        const changes = songChanges(checkFields(body, SONG_FIELDS, [], true));
        const song = ownedSong(params, callerId);
        const merged = { ...song, ...changes } as SongsMockSong;
        if (!merged.archived && titleTaken(callerId, merged.title, song.id)) {
          throw titleConflict(merged.title);
        }
        for (const [field, value] of Object.entries(changes)) {
          (song as Record<string, unknown>)[field] = value === null ? undefined : value;
        }
        return new HttpResponse(null, { status: 204 });
      }),
      deleteSong: signedIn(({ params }, callerId) => {
        const song = ownedSong(params, callerId);
        state.songs.delete(song.id);
        state.agreements.delete(song.id);
        return new HttpResponse(null, { status: 204 });
      }),
      uploadSongAudio: signedIn(async ({ request, params }, callerId) => {
        const song = ownedSong(params, callerId);
        const bytes = new Uint8Array(await request.arrayBuffer());
        try {
          const facts = inspectAudio(bytes);
          const url = songBlobUrl(songAudioKey(song.id, facts.extension));
          Object.assign(song, {
            originalAudioUrl: url,
            duration: facts.durationSeconds,
            audioEncodingStatus: 'Started',
          });
          return HttpResponse.json({
            url,
            mimeType: facts.mimeType,
            fileSize: bytes.length,
            duration: facts.durationSeconds,
            sampleRate: facts.sampleRate,
          });
        } catch (error) {
          if (error instanceof AudioRejectedError) song.audioEncodingStatus = 'Failed';
          throw error;
        }
      }),
      processSongStreamTokenAgreement: signedIn(async ({ request, params }, callerId) => {
        songId(params);
        const body = await readJsonObject(request);
        const { accepted } = checkFields(body, { accepted: { type: 'boolean' } }, ['accepted'], false);
        const song = ownedSong(params, callerId);
        checkOwnerVerified(state.users.get(callerId)?.verified === true);
        if (accepted) {
          state.agreements.set(song.id, `NEWM Stream Token Agreement for "${song.title}" (${song.id})`);
          song.mintingStatus = 'StreamTokenAgreementApproved';
          song.tokenAgreementUrl = songBlobUrl(songAgreementKey(song.id));
        } else {
          state.agreements.delete(song.id);
          song.mintingStatus = 'Undistributed';
          song.tokenAgreementUrl = undefined;
        }
        return new HttpResponse(null, { status: 204 });
      }),
      async login({ request }) {
        const body = await readJsonObject(request);
        const values = checkFields(
          body,
          { email: { type: 'string' }, password: { type: 'string' } },
          ['email', 'password'],
          false,
        );
        const email = (values.email as string).toLowerCase();
        const emailKey = `email:${email}`;
        const addressKey = 'address:mock';
        const wait = Math.max(
          failedLoginWait(emailKey, SONGS_LOGIN_LIMITS.perEmail),
          failedLoginWait(addressKey, SONGS_LOGIN_LIMITS.perAddress),
        );
        if (wait > 0) {
          const response = songsMockApi.errorResponse(429, tooManyFailedLogins(wait), context);
          response.headers.set('retry-after', String(wait));
          return response;
        }
        const user = [...state.users.values()].find((candidate) => candidate.email === email);
        if (!user || user.password !== values.password) {
          recordFailedLogin(emailKey);
          recordFailedLogin(addressKey);
          if (!user) throw fail(404, `Doesn't exist: ${email}`);
          throw fail(401, 'Invalid password');
        }
        state.failedLogins.delete(emailKey);
        return HttpResponse.json(issueTokens(user.id));
      },
      refreshToken({ request }) {
        let used: { token: string; userId: string };
        try {
          used = bearer(request, 'Refresh');
        } catch (error) {
          if (error instanceof BearerChallenge) return challengeResponse();
          throw error;
        }
        state.tokens.delete(used.token); // rotation: a refresh token works once
        return HttpResponse.json(issueTokens(used.userId));
      },
      sendJoinCode({ url }) {
        const raw = url.searchParams.get('email');
        if (raw === null) throw fail(400, 'Missing parameter: email');
        if (!EMAIL_FORMAT.test(raw) || codePoints(raw) > 254)
          throw fail(400, 'email must match format "email"');
        const email = raw.toLowerCase();
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
        return new HttpResponse(null, { status: 204 });
      },
      async createUser({ request }) {
        const body = await readJsonObject(request);
        const values = checkFields(
          body,
          USER_FIELDS,
          ['email', 'authCode', 'newPassword', 'confirmPassword'],
          false,
        );
        const email = checkNewUser(
          values as { email: string; newPassword: string; confirmPassword: string; pictureUrl?: string },
        );
        if ([...state.users.values()].some((user) => user.email === email))
          throw fail(409, `Already exists: ${email}`);
        const pending = state.joinCodes.get(email);
        if (!pending || pending.expiresAt <= nowMs() || pending.code !== values.authCode) {
          if (pending) {
            pending.failedAttempts += 1;
            if (pending.failedAttempts >= SONGS_JOIN_CODE_MAX_ATTEMPTS || pending.expiresAt <= nowMs()) {
              state.joinCodes.delete(email);
            }
          }
          throw fail(403, '2FA failed');
        }
        state.joinCodes.delete(email);
        const id = deterministicUuid(`mock-user:${email}:${state.users.size}`);
        state.users.set(id, {
          id,
          email,
          password: values.newPassword as string,
          firstName: values.firstName as string | undefined,
          lastName: values.lastName as string | undefined,
          nickname: values.nickname as string | undefined,
          verified: false,
        });
        return HttpResponse.json({ userId: id });
      },
    });
  },
};
