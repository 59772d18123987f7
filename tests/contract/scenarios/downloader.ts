import { isApiError } from '@music-apis/sdk';
import { createDownloaderClient, type DownloaderErrorBody } from '@music-apis/sdk/downloader';
import { expect } from 'vitest';
import { defineScenarios, type ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The downloader with auth enabled (every target starts with `DOWNLOADER_ENABLE_AUTH` and this
 * first admin). Scenarios share one target, so each makes its own users and accounts (unique
 * names) and leaves the configuration as it found it where it changes a rule-bearing key.
 */
export const CONTRACT_DOWNLOADER_ADMIN = { username: 'admin', password: 'contract-admin-password' } as const;

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
/** Clients of the downloader scenarios: signed out, and signed in as the contract admin. */
export const anonymous = ({ baseUrl }: ScenarioContext) => createDownloaderClient({ baseUrl, retry: 0 });
export const asAdmin = ({ baseUrl }: ScenarioContext) =>
  createDownloaderClient({ baseUrl, retry: 0, auth: { ...CONTRACT_DOWNLOADER_ADMIN } });
const asUser = ({ baseUrl }: ScenarioContext, username: string, password: string) =>
  createDownloaderClient({ baseUrl, retry: 0, auth: { username, password } });

/** A user made by the admin; returns its name and password. */
async function newUser(context: ScenarioContext, role: 'user' | 'admin' = 'user') {
  const username = unique(role);
  const password = `${username}-password`;
  await asAdmin(context).createUser({ body: { username, password, role } });
  return { username, password };
}

async function expectDetail(call: Promise<unknown>, status: number, detail: string) {
  const body = await expectApiError<DownloaderErrorBody>(call, status);
  expect(body).toEqual({ detail });
}

async function expectNested(call: Promise<unknown>, status: number, error: string | RegExp) {
  const body = (await expectApiError<DownloaderErrorBody>(call, status)) as {
    detail: { error: string; details?: string };
  };
  if (typeof error === 'string') expect(body.detail.error).toBe(error);
  else expect(body.detail.error).toMatch(error);
  return body.detail;
}

/** The guard's 401: `{detail, auth_enabled}` with the Bearer challenge. */
export async function expectAuthRequired(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error('expected 401');
    },
    (caught: unknown) => caught,
  );
  if (!isApiError(error)) throw error;
  expect(error.status).toBe(401);
  expect(error.body).toEqual({ detail: 'Authentication required', auth_enabled: true });
  expect(error.response.headers.get('www-authenticate')).toBe('Bearer');
}

const LIBRESPOT_BLOB = { username: 'spotify-user', auth_type: 1, auth_data: 'QVVUSERBVEE=' };
const ARL = 'a1b2c3d4'.repeat(24);

