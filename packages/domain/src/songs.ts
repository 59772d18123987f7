import { HttpError, RequestValidationError, type ValidationIssue } from '@music-apis/spec';
import type { components } from '@music-apis/spec/songs';
import type { ErrorReply } from './envelope.js';

/**
 * The songs API's domain rules, in one place for both implementations: the server (Koa) and the
 * mock (MSW, in a browser). Pure and browser-safe: no Node APIs, no audio library. A rule that fails
 * throws the pipeline's `HttpError` with the API's status and cause, which the songs envelope turns
 * into its answer on both sides.
 */

/** An audio check failed: 422, and the song's `audioEncodingStatus` becomes `Failed`. */
export class AudioRejectedError extends HttpError {
  constructor(cause: string) {
    super(422, cause);
    this.name = 'AudioRejectedError';
  }
}

// ——— accounts ———

/** The original's token issuer, audience and lifetimes. */
export const SONGS_JWT_ISSUER = 'https://newm.io';
export const SONGS_JWT_AUDIENCE = 'newm-server-users';
export const SONGS_ACCESS_TOKEN_SECONDS = 3600;
export const SONGS_REFRESH_TOKEN_SECONDS = 604_800;
export const SONGS_JOIN_CODE_SECONDS = 300;
export const SONGS_JOIN_CODE_MAX_ATTEMPTS = 5;

/** Failed logins allowed per email, and per client address, in a 15-minute window. */
export const SONGS_LOGIN_LIMITS = { perEmail: 5, perAddress: 50, windowMs: 15 * 60_000 } as const;

/**
 * Join-code mails allowed per email, and per client address, in a 15-minute window: each mail
 * replaces the address's code, so without a limit anyone could flood a victim's inbox and keep
 * invalidating the code they are about to type.
 */
export const SONGS_JOIN_CODE_LIMITS = { perEmail: 5, perAddress: 50, windowMs: 15 * 60_000 } as const;

/** The 429 cause while failed logins are throttled. */
export const tooManyFailedLogins = (waitSeconds: number) =>
  `Too many failed logins, try again in ${waitSeconds} seconds`;

/** The mail with a join code: a verification code for a new address, a reset code for a known one. */
export function joinCodeMail(code: string, joining: boolean): { subject: string; text: string } {
  return joining
    ? {
        subject: 'Your NEWM verification code',
        text: `Welcome to NEWM! Your verification code is ${code}. It expires in 5 minutes.`,
      }
    : {
        subject: 'Your NEWM password reset code',
        text: `Your password reset code is ${code}. It expires in 5 minutes. If you did not ask for it, ignore this email.`,
      };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STRONG_PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,}$/;

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Create User's checks after schema validation, in the original's order; the lower-cased email. */
export function checkNewUser(body: {
  email: string;
  newPassword: string;
  confirmPassword: string;
  pictureUrl?: string | undefined;
}): string {
  const email = body.email.toLowerCase();
  if (!EMAIL.test(email)) throw new HttpError(422, `Invalid email: ${body.email}`);
  if (!STRONG_PASSWORD.test(body.newPassword)) {
    throw new HttpError(
      422,
      'Password must contain at least 8 characters, 1 uppercase letter, 1 lowercase letter and 1 number.',
    );
  }
  if (body.confirmPassword !== body.newPassword) {
    throw new HttpError(422, 'Password confirmation failed');
  }
  if (typeof body.pictureUrl === 'string' && !isHttpUrl(body.pictureUrl)) {
    throw new HttpError(422, `Invalid url: ${body.pictureUrl}`);
  }
  return email;
}

// ——— songs ———

/** The client-writable song fields; anything else in a body (id, ownerId, mintingStatus, …) is ignored. */
export const SONG_WRITABLE_FIELDS = [
  'title',
  'genres',
  'moods',
  'archived',
  'coverArtUrl',
  'lyricsUrl',
  'description',
  'album',
  'track',
  'language',
  'coverRemixSample',
  'compositionCopyrightOwner',
  'compositionCopyrightYear',
  'phonographicCopyrightOwner',
  'phonographicCopyrightYear',
  'parentalAdvisory',
  'barcodeType',
  'barcodeNumber',
  'isrc',
  'iswc',
  'ipis',
  'releaseDate',
  'publicationDate',
] as const;

