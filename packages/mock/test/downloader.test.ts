import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupMockServer } from '../src/node.js';

// The downloader mock's auth modes (the contract scenarios run it with auth on): off by default
// like the server, switched on through its state, with tokens that expire on the mock's clock.
const baseUrl = 'https://downloader.example.test';
let clock = new Date('2025-09-03T18:41:05.000Z');
const { server, mock } = setupMockServer({ baseUrl, now: () => clock });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => mock.reset());

const json = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${baseUrl}${path}`, init);
  return { status: response.status, body: await response.json(), headers: response.headers };
};

describe('the downloader mock', () => {
  it('starts with auth off: the synthetic admin, open admin routes, account routes refused', async () => {
    expect((await json('/api/auth/status')).body).toMatchObject({
      auth_enabled: false,
      authenticated: true,
      user: { username: 'system', role: 'admin' },
    });
    expect((await json('/api/config')).status).toBe(200);
    const login = await json('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
    });
    expect(login).toMatchObject({ status: 400, body: { detail: 'Authentication is disabled' } });
  });

  it('with auth on, answers 401 without a token and lets a token expire after 24 h', async () => {
    mock.state.downloader.settings.authEnabled = true;
    mock.state.downloader.addUser({ username: 'admin', password: 'admin-password', role: 'admin' });
    const denied = await json('/api/config');
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ detail: 'Authentication required', auth_enabled: true });
    expect(denied.headers.get('www-authenticate')).toBe('Bearer');
    const login = await json('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
    });
    const authorization = `Bearer ${login.body.access_token}`;
    expect((await json('/api/config', { headers: { authorization } })).status).toBe(200);
    clock = new Date(clock.getTime() + 24 * 3600 * 1000 + 1000);
    expect((await json('/api/config', { headers: { authorization } })).status).toBe(401);
  });
});
