import { createDownloaderClient, type DownloaderErrorBody } from '@music-apis/sdk/downloader';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { anonymous, CONTRACT_DOWNLOADER_ADMIN, expectAuthRequired } from './downloader.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The downloader's Google and GitHub sign-in, the whole flow on every target: the mock simulates
 * the providers, the server targets call a local stand-in (../oauth-peer.ts). Both accept a code
 * `email:<address>` as that verified address (the mock's `downloaderMockSsoCode`). The browser is
 * played by hand: the login redirect's state and cookie are carried to the callback, which sends
 * the browser to the frontend (the default `http://localhost:3000`) with `?token=` or `?error=`.
 * (A callback without the cookie is refused too; that case is in the server's
 * downloader-sso.test.ts, since MSW keeps mocked cookies like a browser and would send it.)
 */

type Provider = 'google' | 'github';
const FRONTEND = 'http://localhost:3000/';
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
const withToken = ({ baseUrl }: ScenarioContext, token: string) =>
  createDownloaderClient({ baseUrl, retry: 0, auth: token });
const codeFor = (email: string) => `email:${email}`;

const navigate = (context: ScenarioContext, path: string, cookie?: string) =>
  fetch(new URL(path, context.baseUrl), { redirect: 'manual', headers: cookie ? { cookie } : {} });

/** The login redirect: its target, the state in it, and the cookie that binds the state. */
async function startLogin(context: ScenarioContext, provider: Provider) {
  const response = await navigate(context, `/api/auth/sso/login/${provider}`);
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location') ?? '');
  const setCookie = response.headers.get('set-cookie') ?? '';
  const state = location.searchParams.get('state') ?? '';
  expect(setCookie).toContain(`downloader_sso_state_${provider}=${state};`);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Lax/);
  return { location, state, cookie: setCookie.split(';')[0]! };
}

/** The provider's return to the callback; where the browser is sent. */
async function returnFromProvider(
  context: ScenarioContext,
  provider: Provider,
  query: Record<string, string>,
  cookie: string,
) {
  const response = await navigate(
    context,
    `/api/auth/sso/callback/${provider}?${new URLSearchParams(query)}`,
    cookie,
  );
  expect(response.status).toBe(307);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(FRONTEND);
  return {
    token: location.searchParams.get('token'),
    error: location.searchParams.get('error'),
    setCookie: response.headers.get('set-cookie'),
  };
}

/** A full sign-in as `email`; the token the frontend gets. */
async function signIn(context: ScenarioContext, provider: Provider, email: string) {
  const { state, cookie } = await startLogin(context, provider);
  const done = await returnFromProvider(context, provider, { code: codeFor(email), state }, cookie);
  expect(done.error).toBeNull();
  expect(done.setCookie).toContain(`access_token=${done.token};`);
  return done.token!;
}

