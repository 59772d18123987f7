import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import {
  authDisabled,
  checkNewPassword,
  type DownloaderPrincipal,
  type DownloaderTokenClaims,
  guardDownloaderRoute,
  naiveUtc,
  passwordUserRecord,
  SYSTEM_PRINCIPAL,
  systemUserView,
  toDownloaderUserView,
} from './auth.js';
import {
  type AccountPresence,
  checkConfigObject,
  configProblem,
  configView,
  type DownloaderConfig,
  mergeConfig,
  mergeWatchConfig,
  watchConfigProblem,
  watchConfigView,
} from './config.js';
import {
  type AccountLoginCheck,
  accountFromBody,
  type CredentialFields,
  couldNot,
  credentialChange,
  credentialNotFound,
  toCredentialView,
} from './credentials.js';
import { downloaderError } from './errors.js';
import type {
  CredentialService,
  DownloaderRole,
  DownloaderStore,
  SsoProviderName,
  StoredConfig,
} from './store.js';

type Schemas = components['schemas'];

/** How this deployment runs the downloader (environment settings, not stored data). */
export interface DownloaderSettings {
  /** `DOWNLOADER_ENABLE_AUTH` upstream `ENABLE_AUTH`; off by default as in the original. */
  authEnabled: boolean;
  /** False with `DOWNLOADER_DISABLE_REGISTRATION`: public sign-up (and new SSO users) refused. */
  registrationEnabled: boolean;
  tokenLifetimeHours: number;
  /** `DOWNLOADER_EXPLICIT_FILTER`, written into the configuration on every save. */
  explicitFilter: boolean;
  /** The SSO providers whose client id and secret are configured. */
  ssoProviders: readonly SsoProviderName[];
  /** `DOWNLOADER_SSO_ENABLED` (upstream `SSO_ENABLED`, default true); SSO also needs auth on. */
  ssoEnabled: boolean;
}

/** Password hashing and token signing: scrypt and jose in the server, lighter stand-ins in the mock. */
export interface DownloaderCrypto {
  hashPassword(password: string): Promise<string>;
  verifyPassword(password: string, hash: string): Promise<boolean>;
  signToken(claims: DownloaderTokenClaims): Promise<string>;
  /** The claims of a valid, unexpired token signed by this deployment; undefined otherwise. */
  verifyToken(token: string): Promise<DownloaderTokenClaims | undefined>;
}

export interface DownloaderServiceOptions {
  store: DownloaderStore;
  settings: DownloaderSettings;
  crypto: DownloaderCrypto;
  accountCheck: AccountLoginCheck;
  now(): Date;
}

const message = (text: string) => ({ message: text });

/**
 * The downloader's rules over its store, written once for the server and the mock: auth and
 * users, configuration and credentials. Storage (SQL or maps) and crypto are injected.
 */