export type SongWritableField = (typeof SONG_WRITABLE_FIELDS)[number];

/**
 * Fields that Patch Song reads through the original's `orNull()`: a blank string clears the value,
 * anything else is stored trimmed (newm-server SongRepositoryImpl.update; newm-shared StringExt.kt).
 */
const SONG_CLEARABLE_FIELDS: ReadonlySet<string> = new Set<SongWritableField>([
  'coverArtUrl',
  'lyricsUrl',
  'description',
  'album',
  'language',
  'compositionCopyrightOwner',
  'phonographicCopyrightOwner',
  'parentalAdvisory',
  'isrc',
  'iswc',
]);

/** A new song's values for the fields the client did not set. */
export const NEW_SONG_DEFAULTS = { archived: false, coverRemixSample: false } as const;
/** A new song's statuses, which the client cannot set. */
export const NEW_SONG_STATUSES = {
  audioEncodingStatus: 'NotStarted',
  mintingStatus: 'Undistributed',
  marketplaceStatus: 'NotSelling',
} as const;

/** Create Song's required fields (after schema validation, which has coerced their types). */
export function checkNewSong(body: {
  title?: unknown;
  genres?: unknown;
}): asserts body is { title: string; genres: unknown[] } {
  if (typeof body.title !== 'string' || body.title.trim() === '') {
    throw new HttpError(400, 'missing title');
  }
  if (!Array.isArray(body.genres) || body.genres.length === 0) {
    throw new HttpError(400, 'missing genres');
  }
}

/**
 * The writable fields present in a (schema-validated) body, in `SONG_WRITABLE_FIELDS` order:
 * `null` or absent means left alone. On `update` the clearable fields go through `orNull()` (blank
 * clears, the rest is trimmed); on `create` values are kept as sent, and a blank URL is 400
 * `Missing url`, as the original's `asValidUrl()` answers. URLs and the title checked.
 */
export function songChanges(
  body: Readonly<Record<string, unknown>>,
  mode: 'create' | 'update',
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const field of SONG_WRITABLE_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    changes[field] =
      mode === 'update' && typeof value === 'string' && SONG_CLEARABLE_FIELDS.has(field)
        ? value.trim() || null
        : value;
  }
  for (const field of ['coverArtUrl', 'lyricsUrl'] as const) {
    const url = changes[field];
    if (typeof url !== 'string') continue;
    if (url.trim() === '') throw new HttpError(400, 'Missing url');
    if (!isHttpUrl(url)) throw new HttpError(422, `Invalid url: ${url}`);
  }
  if (typeof changes.title === 'string' && changes.title.trim() === '') {
    throw new HttpError(422, 'Field title must not be blank');
  }
  return changes;
}

/** Exposed's `EntityNotFoundException` text; the id as `java.util.UUID` prints it (lower case). */
export const songNotFound = (songId: string) =>
  new HttpError(404, `Entity SongEntity, id=${songId.toLowerCase()} not found in the database`);

/** Only the owner may change, delete or upload to a song. */
export function checkSongOwner(song: { ownerId: string }, callerId: string): void {
  if (song.ownerId !== callerId) throw new HttpError(403, 'operation allowed only by owner');
}

export const titleConflict = (title: string) => new HttpError(409, `Title already exists: ${title}`);

/** The stream token agreement needs a KYC-verified owner. */
export function checkOwnerVerified(verified: boolean): void {
  if (!verified) throw new HttpError(422, 'operation allowed only after owner is KYC verified');
}

/** The original's `createdAt`: an ISO-8601 local date-time without zone. The server's clock is UTC. */
export function toLocalDateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '');
}

type Song = components['schemas']['Song'];
type SongFields = components['schemas']['SongFields'];

/** A song as stored: the Song model with `createdAt` as epoch milliseconds and no nulls. */
export type SongRecord = Omit<Song, 'createdAt' | 'genres'> & { createdAt: number; genres: string[] } & {
  [K in keyof SongFields]: Exclude<SongFields[K], null>;
};

/** A new song's record: the defaults, the body's values (none `null`), then what the server sets. */
export function newSongRecord(
  changes: Readonly<Record<string, unknown>>,
  identity: { id: string; ownerId: string; createdAt: number },
): SongRecord {
  return {
    ...NEW_SONG_DEFAULTS,
    ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== null)),
    ...identity,
    ...NEW_SONG_STATUSES,
  } as SongRecord;
}

