import { SONGS_DEMO_LOGIN } from '@music-apis/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { startTestServer, type TestServer } from './helpers.js';

const API_KEY = 'adn_security_headers_test_key';

describe('headers every deployment needs', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({
      collections: { ...loadConfig({}).collections, apiKey: API_KEY },
    });
  });
  afterAll(async () => test?.stop());
  const url = (path: string) => `${test.baseUrl}${path}`;

  it('every token, login and refresh response of every API is Cache-Control: no-store', async () => {
    const trackManagerToken = await fetch(url('/api/token'), { method: 'POST' });
    expect(trackManagerToken.status).toBe(200);
    expect(trackManagerToken.headers.get('cache-control')).toMatch(/(^|,)\s*no-store\s*(,|$)/);

    const login = await fetch(url('/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SONGS_DEMO_LOGIN),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const { refreshToken } = (await login.json()) as { refreshToken: string };

    const refreshed = await fetch(url('/v1/auth/refresh'), {
      headers: { authorization: `Bearer ${refreshToken}` },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('cache-control')).toBe('no-store');
  });

  it('every API, and the server around them, sends X-Content-Type-Options: nosniff, errors included', async () => {
    const answers = await Promise.all([
      fetch(url('/api/token'), { method: 'POST' }),
      fetch(url('/api/track/metadata/XX0000000000')),
      fetch(url('/v1/songs'), {}),
      fetch(url('/v1/auth/code')),
      fetch(url('/v1/collection'), { headers: { authorization: `Bearer ${API_KEY}` } }),
      fetch(url('/v1/collection/nope'), { headers: { authorization: 'Bearer wrong' } }),
      fetch(url('/api-docs/songs.json')),
      fetch(url('/healthz')),
      fetch(url('/nowhere')),
      fetch(url('/')),
    ]);
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options'), answer.url).toBe('nosniff');
    }
    expect(answers.map((answer) => answer.status)).toEqual([
      200, 404, 401, 400, 200, 401, 200, 200, 404, 200,
    ]);
  });

  it('/healthz answers GET and HEAD only; any other method is a 405 in JSON with Allow', async () => {
    expect((await fetch(url('/healthz'))).status).toBe(200);
    const head = await fetch(url('/healthz'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(url('/healthz'), { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        error: 'Method Not Allowed',
        message: `Method ${method} is not allowed on /healthz`,
        status: 405,
      });
    }
  });
});
