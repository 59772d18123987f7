import { expect, it } from 'vitest';
import { COLLECTIONS_MOCK_API_KEY } from '../src/index.js';
import { setupMockServer } from '../src/node.js';

// The mock's clock is the test's: a session expires when the clock passes `expires_at`.
const baseUrl = 'https://sessions.example.test';
let now = new Date('2026-01-01T00:00:00.000Z');
const { server } = setupMockServer({ baseUrl, now: () => now });

it('an upload session works until its expiry, then answers 401 on get and on adding a track', async () => {
  server.listen({ onUnhandledRequest: 'error' });
  try {
    const json = (path: string, body?: unknown, key?: string) =>
      fetch(`${baseUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const collection = await (
      await json('/v1/collection', { title: 'Clocked' }, COLLECTIONS_MOCK_API_KEY)
    ).json();
    const created = await json(
      '/v1/upload_session',
      { collection_id: collection.collection_id, expires_in: 60 },
      COLLECTIONS_MOCK_API_KEY,
    );
    const session = await created.json();
    expect(session.expires_at).toBe('2026-01-01T00:01:00.000Z');
    const id = session.upload_session_id;

    now = new Date('2026-01-01T00:00:59.999Z');
    expect((await json(`/v1/upload_session/${id}`)).status).toBe(200);
    expect((await json(`/v1/upload/${id}/track`, { file_name: 'in-time.wav' })).status).toBe(200);

    now = new Date('2026-01-01T00:01:00.000Z');
    for (const response of [
      await json(`/v1/upload_session/${id}`),
      await json(`/v1/upload/${id}/track`, { file_name: 'late.wav' }),
    ]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        ok: false,
        message: 'Upload session expired',
        api_request_id: expect.any(String),
      });
    }
    const tracks = await (
      await json(`/v1/collection/${collection.collection_id}/track`, undefined, COLLECTIONS_MOCK_API_KEY)
    ).json();
    expect(tracks.tracks.map((track: { file_name: string }) => track.file_name)).toEqual(['in-time.wav']);
  } finally {
    server.close();
  }
});