/** A stored song in the API's shape: fields without a value are omitted, never `null`. */
export function songView(record: SongRecord): Song {
  const song: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record))
    if (value !== undefined && value !== null) song[key] = value;
  return { ...song, createdAt: toLocalDateTime(record.createdAt) } as Song;
}

/** What accepting (approved, the document's URL) or rejecting (reset) the stream token agreement sets. */
export function songAgreementChanges(
  songId: string,
  accepted: boolean,
): { mintingStatus: 'StreamTokenAgreementApproved' | 'Undistributed'; tokenAgreementUrl: string | null } {
  return accepted
    ? {
        mintingStatus: 'StreamTokenAgreementApproved',
        tokenAgreementUrl: songBlobUrl(songAgreementKey(songId)),
      }
    : { mintingStatus: 'Undistributed', tokenAgreementUrl: null };
}

// ——— account error texts ———

export const emailTaken = (email: string) => new HttpError(409, `Already exists: ${email}`);
export const joinCodeRejected = () => new HttpError(403, '2FA failed');
export const unknownEmail = (email: string) => new HttpError(404, `Doesn't exist: ${email}`);
export const wrongPassword = () => new HttpError(401, 'Invalid password');
/** 429 while failed logins are throttled, with the seconds to wait in `Retry-After`. */
export const loginThrottled = (waitSeconds: number) =>
  new HttpError(429, tooManyFailedLogins(waitSeconds), { headers: { 'retry-after': String(waitSeconds) } });

/** 429 while join-code mails are throttled, with the seconds to wait in `Retry-After`. */
export const joinCodesThrottled = (waitSeconds: number) =>
  new HttpError(429, `Too many codes requested, try again in ${waitSeconds} seconds`, {
    headers: { 'retry-after': String(waitSeconds) },
  });

// ——— stored files ———

const SONG_AGREEMENT_FILE = 'StreamTokenAgreement.pdf';
export const songAudioKey = (songId: string, extension: string) => `songs/audio/${songId}/audio.${extension}`;
export const songAgreementKey = (songId: string) => `songs/agreements/${songId}/${SONG_AGREEMENT_FILE}`;
/** The URL a song reports for a stored file. */
export const songBlobUrl = (key: string) => `blobs://${key}`;

// ——— playback (Get Song Stream, Stream Song Audio) ———

/** How long a stream URL works unless configured: a day, as the original's CloudFront-signed URLs. */
export const SONG_STREAM_URL_TTL_SECONDS = 86_400;

/** The media type each stored audio type is served as (newm-server StringExt.kt `toAudioContentType`). */
export const SONG_AUDIO_MEDIA_TYPES = { wav: 'audio/wav', flac: 'audio/x-flac', aiff: 'audio/aiff' } as const;
export type SongAudioExtension = keyof typeof SONG_AUDIO_MEDIA_TYPES;
export type SongAudioMediaType = (typeof SONG_AUDIO_MEDIA_TYPES)[SongAudioExtension];

/** The stored audio of a song, from its `originalAudioUrl`; `undefined` before an upload. */
export function songAudioOf(song: {
  originalAudioUrl?: string | undefined;
}): { key: string; extension: SongAudioExtension; mediaType: SongAudioMediaType } | undefined {
  const url = song.originalAudioUrl;
  const match = url === undefined ? null : /^blobs:\/\/(.+\/audio\.(wav|flac|aiff))$/.exec(url);
  if (!match) return undefined;
  const extension = match[2] as SongAudioExtension;
  return { key: match[1] as string, extension, mediaType: SONG_AUDIO_MEDIA_TYPES[extension] };
}

/** 422 while there is nothing to play, with the original's cause (its transcoder sets `streamUrl`). */
export const noStreamUrl = () => new HttpError(422, 'streamUrl is null');

/** The path of Stream Song Audio for a song (its id in lower case, as signed). */
export const songAudioStreamPath = (songId: string) => `/v1/songs/${songId.toLowerCase()}/audio/stream`;

/** What a stream URL's `signature` is the hex HMAC-SHA256 of. */
export const songStreamSigningInput = (songId: string, expires: number) =>
  `GET\n${songAudioStreamPath(songId)}\n${expires}`;

