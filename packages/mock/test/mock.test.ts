import { demoCatalog } from '@music-apis/catalog';
import { trackManagerDemoRecords } from '@music-apis/domain';
import { createTrackManagerClient, isApiError, isNetworkError } from '@music-apis/sdk/track-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupMockServer } from '../src/node.js';

const baseUrl = 'https://music.example.test';
const { server, mock } = setupMockServer({ baseUrl, now: () => new Date('2025-09-03T18:41:05.123Z') });
const client = createTrackManagerClient({ baseUrl, retry: 0 });
const savedIsrc = trackManagerDemoRecords()[0]!.isrc;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.reset());
afterAll(() => server.close());

describe('mock', () => {
  it('is stateful and reset() restores the seeded data', async () => {
    const isrc = demoCatalog.trackAt(200).isrc;
    await client.createTrack({ isrc });
    expect(mock.state.trackManager.tracks.has(isrc)).toBe(true);
    mock.reset();
    expect(mock.state.trackManager.tracks.has(isrc)).toBe(false);
    expect(mock.state.trackManager.tracks.size).toBe(trackManagerDemoRecords().length);
  });

  it('is deterministic: the same calls give the same tokens and bodies', async () => {
    const first = await client.getToken();
    mock.reset();
    expect(await client.getToken()).toEqual(first);
    expect(first.access_token).toBe('mock-catalog-token-1');
  });

  it('overrides an operation with a status (in the API envelope), a body, or for N calls only', async () => {
    mock.override('getTrackMetadata', { status: 503, times: 1 });
    const failure = await client.getTrackMetadata({ isrc: savedIsrc }).catch((error: unknown) => error);
    expect(isApiError(failure) && failure.status).toBe(503);
    expect(isApiError(failure) && failure.body).toMatchObject({
      status: 503,
      timestamp: '2025-09-03T18:41:05.123',
    });
    // `times: 1` is used up: the real handler answers again.
    expect((await client.getTrackMetadata({ isrc: savedIsrc })).isrc).toBe(savedIsrc);

    const remove = mock.override('getTrackMetadata', { status: 200, body: { isrc: 'CUSTOM' } });
    expect(await client.getTrackMetadata({ isrc: savedIsrc })).toEqual({ isrc: 'CUSTOM' });
    remove();
    expect((await client.getTrackMetadata({ isrc: savedIsrc })).isrc).toBe(savedIsrc);
  });

  it('simulates network errors and latency', async () => {
    mock.override('getTrackCover', { networkError: true });
    const failure = await client.getTrackCover({ isrc: savedIsrc }).catch((error: unknown) => error);
    expect(isNetworkError(failure)).toBe(true);

    mock.override('getToken', { delay: 200 });
    const timedOut = await client.getToken({ timeout: 50 }).catch((error: unknown) => error);
    expect((timedOut as Error).name).toBe('TimeoutError');
  });

  it('records the calls it answered and refuses unknown operationIds', async () => {
    await client.getTrackMetadata({ isrc: savedIsrc });
    expect(mock.calls('getTrackMetadata')).toEqual([
      {
        api: 'trackManager',
        operationId: 'getTrackMetadata',
        method: 'GET',
        url: `${baseUrl}/api/track/metadata/${savedIsrc}`,
      },
    ]);
    expect(() => mock.override('noSuchOperation', { status: 500 })).toThrow(/Unknown operationId/);
  });

  it('names an operationId two APIs share as api.operationId', async () => {
    expect(() => mock.override('createTrack', { status: 500 })).toThrow(/trackManager\.createTrack/);
    mock.override('trackManager.createTrack', { status: 503 });
    const failure = await client
      .createTrack({ isrc: demoCatalog.trackAt(201).isrc })
      .catch((error: unknown) => error);
    expect(isApiError(failure) && failure.status).toBe(503);
    expect(mock.calls('trackManager.createTrack')).toHaveLength(1);
    expect(mock.calls('collections.createTrack')).toHaveLength(0);
  });

  it('only answers under its base URL', async () => {
    const elsewhere = createTrackManagerClient({ baseUrl: 'https://other.example.test', retry: 0 });
    // Unanswered, the request reaches MSW's onUnhandledRequest: 'error', a failed fetch for the client.
    const failure = await elsewhere.getToken().catch((error: unknown) => error);
    expect(isNetworkError(failure)).toBe(true);
    expect(mock.calls()).toEqual([]);
  });
});
