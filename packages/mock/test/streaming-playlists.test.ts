import { demoCatalog } from '@music-apis/catalog';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMock, STREAMING_MOCK_CLIENT } from '../src/index.js';
import { recordPlay } from '../src/streaming/playlists.js';

const baseUrl = 'https://streaming-playlists.mock.test';
const mock = createMock({ baseUrl });
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.reset());
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** A user of the demo tenant and a UDT for them. */
async function userToken(): Promise<{ token: string; userId: string; tenantId: string }> {
  const client = await call('POST', '/oauth/token', {
    grant_type: 'client_credentials',
    client_id: STREAMING_MOCK_CLIENT.clientId,
    client_secret: STREAMING_MOCK_CLIENT.clientSecret,
  });
  const tenantToken = client.body.access_token as string;
  const user = await call(
    'POST',
    '/api/v1/users',
    { first_name: 'Lu', last_name: 'Listens', email: 'lu@example.com', date_of_birth: '1990-01-01' },
    tenantToken,
  );
  const udt = await call(
    'POST',
    `/api/v1/users/${user.body.id}/udt`,
    { deviceId: '8f14e45f-ceea-4672-a9d5-1e4c2f3b6a71' },
    tenantToken,
  );
  return {
    token: udt.body.token,
    userId: user.body.id,
    tenantId: mock.state.streaming.tenants.get('acme')!.id,
  };
}

describe('streaming mock: playlists and home', () => {
  it('continue listening shows the plays recorded through recordPlay, newest first; reset forgets them', async () => {
    const { token, userId, tenantId } = await userToken();
    const home = async () => (await call('GET', '/api/v1/home', undefined, token)).body;
    const before = await home();
    expect(before.modules[1].items).toEqual([]);
    const context = { catalog: demoCatalog, now: () => new Date(Date.UTC(2026, 2, 10, 12)) };
    recordPlay(mock.state.streaming, context, { tenantId, userId, trackId: '3' });
    recordPlay(
      mock.state.streaming,
      { ...context, now: () => new Date(Date.UTC(2026, 2, 10, 13)) },
      {
        tenantId,
        userId,
        trackId: '1',
      },
    );
    recordPlay(mock.state.streaming, context, { tenantId, userId, trackId: 'not-a-track' });
    const after = await home();
    expect(after.modules[1].items.map((item: { track_id: string }) => item.track_id)).toEqual(['1', '3']);
    expect(after.modules[1].items[1].metadata).toMatchObject({
      last_played_at: '2026-03-10T12:00:00.000000Z',
      play_count: 1,
    });
    expect(after.page.revision).not.toBe(before.page.revision);
    mock.reset();
    expect(mock.state.streaming.playlists.plays.size).toBe(0);
  });

  it('the aggregator status overridden to 503 answers its own body, status down', async () => {
    expect(await call('GET', '/api/v1/aggregator/status')).toEqual({ status: 200, body: { status: 'up' } });
    mock.streaming.override('getAggregatorStatus', { status: 503 });
    expect(await call('GET', '/api/v1/aggregator/status')).toEqual({ status: 503, body: { status: 'down' } });
  });
});
