import { HttpError, isHttpError, RequestValidationError, type ValidationIssue } from '@music-apis/spec';
import type { ErrorReply } from '../envelope.js';

/**
 * The downloader's error bodies. The original (FastAPI) answers in several envelopes, chosen by
 * route, and clients read them per route, so the style is picked from the operation:
 * - E1 `{detail: string}`: auth and SSO routes, and every error raised before a route runs;
 * - E2 `{detail: {error, details?}}`: config, credentials, search (and, in part 2, watch and task lists);
 * - E3 `{error, details?}` at top level: `*\/info`, playlist metadata and tracks (and downloads, history);
 * - E5 FastAPI's 422 `{detail: [{loc, msg, type}]}` for malformed auth bodies and `/artist/info` paging;
 * - E6 the auth guard's 401 `{detail: "Authentication required", auth_enabled: true}` and 403.
 */
export type DownloaderErrorStyle = 'detail' | 'nested' | 'topLevel' | 'status' | 'nestedStatus';

/** Codes of the guard's errors, which look the same on every route. */
const AUTH_REQUIRED = 'AUTH_REQUIRED';

/** The auth guard's 401 (E6), with the `WWW-Authenticate: Bearer` challenge. */
export const downloaderAuthRequired = () =>
  new HttpError(401, 'Authentication required', {
    code: AUTH_REQUIRED,
    headers: { 'www-authenticate': 'Bearer' },
  });

/** The auth guard's 403 for a signed-in non-admin on an admin route. */
export const downloaderAdminRequired = () => new HttpError(403, 'Admin access required');

/** E2 errors carry `details` next to `error`; pass it here. */
export const downloaderError = (status: number, message: string, details?: string) =>
  new HttpError(status, message, details === undefined ? {} : { details });

const TAG_STYLES: Record<string, DownloaderErrorStyle> = {
  Auth: 'detail',
  SSO: 'detail',
  Config: 'nested',
  Credentials: 'nested',
  Search: 'nested',
  'Playlist watch': 'nested',
  'Artist watch': 'nested',
  Track: 'topLevel',
  Album: 'topLevel',
  Playlist: 'topLevel',
  Artist: 'topLevel',
  History: 'topLevel',
  Progress: 'nested',
};

/** Operations that validate their input with FastAPI models (422), not by hand (400). */
const FASTAPI_VALIDATED = new Set([
  'login',
  'register',
  'createUser',
  'updateUserRole',
  'resetUserPassword',
  'changePassword',
  'getArtistInfo',
]);

/** What a route says when its input does not fit (the text the original's own checks use). */
const INVALID_INPUT: Record<string, string> = {
  updateConfig: 'Configuration validation failed',
  updateConfigViaPut: 'Configuration validation failed',
  validateConfig: 'Configuration validation failed',
  updateWatchConfig: 'Watch configuration validation failed',
  updateWatchConfigViaPut: 'Watch configuration validation failed',
  validateWatchConfig: 'Watch configuration validation failed',
  updateSpotifyApiConfig: "Request body must contain 'client_id' and 'client_secret'",
  createCredential: 'Could not create credential',
  downloadArtistDiscography: 'Invalid artist id or album_type',
  cancelTask: 'Invalid task id',
  updateCredential: 'Could not update credential',
};

/** What a route says of a body that does not fit, when it differs from a bad path or query. */
const INVALID_BODY: Record<string, string> = {
  markPlaylistTracksKnown: 'Invalid request body. Expecting a JSON array of track Spotify IDs.',
  unmarkPlaylistTracks: 'Invalid request body. Expecting a JSON array of track Spotify IDs.',
  markArtistAlbumsKnown: 'Invalid request body. Expecting a JSON array of album Spotify IDs.',
  unmarkArtistAlbums: 'Invalid request body. Expecting a JSON array of album Spotify IDs.',
};

/** What the original says of a paging parameter that is not an integer (by operation). */
const INVALID_PAGING: Record<string, string> = {
  searchSpotify: 'limit must be an integer',
  getAlbumInfo: 'Invalid limit/offset',
  getPlaylistTracks: 'Invalid limit/offset',
};