export function createDownloaderService({
  store,
  settings,
  crypto,
  accountCheck,
  now,
}: DownloaderServiceOptions) {
  const ssoOn = () => settings.authEnabled && settings.ssoEnabled;
  const sso = () => (ssoOn() ? settings.ssoProviders : []);

  let unknownUserHashOnce: Promise<string> | undefined;
  const unknownUserHash = () => {
    unknownUserHashOnce ??= crypto.hashPassword('no such user');
    return unknownUserHashOnce;
  };

  async function principalOfToken(token: string | undefined): Promise<DownloaderPrincipal | undefined> {
    if (!token) return undefined;
    const claims = await crypto.verifyToken(token);
    if (!claims || typeof claims.username !== 'string') return undefined;
    // Re-loaded on every request: a deleted user's token stops working, the stored role counts.
    const user = await store.users.find(claims.username);
    return user ? { username: user.username, role: user.role, user } : undefined;
  }

  async function issueToken(username: string, role: DownloaderRole): Promise<string> {
    const iat = Math.floor(now().getTime() / 1000);
    return crypto.signToken({ username, role, iat, exp: iat + settings.tokenLifetimeHours * 3600 });
  }

  function storedUserOf(principal: DownloaderPrincipal) {
    if (!principal.user) throw new HttpError(404, 'User not found');
    return principal.user;
  }

  async function accountPresence(): Promise<AccountPresence> {
    const [spotify, deezer, api] = await Promise.all([
      store.credentials.names('spotify'),
      store.credentials.names('deezer'),
      store.credentials.readSpotifyApi(),
    ]);
    return {
      spotifyAccounts: spotify.length,
      deezerAccounts: deezer.length,
      spotifyApiConfigured: !!(api?.client_id && api.client_secret),
    };
  }

  async function currentConfig(): Promise<DownloaderConfig> {
    return configView(await store.config.read(), settings.explicitFilter);
  }

  async function createAccountUser(
    username: string,
    password: string,
    email: string | null | undefined,
    role: DownloaderRole,
  ) {
    const inserted = await store.users.insert(
      passwordUserRecord({
        username,
        email,
        role,
        passwordHash: await crypto.hashPassword(password),
        now: now(),
      }),
    );
    if (!inserted) throw new HttpError(400, 'Username already exists');
  }

  return {
    settings,
    /** A token as the login route issues it (the SSO callback signs users in with it too). */
    issueToken,

    /**
     * The `bearerAuth` scheme: with auth off every request is the synthetic admin; with auth on
     * the token's user (re-loaded), then the route's guard (admin prefixes as upstream).
     */
    async authenticate(token: string | undefined, pathTemplate: string, optional: boolean) {
      if (!settings.authEnabled) return SYSTEM_PRINCIPAL;
      return guardDownloaderRoute(await principalOfToken(token), pathTemplate, optional);
    },

    // ---- auth ----
    async authStatus(principal: DownloaderPrincipal | undefined): Promise<Schemas['AuthStatus']> {
      if (!settings.authEnabled)
        return {
          auth_enabled: false,
          authenticated: true,
          user: systemUserView(now()),
          registration_enabled: false,
          sso_enabled: false,
          sso_providers: [],
        };
      return {
        auth_enabled: true,
        authenticated: principal?.user !== undefined,
        user: principal?.user ? toDownloaderUserView(principal.user) : null,
        registration_enabled: settings.registrationEnabled,
        sso_enabled: ssoOn(),
        sso_providers: [...sso()],
      };
    },

    async login(body: Schemas['LoginRequest']): Promise<Schemas['LoginResponse']> {
      if (!settings.authEnabled) throw authDisabled();
      const user = await store.users.find(body.username);
      // An unknown user costs one hash too, so timing does not tell which usernames exist; an
      // SSO-only account has no password and is refused like a wrong one (the original crashed).
      const hash = user?.passwordHash ?? (await unknownUserHash());
      const valid = (await crypto.verifyPassword(body.password, hash)) && !!user?.passwordHash;
      if (!user || !valid) throw new HttpError(401, 'Invalid username or password');
      const lastLogin = naiveUtc(now());
      await store.users.update(user.username, { lastLogin });
      return {
        access_token: await issueToken(user.username, user.role),
        token_type: 'bearer',
        user: toDownloaderUserView({ ...user, lastLogin }),
      };
    },

    async register(body: Schemas['RegisterRequest']) {
      if (!settings.authEnabled) throw authDisabled();
      if (!settings.registrationEnabled)
        throw new HttpError(
          403,
          'Public registration is disabled. Contact an administrator to create an account.',
        );
      // As upstream: the very first account becomes an admin.
      const role = (await store.users.count()) === 0 ? 'admin' : 'user';
      await createAccountUser(body.username, body.password, body.email, role);
      return message('User created successfully');
    },

    logout: () => message('Logged out successfully'),

    async listUsers() {
      return (await store.users.list()).map(toDownloaderUserView);
    },

    async createUser(body: Schemas['CreateUserRequest']) {
      if (!settings.authEnabled) throw authDisabled();
      await createAccountUser(body.username, body.password, body.email, body.role ?? 'user');
      return message('User created successfully');
    },

    async deleteUser(principal: DownloaderPrincipal, username: string) {
      if (username === principal.username) throw new HttpError(400, 'Cannot delete your own account');
      const outcome = await store.users.removeKeepingAnAdmin(username);
      if (outcome === 'not-found') throw new HttpError(404, 'User not found');
      if (outcome === 'last-admin') throw new HttpError(400, 'Cannot delete the last admin');
      return message('User deleted successfully');
    },

    async updateUserRole(principal: DownloaderPrincipal, username: string, role: DownloaderRole) {
      if (username === principal.username) throw new HttpError(400, 'Cannot change your own role');
      const outcome = await store.users.setRoleKeepingAnAdmin(username, role);
      if (outcome === 'not-found') throw new HttpError(404, 'User not found');
      if (outcome === 'last-admin') throw new HttpError(400, 'Cannot demote the last admin');
      return message('User role updated successfully');
    },

    async resetUserPassword(username: string, password: string) {
      if (!settings.authEnabled) throw authDisabled();
      const user = await store.users.find(username);
      if (!user) throw new HttpError(404, 'User not found');
      if (user.passwordHash === null) throw new HttpError(400, 'Cannot reset the password of an SSO user');
      checkNewPassword(password);
      await store.users.update(username, { passwordHash: await crypto.hashPassword(password) });
      return message('Password reset successfully');
    },

    profile(principal: DownloaderPrincipal): Schemas['User'] {
      return principal.user ? toDownloaderUserView(principal.user) : systemUserView(now());
    },

    async changePassword(principal: DownloaderPrincipal, body: Schemas['PasswordChangeRequest']) {
      if (!settings.authEnabled) throw authDisabled();
      const user = storedUserOf(principal);
      if (user.passwordHash === null) throw new HttpError(400, 'SSO users cannot change their password here');
      if (!(await crypto.verifyPassword(body.current_password, user.passwordHash)))
        throw new HttpError(401, 'Current password is incorrect');
      checkNewPassword(body.new_password);
      if (body.new_password === body.current_password)
        throw new HttpError(400, 'New password must be different from the current password');
      await store.users.update(user.username, { passwordHash: await crypto.hashPassword(body.new_password) });
      return message('Password changed successfully');
    },

    // ---- config ----
    currentConfig,

    async updateConfig(body: unknown): Promise<DownloaderConfig> {
      const update = checkConfigObject(body);
      const accounts = await accountPresence();
      const saved = await store.config.update((current) => {
        const merged = mergeConfig(current, update);
        const problem = configProblem(update, merged, accounts);
        if (problem) throw downloaderError(400, 'Configuration validation failed', problem);
        return { ...merged, explicitFilter: settings.explicitFilter };
      });
      return configView(saved, settings.explicitFilter);
    },

    async validateConfig(body: unknown): Promise<Schemas['ConfigValidation']> {
      const update = checkConfigObject(body);
      const problem = configProblem(
        update,
        mergeConfig(await store.config.read(), update),
        await accountPresence(),
      );
      return problem
        ? { valid: false, message: 'Configuration validation failed', details: problem }
        : { valid: true, message: 'Configuration is valid', details: null };
    },

    async watchConfig() {
      return watchConfigView((await store.config.read())?.watch);
    },

    async updateWatchConfig(body: unknown) {
      const update = checkConfigObject(body);
      const accounts = await accountPresence();
      await store.config.update((current) => {
        const problem = watchConfigProblem(update, configView(current, settings.explicitFilter), accounts);
        if (problem) throw downloaderError(400, 'Watch configuration validation failed', problem);
        return mergeWatchConfig(current, update);
      });
      return message('Watch configuration updated successfully');
    },

    async validateWatchConfig(body: unknown): Promise<Schemas['ConfigValidation']> {
      const update = checkConfigObject(body);
      const problem = watchConfigProblem(update, await currentConfig(), await accountPresence());
      return problem
        ? { valid: false, message: 'Watch configuration validation failed', details: problem }
        : { valid: true, message: 'Watch configuration is valid', details: null };
    },

    // ---- credentials ----
    async spotifyApiConfig(): Promise<Schemas['SpotifyApiConfig']> {
      const saved = await store.credentials.readSpotifyApi();
      if (saved?.client_id && saved.client_secret) return saved;
      return {
        warning: 'Global Spotify API credentials are not fully configured or file is missing.',
        client_id: '',
        client_secret: '',
      };
    },

    async updateSpotifyApiConfig(body: Schemas['SpotifyApiCredentials']) {
      await store.credentials.writeSpotifyApi({
        client_id: body.client_id,
        client_secret: body.client_secret,
      });
      return message('Global Spotify API credentials updated successfully.');
    },

    listCredentials: (service: CredentialService) => store.credentials.names(service),

    async listAllCredentials(service: CredentialService): Promise<Schemas['CredentialEntry'][]> {
      const entries: Schemas['CredentialEntry'][] = [];
      for (const name of await store.credentials.names(service)) {
        const account = await store.credentials.get(service, name);
        entries.push(
          account ? { name, details: toCredentialView(account) } : { name, error: 'Credential not found' },
        );
      }
      return entries;
    },

    async credentialMarkets(): Promise<Schemas['CredentialMarkets']> {
      const regionsOf = async (service: CredentialService) => {
        const regions = new Set<string>();
        for (const name of await store.credentials.names(service)) {
          const region = (await store.credentials.get(service, name))?.region;
          if (region) regions.add(region);
        }
        return [...regions].sort();
      };
      return { deezer: await regionsOf('deezer'), spotify: await regionsOf('spotify') };
    },

    async getCredential(service: CredentialService, name: string) {
      const account = await store.credentials.get(service, name);
      if (!account) throw downloaderError(404, credentialNotFound(service, name).message);
      return toCredentialView(account);
    },

    async createCredential(service: CredentialService, name: string, body: CredentialFields) {
      const account = accountFromBody(service, name, body, 'create');
      if (await store.credentials.get(service, name))
        throw downloaderError(409, `Credential '${name}' for ${service} already exists.`);
      const failure = await accountCheck.check(account, await store.credentials.readSpotifyApi());
      if (failure) throw couldNot('create', failure);
      if (!(await store.credentials.insert(account)))
        throw downloaderError(409, `Credential '${name}' for ${service} already exists.`);
      // As upstream: the first account of a service becomes the active one.
      await store.config.update((current) => {
        const config = current ?? {};
        return config[service] ? config : { ...config, [service]: name };
      });
      return credentialChange('created', service, name);
    },

    async updateCredential(service: CredentialService, name: string, body: CredentialFields) {
      const existing = await store.credentials.get(service, name);
      if (!existing) throw downloaderError(404, credentialNotFound(service, name).message);
      const account = accountFromBody(service, name, body, 'update', existing);
      const failure = await accountCheck.check(account, await store.credentials.readSpotifyApi());
      if (failure) throw couldNot('update', failure);
      if (!(await store.credentials.replace(account)))
        throw downloaderError(404, credentialNotFound(service, name).message);
      return credentialChange('updated', service, name);
    },

    async deleteCredential(service: CredentialService, name: string) {
      if (!(await store.credentials.remove(service, name)))
        throw downloaderError(404, `Credential '${name}' not found for ${service}.`);
      return credentialChange('deleted', service, name);
    },
  };
}

export type DownloaderService = ReturnType<typeof createDownloaderService>;
export type { StoredConfig };
