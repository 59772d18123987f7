/**
 * What the downloader keeps, as the shared service sees it. The server implements it with SQL
 * (secrets encrypted at rest), the mock with maps; the rules around it live once, in `service.ts`.
 */

import type { DownloaderSsoStateStore } from './sso.js';

export type DownloaderRole = 'user' | 'admin';
export type SsoProviderName = 'google' | 'github';
export type CredentialService = 'spotify' | 'deezer';

export interface DownloaderUserRecord {
  username: string;
  email: string | null;
  role: DownloaderRole;
  /** Naive UTC ISO-8601, as the original's `datetime.utcnow().isoformat()`. */
  createdAt: string;
  lastLogin: string | null;
  ssoProvider: SsoProviderName | null;
  ssoId: string | null;
  /** Null for an SSO-only account (it has no password). */
  passwordHash: string | null;
}

/** Why a guarded change to a user was refused. */
export type UserChangeOutcome = 'changed' | 'not-found' | 'last-admin';

export interface DownloaderUserStore {
  find(username: string): Promise<DownloaderUserRecord | undefined>;
  /** Every user, by username. */
  list(): Promise<DownloaderUserRecord[]>;
  count(): Promise<number>;
  /** False when the username is taken. */
  insert(user: DownloaderUserRecord): Promise<boolean>;
  /** Changes fields other than the role; false when the user does not exist. */
  update(
    username: string,
    changes: Partial<Omit<DownloaderUserRecord, 'username' | 'role'>>,
  ): Promise<boolean>;
  /**
   * Deletes the user, or changes their role, unless that would leave no admin: the check and the
   * change are one atomic step, so two admins demoting each other cannot both succeed.
   */
  removeKeepingAnAdmin(username: string): Promise<UserChangeOutcome>;
  setRoleKeepingAnAdmin(username: string, role: DownloaderRole): Promise<UserChangeOutcome>;
  /** The first user (by username) with this email, compared case-insensitively (SSO sign-in). */
  findByEmail(email: string): Promise<DownloaderUserRecord | undefined>;
  /** The user linked to this provider identity. */
  findBySso(provider: SsoProviderName, ssoId: string): Promise<DownloaderUserRecord | undefined>;
  /** Links the user to a provider identity; false when the user is gone or the identity is another user's. */
  linkSso(username: string, provider: SsoProviderName, ssoId: string, lastLogin: string): Promise<boolean>;
  /** Removes the user's link if it is to this provider (one conditional update); false otherwise. */
  unlinkSso(username: string, provider: SsoProviderName): Promise<boolean>;
}

/** The saved main configuration (`main.json` upstream), as stored: keys as the caller sent them. */
export type StoredConfig = Record<string, unknown>;

export interface DownloaderConfigStore {
  /** The saved configuration, undefined before the first save. */
  read(): Promise<StoredConfig | undefined>;
  /**
   * Read-modify-write in one step (concurrent partial saves both land): `change` gets the saved
   * configuration and returns the one to store; if it throws, nothing is written.
   */
  update(change: (saved: StoredConfig | undefined) => StoredConfig): Promise<StoredConfig>;
}

export interface SpotifyAccount {
  service: 'spotify';
  name: string;
  region: string | null;
  /** The librespot login blob as sent (an object, or the JSON string it was sent as). */
  blob: Record<string, unknown> | string;
}
export interface DeezerAccount {
  service: 'deezer';
  name: string;
  region: string | null;
  arl: string;
}
export type DownloadAccount = SpotifyAccount | DeezerAccount;

export interface SpotifyApiCredentials {
  client_id: string;
  client_secret: string;
}

export interface DownloaderCredentialStore {
  /** Account names of a service, sorted. */
  names(service: CredentialService): Promise<string[]>;
  get(service: CredentialService, name: string): Promise<DownloadAccount | undefined>;
  /** False when the name is taken. */
  insert(account: DownloadAccount): Promise<boolean>;
  /** False when there is no such account. */
  replace(account: DownloadAccount): Promise<boolean>;
  remove(service: CredentialService, name: string): Promise<boolean>;
  readSpotifyApi(): Promise<SpotifyApiCredentials | undefined>;
  writeSpotifyApi(credentials: SpotifyApiCredentials): Promise<void>;
}

export interface DownloaderStore {
  users: DownloaderUserStore;
  config: DownloaderConfigStore;
  credentials: DownloaderCredentialStore;
  /** Started SSO sign-ins (their OAuth state). */
  sso: DownloaderSsoStateStore;
}