const HISTORY_PAGING = 'Invalid parameter value: limit and offset must be integers';
/** The history routes' own texts (routes/core/history.py), by the parameter that does not fit. */
const INVALID_FIELD: Record<string, Record<string, string>> = {
  listHistory: {
    download_type: "Invalid download_type. Must be one of: ['track', 'album', 'playlist']",
    status: "Invalid status. Must be one of: ['completed', 'failed', 'skipped', 'in_progress', 'partial']",
    limit: HISTORY_PAGING,
    offset: HISTORY_PAGING,
  },
  searchHistory: {
    q: 'Missing required parameter: q (search query)',
    limit: 'Invalid parameter value: limit must be an integer',
  },
  getRecentHistory: { limit: 'Invalid parameter value: limit must be an integer' },
  getFailedHistory: { limit: 'Invalid parameter value: limit must be an integer' },
  cleanupHistory: { days_old: 'days_old must be a positive integer' },
};

/** The history route's own text for the parameter that does not fit (it says nothing more). */
function invalidFieldMessage(operationId: string | undefined, issues: ValidationIssue[]) {
  const fields = operationId ? INVALID_FIELD[operationId] : undefined;
  return fields && issues.map((issue) => fields[issue.field.split('.')[0]!]).find(Boolean);
}

/** The route's own text for a request that does not fit: a missing query parameter is named. */
function invalidInputMessage(operationId: string | undefined, issues: ValidationIssue[]): string {
  const missing = issues.find((issue) => issue.keyword === 'required' && issue.location === 'query');
  // The `/download/cancel` routes' own words for their missing `task_id`.
  if (missing?.field === 'task_id') return 'Missing process id (task_id) parameter';
  if (missing) return `Missing parameter: ${missing.field}`;
  const paging = operationId ? INVALID_PAGING[operationId] : undefined;
  if (paging && issues.some((issue) => issue.field === 'limit' || issue.field === 'offset')) return paging;
  const body = operationId ? INVALID_BODY[operationId] : undefined;
  if (body && issues.some((issue) => issue.location === 'body')) return body;
  return (operationId && INVALID_INPUT[operationId]) || 'Invalid request';
}

export interface DownloaderErrorContext {
  operationId?: string;
  tags?: readonly string[];
  /** The request path, for a request no operation matched: the envelope of its route family. */
  path?: string;
}

/** Route families by path prefix, for paths no operation matched (`/api/credentials/`, say). */
const PREFIX_STYLES: [string, DownloaderErrorStyle][] = [
  // The watch routes answer `{detail: {error}}`, unlike the rest of their families (first match wins).
  ['/api/playlist/watch', 'nested'],
  ['/api/artist/watch', 'nested'],
  ['/api/config', 'nested'],
  ['/api/credentials', 'nested'],
  ['/api/search', 'nested'],
  // The progress routes' unknown paths: FastAPI's plain `{detail}` (their 404s are E1 too).
  ['/api/prgs', 'detail'],
  ['/api/track', 'topLevel'],
  ['/api/album', 'topLevel'],
  ['/api/playlist', 'topLevel'],
  ['/api/artist/download', 'status'],
  ['/api/artist', 'topLevel'],
  ['/api/history', 'topLevel'],
];

function fastApiIssues(issues: ValidationIssue[]) {
  return issues.map((issue) => {
    const missing = issue.keyword === 'required';
    const field = missing ? String(issue.params.missingProperty ?? '') : issue.field;
    const loc = [issue.location, ...field.split('.').filter((part) => part !== '')];
    return {
      loc,
      msg: missing ? 'Field required' : issue.message,
      type: missing ? 'missing' : issue.keyword,
      ...(issue.value === undefined ? {} : { input: issue.value }),
    };
  });
}

/**
 * Operations whose errors are in no envelope of their tag: E4 `{status: "error", message}` (the
 * artist download), nested in `detail` for the task cancel.
 */