export const downloaderScenarios = defineScenarios('downloader', 'downloader', [
  {
    name: 'auth status, login, profile and logout: the UI start-up sequence',
    covers: ['getAuthStatus', 'login', 'getProfile', 'logout'],
    async run(context) {
      const status = await anonymous(context).getAuthStatus();
      expect(status).toEqual({
        auth_enabled: true,
        authenticated: false,
        user: null,
        registration_enabled: true,
        // Every target configures both SSO providers (downloader-sso.ts).
        sso_enabled: true,
        sso_providers: ['google', 'github'],
      });
      const login = await anonymous(context).login({ body: { ...CONTRACT_DOWNLOADER_ADMIN } });
      expect(login.token_type).toBe('bearer');
      expect(login.user).toMatchObject({ username: 'admin', role: 'admin', is_sso_user: false });
      expect(login.user.last_login).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
      // The original's claims, nothing more; valid 24 h.
      const claims = JSON.parse(
        atob(login.access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
      );
      expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'role', 'username']);
      expect(claims).toMatchObject({ username: 'admin', role: 'admin' });
      expect(claims.exp - claims.iat).toBe(24 * 3600);

      const signedIn = createDownloaderClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: login.access_token,
      });
      expect(await signedIn.getAuthStatus()).toMatchObject({
        authenticated: true,
        user: { username: 'admin' },
      });
      expect(await signedIn.getProfile()).toMatchObject({ username: 'admin', role: 'admin' });
      expect(await signedIn.logout()).toEqual({ message: 'Logged out successfully' });

      await expectDetail(
        anonymous(context).login({ body: { username: 'admin', password: 'wrong password' } }),
        401,
        'Invalid username or password',
      );
      await expectDetail(
        anonymous(context).login({ body: { username: unique('nobody'), password: 'whatever' } }),
        401,
        'Invalid username or password',
      );
      // A malformed body is FastAPI's 422.
      const invalid = await expectApiError<{ detail: { loc: string[]; type: string }[] }>(
        anonymous(context).login({ body: { username: 'admin' } as never }),
        422,
      );
      expect(invalid.detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'missing' });
      // A token that is not one (tampered, or garbage) is just "not signed in" on the status route.
      const tampered = `${login.access_token.slice(0, -4)}AAAA`;
      const tamperedClient = createDownloaderClient({ baseUrl: context.baseUrl, retry: 0, auth: tampered });
      expect(await tamperedClient.getAuthStatus()).toMatchObject({ authenticated: false, user: null });
    },
  },
  {
    name: 'registration makes a plain user; a duplicate name is refused; a user is not an admin',
    covers: ['register', 'getProfile', 'getConfig', 'listUsers'],
    async run(context) {
      const username = unique('reg');
      const password = 'secret-pass';
      expect(
        await anonymous(context).register({ body: { username, password, email: `${username}@example.com` } }),
      ).toEqual({
        message: 'User created successfully',
      });
      await expectDetail(
        anonymous(context).register({ body: { username, password } }),
        400,
        'Username already exists',
      );
      const user = asUser(context, username, password);
      expect(await user.getProfile()).toMatchObject({
        username,
        role: 'user',
        email: `${username}@example.com`,
      });
      // Admin routes (config, credentials, users) refuse a user, and change nothing.
      await expectDetail(user.getConfig(), 403, 'Admin access required');
      await expectDetail(user.listUsers(), 403, 'Admin access required');
      await expectDetail(user.saveConfig({ customDirFormat: 'user-was-here' }), 403, 'Admin access required');
      expect((await asAdmin(context).getConfig()).customDirFormat).not.toBe('user-was-here');
    },
  },
  {
    name: 'protected routes refuse a missing, tampered or orphaned token with 401, and write nothing',
    covers: ['getConfig', 'updateConfig', 'createCredential', 'getProfile', 'deleteUser'],
    async run(context) {
      const admin = asAdmin(context);
      const before = await admin.getConfig();
      await expectAuthRequired(anonymous(context).getConfig());
      await expectAuthRequired(anonymous(context).saveConfig({ customTrackFormat: 'anonymous' }));
      await expectAuthRequired(anonymous(context).addDeezerAccount(unique('anon'), { arl: ARL }));
      await expectAuthRequired(anonymous(context).getProfile());
      const login = await anonymous(context).login({ body: { ...CONTRACT_DOWNLOADER_ADMIN } });
      const tampered = createDownloaderClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: `${login.access_token.slice(0, -4)}AAAA`,
      });
      await expectAuthRequired(tampered.saveConfig({ customTrackFormat: 'tampered' }));
      // A deleted user's token stops working at once: the user is re-loaded on every request.
      const { username, password } = await newUser(context);
      const doomed = await anonymous(context).login({ body: { username, password } });
      expect(await admin.deleteUser({ username })).toEqual({ message: 'User deleted successfully' });
      const orphan = createDownloaderClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: doomed.access_token,
      });
      await expectAuthRequired(orphan.getProfile());
      expect(await admin.getConfig()).toEqual(before);
      expect(await admin.listAllCredentials({ service: 'deezer' })).not.toContainEqual(
        expect.objectContaining({ name: 'anon' }),
      );
    },
  },
  {
    name: 'user admin: create, list, change role, reset password, delete, with self-protection',
    covers: ['createUser', 'listUsers', 'updateUserRole', 'resetUserPassword', 'deleteUser'],
    async run(context) {
      const admin = asAdmin(context);
      const username = unique('managed');
      expect(await admin.createUser({ body: { username, password: 'first-pass', email: null } })).toEqual({
        message: 'User created successfully',
      });
      await expectDetail(
        admin.createUser({ body: { username, password: 'again' } }),
        400,
        'Username already exists',
      );
      const listed = await admin.listUsers();
      expect(listed).toContainEqual(expect.objectContaining({ username, role: 'user', is_sso_user: false }));

      expect(await admin.updateUserRole({ username, body: { role: 'admin' } })).toEqual({
        message: 'User role updated successfully',
      });
      const promoted = asUser(context, username, 'first-pass');
      expect((await promoted.getProfile()).role).toBe('admin');
      // Now an admin: it may read the configuration.
      expect((await promoted.getConfig()).version).toBe('3.3.0');
      // An admin can neither demote nor delete themselves.
      await expectDetail(
        promoted.updateUserRole({ username, body: { role: 'user' } }),
        400,
        'Cannot change your own role',
      );
      await expectDetail(promoted.deleteUser({ username }), 400, 'Cannot delete your own account');
      await expectDetail(
        admin.updateUserRole({ username: unique('ghost'), body: { role: 'user' } }),
        404,
        'User not found',
      );
      await expectApiError(admin.updateUserRole({ username, body: { role: 'owner' as never } }), 422);

      await expectDetail(
        admin.resetUserPassword({ username, body: { new_password: '123' } }),
        400,
        'Password must be at least 6 characters long',
      );
      expect(await admin.resetUserPassword({ username, body: { new_password: 'second-pass' } })).toEqual({
        message: 'Password reset successfully',
      });
      await expectDetail(
        anonymous(context).login({ body: { username, password: 'first-pass' } }),
        401,
        'Invalid username or password',
      );
      await anonymous(context).login({ body: { username, password: 'second-pass' } });
      await expectDetail(
        admin.resetUserPassword({ username: unique('ghost'), body: { new_password: 'long-enough' } }),
        404,
        'User not found',
      );

      expect(await admin.deleteUser({ username })).toEqual({ message: 'User deleted successfully' });
      await expectDetail(admin.deleteUser({ username }), 404, 'User not found');
      expect((await admin.listUsers()).map((user) => user.username)).not.toContain(username);
    },
  },
  {
    name: 'a user changes their own password',
    covers: ['changePassword'],
    async run(context) {
      const { username, password } = await newUser(context);
      const user = asUser(context, username, password);
      await expectDetail(
        user.changePassword({ body: { current_password: 'not-it', new_password: 'brand-new-pass' } }),
        401,
        'Current password is incorrect',
      );
      await expectDetail(
        user.changePassword({ body: { current_password: password, new_password: 'short' } }),
        400,
        'Password must be at least 6 characters long',
      );
      await expectDetail(
        user.changePassword({ body: { current_password: password, new_password: password } }),
        400,
        'New password must be different from the current password',
      );
      expect(
        await user.changePassword({ body: { current_password: password, new_password: 'brand-new-pass' } }),
      ).toEqual({
        message: 'Password changed successfully',
      });
      await expectDetail(
        anonymous(context).login({ body: { username, password } }),
        401,
        'Invalid username or password',
      );
      expect(
        (await anonymous(context).login({ body: { username, password: 'brand-new-pass' } })).user.username,
      ).toBe(username);
    },
  },
  {
    name: 'main config: every default, partial saves merge, the UI values are stored, legacy keys migrate',
    covers: ['getConfig', 'updateConfig', 'updateConfigViaPut', 'checkConfig', 'validateConfig'],
    async run(context) {
      const admin = asAdmin(context);
      const config = await admin.getConfig();
      expect(config).toMatchObject({
        service: 'spotify',
        version: '3.3.0',
        spotifyQuality: 'NORMAL',
        deezerQuality: 'MP3_128',
        maxConcurrentDownloads: 3,
        maxRetries: 3,
        artistSeparator: '; ',
        realTimeMultiplier: 0,
        watch: {
          watchPollIntervalSeconds: 3600,
          watchedArtistAlbumGroup: ['album', 'single'],
          maxItemsPerRun: 50,
        },
      });
      const track = unique('%tracknum% - %music%');
      // What the Formatting and Downloads tabs send: only their keys, with "" and "auto".
      const saved = await admin.saveConfig({
        customTrackFormat: track,
        padNumberWidth: 'auto',
        convertTo: '',
        bitrate: '',
      });
      expect(saved).toMatchObject({
        customTrackFormat: track,
        padNumberWidth: 'auto',
        convertTo: '',
        bitrate: '',
      });
      // The UI's Formatting and Downloads tabs post the whole configuration as read, changed
      // fields included (realTimeMultiplier 0 among them): it round-trips.
      const roundTrip = await admin.saveConfig({ ...saved, padNumberWidth: 3 });
      expect(roundTrip).toEqual({ ...saved, padNumberWidth: 3 });
      await admin.saveConfig({ padNumberWidth: 'auto' });
      // Keys the body did not name are kept.
      expect(saved.customDirFormat).toBe(config.customDirFormat);
      expect(saved.explicitFilter).toBe(false);
      // PUT is the same partial merge; a legacy snake_case key lands on its camelCase name.
      const put = await admin.updateConfigViaPut({
        body: { artist_separator: ' & ', maxConcurrentDownloads: 0, threads: 4 } as never,
      });
      expect(put).toMatchObject({
        artistSeparator: ' & ',
        customTrackFormat: track,
        maxConcurrentDownloads: 0,
        threads: 4,
      });
      expect(put).not.toHaveProperty('artist_separator');
      expect((await admin.checkConfig()).config).toEqual(put);
      expect((await admin.checkConfig()).message).toBe('Current configuration retrieved.');

      // The original's rules: realTimeMultiplier an integer 0..10 (booleans too are refused).
      for (const realTimeMultiplier of [11, -1, true, 1.5]) {
        await expectNested(
          admin.saveConfig({ realTimeMultiplier } as never),
          400,
          'Configuration validation failed',
        );
      }
      // fallback needs a Spotify account, the Spotify API credentials and a Deezer account.
      const accounts = await Promise.all([
        admin.listCredentials({ service: 'spotify' }),
        admin.listCredentials({ service: 'deezer' }),
      ]);
      if (accounts[0].length === 0 || accounts[1].length === 0) {
        const refused = await expectNested(
          admin.saveConfig({ fallback: true }),
          400,
          'Configuration validation failed',
        );
        expect(refused.details).toMatch(/Fallback requires/);
      }
      await expectNested(
        admin.saveConfig([1, 2] as never),
        400,
        /Invalid config format|Configuration validation failed/,
      );
      expect(await admin.getConfig()).toEqual(put);

      expect(await admin.validateConfig({ body: { realTimeMultiplier: 5 } })).toEqual({
        valid: true,
        message: 'Configuration is valid',
        details: null,
      });
      const invalid = await admin
        .validateConfig({ body: { realTimeMultiplier: 12 } as never })
        .catch((error) => error);
      if (isApiError(invalid)) expect(invalid.status).toBe(400);
      else expect(invalid).toMatchObject({ valid: false });
      await admin.saveConfig({ artistSeparator: '; ', maxConcurrentDownloads: 3 });
    },
  },
  {
    name: 'watch config: defaults, clamping, the realTime rule, validation',
    covers: ['getWatchConfig', 'updateWatchConfig', 'updateWatchConfigViaPut', 'validateWatchConfig'],
    async run(context) {
      const admin = asAdmin(context);
      await admin.saveConfig({ realTime: false, fallback: false });
      expect(await admin.getWatchConfig()).toMatchObject({
        enabled: false,
        watchPollIntervalSeconds: 3600,
        useSnapshotIdChecking: true,
      });
      expect(
        await admin.updateWatchConfig({ body: { maxItemsPerRun: 500, watchPollIntervalSeconds: 600 } }),
      ).toEqual({
        message: 'Watch configuration updated successfully',
      });
      expect(await admin.getWatchConfig()).toMatchObject({
        maxItemsPerRun: 50,
        watchPollIntervalSeconds: 600,
      });
      await admin.updateWatchConfigViaPut({
        body: { maxItemsPerRun: 0, watchedArtistAlbumGroup: ['album', 'compilation'] },
      });
      const clamped = await admin.getWatchConfig();
      expect(clamped).toMatchObject({
        maxItemsPerRun: 1,
        watchPollIntervalSeconds: 600,
        watchedArtistAlbumGroup: ['album', 'compilation'],
      });
      expect((await admin.getConfig()).watch).toEqual(clamped);

      // Watch needs realTime or fallback in the main configuration.
      const refused = await expectNested(
        admin.updateWatchConfig({ body: { enabled: true } }),
        400,
        'Watch configuration validation failed',
      );
      expect(refused.details).toMatch(/realTime or fallback/);
      expect(await admin.validateWatchConfig({ body: { enabled: true } })).toMatchObject({ valid: false });
      await admin.saveConfig({ realTime: true });
      expect(await admin.validateWatchConfig({ body: { enabled: true } })).toEqual({
        valid: true,
        message: 'Watch configuration is valid',
        details: null,
      });
      await admin.updateWatchConfig({ body: { enabled: true } });
      // While watch is on, turning realTime off would break it: refused; a formatting save is fine.
      await expectNested(admin.saveConfig({ realTime: false }), 400, 'Configuration validation failed');
      expect((await admin.saveConfig({ saveCover: true })).watch.enabled).toBe(true);
      await admin.updateWatchConfig({
        body: {
          enabled: false,
          maxItemsPerRun: 50,
          watchPollIntervalSeconds: 3600,
          watchedArtistAlbumGroup: ['album', 'single'],
        },
      });
      await admin.saveConfig({ realTime: false });
    },
  },
  {
    name: 'global Spotify API credentials: saved, read back, a half body refused',
    covers: ['getSpotifyApiConfig', 'updateSpotifyApiConfig'],
    async run(context) {
      const admin = asAdmin(context);
      const current = await admin.getSpotifyApiConfig();
      if (!current.client_id) {
        expect(current).toEqual({
          warning: 'Global Spotify API credentials are not fully configured or file is missing.',
          client_id: '',
          client_secret: '',
        });
      }
      const clientId = unique('client');
      expect(
        await admin.updateSpotifyApiConfig({ body: { client_id: clientId, client_secret: 'app-secret' } }),
      ).toEqual({
        message: 'Global Spotify API credentials updated successfully.',
      });
      expect(await admin.getSpotifyApiConfig()).toEqual({ client_id: clientId, client_secret: 'app-secret' });
      await expectNested(
        admin.updateSpotifyApiConfig({ body: { client_id: 'only-id' } as never }),
        400,
        "Request body must contain 'client_id' and 'client_secret'",
      );
      expect((await admin.getSpotifyApiConfig()).client_id).toBe(clientId);
    },
  },
  {
    name: 'accounts: Spotify and Deezer with an empty region, listed as names, read, updated, deleted, markets',
    covers: [
      'createCredential',
      'listCredentials',
      'getCredential',
      'updateCredential',
      'deleteCredential',
      'listAllCredentials',
      'getCredentialMarkets',
    ],
    async run(context) {
      const admin = asAdmin(context);
      const spotifyName = unique('spotify');
      const deezerName = unique('deezer');
      // The Accounts tab sends region "" from an empty "Region (Optional)" field.
      expect(
        await admin.addSpotifyAccount(spotifyName, { blob_content: LIBRESPOT_BLOB, region: '' }),
      ).toEqual({
        message: `Credential for '${spotifyName}' (spotify) created successfully.`,
        details: { status: 'created', service: 'spotify', name: spotifyName },
      });
      await admin.addDeezerAccount(deezerName, { arl: ARL, region: 'DE' });
      expect(await admin.listCredentials({ service: 'spotify' })).toContain(spotifyName);
      expect(await admin.listCredentials({ service: 'deezer' })).toContain(deezerName);
      expect(await admin.getCredential({ service: 'spotify', name: spotifyName })).toEqual({
        name: spotifyName,
        region: '',
        blob_content: LIBRESPOT_BLOB,
        blob_file_path: expect.stringContaining(spotifyName),
      });
      expect(await admin.getCredential({ service: 'deezer', name: deezerName })).toEqual({
        name: deezerName,
        region: 'DE',
        arl: ARL,
      });
      // The first account of a service becomes the active one.
      const config = await admin.getConfig();
      expect(config.spotify).not.toBe('');
      expect(config.deezer).not.toBe('');

      // The offline login check refuses a malformed secret; a duplicate name is a 409.
      const spotifyRefused = await expectNested(
        admin.addSpotifyAccount(unique('bad'), { blob_content: { hello: 'world' } }),
        400,
        /^Could not create credential: /,
      );
      expect(spotifyRefused.error).toMatch(/auth_data/);
      await expectNested(
        admin.addDeezerAccount(unique('bad'), { arl: 'not-an-arl' }),
        400,
        /^Could not create credential: /,
      );
      await expectNested(
        admin.addDeezerAccount(deezerName, { arl: ARL }),
        409,
        `Credential '${deezerName}' for deezer already exists.`,
      );
      await expectNested(
        admin.createCredential({ service: 'deezer', name: unique('empty'), body: { region: 'US' } as never }),
        400,
        /^Could not create credential/,
      );
      expect(await admin.listCredentials({ service: 'deezer' })).not.toContainEqual(
        expect.stringMatching(/^bad-|^empty-/),
      );

      // A blob sent as JSON text is stored verbatim and read back as the object.
      expect(
        await admin.updateCredential({
          service: 'spotify',
          name: spotifyName,
          body: { blob_content: JSON.stringify({ ...LIBRESPOT_BLOB, username: 'other' }), region: 'SE' },
        }),
      ).toEqual({
        message: `Credential for '${spotifyName}' (spotify) updated successfully.`,
        details: { status: 'updated', service: 'spotify', name: spotifyName },
      });
      expect(await admin.getCredential({ service: 'spotify', name: spotifyName })).toMatchObject({
        region: 'SE',
        blob_content: { ...LIBRESPOT_BLOB, username: 'other' },
      });
      await expectNested(
        admin.updateCredential({ service: 'deezer', name: unique('ghost'), body: { region: 'FR' } }),
        404,
        /No deezer credential found/,
      );

      const markets = await admin.getCredentialMarkets();
      expect(markets.spotify).toContain('SE');
      expect(markets.deezer).toContain('DE');
      expect(markets.spotify).toEqual([...markets.spotify].sort());
      expect(await admin.listAllCredentials({ service: 'deezer' })).toContainEqual({
        name: deezerName,
        details: { name: deezerName, region: 'DE', arl: ARL },
      });

      expect(await admin.deleteCredential({ service: 'deezer', name: deezerName })).toEqual({
        message: `Credential '${deezerName}' (deezer) deleted successfully.`,
        details: { status: 'deleted', service: 'deezer', name: deezerName },
      });
      await expectNested(
        admin.deleteCredential({ service: 'deezer', name: deezerName }),
        404,
        `Credential '${deezerName}' not found for deezer.`,
      );
      await expectNested(
        admin.getCredential({ service: 'deezer', name: deezerName }),
        404,
        `No deezer credential found with name '${deezerName}'`,
      );
      await admin.deleteCredential({ service: 'spotify', name: spotifyName });
      expect(await admin.listCredentials({ service: 'spotify' })).not.toContain(spotifyName);
    },
  },
]);
