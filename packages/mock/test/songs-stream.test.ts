import { SONGS_DEMO_LOGIN, wavFile } from '@music-apis/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupMockServer } from '../src/node.js';

// A mock under a base path, with a clock the test moves: stream URLs point under the base path and
// stop working a day after they were issued.
const baseUrl = 'https://api.example.test/newm';
let clock = new Date('2025-09-03T18:41:05.123Z');
const { server } = setupMockServer({ baseUrl, now: () => clock });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('songs stream URLs in the mock', () => {
  it('serve the uploaded audio under the base path until they expire a day later', async () => {
    const login = await fetch(`${baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SONGS_DEMO_LOGIN),
    });
    const headers = {
      authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`,
    };
    const created = await fetch(`${baseUrl}/v1/songs`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Mock stream', genres: ['Pop'] }),
    });
    const { songId } = (await created.json()) as { songId: string };
    const wav = wavFile({ seconds: 30, sampleRate: 44_100 });
    const uploaded = await fetch(`${baseUrl}/v1/songs/${songId}/audio`, {
      method: 'POST',
      headers,
      body: wav,
    });
    expect(uploaded.status).toBe(200);
    const { url } = (await (await fetch(`${baseUrl}/v1/songs/${songId}/stream`, { headers })).json()) as {
      url: string;
    };
    expect(url.startsWith(`${baseUrl}/v1/songs/${songId}/audio/stream?expires=`)).toBe(true);
    expect(Number(new URL(url).searchParams.get('expires'))).toBe(
      Math.floor(clock.getTime() / 1000) + 86_400,
    );

    const part = await fetch(url, { headers: { range: 'bytes=8-11' } });
    expect(part.status).toBe(206);
    expect(new TextDecoder().decode(await part.arrayBuffer())).toBe('WAVE');

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(wav.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    clock = new Date(clock.getTime() + 86_400_000);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toEqual({
      code: 403,
      description: 'Forbidden',
      cause: 'Stream URL has expired',
    });
  });
});
