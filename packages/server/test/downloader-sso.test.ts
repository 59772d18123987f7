import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { createFirstDownloaderAdmin } from '../src/downloader/module.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * Google and GitHub sign-in against the real OAuth endpoints' shapes, with MSW standing in for
 * both providers (the server calls them with the global fetch): the state round trip, the code
 * exchange, find-or-link-or-create, the error redirects, and unlink.
 */

const FRONTEND = 'https://app.example.com/';
const ADMIN = { username: 'admin', password: 'sso-admin-password' };

/** Who the providers say signed in, by the code the test sends. */
interface Person {
  id: string;
  email: string | null;
  verified?: boolean;
  /** GitHub: the addresses of `/user/emails` when the profile has none. */
  emails?: { email: string; primary: boolean; verified: boolean }[];
}
const people = new Map<string, Person>();
const tokenRequests: { provider: string; form: URLSearchParams }[] = [];

const providers = setupServer(
  http.post('https://oauth2.googleapis.com/token', async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    tokenRequests.push({ provider: 'google', form });
    if (!people.has(form.get('code') ?? ''))
      return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
    return HttpResponse.json({ access_token: `google-token-${form.get('code')}`, token_type: 'Bearer' });
  }),
  http.get('https://openidconnect.googleapis.com/v1/userinfo', ({ request }) => {
    const code = request.headers.get('authorization')?.replace('Bearer google-token-', '') ?? '';
    const person = people.get(code);
    if (!person) return HttpResponse.json({ error: 'invalid_token' }, { status: 401 });
    return HttpResponse.json({
      sub: person.id,
      email: person.email,
      email_verified: person.verified ?? true,
    });
  }),
  http.post('https://github.com/login/oauth/access_token', async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    tokenRequests.push({ provider: 'github', form });
    // GitHub answers a bad code with 200 and an error field.
    if (!people.has(form.get('code') ?? '')) return HttpResponse.json({ error: 'bad_verification_code' });
    return HttpResponse.json({ access_token: `github-token-${form.get('code')}`, token_type: 'bearer' });
  }),
  http.get('https://api.github.com/user', ({ request }) => {
    const person = people.get(
      request.headers.get('authorization')?.replace('Bearer github-token-', '') ?? '',
    );
    if (!person) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
    return HttpResponse.json({ id: Number(person.id), login: 'octo', email: person.email });
  }),
  http.get('https://api.github.com/user/emails', ({ request }) => {
    const person = people.get(
      request.headers.get('authorization')?.replace('Bearer github-token-', '') ?? '',
    );
    return HttpResponse.json(person?.emails ?? []);
  }),
);

let test: TestServer;
beforeAll(async () => {
  providers.listen({ onUnhandledRequest: 'bypass' });
  test = await startTestServer({
    downloader: {
      ...loadConfig({
        DOWNLOADER_ENABLE_AUTH: 'true',
        DOWNLOADER_ADMIN_USERNAME: ADMIN.username,
        DOWNLOADER_ADMIN_PASSWORD: ADMIN.password,
        DOWNLOADER_GOOGLE_CLIENT_ID: 'google-client',
        DOWNLOADER_GOOGLE_CLIENT_SECRET: 'google-secret',
        DOWNLOADER_GITHUB_CLIENT_ID: 'github-client',
        DOWNLOADER_GITHUB_CLIENT_SECRET: 'github-secret',
        DOWNLOADER_FRONTEND_URL: FRONTEND,
      }).downloader,
    },
  });
  await createFirstDownloaderAdmin(test.server.db, test.server.config);
});
afterAll(async () => {
  await test.stop(true);
  providers.close();
});
beforeEach(() => {
  people.clear();
  tokenRequests.length = 0;
});

const raw = (path: string, init: RequestInit = {}) =>
  fetch(`${test.baseUrl}${path}`, { redirect: 'manual', ...init });

