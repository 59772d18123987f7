import { generatedIsrc } from '@music-apis/catalog';
import { createTrackManagerClient, isApiError } from '@music-apis/sdk/track-manager';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CatalogUnavailableError, InvalidCatalogTokenError } from '../src/core/providers/catalog.js';
import { createSpotifyCatalogProvider } from '../src/core/providers/spotify-catalog.js';
import { startTestServer } from './helpers.js';

// MSW stands in for Spotify: these tests never reach the network.
const ACCOUNTS = 'https://accounts.spotify.test';
const API = 'https://api.spotify.test';
const IMAGE_URL = 'https://i.scdn.test/image/ab67616d0000b273abc';
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

const tokenRequests: { authorization: string | null; body: string }[] = [];
let imageRequests = 0;

const spotify = setupServer(
  http.post(`${ACCOUNTS}/api/token`, async ({ request }) => {
    tokenRequests.push({ authorization: request.headers.get('authorization'), body: await request.text() });
    return HttpResponse.json({
      access_token: `spotify-token-${tokenRequests.length}`,
      token_type: 'Bearer',
      expires_in: 3600,
    });
  }),
  http.get(`${API}/v1/search`, ({ request }) => {
    const url = new URL(request.url);
    if (!request.headers.get('authorization')?.startsWith('Bearer spotify-token-')) {
      return HttpResponse.json({ error: { status: 401, message: 'Invalid access token' } }, { status: 401 });
    }
    expect(url.searchParams.get('type')).toBe('track');
    const isrc = url.searchParams.get('q')?.replace('isrc:', '');
    if (isrc === 'USRC17607839') {
      return HttpResponse.json({
        tracks: {
          items: [
            {
              id: '6rqhFgbbKwnb9MLmUQDhG6',
              name: 'Speak to Me',
              explicit: true,
              duration_ms: 90_999,
              external_ids: { isrc: 'USRC17607839' },
              artists: [{ id: '0k17h0D3J5VfsdmQ1iZtE9', name: 'Pink Floyd' }],
              album: {
                id: '4LH4d3cOWNNsVw41Gqt2kv',
                name: 'The Dark Side of the Moon',
                images: [{ url: IMAGE_URL }, { url: `${IMAGE_URL}-small` }],
              },
            },
            {
              id: 'second',
              name: 'Not this one',
              explicit: false,
              duration_ms: 1,
              artists: [],
              album: { id: 'x', name: 'x', images: [] },
            },
          ],
        },
      });
    }
    if (isrc === 'GBAYE0000500') return new HttpResponse('upstream down', { status: 503 });
    return HttpResponse.json({ tracks: { items: [] } });
  }),
  http.get(IMAGE_URL, () => {
    imageRequests += 1;
    return new HttpResponse(JPEG, { headers: { 'content-type': 'image/jpeg' } });
  }),
);

beforeAll(() => spotify.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => {
  tokenRequests.length = 0;
  imageRequests = 0;
});
afterAll(() => spotify.close());

const provider = () =>
  createSpotifyCatalogProvider({
    clientId: 'client-id',
    clientSecret: 'client-secret',
    apiUrl: API,
    accountsUrl: ACCOUNTS,
  });

describe('Spotify catalog provider', () => {
  it('gets a client-credentials token with Basic auth and reuses it until it nears expiry', async () => {
    const catalog = provider();
    const first = await catalog.issueAccessToken();
    const second = await catalog.issueAccessToken();
    expect(first.access_token).toBe('spotify-token-1');
    expect(second.access_token).toBe('spotify-token-1');
    expect(tokenRequests).toEqual([
      { authorization: `Basic ${btoa('client-id:client-secret')}`, body: 'grant_type=client_credentials' },
    ]);
  });

  it('maps the first search item to a catalog track, duration in ms and the largest cover', async () => {
    const track = await provider().findTrackByIsrc('USRC17607839', 'spotify-token-1');
    expect(track).toMatchObject({
      isrc: 'USRC17607839',
      name: 'Speak to Me',
      artistName: 'Pink Floyd',
      albumId: '4LH4d3cOWNNsVw41Gqt2kv',
      albumName: 'The Dark Side of the Moon',
      explicit: true,
      durationMs: 90_999,
      coverImageUrl: IMAGE_URL,
    });
  });

  it('answers undefined when Spotify has no item, and typed errors for a bad token or an outage', async () => {
    expect(await provider().findTrackByIsrc(generatedIsrc(3), 'spotify-token-1')).toBeUndefined();
    await expect(provider().findTrackByIsrc('USRC17607839', 'wrong')).rejects.toBeInstanceOf(
      InvalidCatalogTokenError,
    );
    await expect(provider().findTrackByIsrc('GBAYE0000500', 'spotify-token-1')).rejects.toBeInstanceOf(
      CatalogUnavailableError,
    );
    const unreachable = createSpotifyCatalogProvider({
      clientId: 'a',
      clientSecret: 'b',
      apiUrl: 'http://127.0.0.1:9',
      accountsUrl: 'http://127.0.0.1:9',
    });
    await expect(unreachable.issueAccessToken()).rejects.toBeInstanceOf(CatalogUnavailableError);
  });

  it('serves the whole flow through the server: token, create, metadata and a cover fetched once', async () => {
    const { baseUrl, stop } = await startTestServer({
      spotify: { clientId: 'client-id', clientSecret: 'client-secret', apiUrl: API, accountsUrl: ACCOUNTS },
    });
    try {
      const client = createTrackManagerClient({ baseUrl, retry: 0 });
      expect((await client.getToken()).access_token).toBe('spotify-token-1');
      const created = await client.createTrack({ isrc: 'USRC17607839' });
      expect(created).toMatchObject({
        name: 'Speak to Me',
        playBackSeconds: 90,
        isExplicit: true,
        cover_image: IMAGE_URL,
      });
      expect((await client.getTrackMetadata({ isrc: 'USRC17607839' })).playbackSeconds).toBe(90);
      expect(await client.getTrackCover({ isrc: 'USRC17607839' })).toEqual(JPEG);
      expect(await client.getTrackCover({ isrc: 'USRC17607839' })).toEqual(JPEG);
      expect(imageRequests).toBe(1);

      // Spotify judges the caller's token (the ISRC is not saved yet, so the lookup happens).
      const rejected = await createTrackManagerClient({ baseUrl, retry: 0, token: 'expired' })
        .createTrack({ isrc: 'GBAYE0000600' })
        .catch((error: unknown) => error);
      expect(isApiError(rejected) && rejected.status).toBe(401);
      const outage = await client.createTrack({ isrc: 'GBAYE0000500' }).catch((error: unknown) => error);
      expect(isApiError(outage) && [outage.status, (outage.body as { error: string }).error]).toEqual([
        502,
        'Bad gateway',
      ]);
    } finally {
      await stop();
    }
  });
});
