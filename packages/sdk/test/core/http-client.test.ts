import { describe, expect, it } from 'vitest';
import {
  type ApiError,
  createCachedTokenProvider,
  createHttpClient,
  isApiError,
  isNetworkError,
  isTimeoutError,
  NetworkError,
  TimeoutError,
} from '../../src/core/index.js';
import { refusingUrl, sendJson, startServer } from './test-server.js';

/** Retries without the default 300 ms+ backoff, to keep the suite fast. */
const fastRetry = { limit: 2, delay: () => 1 };

describe('responses', () => {
  it('parses JSON and maps an empty 204 to undefined', async (context) => {
    const server = await startServer(context, (request, response) => {
      if (request.method === 'DELETE') return void response.writeHead(204).end();
      sendJson(response, 200, { id: 't1', accept: request.headers.accept });
    });
    const client = createHttpClient({ baseUrl: server.baseUrl });

    await expect(client.request({ method: 'GET', path: '/tracks/t1' })).resolves.toEqual({
      id: 't1',
      accept: 'application/json',
    });
    await expect(client.request({ method: 'DELETE', path: '/tracks/t1' })).resolves.toBeUndefined();
  });

  it('reads bytes, text, the unread body stream, or nothing, as `response` says', async (context) => {
    const allBytes = Uint8Array.from({ length: 256 }, (_, index) => index);
    const server = await startServer(context, (request, response) => {
      if (request.url === '/note') return void response.end('héllo');
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(allBytes);
    });
    const client = createHttpClient({ baseUrl: server.baseUrl });
    const file = { method: 'GET', path: '/file' } as const;

    expect(await client.request({ ...file, response: 'bytes' })).toEqual(allBytes);
    const stream = await client.request<ReadableStream<Uint8Array>>({ ...file, response: 'stream' });
    expect(new Uint8Array(await new Response(stream).arrayBuffer())).toEqual(allBytes);
    expect(await client.request({ method: 'GET', path: '/note', response: 'text' })).toBe('héllo');
    await expect(client.request({ ...file, response: 'none' })).resolves.toBeUndefined();
    // Only JSON responses ask for JSON unless told otherwise.
    await client.request({ ...file, response: 'bytes', accept: 'image/jpeg' });
    expect(server.requests.map((request) => request.headers.accept)).toEqual([
      '*/*',
      '*/*',
      '*/*',
      '*/*',
      'image/jpeg',
    ]);
  });

  it('runs the hooks given in the options', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const statuses: number[] = [];
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      hooks: {
        beforeRequest: [(request) => request.headers.set('x-hooked', 'yes')],
        afterResponse: [(_request, _options, response) => void statuses.push(response.status)],
      },
    });

    await client.request({ method: 'GET', path: '/x' });

    expect(server.requests[0]?.headers['x-hooked']).toBe('yes');
    expect(statuses).toEqual([200]);
  });

  it('sends JSON bodies, merges headers and keeps the baseUrl path prefix', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 201, {}));
    const client = createHttpClient({ baseUrl: `${server.baseUrl}/api/v2`, headers: { 'x-client': 'sdk' } });

    await client.request({
      method: 'POST',
      path: '/playlists',
      json: { name: 'Mix' },
      headers: { 'x-trace': 'abc', 'x-skipped': undefined },
    });

    const [request] = server.requests;
    expect(request?.url).toBe('/api/v2/playlists');
    expect(request?.body).toBe('{"name":"Mix"}');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-client': 'sdk',
      'x-trace': 'abc',
    });
    expect(request?.headers).not.toHaveProperty('x-skipped');
  });
});

describe('query serialisation', () => {
  it('repeats array keys and skips undefined/null', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const client = createHttpClient({ baseUrl: server.baseUrl });
    const query = { ids: ['a', 'b'], limit: 10, explicit: false, cursor: undefined, market: null };

    await client.request({ method: 'GET', path: '/tracks', query });

    const url = new URL(server.requests[0]?.url ?? '', server.baseUrl);
    expect([...url.searchParams]).toEqual([
      ['ids', 'a'],
      ['ids', 'b'],
      ['limit', '10'],
      ['explicit', 'false'],
    ]);
  });
});

