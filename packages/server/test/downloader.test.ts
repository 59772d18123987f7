import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServerConfig } from '../src/core/config.js';
import { createFirstDownloaderAdmin } from '../src/downloader/module.js';
import type { CliLocation } from '../src/operator-commands.js';
import { startBanner } from '../src/start-banner.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * The downloader's server side beyond the contract scenarios (which run with auth on): the
 * default auth-off mode, the first admin, secrets at rest, the last-admin rule under concurrency.
 */

let test: TestServer | undefined;
afterEach(async () => {
  await test?.stop();
  test = undefined;
});

const downloader = (changes: Partial<ServerConfig['downloader']> = {}) => ({
  downloader: { ...loadConfig({}).downloader, ...changes },
});

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(`${test!.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('downloader with auth disabled (the default)', () => {
  it('treats every request as the admin system and refuses the account routes', async () => {
    test = await startTestServer();
    const status = await call('/api/auth/status');
    expect(status.body).toMatchObject({
      auth_enabled: false,
      authenticated: true,
      user: { username: 'system', role: 'admin' },
      registration_enabled: false,
      sso_enabled: false,
    });
    // Admin routes are open, without a token.
    expect((await call('/api/config')).status).toBe(200);
    expect((await call('/api/auth/profile')).body).toMatchObject({ username: 'system' });
    for (const [path, body] of [
      ['/api/auth/login', { username: 'admin', password: 'whatever' }],
      ['/api/auth/register', { username: 'someone', password: 'whatever' }],
      ['/api/auth/users/create', { username: 'someone', password: 'whatever' }],
    ] as const) {
      expect(await call(path, { method: 'POST', body })).toEqual({
        status: 400,
        body: { detail: 'Authentication is disabled' },
      });
    }
    expect(await createFirstDownloaderAdmin(test.server.db, test.server.config)).toBeUndefined();
    expect((await call('/api/auth/users')).body).toEqual([]);
  });
});

describe('downloader with auth enabled', () => {
  it('creates the first admin once, with a random password that logs in', async () => {
    test = await startTestServer(downloader({ authEnabled: true }));
    const first = await createFirstDownloaderAdmin(test.server.db, test.server.config);
    expect(first?.username).toBe('admin');
    expect(first?.password).toMatch(/^[\w-]{16}$/);
    // Never again, and never a second password.
    expect(await createFirstDownloaderAdmin(test.server.db, test.server.config)).toBeUndefined();
    const stored = await test.server.db('downloader_users').where({ username: 'admin' }).first();
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(stored.password_hash).not.toContain(first!.password);
    const login = await call('/api/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: first!.password },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('admin');
  });

  it('keeps account secrets encrypted at rest and reads them back', async () => {
    test = await startTestServer(downloader({ authEnabled: true, adminPassword: 'admin-password' }));
    await createFirstDownloaderAdmin(test.server.db, test.server.config);
    const { body } = await call('/api/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: 'admin-password' },
    });
    const token = body.access_token;
    const arl = 'f00d'.repeat(48);
    const blob = { username: 'spotify-user', auth_type: 1, auth_data: 'c2VjcmV0LWJsb2I=' };
    expect(
      (await call('/api/credentials/deezer/main', { method: 'POST', body: { arl, region: '' }, token }))
        .status,
    ).toBe(200);
    expect(
      (await call('/api/credentials/spotify/main', { method: 'POST', body: { blob_content: blob }, token }))
        .status,
    ).toBe(200);
    await call('/api/credentials/spotify_api_config', {
      method: 'PUT',
      body: { client_id: 'app-id', client_secret: 'app-secret-value' },
      token,
    });
    const dump = JSON.stringify([
      await test.server.db('downloader_accounts').select(),
      await test.server.db('downloader_settings').select(),
    ]);
    for (const secret of [arl, blob.auth_data, 'app-secret-value']) expect(dump).not.toContain(secret);
    expect((await call('/api/credentials/deezer/main', { token })).body).toEqual({
      name: 'main',
      region: '',
      arl,
    });
    expect((await call('/api/credentials/spotify_api_config', { token })).body).toEqual({
      client_id: 'app-id',
      client_secret: 'app-secret-value',
    });
  });

  it('never removes or demotes the last admin, even when two requests race', async () => {
    test = await startTestServer(downloader({ authEnabled: true, adminPassword: 'admin-password' }));
    await createFirstDownloaderAdmin(test.server.db, test.server.config);
    const login = async (username: string, password: string) =>
      (await call('/api/auth/login', { method: 'POST', body: { username, password } })).body
        .access_token as string;
    const admin = await login('admin', 'admin-password');
    await call('/api/auth/users/create', {
      method: 'POST',
      body: { username: 'second', password: 'second-password', role: 'admin' },
      token: admin,
    });
    const second = await login('second', 'second-password');
    // Each admin demotes the other at the same moment: one may win, never both.
    const answers = await Promise.all([
      call('/api/auth/users/second/role', { method: 'PUT', body: { role: 'user' }, token: admin }),
      call('/api/auth/users/admin/role', { method: 'PUT', body: { role: 'user' }, token: second }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toContain(200);
    const admins = await test.server.db('downloader_users').where({ role: 'admin' });
    expect(admins.length).toBeGreaterThanOrEqual(1);
  });

  it('migrates a stored legacy key and keeps unknown keys', async () => {
    test = await startTestServer(downloader());
    await test.server.db('downloader_settings').insert({
      name: 'main',
      value: JSON.stringify({ save_cover: false, pad_number_width: 2, customSetting: 'kept' }),
    });
    const { body } = await call('/api/config');
    expect(body).toMatchObject({ saveCover: false, padNumberWidth: 2, customSetting: 'kept' });
    expect(body).not.toHaveProperty('save_cover');
  });
});

describe('the start banner', () => {
  const location: CliLocation = { cloneRoot: process.cwd(), cwd: process.cwd() };
  it('shows a generated first-admin password, and says when auth is off', async () => {
    const on = loadConfig({ DOWNLOADER_ENABLE_AUTH: 'true' });
    const shown = startBanner('http://localhost:8080', on, undefined, location, {
      downloaderAdmin: { username: 'admin', password: 'generated-once' },
    });
    expect(shown).toContain(
      'Downloader first admin (the password is shown this once, keep it):\n    admin / generated-once',
    );
    // Later starts (no admin made) never show a password.
    expect(startBanner('http://localhost:8080', on, undefined, location)).toContain('Downloader auth: on\n');
    expect(startBanner('http://localhost:8080', loadConfig({}), undefined, location)).toContain(
      'Downloader auth: off',
    );
  });
});
