import { describe, expect, it } from 'vitest';
import { createSongsClient } from '../../src/songs/index.js';
import { type ReceivedRequest, sendJson, startServer } from '../core/test-server.js';

/** An unsigned JWT-shaped token with `exp`, which is all the session reads. */
const jwt = (name: string, expiresInSeconds = 3600) =>
  `h.${Buffer.from(JSON.stringify({ sub: name, exp: Date.now() / 1000 + expiresInSeconds })).toString('base64url')}.s`;

const query = (request: ReceivedRequest | undefined) => [
  ...new URL(request?.url ?? '', 'http://x').searchParams,
];

describe('songs client (generated methods)', () => {
  it('sends the comma-separated filters (explode: false) joined, repeating nothing', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 200, []));
    const songs = createSongsClient({ baseUrl: server.baseUrl, auth: 'access-1' });

    await songs.listSongs({ ownerIds: ['me'], genres: ['Jazz', '-Pop'], limit: 5, sortOrder: 'desc' });
    await songs.countSongs({ moods: [] });

    expect(query(server.requests[0])).toEqual([
      ['limit', '5'],
      ['sortOrder', 'desc'],
      ['ownerIds', 'me'],
      ['genres', 'Jazz,-Pop'],
    ]);
    expect(query(server.requests[1])).toEqual([]);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer access-1');
  });

  it('pages with listSongPages and iterateSongs, `limit` at a time, from `offset`', async (context) => {
    const all = Array.from({ length: 7 }, (_, index) => ({ id: `s${index}`, title: `Song ${index}` }));
    const server = await startServer(context, (request, response) => {
      const params = new URL(request.url, server.baseUrl).searchParams;
      const offset = Number(params.get('offset'));
      sendJson(response, 200, all.slice(offset, offset + Number(params.get('limit'))));
    });
    const songs = createSongsClient({ baseUrl: server.baseUrl, auth: 'access-1' });

    const pages = [];
    for await (const page of songs.listSongPages({ limit: 3, genres: ['Jazz'] }))
      pages.push(page.map((s) => s.id));
    expect(pages).toEqual([['s0', 's1', 's2'], ['s3', 's4', 's5'], ['s6']]);
    expect(
      server.requests.map((request) => new URL(request.url, server.baseUrl).searchParams.get('offset')),
    ).toEqual(['0', '3', '6']);
    const ids = [];
    for await (const song of songs.iterateSongs({ offset: 5 })) ids.push(song.id);
    expect(ids).toEqual(['s5', 's6']);
  });

  it('logs in once, refreshes once for concurrent calls after a 401, and sends the refresh token only to refresh', async (context) => {
    let logins = 0;
    let refreshes = 0;
    let current = '';
    const server = await startServer(context, (request, response) => {
      if (request.url === '/v1/auth/login') {
        logins++;
        current = jwt(`access-${logins}`);
        return sendJson(response, 200, { accessToken: current, refreshToken: `refresh-${logins}` });
      }
      if (request.url === '/v1/auth/refresh') {
        refreshes++;
        current = jwt(`refreshed-${refreshes}`);
        return sendJson(response, 200, { accessToken: current, refreshToken: `refresh-r${refreshes}` });
      }
      if (request.headers.authorization !== `Bearer ${current}`) return void response.writeHead(401).end();
      sendJson(response, 200, { count: 1 });
    });
    const songs = createSongsClient({
      baseUrl: server.baseUrl,
      auth: { email: 'a@b.c', password: 'Secret123' },
    });

    expect(await songs.countSongs()).toEqual({ count: 1 });
    current = 'rotated-by-the-server';
    const counts = await Promise.all([songs.countSongs(), songs.countSongs(), songs.countSongs()]);

    expect(counts).toEqual([{ count: 1 }, { count: 1 }, { count: 1 }]);
    expect([logins, refreshes]).toEqual([1, 1]);
    const refresh = server.requests.find((request) => request.url === '/v1/auth/refresh');
    expect(refresh?.headers.authorization).toBe('Bearer refresh-1');
    const login = server.requests.find((request) => request.url === '/v1/auth/login');
    expect(login?.headers.authorization).toBeUndefined();
    expect(JSON.parse(login?.body ?? '')).toEqual({ email: 'a@b.c', password: 'Secret123' });
    expect(songs.session?.tokens?.refreshToken).toBe('refresh-r1');
  });

  it('refreshToken takes the refresh token; uploadAudio streams any async iterable as octet-stream', async (context) => {
    const server = await startServer(context, (_request, response) =>
      sendJson(response, 200, { accessToken: 'a', refreshToken: 'r', url: 'u' }),
    );
    const songs = createSongsClient({ baseUrl: server.baseUrl, auth: 'access-1' });
    async function* chunks() {
      yield new Uint8Array([82, 73]);
      yield new Uint8Array([70, 70]);
    }

    await songs.refreshToken({ refreshToken: 'refresh-9' });
    await songs.uploadAudio('song-1', chunks());

    const [refresh, upload] = server.requests;
    expect(refresh?.headers.authorization).toBe('Bearer refresh-9');
    expect(upload).toMatchObject({ method: 'POST', url: '/v1/songs/song-1/audio', body: 'RIFF' });
    expect(upload?.headers).toMatchObject({
      authorization: 'Bearer access-1',
      'content-type': 'application/octet-stream',
    });
  });
});