/** Starts a sign-in: the provider URL it redirects to, its state and the cookie that binds it. */
async function start(provider: 'google' | 'github') {
  const response = await raw(`/api/auth/sso/login/${provider}`);
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  const setCookie = response.headers.get('set-cookie')!;
  return {
    location,
    state: location.searchParams.get('state')!,
    setCookie,
    cookie: setCookie.split(';')[0]!,
  };
}

/** The callback as the provider's redirect makes the browser call it; where it sends the browser. */
async function callback(provider: 'google' | 'github', query: Record<string, string>, cookie?: string) {
  const response = await raw(`/api/auth/sso/callback/${provider}?${new URLSearchParams(query)}`, {
    headers: cookie ? { cookie } : {},
  });
  expect(response.status).toBe(307);
  const location = new URL(response.headers.get('location')!);
  return {
    response,
    location,
    token: location.searchParams.get('token'),
    error: location.searchParams.get('error'),
  };
}

async function profile(token: string) {
  const response = await fetch(`${test.baseUrl}/api/auth/profile`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return response.json();
}

async function adminToken() {
  const response = await fetch(`${test.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('downloader SSO (MSW standing in for Google and GitHub)', () => {
  it('reports both providers as configured', async () => {
    const response = await raw('/api/auth/sso/status');
    expect(await response.json()).toEqual({
      sso_enabled: true,
      providers: [
        { name: 'google', display_name: 'Google', enabled: true, login_url: '/api/auth/sso/login/google' },
        { name: 'github', display_name: 'GitHub', enabled: true, login_url: '/api/auth/sso/login/github' },
      ],
      registration_enabled: true,
    });
    const status = await (await raw('/api/auth/status')).json();
    expect(status).toMatchObject({ sso_enabled: true, sso_providers: ['google', 'github'] });
  });

  it('Google: start → consent → callback creates a user and redirects to the frontend with a token', async () => {
    const { location, state, setCookie, cookie } = await start('google');
    expect(`${location.origin}${location.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    const redirectUri = `${test.baseUrl}/api/auth/sso/callback/google`;
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: 'google-client',
      response_type: 'code',
      redirect_uri: redirectUri,
      prompt: 'consent',
      access_type: 'offline',
    });
    expect(state).toMatch(/^[\w-]{43}$/);
    expect(setCookie).toMatch(
      new RegExp(
        `^downloader_sso_state_google=${state}; Path=/api/auth/sso/callback; Max-Age=600; HttpOnly; SameSite=Lax$`,
      ),
    );
    // The state is kept in the database (any instance may get the callback).
    expect(await test.server.db('downloader_sso_states').where({ state }).first()).toMatchObject({
      provider: 'google',
    });

    people.set('code-ada', { id: 'google-sub-ada', email: 'ada.lovelace@example.com' });
    const done = await callback('google', { code: 'code-ada', state }, cookie);
    expect(`${done.location.origin}${done.location.pathname}`).toBe('https://app.example.com/');
    expect(done.error).toBeNull();
    expect(done.response.headers.get('set-cookie')).toBe(
      `access_token=${done.token}; HttpOnly; Max-Age=86400; Path=/; SameSite=Lax`,
    );
    expect(tokenRequests[0]?.form.get('redirect_uri')).toBe(redirectUri);
    expect(tokenRequests[0]?.form.get('client_secret')).toBe('google-secret');
    expect(await profile(done.token!)).toMatchObject({
      username: 'ada.lovelace',
      email: 'ada.lovelace@example.com',
      role: 'user',
      sso_provider: 'google',
      is_sso_user: true,
    });
    // Single use: the same state (and cookie) again signs nobody in.
    const replay = await callback('google', { code: 'code-ada', state }, cookie);
    expect(replay.token).toBeNull();
    expect(replay.error).toBe('Invalid or expired OAuth state');
    // Signing in again finds the linked user; a second person with the same local part gets a suffix.
    const again = await start('google');
    const second = await callback('google', { code: 'code-ada', state: again.state }, again.cookie);
    expect((await profile(second.token!)).username).toBe('ada.lovelace');
    people.set('code-other-ada', { id: 'google-sub-other', email: 'ada.lovelace@example.org' });
    const other = await start('google');
    const third = await callback('google', { code: 'code-other-ada', state: other.state }, other.cookie);
    expect((await profile(third.token!)).username).toBe('ada.lovelace1');
  });

  it('GitHub: links an existing account by its primary verified email; unlink keeps the password', async () => {
    const admin = await adminToken();
    await fetch(`${test.baseUrl}/api/auth/users/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ username: 'grace', password: 'grace-password', email: 'Grace@Example.com' }),
    });
    people.set('code-grace', {
      id: '4242',
      email: null,
      emails: [
        { email: 'old@example.com', primary: false, verified: true },
        { email: 'grace@example.com', primary: true, verified: true },
      ],
    });
    const { location, state, cookie } = await start('github');
    expect(`${location.origin}${location.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(location.searchParams.get('scope')).toBe('user:email');
    const done = await callback('github', { code: 'code-grace', state }, cookie);
    expect(await profile(done.token!)).toMatchObject({
      username: 'grace',
      sso_provider: 'github',
      is_sso_user: true,
    });

    const unlink = (provider: string, token: string) =>
      fetch(`${test.baseUrl}/api/auth/sso/unlink/${provider}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await unlink('github', '')).status).toBe(401);
    const wrong = await unlink('google', done.token!);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ detail: 'SSO provider google is not linked to this account' });
    const unlinked = await unlink('github', done.token!);
    expect(await unlinked.json()).toEqual({ message: 'SSO provider github unlinked successfully' });
    expect(await profile(done.token!)).toMatchObject({ sso_provider: null, is_sso_user: false });
    // The password still signs in.
    const login = await fetch(`${test.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'grace', password: 'grace-password' }),
    });
    expect(login.status).toBe(200);
  });

  it('an account without a password cannot unlink its only way in', async () => {
    people.set('code-sso-only', { id: '777', email: 'only@example.com' });
    const { state, cookie } = await start('github');
    const done = await callback('github', { code: 'code-sso-only', state }, cookie);
    const response = await fetch(`${test.baseUrl}/api/auth/sso/unlink/github`, {
      method: 'POST',
      headers: { authorization: `Bearer ${done.token}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      detail: 'Cannot unlink the only sign-in method of an account without a password',
    });
    expect(await profile(done.token!)).toMatchObject({ sso_provider: 'github' });
  });

  it('refuses a missing, mismatched or foreign state, and never calls the provider for it', async () => {
    people.set('code-mallory', { id: 'mallory', email: 'mallory@example.com' });
    const mine = await start('google');
    const theirs = await start('google');
    // No cookie (a link forged by someone else), a cookie of another sign-in, no state at all.
    expect((await callback('google', { code: 'code-mallory', state: mine.state })).error).toBe(
      'Invalid or missing OAuth state',
    );
    expect((await callback('google', { code: 'code-mallory', state: mine.state }, theirs.cookie)).error).toBe(
      'Invalid or missing OAuth state',
    );
    expect((await callback('google', { code: 'code-mallory' }, mine.cookie)).error).toBe(
      'Invalid or missing OAuth state',
    );
    // A Google state at the GitHub callback (its cookie name differs too).
    const github = `downloader_sso_state_github=${mine.state}`;
    expect((await callback('github', { code: 'code-mallory', state: mine.state }, github)).error).toBe(
      'Invalid or expired OAuth state',
    );
    expect(tokenRequests).toEqual([]);
    // The refused attempts did not use up the real one.
    expect(
      (await callback('google', { code: 'code-mallory', state: mine.state }, mine.cookie)).token,
    ).toBeTruthy();
  });

  it('a sign-in started on one instance completes on another (the state is in the database)', async () => {
    const other = await startTestServer({ dataDir: test.dataDir, downloader: test.server.config.downloader });
    try {
      const { state, cookie } = await start('google');
      people.set('code-elsewhere', { id: 'elsewhere', email: 'elsewhere@example.com' });
      const response = await fetch(
        `${other.baseUrl}/api/auth/sso/callback/google?${new URLSearchParams({ code: 'code-elsewhere', state })}`,
        { redirect: 'manual', headers: { cookie } },
      );
      const token = new URL(response.headers.get('location')!).searchParams.get('token');
      expect((await profile(token!)).username).toBe('elsewhere');
    } finally {
      await other.stop(false);
    }
  });

  it('an expired state is refused', async () => {
    const { state, cookie } = await start('google');
    await test.server
      .db('downloader_sso_states')
      .where({ state })
      .update({ expires_at: Date.now() - 1 });
    people.set('code-late', { id: 'late', email: 'late@example.com' });
    expect((await callback('google', { code: 'code-late', state }, cookie)).error).toBe(
      'Invalid or expired OAuth state',
    );
  });

  it('provider refusals and unverified emails end on the frontend with ?error=', async () => {
    const bad = await start('google');
    expect((await callback('google', { code: 'no-such-code', state: bad.state }, bad.cookie)).error).toBe(
      'Google refused the sign-in',
    );
    const badGithub = await start('github');
    expect(
      (await callback('github', { code: 'no-such-code', state: badGithub.state }, badGithub.cookie)).error,
    ).toBe('GitHub refused the sign-in');
    people.set('code-unverified', { id: 'unverified', email: 'admin@example.com', verified: false });
    const unverified = await start('google');
    expect(
      (await callback('google', { code: 'code-unverified', state: unverified.state }, unverified.cookie))
        .error,
    ).toBe('No verified email address was provided by Google');
    const noCode = await start('google');
    expect((await callback('google', { state: noCode.state }, noCode.cookie)).error).toBe(
      'Missing authorization code',
    );
  });
});

describe('downloader SSO switched off or unconfigured', () => {
  let off: TestServer | undefined;
  afterEach(async () => {
    await off?.stop(true);
    off = undefined;
  });

  it('answers 400 on the login and callback routes, and reports no provider', async () => {
    off = await startTestServer({
      downloader: {
        ...loadConfig({
          DOWNLOADER_ENABLE_AUTH: 'true',
          DOWNLOADER_GOOGLE_CLIENT_ID: 'id',
          DOWNLOADER_GOOGLE_CLIENT_SECRET: 's',
        }).downloader,
      },
    });
    const get = (path: string) => fetch(`${off!.baseUrl}${path}`, { redirect: 'manual' });
    expect((await get('/api/auth/sso/login/google')).status).toBe(303);
    const github = await get('/api/auth/sso/login/github');
    expect(github.status).toBe(400);
    expect(await github.json()).toEqual({ detail: 'GitHub SSO is not configured' });
    await off.stop(true);
    off = await startTestServer({
      downloader: {
        ...loadConfig({ DOWNLOADER_ENABLE_AUTH: 'true', DOWNLOADER_SSO_ENABLED: 'false' }).downloader,
      },
    });
    for (const path of ['/api/auth/sso/login/google', '/api/auth/sso/callback/github?code=x&state=y']) {
      const response = await get(path);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ detail: 'SSO is disabled' });
    }
    expect(await (await get('/api/auth/sso/status')).json()).toEqual({
      sso_enabled: false,
      providers: [],
      registration_enabled: true,
    });
  });

  it('refuses half a provider configuration at start', () => {
    expect(() => loadConfig({ DOWNLOADER_GITHUB_CLIENT_ID: 'id' })).toThrow(
      'DOWNLOADER_GITHUB_CLIENT_ID and DOWNLOADER_GITHUB_CLIENT_SECRET go together',
    );
  });
});
