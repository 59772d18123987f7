import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloaderMockSsoCode } from '../src/index.js';
import { setupMockServer } from '../src/node.js';

// The downloader mock's simulated Google/GitHub: consent is instant (the login redirect points
// straight at the callback), the state is checked as on the server, on the mock's clock.
const baseUrl = 'https://downloader-sso.example.test';
let clock = new Date('2025-09-03T18:41:05.000Z');
const { server, mock } = setupMockServer({ baseUrl, now: () => clock });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  mock.reset();
  mock.state.downloader.settings.authEnabled = true;
  mock.state.downloader.settings.ssoProviders = ['google', 'github'];
  mock.state.downloader.sso.frontendUrl = 'https://app.example.test/login';
});

const go = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });

async function start(provider: 'google' | 'github') {
  const response = await go(`${baseUrl}/api/auth/sso/login/${provider}`);
  expect(response.status).toBe(303);
  return {
    location: new URL(response.headers.get('location')!),
    cookie: response.headers.get('set-cookie')!.split(';')[0]!,
  };
}

describe('the downloader mock SSO', () => {
  it('following the login redirect signs in the consent email and lands on the frontend with a token', async () => {
    mock.state.downloader.sso.consentEmail = 'Ada@Example.com';
    const { location, cookie } = await start('github');
    expect(`${location.origin}${location.pathname}`).toBe(`${baseUrl}/api/auth/sso/callback/github`);
    expect(location.searchParams.get('code')).toBe(downloaderMockSsoCode('Ada@Example.com'));
    const callback = await go(location.toString(), cookie);
    expect(callback.status).toBe(307);
    const landing = new URL(callback.headers.get('location')!);
    expect(`${landing.origin}${landing.pathname}`).toBe('https://app.example.test/login');
    const profile = await fetch(`${baseUrl}/api/auth/profile`, {
      headers: { authorization: `Bearer ${landing.searchParams.get('token')}` },
    });
    expect(await profile.json()).toMatchObject({
      username: 'Ada',
      email: 'Ada@Example.com',
      sso_provider: 'github',
    });
    expect(
      [...mock.state.downloader.users.values()].filter((user) => user.ssoProvider === 'github'),
    ).toHaveLength(1);
  });

  it('a state expires after 10 minutes on the mock clock; a code that is not email:<address> is refused', async () => {
    const late = await start('google');
    clock = new Date(clock.getTime() + 601_000);
    const expired = await go(late.location.toString(), late.cookie);
    expect(new URL(expired.headers.get('location')!).searchParams.get('error')).toBe(
      'Invalid or expired OAuth state',
    );
    const bad = await start('google');
    bad.location.searchParams.set('code', 'nonsense');
    const refused = await go(bad.location.toString(), bad.cookie);
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe(
      'Google refused the sign-in',
    );
  });
});