describe('errors', () => {
  it('throws ApiError with the parsed envelope, errorMessage and a custom requestId', async (context) => {
    const server = await startServer(context, (_request, response) =>
      sendJson(response, 404, {
        error: { code: 'not_found', message: 'Track not found' },
        api_request_id: 'req-9',
      }),
    );
    interface Envelope {
      error: { code: string; message: string };
      api_request_id: string;
    }
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      errorMessage: (body) => (body as Envelope).error.message,
      requestId: (_response, body) => (body as Envelope).api_request_id,
    });

    const error = await client
      .request({ method: 'GET', path: '/tracks/42' })
      .catch((caught: unknown) => caught);

    expect(isApiError<Envelope>(error)).toBe(true);
    const apiError = error as ApiError<Envelope>;
    expect(apiError.message).toBe('GET /tracks/42 failed with 404: Track not found');
    expect(apiError.body?.error.code).toBe('not_found');
    expect(apiError).toMatchObject({ name: 'ApiError', status: 404, requestId: 'req-9', method: 'GET' });
    expect(apiError.url).toBe(`${server.baseUrl}/tracks/42`);
    expect(apiError.response.status).toBe(404);
  });

  it('keeps a non-JSON body as text and falls back to statusText and x-request-id', async (context) => {
    const server = await startServer(context, (_request, response) => {
      response.writeHead(500, 'Internal Server Error', { 'x-request-id': 'rid-1' }).end('boom');
    });
    const client = createHttpClient({ baseUrl: server.baseUrl });

    await expect(client.request({ method: 'POST', path: '/jobs', response: 'text' })).rejects.toMatchObject({
      message: 'POST /jobs failed with 500: Internal Server Error',
      body: 'boom',
      requestId: 'rid-1',
    });
  });

  it('turns a refused connection into NetworkError, keeping the cause', async () => {
    const client = createHttpClient({ baseUrl: await refusingUrl(), retry: fastRetry });

    const error = await client.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NetworkError);
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).cause).toBeInstanceOf(TypeError);
  });

  it('turns a request that gets no answer into TimeoutError, without retrying it', async (context) => {
    const server = await startServer(context, () => {}); // never answers
    const client = createHttpClient({ baseUrl: server.baseUrl, timeout: 100, retry: fastRetry });

    const error = await client.request({ method: 'GET', path: '/slow' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ timeout: 100, method: 'GET' });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with the AbortError of a user abort, not a NetworkError', async (context) => {
    const controller = new AbortController();
    const server = await startServer(context, () => controller.abort()); // aborts once the request arrived
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: fastRetry });

    const error = await client
      .request({ method: 'GET', path: '/slow', signal: controller.signal })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(isNetworkError(error)).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with the signal reason when aborted with one', async (context) => {
    const reason = new Error('user left the page');
    const controller = new AbortController();
    const server = await startServer(context, () => controller.abort(reason));
    const client = createHttpClient({ baseUrl: server.baseUrl });

    await expect(client.request({ method: 'PUT', path: '/slow', signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});

describe('retry', () => {
  it('retries a GET on 503 and returns the later success', async (context) => {
    const server = await startServer(context, (_request, response, attempt) =>
      attempt === 1 ? sendJson(response, 503, { error: 'busy' }) : sendJson(response, 200, { ok: true }),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: fastRetry });

    await expect(client.request({ method: 'GET', path: '/tracks' })).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a POST on 503', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 503, {}));
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: fastRetry });

    await expect(client.request({ method: 'POST', path: '/tracks', json: {} })).rejects.toMatchObject({
      status: 503,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('stops at the limit and throws the last ApiError', async (context) => {
    const server = await startServer(context, (_request, response, attempt) =>
      sendJson(response, 503, { error: 'busy', attempt }, { 'x-request-id': `rid-${attempt}` }),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: fastRetry });

    await expect(client.request({ method: 'GET', path: '/tracks' })).rejects.toMatchObject({
      name: 'ApiError',
      status: 503,
      body: { error: 'busy', attempt: 3 },
      requestId: 'rid-3',
    });
    expect(server.requests).toHaveLength(3); // first attempt + limit of 2 retries
  });

  it('does not retry statuses outside the list, such as 413', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 413, {}));
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: fastRetry });

    await expect(
      client.request({ method: 'PUT', path: '/upload', body: 'x', response: 'none' }),
    ).rejects.toMatchObject({
      status: 413,
    });
    expect(server.requests).toHaveLength(1);
  });
});

