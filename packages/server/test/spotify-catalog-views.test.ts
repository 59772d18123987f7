import { createDownloaderClient } from '@music-apis/sdk/downloader';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CatalogUnavailableError } from '../src/core/providers/catalog.js';
import { createSpotifyCatalogProvider } from '../src/core/providers/spotify-catalog.js';
import { startTestServer } from './helpers.js';

// MSW stands in for the Spotify Web API behind the downloader's catalog views.
const ACCOUNTS = 'https://accounts.spotify.views.test';
const API = 'https://api.spotify.views.test';
const artist = { id: '0k17h0D3J5VfsdmQ1iZtE9', name: 'Pink Floyd', type: 'artist' };
const album = {
  id: '4LH4d3cOWNNsVw41Gqt2kv',
  name: 'The Dark Side of the Moon',
  type: 'album',
  album_type: 'album',
  artists: [artist],
  images: [{ url: 'https://i.scdn.co/image/dsotm', height: 640, width: 640 }],
  release_date: '1973-03-01',
  total_tracks: 10,
};
const track = {
  id: '6rqhFgbbKwnb9MLmUQDhG6',
  name: 'Speak to Me',
  type: 'track',
  artists: [artist],
  album,
  duration_ms: 90_999,
  explicit: false,
  popularity: 60,
  external_urls: { spotify: 'https://open.spotify.com/track/6rqhFgbbKwnb9MLmUQDhG6' },
};
const page = (items: unknown[], url: URL) => ({
  href: url.href,
  items,
  limit: Number(url.searchParams.get('limit')),
  offset: Number(url.searchParams.get('offset')),
  total: items.length,
  next: null,
  previous: null,
});

const requests: URL[] = [];
const spotify = setupServer(
  http.post(`${ACCOUNTS}/api/token`, () =>
    HttpResponse.json({ access_token: 'views-token', token_type: 'Bearer', expires_in: 3600 }),
  ),
  http.get(`${API}/v1/*`, ({ request }) => {
    const url = new URL(request.url);
    requests.push(url);
    if (request.headers.get('authorization') !== 'Bearer views-token')
      return HttpResponse.json({ error: { status: 401 } }, { status: 401 });
    switch (url.pathname) {
      case `/v1/tracks/${track.id}`:
        return HttpResponse.json(track);
      case `/v1/tracks/down`:
        return new HttpResponse('upstream down', { status: 503 });
      case `/v1/albums/${album.id}`:
        return HttpResponse.json({ ...album, label: 'Harvest', copyrights: [], tracks: page([], url) });
      case `/v1/albums/${album.id}/tracks`:
        return HttpResponse.json(page([{ ...track, album: undefined }], url));
      case '/v1/search':
        return HttpResponse.json({ tracks: page([track], url) });
      default:
        return HttpResponse.json({ error: { status: 404, message: 'Resource not found' } }, { status: 404 });
    }
  }),
);

beforeAll(() => spotify.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => {
  requests.length = 0;
});
afterAll(() => spotify.close());

const provider = () =>
  createSpotifyCatalogProvider({
    clientId: 'id',
    clientSecret: 'secret',
    apiUrl: API,
    accountsUrl: ACCOUNTS,
  });

describe('Spotify catalog provider: the downloader views', () => {
  it('passes Spotify objects through, the album with the requested page of its tracks', async () => {
    const source = provider().spotify;
    expect(await source.track(track.id)).toEqual(track);
    const found = await source.album(album.id, { limit: 5, offset: 5 });
    expect(found?.tracks).toMatchObject({ limit: 5, offset: 5, items: [{ id: track.id }] });
    expect(requests.map((url) => url.pathname + url.search)).toContain(
      `/v1/albums/${album.id}/tracks?limit=5&offset=5`,
    );
    expect(await source.search('speak', 'track', 3)).toEqual([track]);
    expect(requests.at(-1)?.search).toBe('?q=speak&type=track&limit=3');
  });

  it('asks for the playlist fields the original asks for, and answers undefined for unknown items', async () => {
    const source = provider().spotify;
    expect(await source.playlist('unknown')).toBeUndefined();
    expect(requests.at(-1)?.searchParams.get('fields')).toBe(
      'id,name,description,owner,images,snapshot_id,public,followers,tracks.total',
    );
    expect(await source.track('unknown')).toBeUndefined();
    await expect(source.track('down')).rejects.toBeInstanceOf(CatalogUnavailableError);
  });

  it('serves /api/track/info and /api/search from Spotify when the server is configured with it', async () => {
    const server = await startTestServer({}, { catalogProvider: provider() });
    try {
      const client = createDownloaderClient({ baseUrl: server.baseUrl, retry: 0 });
      expect(await client.getTrackInfo({ id: track.id })).toEqual(track);
      expect(await client.searchSpotify({ q: 'speak', limit: 200 })).toEqual({ items: [track] });
      // The limit is clamped to Spotify's 50 before it is sent.
      expect(requests.at(-1)?.searchParams.get('limit')).toBe('50');
      const outage = await fetch(`${server.baseUrl}/api/track/info?id=down`);
      expect(outage.status).toBe(500);
      expect(await outage.json()).toMatchObject({ error: 'Failed to fetch track info' });
    } finally {
      await server.stop(true);
    }
  });
});
