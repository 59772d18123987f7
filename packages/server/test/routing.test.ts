import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

describe('routing across APIs', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.stop();
  });

  it('GET / lists every API, served or not, as JSON for JSON clients and as a page for browsers', async () => {
    const json = await fetch(`${test.baseUrl}/`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    const { apis } = (await json.json()) as {
      apis: {
        key: string;
        served: boolean;
        basePaths: string[];
        docs: string;
        operations: number;
        notBuiltYet: string[];
      }[];
    };
    expect(apis.map((api) => [api.key, api.served])).toEqual([
      ['collections', true],
      ['downloader', true],
      ['songs', true],
      ['streaming', true],
      ['trackManager', true],
    ]);
    expect(apis.find((api) => api.key === 'songs')).toMatchObject({
      basePaths: ['/v1/auth', '/v1/songs', '/v1/users'],
      docs: '/api-docs/songs',
      operations: 16,
    });
    // Every streaming operation is built (issues 16 and 17).
    const streaming = apis.find((api) => api.key === 'streaming') as unknown as Record<string, unknown>;
    expect(streaming.operations).toBe(42);
    expect(streaming.notBuiltYet).toEqual([]);
    // Every downloader operation is built (issues 14 and 15).
    const downloader = apis.find((api) => api.key === 'downloader');
    expect(downloader?.operations).toBe(81);
    expect(downloader?.notBuiltYet).toEqual([]);
    const page = await fetch(`${test.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<a href="/api-docs/track-manager">Track manager API</a>');
  });

  it("answers an unknown path inside an API's namespace in that API's envelope", async () => {
    const songs = await fetch(`${test.baseUrl}/v1/songs/a/b/c`);
    expect(songs.status).toBe(404);
    expect(await songs.json()).toEqual({
      code: 404,
      description: 'Not Found',
      cause: 'No route for GET /v1/songs/a/b/c',
    });
    const collections = await fetch(`${test.baseUrl}/v1/collection`, { method: 'PATCH' });
    expect(collections.status).toBe(405);
    expect(collections.headers.get('allow')).toBe('GET, POST');
    expect(await collections.json()).toMatchObject({
      ok: false,
      message: 'Method PATCH is not allowed on /v1/collection',
    });
    const streaming = await fetch(
      `${test.baseUrl}/api/v1/users/${'0'.repeat(8)}-0000-4000-8000-000000000000/nothing`,
    );
    expect(streaming.status).toBe(404);
    expect(await streaming.json()).toMatchObject({ message: expect.stringContaining('No route') });
    const tracks = await fetch(`${test.baseUrl}/api/track/unknown`);
    expect(tracks.status).toBe(404);
    expect(await tracks.json()).toMatchObject({ status: 404, error: 'Resource not found' });
  });
});
