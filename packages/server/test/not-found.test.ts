import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

describe("answers outside every API's namespace", () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(() => test?.stop());

  it('answers an unknown path with the JSON envelope, never plain text', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['DELETE', '/nowhere/at/all?x=1'],
      ['POST', '/'],
      ['POST', '/api-docs'],
      ['GET', '/api-docs/no-such-api'],
      ['GET', '/api-docs/assets/no-such-file.js'],
    ] as const) {
      const response = await fetch(`${test.baseUrl}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(await response.json()).toEqual({
        error: 'Not Found',
        message: `No route for ${method} ${path.split('?')[0]}`,
        status: 404,
      });
    }
    const head = await fetch(`${test.baseUrl}/nowhere`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe('');
  });

  it("keeps each API's own envelope inside its namespace", async () => {
    const tracks = await fetch(`${test.baseUrl}/api/track/unknown`);
    expect(tracks.status).toBe(404);
    expect(await tracks.json()).toMatchObject({ status: 404, error: 'Resource not found' });
    const songs = await fetch(`${test.baseUrl}/v1/songs/a/b/c`);
    expect(await songs.json()).toMatchObject({ code: 404, description: 'Not Found' });
  });

  it("answers any other unknown path under /v1/ in the collections envelope, the songs API's in its own", async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['POST', '/v1/'],
      ['DELETE', '/v1/a/b/c'],
      ['GET', '/v1/songsx'],
      ['PUT', '/v1/collection/x/y/z'],
    ] as const) {
      const response = await fetch(`${test.baseUrl}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json(), `${method} ${path}`).toEqual({
        ok: false,
        message: `No route for ${method} ${path}`,
        api_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
    for (const path of ['/v1/songs/a/b/c', '/v1/auth/nothing', '/v1/users/a/b']) {
      const response = await fetch(`${test.baseUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toMatchObject({ code: 404, description: 'Not Found' });
    }
    // `/v1` itself is under no API's prefix: the generic envelope.
    expect(await (await fetch(`${test.baseUrl}/v1`)).json()).toMatchObject({
      status: 404,
      error: 'Not Found',
    });
  });

  it('still answers the pages that exist', async () => {
    expect((await fetch(`${test.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${test.baseUrl}/`, { headers: { accept: 'application/json' } })).status).toBe(200);
    expect((await fetch(`${test.baseUrl}/api-docs/assets/swagger-ui.css`)).status).toBe(200);
  });
});