/** The signed URL Get Song Stream answers, under `baseUrl` (origin and base path). */
export const songStreamUrl = (baseUrl: string, songId: string, expires: number, signature: string) =>
  `${baseUrl.replace(/\/+$/, '')}${songAudioStreamPath(songId)}?expires=${expires}&signature=${signature}`;

/** Checks a presented stream URL: the signature first (so a forged URL learns nothing more), then the expiry. */
export function checkStreamUrl(signatureMatches: boolean, expires: number, nowMs: number): void {
  if (!signatureMatches) throw new HttpError(403, 'Invalid stream URL signature');
  if (expires * 1000 <= nowMs) throw new HttpError(403, 'Stream URL has expired');
}

// ——— list filters ———

/** CSV values prefixed with `-` are excluded, `+` or no prefix included. */
export interface IncludeExclude {
  include: string[];
  exclude: string[];
}

/** The list filters of Get Songs (shared by count, genres and genre count). */
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

/** The filter parameters as the request gives them, already checked against the document. */
export interface SongFilterParams {
  archived: boolean;
  ids?: readonly string[];
  ownerIds?: readonly string[];
  genres?: readonly string[];
  moods?: readonly string[];
  mintingStatuses?: readonly string[];
  nftNames?: readonly string[];
  olderThan?: string;
  newerThan?: string;
  phrase?: string;
}

export function splitIncludeExclude(
  values: readonly string[] | undefined,
  normalize: (value: string) => string = (v) => v,
): IncludeExclude {
  const result: IncludeExclude = { include: [], exclude: [] };
  for (const raw of values ?? []) {
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
  const unparsable = () => new HttpError(422, `Text '${text}' could not be parsed`);
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) throw unparsable();
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
    throw unparsable();
  }
  return { ms: ms + Number(fraction.slice(0, 3)), fractionalMs: Number(fraction.slice(3)) > 0 };
}

const lowerCase = (value: string) => value.toLowerCase();

/** The filters of a list request by `callerId` (`me` in `ownerIds`). */
export function songFilters(params: SongFilterParams, callerId: string): SongFilters {
  const filters: SongFilters = {
    archived: params.archived,
    ids: splitIncludeExclude(params.ids, lowerCase),
    ownerIds: splitIncludeExclude(params.ownerIds, (value) =>
      value === 'me' ? callerId : value.toLowerCase(),
    ),
    genres: splitIncludeExclude(params.genres),
    moods: splitIncludeExclude(params.moods),
    mintingStatuses: splitIncludeExclude(params.mintingStatuses),
    nftNames: splitIncludeExclude(params.nftNames),
  };
  if (params.olderThan !== undefined) {
    // created < t: with a sub-ms remainder, every whole ms up to and including floor(t) is older.
    const { ms, fractionalMs } = parseLocalDateTime(params.olderThan);
    filters.olderThan = fractionalMs ? ms + 1 : ms;
  }
  if (params.newerThan !== undefined) {
    // created > t: the sub-ms remainder never matters, floor(t) is already excluded.
    filters.newerThan = parseLocalDateTime(params.newerThan).ms;
  }
  if (params.phrase !== undefined && params.phrase !== '') filters.phrase = params.phrase.toLowerCase();
  return filters;
}

// ——— audio ———

/**
 * The audio checks of Upload Song Audio, as the original configures them: 1 MB to 1 GB, WAV,
 * FLAC or AIFF detected from the bytes (never from Content-Type), at least 30 s, at least 44.1 kHz.
 */
export const AUDIO_LIMITS = {
  minFileSize: 1_000_000,
  maxFileSize: 1_000_000_000,
  minDurationSeconds: 30,
  minSampleRate: 44_100,
} as const;

export const ACCEPTED_AUDIO_TYPES: Readonly<Record<string, string>> = {
  'audio/vnd.wave': 'wav',
  'audio/x-flac': 'flac',
  'audio/x-aiff': 'aiff',
};

/** The media types an upload may have (`AudioUploadReport.mimeType`). */
export type AcceptedAudioType = components['schemas']['AudioUploadReport']['mimeType'];

export const isAcceptedAudioType = (mimeType: string): mimeType is AcceptedAudioType =>
  Object.hasOwn(ACCEPTED_AUDIO_TYPES, mimeType);

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, end));

