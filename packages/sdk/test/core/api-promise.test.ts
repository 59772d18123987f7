import { describe, expect, it } from 'vitest';
import { createHttpClient, isApiError } from '../../src/core/index.js';
import { sendJson, startServer } from './test-server.js';

describe('withResponse', () => {
  it('resolves the data with the response and the request id; awaiting resolves the data alone', async (context) => {
    const server = await startServer(context, (_request, response) =>
      sendJson(response, 200, { id: 't1' }, { 'x-request-id': 'rid-7', etag: '"v1"' }),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl });

    const { data, response, requestId } = await client
      .request<{ id: string }>({ method: 'GET', path: '/t1' })
      .withResponse();
    expect(data).toEqual({ id: 't1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(requestId).toBe('rid-7');
    await expect(client.request({ method: 'GET', path: '/t1' })).resolves.toEqual({ id: 't1' });
  });

  it('takes the request id from the API envelope when the client says where it is', async (context) => {
    const server = await startServer(context, (_request, response) =>
      sendJson(response, 200, { ok: true, api_request_id: 'env-1' }),
    );
    const client = createHttpClient({
      baseUrl: server.baseUrl,
      requestId: (_response, body) => (body as { api_request_id?: string }).api_request_id,
    });

    expect((await client.request({ method: 'GET', path: '/x' }).withResponse()).requestId).toBe('env-1');
  });

  it('is a real promise, and rejects withResponse() with the same ApiError without a stray rejection', async (context) => {
    const server = await startServer(context, (_request, response) =>
      sendJson(response, 404, { error: 'no' }),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    context.onTestFinished(() => void process.off('unhandledRejection', onUnhandled));

    const pending = client.request({ method: 'GET', path: '/missing' });
    expect(pending).toBeInstanceOf(Promise);
    const error = await pending.withResponse().catch((caught: unknown) => caught);
    expect(isApiError(error) && error.status).toBe(404);
    await expect(pending.then((value) => value)).rejects.toBe(error);
    await expect(pending.finally(() => {})).rejects.toBe(error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });
});