export const downloaderSsoScenarios: Scenario[] = [
  {
    name: 'SSO status lists Google and GitHub; each login redirects with a fresh state bound by a cookie',
    covers: ['getSsoStatus', 'startGoogleLogin', 'startGithubLogin'],
    async run(context) {
      expect(await anonymous(context).getSsoStatus()).toEqual({
        sso_enabled: true,
        providers: [
          { name: 'google', display_name: 'Google', enabled: true, login_url: '/api/auth/sso/login/google' },
          { name: 'github', display_name: 'GitHub', enabled: true, login_url: '/api/auth/sso/login/github' },
        ],
        registration_enabled: true,
      });
      const google = await startLogin(context, 'google');
      const again = await startLogin(context, 'google');
      const github = await startLogin(context, 'github');
      expect(google.state).toMatch(/^[\w-]{32,}$/);
      expect(new Set([google.state, again.state, github.state]).size).toBe(3);
    },
  },
  {
    name: 'SSO callback: a new user is created, an existing email is linked, a state works once and only with its cookie',
    covers: ['completeGoogleLogin', 'completeGithubLogin', 'getProfile'],
    async run(context) {
      // A new person: a plain user named after the email, without a password.
      const local = unique('sso');
      const token = await signIn(context, 'google', `${local}@example.com`);
      expect(await withToken(context, token).getProfile()).toMatchObject({
        username: local,
        email: `${local}@example.com`,
        role: 'user',
        sso_provider: 'google',
        is_sso_user: true,
      });
      // Someone with the same local part elsewhere gets a numbered name.
      const namesake = await signIn(context, 'github', `${local}@example.org`);
      expect((await withToken(context, namesake).getProfile()).username).toBe(`${local}1`);

      // An account made with a password and an email is linked, not duplicated.
      const admin = createDownloaderClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { ...CONTRACT_DOWNLOADER_ADMIN },
      });
      const username = unique('linked');
      await admin.createUser({
        body: { username, password: `${username}-pw`, email: `${username}@example.com` },
      });
      const linked = await signIn(context, 'github', `${username}@example.com`);
      expect(await withToken(context, linked).getProfile()).toMatchObject({
        username,
        sso_provider: 'github',
        is_sso_user: true,
      });

      // Replayed, foreign or absent states sign nobody in.
      const first = await startLogin(context, 'google');
      const second = await startLogin(context, 'google');
      const code = codeFor(`${unique('csrf')}@example.com`);
      expect(
        (await returnFromProvider(context, 'google', { code, state: first.state }, second.cookie)).error,
      ).toBe('Invalid or missing OAuth state');
      expect((await returnFromProvider(context, 'google', { code }, first.cookie)).error).toBe(
        'Invalid or missing OAuth state',
      );
      const used = await returnFromProvider(context, 'google', { code, state: first.state }, first.cookie);
      expect(used.token).toBeTruthy();
      const replay = await returnFromProvider(context, 'google', { code, state: first.state }, first.cookie);
      expect(replay).toMatchObject({ token: null, error: 'Invalid or expired OAuth state' });
      // A code the provider refuses ends on the frontend too.
      const refused = await returnFromProvider(
        context,
        'google',
        { code: 'not-a-code', state: second.state },
        second.cookie,
      );
      expect(refused).toMatchObject({ token: null, error: 'Google refused the sign-in' });
    },
  },
  {
    name: 'unlink: a user with a password drops the link; an SSO-only account keeps its only way in',
    covers: ['unlinkSsoProvider'],
    async run(context) {
      await expectAuthRequired(anonymous(context).unlinkSsoProvider({ provider: 'google' }));
      const admin = createDownloaderClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { ...CONTRACT_DOWNLOADER_ADMIN },
      });
      const username = unique('unlink');
      const password = `${username}-pw`;
      await admin.createUser({ body: { username, password, email: `${username}@example.com` } });
      const token = await signIn(context, 'google', `${username}@example.com`);
      const user = withToken(context, token);
      expect(
        await expectApiError<DownloaderErrorBody>(user.unlinkSsoProvider({ provider: 'github' }), 400),
      ).toEqual({ detail: 'SSO provider github is not linked to this account' });
      expect(await user.unlinkSsoProvider({ provider: 'google' })).toEqual({
        message: 'SSO provider google unlinked successfully',
      });
      expect(await user.getProfile()).toMatchObject({ username, sso_provider: null, is_sso_user: false });
      // The password still signs in.
      const byPassword = createDownloaderClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { username, password },
      });
      expect(await byPassword.getProfile()).toMatchObject({ username });

      const ssoOnly = withToken(context, await signIn(context, 'github', `${unique('only')}@example.com`));
      expect(
        await expectApiError<DownloaderErrorBody>(ssoOnly.unlinkSsoProvider({ provider: 'github' }), 400),
      ).toEqual({ detail: 'Cannot unlink the only sign-in method of an account without a password' });
      expect(await ssoOnly.getProfile()).toMatchObject({ sso_provider: 'github' });
    },
  },
];