/**
 * The media type from the file's first bytes (16 are enough), named as Apache Tika (the original's
 * detector) names them, so an MP3 is reported as `audio/mpeg` and unknown bytes as
 * `application/octet-stream`.
 */
export function sniffAudioType(head: Uint8Array): string {
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return 'audio/vnd.wave';
  if (ascii(head, 0, 4) === 'fLaC') return 'audio/x-flac';
  if (ascii(head, 0, 4) === 'FORM' && ['AIFF', 'AIFC'].includes(ascii(head, 8, 12))) return 'audio/x-aiff';
  if (ascii(head, 0, 3) === 'ID3') return 'audio/mpeg';
  if (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0) return 'audio/mpeg';
  if (ascii(head, 0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(head, 4, 8) === 'ftyp') return 'audio/mp4';
  return 'application/octet-stream';
}

/** The rejection of an upload of `size` bytes over the maximum (also while it is still streaming). */
export const audioTooLarge = (size: number) => new AudioRejectedError(`File is too large: ${size} bytes`);

/**
 * An upload whose declared `Content-Length` is over the maximum: 413 before any byte is read, so
 * a huge body is refused at once instead of after a gigabyte was written. (The original's 422
 * `audioTooLarge` remains for a body that grows past the limit while it streams.)
 */
export function checkDeclaredAudioSize(declared: number | undefined): void {
  if (declared !== undefined && declared > AUDIO_LIMITS.maxFileSize) {
    throw new HttpError(
      413,
      `File is too large: ${declared} bytes (limit ${AUDIO_LIMITS.maxFileSize} bytes)`,
    );
  }
}

/** The first checks, before the format is read: the size and the sniffed type. */
export function checkAudioFile(
  size: number,
  head: Uint8Array,
): { mimeType: AcceptedAudioType; extension: string } {
  if (size < AUDIO_LIMITS.minFileSize) throw new AudioRejectedError(`File is too small: ${size} bytes`);
  if (size > AUDIO_LIMITS.maxFileSize) throw audioTooLarge(size);
  const mimeType = sniffAudioType(head);
  if (!isAcceptedAudioType(mimeType)) throw new AudioRejectedError(`Unsupported media type: ${mimeType}`);
  return { mimeType, extension: ACCEPTED_AUDIO_TYPES[mimeType] as string };
}

/**
 * The last checks, on the format read from the headers (`undefined` when it could not be read):
 * the duration in whole seconds and the sample rate.
 */
export function checkAudioFormat(
  mimeType: string,
  format: { durationSeconds?: number; sampleRate?: number } | undefined,
): { durationSeconds: number; sampleRate: number } {
  const durationSeconds = format?.durationSeconds;
  const sampleRate = format?.sampleRate;
  if (durationSeconds === undefined || sampleRate === undefined || !Number.isFinite(durationSeconds)) {
    throw new AudioRejectedError(`Unsupported media type: ${mimeType} (the file could not be read)`);
  }
  if (durationSeconds < AUDIO_LIMITS.minDurationSeconds) {
    throw new AudioRejectedError(`Duration is too short: ${Math.floor(durationSeconds)} secs`);
  }
  if (sampleRate < AUDIO_LIMITS.minSampleRate) {
    throw new AudioRejectedError(`Sample rate is too low: ${sampleRate} Hz`);
  }
  return { durationSeconds: Math.floor(durationSeconds), sampleRate };
}

// ——— the songs envelope ———

/** Reason phrases for `StatusResponse.description` (Ktor's `HttpStatusCode.description`). */
const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** 401 as the original's JWT plugin answers a missing or bad token: no body, a bearer challenge. */
export const bearerChallenge = (reason: string) =>
  new HttpError(401, reason, {
    code: 'BEARER_CHALLENGE',
    headers: { 'www-authenticate': 'Bearer realm="NEWM Server"' },
  });

/** The `Authorization: Bearer …` token, or the challenge. */
export function songsBearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec((header ?? '').trim());
  if (!match) throw bearerChallenge('Missing bearer token');
  return match[1] as string;
}

const TYPE_ERROR = /^must be (string|number|integer|boolean|array|object|null)(,|$)/;

/**
 * Validation failures in the original's terms: a missing mandatory field or a body of the wrong
 * JSON types is 400, anything else that does not fit (too long, bad enum, bad filter, bad UUID)
 * is 422 — except on the public auth routes, which document only 400.
 */
