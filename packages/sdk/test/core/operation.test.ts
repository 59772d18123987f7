import { describe, expect, it } from 'vitest';
import { createHttpClient, operationCaller, toBodyInit } from '../../src/core/index.js';
import { sendJson, startServer } from './test-server.js';

describe('operationCaller', () => {
  it('fills the path, serialises query arrays by their style and sends header parameters', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const call = operationCaller(createHttpClient({ baseUrl: server.baseUrl }));

    await call(
      {
        method: 'GET',
        path: '/artists/{artistId}/songs',
        query: { genres: ',', ids: '&', moods: ',', limit: '&', piped: '|' },
        header: ['X-Tenant'],
        security: [],
      },
      {
        artistId: 'Sigur Rós',
        genres: ['Jazz', '-Pop'],
        ids: ['a', 'b'],
        moods: [],
        limit: 5,
        piped: ['x', 'y'],
        'X-Tenant': 'acme',
        notAParameter: 'dropped',
      },
      { headers: { 'x-trace': '1' } },
    );

    const [request] = server.requests;
    const url = new URL(request?.url ?? '', server.baseUrl);
    expect(url.pathname).toBe('/artists/Sigur%20R%C3%B3s/songs');
    expect([...url.searchParams]).toEqual([
      ['genres', 'Jazz,-Pop'],
      ['ids', 'a'],
      ['ids', 'b'],
      ['limit', '5'],
      ['piped', 'x|y'],
    ]);
    expect(url.search).toContain('genres=Jazz%2C-Pop');
    expect(request?.headers).toMatchObject({ 'x-tenant': 'acme', 'x-trace': '1' });
  });

  it('sends JSON, form, multipart and raw bodies as the route says', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const call = operationCaller(createHttpClient({ baseUrl: server.baseUrl }));
    const route = { method: 'POST', path: '/x', security: [] } as const;
    const form = new FormData();
    form.append('file', new Blob(['img']), 'a.png');

    await call({ ...route, body: 'application/json' }, { body: { name: 'Mix' } }, undefined);
    await call(
      { ...route, body: 'application/x-www-form-urlencoded' },
      { body: { grant_type: 'x' } },
      undefined,
    );
    await call({ ...route, body: 'multipart/form-data' }, { body: form }, undefined);
    await call(
      { ...route, body: 'application/octet-stream' },
      { body: toBodyInit(new Uint8Array([1, 2])) },
      undefined,
    );
    await call(
      { ...route, body: 'application/octet-stream' },
      { body: new Blob(['a'], { type: 'audio/wav' }) },
      undefined,
    );
    await call(
      { ...route, body: 'application/octet-stream' },
      { body: new Uint8Array([3]) },
      { headers: { 'content-type': 'audio/flac' } },
    );

    const types = server.requests.map((request) => request.headers['content-type']?.split(';')[0]);
    expect(types).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/octet-stream',
      'audio/wav',
      'audio/flac',
    ]);
    expect(server.requests[0]?.body).toBe('{"name":"Mix"}');
    expect(server.requests[1]?.body).toBe('grant_type=x');
    expect(server.requests[3]?.body).toBe('\u0001\u0002');
  });

  it('turns an async iterable into a stream body', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const call = operationCaller(createHttpClient({ baseUrl: server.baseUrl }));
    async function* chunks() {
      yield new TextEncoder().encode('hel');
      yield new TextEncoder().encode('lo');
    }

    await call(
      { method: 'POST', path: '/upload', security: [], body: 'application/octet-stream' },
      { body: toBodyInit(chunks()) },
      undefined,
    );

    expect(server.requests[0]?.body).toBe('hello');
  });
});