const OPERATION_STYLES: Record<string, DownloaderErrorStyle> = {
  downloadArtistDiscography: 'status',
  cancelTask: 'nestedStatus',
};

function styleOf(context: DownloaderErrorContext): DownloaderErrorStyle {
  const own = context.operationId ? OPERATION_STYLES[context.operationId] : undefined;
  if (own) return own;
  const tag = context.tags?.[0];
  if (tag) return TAG_STYLES[tag] ?? 'detail';
  const path = context.path ?? '';
  return PREFIX_STYLES.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1] ?? 'detail';
}

/**
 * Code of an error whose body is given whole (`details`): the progress and download routes whose
 * answers are in none of their tag's envelopes (E1 `{detail}` 404s, E4 `{status, message}`, the
 * 409 with `existing_task`).
 */
export const DOWNLOADER_GIVEN_BODY = 'DOWNLOADER_GIVEN_BODY';

export const downloaderErrorWithBody = (status: number, message: string, body: Record<string, unknown>) =>
  new HttpError(status, message, { code: DOWNLOADER_GIVEN_BODY, details: body });

/** The downloader's answer to any error of its pipeline, in the envelope of the route. */
export function downloaderErrorReply(error: HttpError, context: DownloaderErrorContext): ErrorReply {
  const headers = error.options.headers;
  if (error.options.code === DOWNLOADER_GIVEN_BODY) {
    return { status: error.status, body: error.options.details, headers };
  }
  if (error.options.code === AUTH_REQUIRED) {
    return { status: 401, body: { detail: error.message, auth_enabled: true }, headers };
  }
  if (error.status === 403 && error.message === 'Admin access required') {
    return { status: 403, body: { detail: error.message }, headers };
  }
  // Refused by the HTTP layer before the route runs: FastAPI's plain `{detail}`.
  if (error.status === 413 || error.status === 415 || error.status === 405 || error.status === 501) {
    return { status: error.status, body: { detail: error.message }, headers };
  }
  const operationId = context.operationId;
  if (
    error instanceof RequestValidationError ||
    (isHttpError(error) && error.name === 'RequestValidationError')
  ) {
    const issues = (error as RequestValidationError).issues ?? [];
    // `/artist/info` reads `id` by hand (400 "Missing parameter: id"); FastAPI checks only its paging.
    const idReadByHand =
      operationId === 'getArtistInfo' &&
      issues.some((issue) => issue.field === 'id' && issue.location === 'query');
    if (operationId && FASTAPI_VALIDATED.has(operationId) && !idReadByHand) {
      return { status: 422, body: { detail: fastApiIssues(issues) }, headers };
    }
    const style = styleOf(context);
    if (style === 'detail') return { status: 400, body: { detail: error.message }, headers };
    const named = invalidFieldMessage(operationId, issues);
    if (named) return reply(style, 400, named, undefined, headers);
    return reply(style, 400, invalidInputMessage(operationId, issues), error.message, headers);
  }
  if (error.status === 404 && !operationId && styleOf(context) === 'detail') {
    // An unknown path under /api: the original's SPA fallback.
    return { status: 404, body: { detail: 'API endpoint not found' }, headers };
  }
  const details = error.options.details;
  return reply(
    styleOf(context),
    error.status,
    error.message,
    typeof details === 'string' ? details : undefined,
    headers,
  );
}

function reply(
  style: DownloaderErrorStyle,
  status: number,
  message: string,
  details: string | undefined,
  headers: Record<string, string> | undefined,
): ErrorReply {
  const info = details === undefined ? { error: message } : { error: message, details };
  if (style === 'nested') return { status, body: { detail: info }, headers };
  if (style === 'topLevel') return { status, body: info, headers };
  if (style === 'status') return { status, body: { status: 'error', message }, headers };
  if (style === 'nestedStatus') return { status, body: { detail: { status: 'error', message } }, headers };
  return { status, body: { detail: message }, headers };
}