function validationFailure(
  error: RequestValidationError,
  operationId: string | undefined,
  pathParams: Record<string, string>,
): { status: number; cause: string } {
  const { issues } = error;
  const describe = (issue: ValidationIssue) => `${issue.field || issue.location} ${issue.message}`;
  const required = issues.find((issue) => issue.location === 'body' && issue.keyword === 'required');
  if (required) {
    if (required.field === '') return { status: 400, cause: 'Failed to convert request body' };
    if (required.field === 'authCode') return { status: 400, cause: 'Missing 2FA code' };
    return { status: 400, cause: `missing ${required.field}` };
  }
  const typeError = issues.find((issue) => issue.location === 'body' && TYPE_ERROR.test(issue.message));
  if (typeError) return { status: 400, cause: `Failed to convert request body: ${describe(typeError)}` };
  if (operationId === 'sendJoinCode' || operationId === 'login') {
    const [first] = issues;
    if (first?.field === 'email' && first.keyword === 'required') {
      return { status: 400, cause: 'Missing parameter: email' };
    }
    return { status: 400, cause: issues.map(describe).join('; ') };
  }
  const tooLong = issues.find((issue) => issue.keyword === 'maxLength');
  if (tooLong) {
    return {
      status: 422,
      cause: `Field ${lengthCheckedName(tooLong.field)} exceeds ${tooLong.params.limit} chars limit`,
    };
  }
  const badId = issues.find((issue) => issue.location === 'path');
  if (badId) return { status: 422, cause: `Invalid UUID string: ${pathParams[badId.field] ?? ''}` };
  for (const issue of issues) {
    const cause = issue.location === 'query' ? filterFailure(issue) : undefined;
    if (cause) return { status: 422, cause };
  }
  return { status: 422, cause: issues.map(describe).join('; ') };
}

/**
 * The original's `checkLength` names: a list item by its list and index, without a dot, and the
 * `ipis` items as `ipi<index>` (`genres1`, `ipi0`; newm-server SongRepositoryImpl.checkFieldLengths).
 */
function lengthCheckedName(field: string): string {
  const [name = field, index] = field.split('.');
  if (index === undefined) return name;
  return `${name === 'ipis' ? 'ipi' : name}${index}`;
}

const withoutPrefix = (value: string) => value.replace(/^[+-]/, '');

/**
 * A malformed list filter, in the words of the original's parsers (newm-server ApplicationCallExt.kt,
 * FilterCriteria.kt), whose exceptions its status pages answer as 422 with their message.
 */
function filterFailure(issue: ValidationIssue): string | undefined {
  const [name] = issue.field.split('.');
  const value =
    typeof issue.value === 'string' || typeof issue.value === 'number' ? String(issue.value) : undefined;
  if (value === undefined) return undefined;
  switch (name) {
    case 'mintingStatuses':
      return `No enum constant io.newm.server.features.song.model.MintingStatus.${withoutPrefix(value)}`;
    case 'sortOrder':
      return `No enum constant org.jetbrains.exposed.sql.SortOrder.${value.toUpperCase()}`;
    case 'ids':
    case 'ownerIds': {
      const id = withoutPrefix(value);
      return id.length > 36 ? 'UUID string too large' : `Invalid UUID string: ${id}`;
    }
    case 'offset':
    case 'limit':
      return issue.keyword === 'minimum' ? undefined : `For input string: "${value}"`;
    case 'olderThan':
    case 'newerThan':
      return `Text '${value}' could not be parsed`;
    default:
      return undefined;
  }
}

/** The original's `StatusResponse` (or the empty 401 challenge), for every songs error. */
export function songsErrorReply(
  error: HttpError,
  request: { operationId?: string; pathParams?: Record<string, string> } = {},
): ErrorReply {
  if (error.options.code === 'BEARER_CHALLENGE') {
    return { status: 401, body: undefined, headers: error.options.headers };
  }
  const { status, cause } =
    error instanceof RequestValidationError
      ? validationFailure(error, request.operationId, request.pathParams ?? {})
      : { status: REASONS[error.status] ? error.status : 500, cause: error.message };
  const body: components['schemas']['StatusResponse'] = {
    code: status,
    description: REASONS[status] ?? 'Error',
    cause: status === 500 ? 'Internal server error' : cause,
  };
  return { status, body, headers: error.options.headers };
}
