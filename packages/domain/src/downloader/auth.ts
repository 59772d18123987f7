import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import { downloaderAdminRequired, downloaderAuthRequired } from './errors.js';
import type { DownloaderRole, DownloaderUserRecord } from './store.js';

/** Auth rules of the downloader: the guard, the synthetic admin, the user view and the password rule. */

export type DownloaderUserView = components['schemas']['User'];

/** Who is calling: a stored user, or the synthetic admin every request is while auth is off. */
export interface DownloaderPrincipal {
  username: string;
  role: DownloaderRole;
  /** The stored user; undefined for the synthetic `system` admin. */
  user: DownloaderUserRecord | undefined;
}

export const SYSTEM_PRINCIPAL: DownloaderPrincipal = { username: 'system', role: 'admin', user: undefined };

/** Lifetime of a token, as the original's `JWT_EXPIRATION_HOURS` default. */
export const DOWNLOADER_TOKEN_HOURS = 24;
export const MIN_PASSWORD_LENGTH = 6;

/** The claims the original puts in its HS256 tokens, nothing more. */
export interface DownloaderTokenClaims {
  username: string;
  role: DownloaderRole;
  iat: number;
  exp: number;
}

/** The original's middleware: these prefixes need an admin, every other guarded path any user. */
const ADMIN_PREFIXES = ['/api/credentials', '/api/config', '/api/auth/users'];
export const requiresDownloaderAdmin = (pathTemplate: string) =>
  ADMIN_PREFIXES.some((prefix) => pathTemplate === prefix || pathTemplate.startsWith(`${prefix}/`));

/**
 * The one place that says where a token may come from: the `Authorization: Bearer` header, and
 * on the SSE path (`…/stream`, whose EventSource cannot send headers) the `?token=` query too.
 */
export function downloaderTokenOf(
  request: { header(name: string): string | undefined; query: URLSearchParams },
  pathTemplate: string,
): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.header('authorization') ?? '');
  if (match) return match[1];
  if (pathTemplate.endsWith('/stream')) return request.query.get('token') || undefined;
  return undefined;
}

/** The guard of one operation for an (optional) resolved principal. */
export function guardDownloaderRoute(
  principal: DownloaderPrincipal | undefined,
  pathTemplate: string,
  optional: boolean,
): DownloaderPrincipal | undefined {
  if (!principal) {
    if (optional) return undefined;
    throw downloaderAuthRequired();
  }
  if (requiresDownloaderAdmin(pathTemplate) && principal.role !== 'admin') throw downloaderAdminRequired();
  return principal;
}

export function toDownloaderUserView(user: DownloaderUserRecord): DownloaderUserView {
  return {
    username: user.username,
    email: user.email,
    role: user.role,
    created_at: user.createdAt,
    last_login: user.lastLogin,
    sso_provider: user.ssoProvider,
    is_sso_user: user.ssoProvider !== null,
  };
}

/** The synthetic admin as a user object (auth status with auth disabled). */
export function systemUserView(now: Date): DownloaderUserView {
  return {
    username: 'system',
    email: null,
    role: 'admin',
    created_at: naiveUtc(now),
    last_login: null,
    sso_provider: null,
    is_sso_user: false,
  };
}

/** A new account with a password (registered, created by an admin, or the first admin), as stored. */
export function passwordUserRecord(user: {
  username: string;
  email?: string | null | undefined;
  role: DownloaderRole;
  passwordHash: string;
  now: Date;
}): DownloaderUserRecord {
  return {
    username: user.username,
    email: user.email ?? null,
    role: user.role,
    createdAt: naiveUtc(user.now),
    lastLogin: null,
    ssoProvider: null,
    ssoId: null,
    passwordHash: user.passwordHash,
  };
}

/** Python's `datetime.utcnow().isoformat()`: UTC without an offset, microseconds when non-zero. */
export function naiveUtc(date: Date): string {
  const iso = date.toISOString().replace('Z', '');
  return iso.endsWith('.000') ? iso.slice(0, -4) : `${iso}000`;
}

export const authDisabled = () => new HttpError(400, 'Authentication is disabled');

export function checkNewPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new HttpError(400, `Password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
}