describe('credentials', () => {
  it('sends each scheme as configured, only when the operation lists it, never on public ones', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      credentials: {
        bearer: { token: 'abc' },
        key: { token: async () => 'key-1', header: 'x-api-key', scheme: '' },
        inQuery: { token: 'q-1', query: 'token' },
      },
    });

    await client.request({ method: 'GET', path: '/me', security: [['bearer']] });
    await client.request({ method: 'GET', path: '/me', security: [['key']] });
    await client.request({ method: 'GET', path: '/public', security: [] });
    await client.request({ method: 'GET', path: '/default' });
    await client.request({ method: 'GET', path: '/stream', security: [['inQuery']] });

    const [first, second, third, fourth, fifth] = server.requests;
    expect(first?.headers.authorization).toBe('Bearer abc');
    expect(second?.headers['x-api-key']).toBe('key-1');
    expect(second?.headers.authorization).toBeUndefined();
    expect(third?.headers.authorization).toBeUndefined();
    expect(fourth?.headers.authorization).toBeUndefined();
    expect(fifth?.url).toBe('/stream?token=q-1');
  });

  it('takes the first alternative it holds every token of; optional credentials are still sent', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      credentials: { tenant: { token: 'tenant-1' } },
    });
    const none = createHttpClient({ baseUrl: server.baseUrl });

    await client.request({ method: 'GET', path: '/a', security: [['user'], ['tenant']] });
    await client.request({ method: 'GET', path: '/b', security: [[], ['tenant']] });
    await client.request({ method: 'GET', path: '/c', security: [['user', 'tenant']] });
    await none.request({ method: 'GET', path: '/d', security: [[], ['tenant']] });

    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer tenant-1',
      'Bearer tenant-1',
      undefined,
      undefined,
    ]);
  });

  it('lets a header given for the call win over the credential', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, {}));
    const client = createHttpClient({ baseUrl: server.baseUrl, credentials: { bearer: { token: 'abc' } } });

    await client.request({
      method: 'GET',
      path: '/refresh',
      security: [['bearer']],
      headers: { Authorization: 'Bearer refresh-1' },
    });

    expect(server.requests[0]?.headers.authorization).toBe('Bearer refresh-1');
  });

  it('on 401 invalidates the provider and repeats the request once with a fresh token', async (context) => {
    const server = await startServer(context, (request, response) =>
      request.headers.authorization === 'Bearer token-2'
        ? sendJson(response, 200, { echoed: request.body })
        : sendJson(response, 401, { error: 'expired' }),
    );
    let fetches = 0;
    const provider = createCachedTokenProvider(async () => ({
      token: `token-${++fetches}`,
      expiresInSeconds: 3600,
    }));
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      credentials: { bearer: { token: provider } },
    });

    // POST too: a 401 means the server did not process the request.
    await expect(
      client.request({ method: 'POST', path: '/likes', json: { id: 1 }, security: [['bearer']] }),
    ).resolves.toEqual({ echoed: '{"id":1}' });
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(fetches).toBe(2);
  });

  it('gives up after one refresh when the new token is rejected too, and never refreshes a plain token', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 401, {}));
    let fetches = 0;
    const provider = createCachedTokenProvider(async () => ({ token: `token-${++fetches}` }));
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      credentials: { bearer: { token: provider }, fixed: { token: 'abc' } },
    });

    await expect(
      client.request({ method: 'GET', path: '/me', security: [['bearer']] }),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(server.requests).toHaveLength(2);
    await expect(client.request({ method: 'GET', path: '/me', security: [['fixed']] })).rejects.toMatchObject(
      {
        status: 401,
      },
    );
    expect(server.requests).toHaveLength(3);
  });
});

describe('per-call options', () => {
  it('retry and timeout given for one call override the client', async (context) => {
    const server = await startServer(context, (_request, response, attempt) =>
      attempt < 3 ? sendJson(response, 503, {}) : sendJson(response, 200, { ok: true }),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: 0 });

    await expect(client.request({ method: 'GET', path: '/x', retry: fastRetry })).resolves.toEqual({
      ok: true,
    });
    expect(server.requests).toHaveLength(3);
  });
});
